/**
 * Reliability, part 2: interruption. `nianbao run --sample` is killed with SIGKILL at seeded
 * random points inside each stage (crawl, extract, normalize, export), restarted until it
 * completes, and its snapshot compared with an uninterrupted run's. After every kill: the
 * database passes PRAGMA integrity_check, no snapshot folder that is visible (a dated folder or
 * what `latest` points to) is incomplete, and every raw blob holds the bytes its name says.
 *
 * What is compared (exports carry run-dependent values): every CSV and Parquet row, all columns
 * except `extracted_at` (load time), with row identifiers (report_id, superseded_by, …) replaced
 * by the report's sha256 + parser version and agency/finding ids dropped (agency names are
 * compared); manifest.json file list with row counts; datapackage.json without `created`.
 *
 * The sample is made light for CI (NIANBAO_SAMPLE_KINDS=html,portal,docx: PDF/DOC attachments
 * are stand-ins; Chromium off, so the challenge column is a recorded failure in every run;
 * --delay-ms 0). Kills per stage: RELIABILITY_KILLS (default 10); seed: RELIABILITY_SEED.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/expected.ts';

type Stage = 'crawl' | 'extract' | 'normalize' | 'export';
const STAGES: Stage[] = ['crawl', 'extract', 'normalize', 'export'];
const KILLS = Number(process.env.RELIABILITY_KILLS ?? 10);
const SEED = Number(process.env.RELIABILITY_SEED ?? 20250101);
const KILLS_PER_LINEAGE = 5;
const PORT = 41000 + (process.pid % 2000);
const DATE = '2025-01-01';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-kill-'));
const config = path.join(work, 'config.json');
fs.writeFileSync(config, JSON.stringify({ crawl: { browser: false } }));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function mulberry32(a: number) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);

interface RunResult {
  code: number | null;
  killed: boolean;
  /** Stage running when the kill landed (null: before the first stage started). */
  killedIn: Stage | null;
  stageSeconds: Partial<Record<Stage, number>>;
  ms: number;
  stderr: string;
}

/** One `nianbao run --sample`; with `kill`, SIGKILLed `delayMs` after `stage` starts. */
function run(dataDir: string, kill?: { stage: Stage; delayMs: number }, only?: Stage[]): Promise<RunResult> {
  const args = [path.join(repoRoot, 'bin/nianbao.js'), 'run', '--sample', '--data-dir', dataDir, '--config', config, '--delay-ms', '0', '--since', DATE, '--json'];
  if (only) args.push('--only', only.join(','));
  const t0 = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NIANBAO_SAMPLE_KINDS: 'html,portal,docx', NIANBAO_SAMPLE_PORT: String(PORT), NIANBAO_WORKERS: '2', NIANBAO_OCR: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let current: Stage | null = null;
  let killedIn: Stage | null = null;
  let killed = false;
  const stageSeconds: RunResult['stageSeconds'] = {};
  let stderr = '';
  let buf = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: { event?: string; stage?: Stage; seconds?: number };
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      if (e.event === 'stage-start') {
        current = e.stage!;
        if (kill && e.stage === kill.stage && !killed) {
          setTimeout(() => {
            if (child.exitCode !== null || killed) return;
            killed = true;
            killedIn = current;
            child.kill('SIGKILL');
          }, kill.delayMs);
        }
      } else if (e.event === 'stage-end') {
        stageSeconds[e.stage!] = e.seconds!;
        if (current === e.stage) current = null;
      }
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve({ code, killed, killedIn, stageSeconds, ms: Date.now() - t0, stderr }));
  });
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Problems found in a data folder right after a kill (empty = all good). */
function checkAfterKill(dataDir: string): string[] {
  const problems: string[] = [];
  const dbFile = path.join(dataDir, 'nianbao.sqlite');
  if (fs.existsSync(dbFile)) {
    const db = new Database(dbFile);
    try {
      const r = db.pragma('integrity_check', { simple: true });
      if (r !== 'ok') problems.push(`integrity_check: ${r}`);
    } finally {
      db.close();
    }
  }
  const snaps = path.join(dataDir, 'snapshots');
  if (fs.existsSync(snaps)) {
    for (const name of fs.readdirSync(snaps)) {
      if (/^\d{4}-\d{2}-\d{2}$/.test(name)) problems.push(...incompleteSnapshot(path.join(snaps, name)));
    }
    const latest = path.join(snaps, 'latest');
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(latest);
    } catch {
      /* no latest yet */
    }
    if (st) {
      if (!fs.existsSync(latest)) problems.push('latest points to a missing folder');
      else problems.push(...incompleteSnapshot(latest).map((p) => `latest: ${p}`));
    }
  }
  const raw = path.join(dataDir, 'raw');
  if (fs.existsSync(raw)) {
    for (const sub of fs.readdirSync(raw)) {
      for (const f of fs.readdirSync(path.join(raw, sub))) {
        if (f.includes('.tmp-')) continue; // never renamed into place: invisible to readers
        if (sha256File(path.join(raw, sub, f)) !== f) problems.push(`raw blob ${f} does not hold its bytes`);
      }
    }
  }
  return problems;
}

function incompleteSnapshot(dir: string): string[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return [`${dir}: no manifest.json (half-written)`];
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: { path: string; bytes: number; sha256: string }[] };
  const out: string[] = [];
  for (const f of m.files) {
    const p = path.join(dir, f.path);
    if (!fs.existsSync(p)) out.push(`${dir}: ${f.path} missing`);
    else if (fs.statSync(p).size !== f.bytes || sha256File(p) !== f.sha256) out.push(`${dir}: ${f.path} differs from its manifest entry`);
  }
  return out;
}

// ------------------------------------------------------------------ comparing snapshots

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else q = false;
      } else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const DROP = new Set(['extracted_at', 'finding_id', 'agency_id', 'canonical_agency_id']);
const REPORT_REFS = /^(report_id|superseded_by|alternate_of|.*_report_id)$/;

function canonical(header: string[], rows: string[][], reportKey: Map<string, string>): string[] {
  return rows
    .map((r) =>
      header
        .map((h, i) => (DROP.has(h) ? null : REPORT_REFS.test(h) && r[i] ? `${h}=${reportKey.get(r[i]!) ?? `?${r[i]}`}` : `${h}=${r[i] ?? ''}`))
        .filter((x) => x !== null)
        .join('\u241f'),
    )
    .sort();
}

async function snapshotDigest(dataDir: string): Promise<Record<string, string[]>> {
  const dir = path.join(dataDir, 'snapshots', DATE);
  const out: Record<string, string[]> = {};
  const reportsCsv = parseCsv(fs.readFileSync(path.join(dir, 'reports.csv'), 'utf8'));
  const rh = reportsCsv[0]!;
  const key = new Map(reportsCsv.slice(1).map((r) => [r[rh.indexOf('report_id')]!, `${r[rh.indexOf('sha256')]}|${r[rh.indexOf('parser_version')]}`]));
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (f.endsWith('.csv')) {
      const rows = parseCsv(fs.readFileSync(p, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
      out[f] = [rows[0]!.join(','), ...canonical(rows[0]!, rows.slice(1), key)];
    } else if (f.endsWith('.parquet')) {
      const objs = (await parquetReadObjects({ file: await asyncBufferFromFile(p) })) as Record<string, unknown>[];
      const header = objs.length ? Object.keys(objs[0]!) : [];
      const str = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'bigint' ? v.toString() : String(v));
      out[f] = [header.join(','), ...canonical(header, objs.map((o) => header.map((h) => str(o[h]))), new Map([...key].map(([k, v]) => [k, v])))];
    } else if (f === 'manifest.json') {
      const m = JSON.parse(fs.readFileSync(p, 'utf8')) as { files: { path: string; rows?: number }[] };
      out[f] = m.files.map((x) => `${x.path} rows=${x.rows ?? '-'}`).sort();
    } else if (f === 'datapackage.json') {
      const d = JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown>;
      delete d.created;
      out[f] = [JSON.stringify(d)];
    } else out[f] = ['present'];
  }
  return out;
}

function rawInventory(dataDir: string): Map<string, number> {
  const m = new Map<string, number>();
  const raw = path.join(dataDir, 'raw');
  if (!fs.existsSync(raw)) return m;
  for (const sub of fs.readdirSync(raw)) for (const f of fs.readdirSync(path.join(raw, sub))) if (!f.includes('.tmp-')) m.set(f, fs.statSync(path.join(raw, sub, f)).size);
  return m;
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

describe('interruption: SIGKILL at seeded random points in every stage', () => {
  it(`restarts to the same snapshot as an uninterrupted run; integrity ok after every kill (≥ ${KILLS} kills per stage)`, async () => {
    const t0 = Date.now();
    // Reference run (it also renders the sample documents once; later folders get a copy).
    const ref = path.join(work, 'reference');
    const refRun = await run(ref);
    expect(refRun.code, refRun.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    const reference = await snapshotDigest(ref);
    const refRaw = rawInventory(ref);
    const docs = path.join(ref, 'sample');

    // Starting states: nothing; crawl done; crawl + extract done; all but export done.
    const prep: Record<Stage, string> = { crawl: '', extract: '', normalize: '', export: '' };
    prep.crawl = path.join(work, 'prep-crawl');
    fs.mkdirSync(prep.crawl);
    copyDir(docs, path.join(prep.crawl, 'sample'));
    const chain: [Stage, Stage][] = [['extract', 'crawl'], ['normalize', 'extract'], ['export', 'normalize']];
    for (const [stage, before] of chain) {
      prep[stage] = path.join(work, `prep-${stage}`);
      copyDir(prep[before], prep[stage]);
      const r = await run(prep[stage], undefined, [before]);
      expect(r.code, r.stderr.slice(-2000)).toBeLessThanOrEqual(1);
    }

    const kills: Record<Stage, number> = { crawl: 0, extract: 0, normalize: 0, export: 0 };
    const problems: string[] = [];
    const lineages: string[] = [];
    let restarts = 0;
    let n = 0;
    for (const stage of STAGES) {
      const duration = Math.max(0.3, refRun.stageSeconds[stage] ?? 1) * 1000;
      for (let lineage = 0; kills[stage] < KILLS && lineage < 8; lineage++) {
        const dir = path.join(work, `trial-${n++}`);
        copyDir(prep[stage], dir);
        const landed: string[] = [];
        for (let k = 0; k < KILLS_PER_LINEAGE && kills[stage] < KILLS; k++) {
          const delayMs = Math.round(random() * duration * 0.9);
          const r = await run(dir, { stage, delayMs });
          if (!r.killed) break; // the run finished before the kill point: nothing left to interrupt
          restarts++;
          if (r.killedIn) kills[r.killedIn]++;
          landed.push(`${r.killedIn ?? 'startup'}@${delayMs}ms`);
          const p = checkAfterKill(dir);
          problems.push(...p.map((x) => `trial ${dir} after kill in ${r.killedIn}: ${x}`));
        }
        const final = await run(dir);
        expect(final.code, final.stderr.slice(-3000)).toBeLessThanOrEqual(1);
        expect(final.killed).toBe(false);
        problems.push(...checkAfterKill(dir).map((x) => `trial ${dir} final: ${x}`));
        // What the killed runs left is cleaned up, and they are marked as interrupted.
        const leftovers = fs.readdirSync(path.join(dir, 'snapshots')).filter((x) => x.startsWith('.'));
        expect(leftovers, `${dir} leftovers`).toEqual([]);
        const db = new Database(path.join(dir, 'nianbao.sqlite'), { readonly: true });
        const runs = db.prepare(`SELECT status, COUNT(*) n FROM runs GROUP BY status`).all() as { status: string; n: number }[];
        db.close();
        expect(runs.find((r) => r.status === 'running'), `${dir} runs ${JSON.stringify(runs)}`).toBeUndefined();
        const digest = await snapshotDigest(dir);
        for (const f of Object.keys(reference)) expect(digest[f], `${path.basename(dir)} ${f}`).toEqual(reference[f]);
        expect(Object.keys(digest).sort()).toEqual(Object.keys(reference).sort());
        // Bytes lost: raw documents of the reference missing (or of another size) after the restarts.
        const inv = rawInventory(dir);
        const lost = [...refRaw].filter(([sha, size]) => inv.get(sha) !== size).reduce((s, [, size]) => s + size, 0);
        expect(lost).toBe(0);
        lineages.push(`${stage} lineage ${lineage}: kills ${landed.join(', ') || '(none)'} → restart ok, snapshot identical, bytes lost ${lost}`);
      }
    }
    const wall = Date.now() - t0;
    console.log(`[reliability figures] interruption: kills per stage ${JSON.stringify(kills)} (seed ${SEED}); ${restarts} SIGKILLs survived; integrity_check ok after each; half-written snapshots visible: ${problems.filter((p) => /snapshot|manifest|latest/.test(p)).length}; bytes lost 0; wall ${(wall / 1000).toFixed(0)} s\n  ${lineages.join('\n  ')}`);
    expect(problems).toEqual([]);
    for (const s of STAGES) expect(kills[s], `kills in ${s}`).toBeGreaterThanOrEqual(KILLS);
  }, 45 * 60_000);
});
