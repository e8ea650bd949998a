/**
 * Reliability, part 2: interruption. `nianbao run --sample` is killed with SIGKILL at seeded
 * random points inside each stage (crawl, extract, normalize, export), restarted, and its final
 * snapshot compared with an uninterrupted run's. After every kill: the database passes PRAGMA
 * integrity_check, no snapshot folder that is visible (a dated folder or what `latest` points to)
 * is incomplete, and every raw blob holds the bytes its name says.
 *
 * Kill points are chosen from the run's progress, so each one lands inside the stage's work:
 * - crawl: after k of the queue items still to do in the open crawl pass are finished (crawl_queue);
 * - extract: after k of the T documents the stage announced are stored (extractions);
 * - normalize (one load transaction at the end of the stage): k ms into the stage, k uniform
 *   over the stage's measured duration (parsing, the load transaction, cross-report checks);
 * - export: once k of the snapshot's files are in the hidden temporary folder; one kill in four
 *   once all but manifest.json (written last) are there, with 0–3 ms: the end of the export;
 * plus 0–20 ms of jitter. The instants inside the swap (between two renames) are too short to hit
 * by polling: the second test builds the states a kill there leaves and restarts from them. Only kills that landed in the stage (its stage-start logged, not its
 * stage-end) are counted; a run that finished first is just a run. Several kills follow each
 * other in a lineage (the restarted run is killed again), then a full `nianbao run` completes it.
 * The killed runs do only the stage under test (`--only <stage>`, from a data folder holding the
 * earlier stages' results: what a full run holds when it gets to that stage); the restart after
 * them is a whole `nianbao run`.
 *
 * What is compared (exports carry run-dependent values): every CSV and Parquet row of the
 * snapshot `latest` points to, all columns except `extracted_at` (load time), with row
 * identifiers (report_id, superseded_by, …) replaced by the report's sha256 + parser version and
 * agency/finding ids dropped (agency names are compared); manifest.json file list with row
 * counts; datapackage.json without `created` (and with the snapshot date blanked); the raw
 * blobs (bytes lost = bytes of the reference's blobs missing afterwards).
 *
 * The sample is made light for CI (NIANBAO_SAMPLE_KINDS=html,portal,docx: PDF/DOC attachments
 * are stand-ins; Chromium off, so the challenge column is a recorded failure in every run;
 * --delay-ms 0). Kills per stage: RELIABILITY_KILLS (default 10); seed: RELIABILITY_SEED.
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
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
const MAX_LINEAGES = 6;

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
const randInt = (n: number) => Math.floor(random() * Math.max(1, n));

/**
 * The sample portal's port: one that is free now, below the ephemeral range (32768+), so no
 * outgoing connection takes it between two runs; the URLs must stay the same across restarts.
 */
async function freePort(): Promise<number> {
  const base = 20000 + (process.pid % 10000);
  for (let i = 0; i < 2000; i++) {
    const port = 20000 + ((base - 20000 + i * 7) % 12000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}
let PORT = 0;
/** The uninterrupted run's data folder, once the first test made it. */
let referenceDir: string | undefined;

/** Where to kill, decided when the stage starts (it may need the stage's announced total). */
interface KillPlan {
  stage: Stage;
  /** Items the crawl pass still has to do (from the reference's pass size). */
  crawlLeft?: number;
  /** Normalize stage duration to spread time-based kills over (ms): the shortest seen. */
  normalizeMs?: number;
  /** Files of a snapshot (manifest included). */
  exportFiles?: number;
}

interface RunResult {
  code: number | null;
  killed: boolean;
  /** The stage that had started and not ended when the process died (null: none). */
  killedIn: Stage | null;
  /** Where the kill was aimed, e.g. `extract 3/7 +12ms`. */
  point?: string;
  stageSeconds: Partial<Record<Stage, number>>;
  ms: number;
  stderr: string;
}

const dbFileOf = (dataDir: string) => path.join(dataDir, 'nianbao.sqlite');

function count(dataDir: string, sql: string): number {
  if (!fs.existsSync(dbFileOf(dataDir))) return 0;
  const db = new Database(dbFileOf(dataDir), { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const PROGRESS_SQL: Partial<Record<Stage, string>> = {
  // Queue items finished in the crawl pass that is open (a pass killed earlier is resumed).
  crawl: `SELECT COUNT(*) n FROM crawl_queue q JOIN crawl_runs r ON r.id = q.run_id WHERE r.status = 'running' AND q.state != 'pending'`,
  extract: `SELECT COUNT(*) n FROM extractions`,
};

/** One `nianbao run --sample` (only some stages, or all); with `kill`, SIGKILLed at a progress point of that stage. */
function run(dataDir: string, opts: { only?: Stage[]; kill?: KillPlan } = {}): Promise<RunResult> {
  const args = [path.join(repoRoot, 'bin/nianbao.js'), 'run', '--sample', '--data-dir', dataDir, '--config', config, '--delay-ms', '0', '--json'];
  if (opts.only) args.push('--only', opts.only.join(','));
  const kill = opts.kill;
  const before = kill && PROGRESS_SQL[kill.stage] ? count(dataDir, PROGRESS_SQL[kill.stage]!) : 0;
  const t0 = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NIANBAO_SAMPLE_KINDS: 'html,portal,docx', NIANBAO_SAMPLE_PORT: String(PORT), NIANBAO_WORKERS: '2', NIANBAO_OCR: '0', NIANBAO_SINCE: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  let killed = false;
  let point: string | undefined;
  let stderr = '';
  let buf = '';
  let poller: NodeJS.Timeout | undefined;
  let reader: Database.Database | undefined;
  const stopPolling = () => {
    if (poller) clearTimeout(poller);
    poller = undefined;
    reader?.close();
    reader = undefined;
  };
  const doKill = (jitterMs: number) => {
    stopPolling();
    setTimeout(() => {
      if (exited || killed) return;
      killed = true;
      child.kill('SIGKILL');
    }, jitterMs);
  };
  /** Poll every few ms until `reached()` says the kill point is there. */
  const pollUntil = (reached: () => boolean, jitterMs: number) => {
    const tick = () => {
      if (exited) return stopPolling();
      let ok = false;
      try {
        ok = reached();
      } catch {
        /* database or folder not there yet: poll again */
      }
      if (ok) doKill(jitterMs);
      else poller = setTimeout(tick, 3);
    };
    tick();
  };
  const onStageStart = (stage: Stage, total: number) => {
    if (!kill || stage !== kill.stage || point) return;
    const jitter = randInt(20);
    if (stage === 'crawl' || stage === 'extract') {
      const todo = stage === 'crawl' ? Math.max(1, kill.crawlLeft ?? 1) : total;
      const k = randInt(todo);
      const target = before + k;
      point = `${stage} ${k}/${todo} +${jitter}ms`;
      if (k === 0) return doKill(jitter);
      pollUntil(() => {
        reader ??= new Database(dbFileOf(dataDir), { readonly: true, fileMustExist: true });
        return (reader.prepare(PROGRESS_SQL[stage]!).get() as { n: number }).n >= target;
      }, jitter);
    } else if (stage === 'normalize') {
      if (random() < 0.5) {
        const ms = randInt(0.9 * (kill.normalizeMs ?? 500));
        point = `normalize at ${ms}ms`;
        return doKill(ms);
      }
      // Inside the load transaction (BEGIN IMMEDIATE … COMMIT): seen as the write lock being held.
      const j = randInt(5);
      point = `normalize in the load transaction +${j}ms`;
      pollUntil(() => {
        reader ??= new Database(dbFileOf(dataDir), { timeout: 0, fileMustExist: true });
        try {
          reader.exec('BEGIN IMMEDIATE');
        } catch (e) {
          return (e as { code?: string }).code === 'SQLITE_BUSY';
        }
        reader.exec('ROLLBACK');
        return false;
      }, j);
    } else {
      const files = kill.exportFiles ?? 13;
      // k files in the temporary folder; one kill in four once all but manifest.json are there,
      // with a short jitter: the manifest, the swap into place and the switch of `latest`.
      const end = random() < 1 / 4;
      const k = end ? files - 1 : randInt(files - 1);
      const j = end ? randInt(4) : jitter;
      point = end ? `export at the end (${k}/${files} files) +${j}ms` : `export ${k}/${files} files +${j}ms`;
      if (k === 0) return doKill(j);
      const snaps = path.join(dataDir, 'snapshots');
      pollUntil(() => {
        const tmp = fs.readdirSync(snaps).find((f) => f.startsWith('.tmp-'));
        return !!tmp && fs.readdirSync(path.join(snaps, tmp)).length >= k;
      }, j);
    }
  };
  const seen: { stage: Stage; start: boolean; seconds?: number }[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: { event?: string; stage?: Stage; seconds?: number; total?: number };
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      if (e.event === 'stage-start') {
        seen.push({ stage: e.stage!, start: true });
        onStageStart(e.stage!, e.total ?? 0);
      } else if (e.event === 'stage-end') seen.push({ stage: e.stage!, start: false, seconds: e.seconds });
    }
  });
  child.on('exit', () => {
    exited = true;
    stopPolling();
  });
  return new Promise((resolve) => {
    // 'close': every line the child wrote to stderr has been read.
    child.on('close', (code) => {
      stopPolling();
      const stageSeconds: RunResult['stageSeconds'] = {};
      let open: Stage | null = null;
      for (const s of seen) {
        if (s.start) open = s.stage;
        else {
          stageSeconds[s.stage] = s.seconds;
          if (open === s.stage) open = null;
        }
      }
      resolve({ code, killed, killedIn: killed ? open : null, point, stageSeconds, ms: Date.now() - t0, stderr });
    });
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
    // Read-only, as a reader would: the restart then meets the files exactly as the kill left
    // them (a read-write close would checkpoint the WAL first).
    let db: Database.Database;
    try {
      db = new Database(dbFile, { readonly: true, fileMustExist: true });
      db.pragma('schema_version');
    } catch (e) {
      problems.push(`database cannot be opened read-only after the kill: ${(e as Error).message}`);
      db = new Database(dbFile);
    }
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

/** The snapshot `latest` points to, made comparable (see the header). */
async function snapshotDigest(dataDir: string): Promise<Record<string, string[]>> {
  const dir = fs.realpathSync(path.join(dataDir, 'snapshots', 'latest'));
  if (path.dirname(dir) !== fs.realpathSync(path.join(dataDir, 'snapshots'))) throw new Error(`${dataDir}: latest points outside its folder (${dir})`);
  const date = path.basename(dir);
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
      out[f] = [JSON.stringify(d).split(date).join('<date>')];
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
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true }); // `latest` stays relative: the copy's own snapshot
}

describe('interruption: SIGKILL at seeded random points in every stage', () => {
  it(`restarts to the same snapshot as an uninterrupted run; integrity ok after every kill (≥ ${KILLS} kills per stage)`, async () => {
    const t0 = Date.now();
    PORT = await freePort();
    // Reference run (it also renders the sample documents once; later folders get a copy).
    const ref = path.join(work, 'reference');
    const refRun = await run(ref);
    referenceDir = ref;
    expect(refRun.code, refRun.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    const reference = await snapshotDigest(ref);
    const refRaw = rawInventory(ref);
    const docs = path.join(ref, 'sample');
    const plan = {
      crawlPass: count(ref, `SELECT COUNT(*) n FROM crawl_queue WHERE run_id = (SELECT MAX(id) FROM crawl_runs)`),
      normalizeMs: Math.round((refRun.stageSeconds.normalize ?? 0.5) * 1000),
      exportFiles: Object.keys(reference).length,
    };

    // Starting states: nothing; crawl done; crawl + extract done; all but export done.
    const prep: Record<Stage, string> = { crawl: '', extract: '', normalize: '', export: '' };
    prep.crawl = path.join(work, 'prep-crawl');
    fs.mkdirSync(prep.crawl);
    copyDir(docs, path.join(prep.crawl, 'sample'));
    const chain: [Stage, Stage][] = [['extract', 'crawl'], ['normalize', 'extract'], ['export', 'normalize']];
    for (const [stage, before] of chain) {
      prep[stage] = path.join(work, `prep-${stage}`);
      copyDir(prep[before], prep[stage]);
      const r = await run(prep[stage], { only: [before] });
      expect(r.code, r.stderr.slice(-2000)).toBeLessThanOrEqual(1);
      if (r.stageSeconds.normalize) plan.normalizeMs = Math.min(plan.normalizeMs, r.stageSeconds.normalize * 1000);
    }
    const tPrep = Date.now() - t0;

    const kills: Record<Stage, number> = { crawl: 0, extract: 0, normalize: 0, export: 0 };
    const misses: Record<Stage, number> = { crawl: 0, extract: 0, normalize: 0, export: 0 };
    const stageWall: Record<Stage, number> = { crawl: 0, extract: 0, normalize: 0, export: 0 };
    const problems: string[] = [];
    const lineages: string[] = [];
    let n = 0;
    for (const stage of STAGES) {
      const ts = Date.now();
      for (let lineage = 0; kills[stage] < KILLS && lineage < MAX_LINEAGES; lineage++) {
        const dir = path.join(work, `trial-${n++}`);
        copyDir(prep[stage], dir);
        const landed: string[] = [];
        for (let attempt = 0; landed.length < KILLS_PER_LINEAGE && kills[stage] < KILLS && attempt < 2 * KILLS_PER_LINEAGE; attempt++) {
          const kill: KillPlan = { stage, normalizeMs: plan.normalizeMs, exportFiles: plan.exportFiles };
          if (stage === 'crawl') kill.crawlLeft = plan.crawlPass - count(dir, PROGRESS_SQL.crawl!);
          if (stage === 'extract' && count(dir, `SELECT COUNT(DISTINCT sha256) n FROM documents WHERE sha256 IS NOT NULL`) <= count(dir, PROGRESS_SQL.extract!)) break; // nothing left to extract
          const r = await run(dir, { only: [stage], kill });
          if (r.stageSeconds.normalize) plan.normalizeMs = Math.min(plan.normalizeMs, r.stageSeconds.normalize * 1000);
          if (r.killedIn !== stage) {
            // The stage finished before the kill point (or the kill came after it): nothing to check but the run.
            misses[stage]++;
            expect(r.killed || r.code! <= 1, `${path.basename(dir)} ${r.point}: ${r.stderr.slice(-2000)}`).toBe(true);
            if (stage === 'normalize' || stage === 'extract') break; // the stage's work is done: the next run would have none
            continue;
          }
          kills[stage]++;
          landed.push(r.point!);
          const p = checkAfterKill(dir);
          problems.push(...p.map((x) => `${path.basename(dir)} after kill at ${r.point}: ${x}`));
        }
        // The restart: a whole run, to the end.
        const final = await run(dir);
        if (final.stageSeconds.normalize) plan.normalizeMs = Math.min(plan.normalizeMs, final.stageSeconds.normalize * 1000);
        expect(final.code, final.stderr.slice(-3000)).toBeLessThanOrEqual(1);
        problems.push(...checkAfterKill(dir).map((x) => `${path.basename(dir)} final: ${x}`));
        // What the killed runs left is cleaned up, and they are marked as interrupted.
        const leftovers = fs.readdirSync(path.join(dir, 'snapshots')).filter((x) => x.startsWith('.'));
        expect(leftovers, `${dir} leftovers`).toEqual([]);
        const db = new Database(dbFileOf(dir), { readonly: true });
        const runs = db.prepare(`SELECT status, COUNT(*) n FROM runs GROUP BY status`).all() as { status: string; n: number }[];
        db.close();
        expect(runs.find((r) => r.status === 'running'), `${dir} runs ${JSON.stringify(runs)}`).toBeUndefined();
        const digest = await snapshotDigest(dir);
        for (const f of Object.keys(reference)) expect(digest[f], `${path.basename(dir)} ${f} (kills ${landed.join(', ')})`).toEqual(reference[f]);
        expect(Object.keys(digest).sort()).toEqual(Object.keys(reference).sort());
        // Bytes lost: raw documents of the reference missing (or of another size) after the restarts.
        const inv = rawInventory(dir);
        const lost = [...refRaw].filter(([sha, size]) => inv.get(sha) !== size).reduce((s, [, size]) => s + size, 0);
        expect(lost).toBe(0);
        lineages.push(`${stage} lineage ${lineage}: kills at ${landed.join('; ') || '(none)'} → restart ok, snapshot identical, bytes lost ${lost}`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      stageWall[stage] = Date.now() - ts;
    }
    const wall = Date.now() - t0;
    const survived = Object.values(kills).reduce((a, b) => a + b, 0);
    console.log(
      `[reliability figures] interruption: kills survived per stage ${JSON.stringify(kills)} = ${survived} SIGKILLs (seed ${SEED}; runs that finished before their kill point: ${JSON.stringify(misses)}); ` +
        `integrity_check ok after each; half-written snapshots visible: ${problems.filter((p) => /snapshot|manifest|latest/.test(p)).length}; bytes lost 0; ` +
        `wall ${(wall / 1000).toFixed(0)} s (reference + prep ${(tPrep / 1000).toFixed(0)} s; ${STAGES.map((s) => `${s} ${(stageWall[s] / 1000).toFixed(0)} s`).join(', ')})\n  ${lineages.join('\n  ')}`,
    );
    expect(problems).toEqual([]);
    for (const s of STAGES) expect(kills[s], `kills in ${s}`).toBeGreaterThanOrEqual(KILLS);
  }, 30 * 60_000);

  it('a kill inside the snapshot swap leaves a complete snapshot or none, and the next run restores it before anything else', async () => {
    PORT ||= await freePort();
    if (!referenceDir) {
      referenceDir = path.join(work, 'reference');
      const r = await run(referenceDir);
      expect(r.code, r.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    }
    const reference = await snapshotDigest(referenceDir);
    const date = path.basename(fs.realpathSync(path.join(referenceDir, 'snapshots', 'latest')));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a writer that is gone
    const states: Record<string, (snaps: string) => void> = {
      // swapInto: the dated folder renamed aside, the new one not yet renamed into place.
      'between the two renames': (snaps) => {
        fs.renameSync(path.join(snaps, date), path.join(snaps, `.old-${date}-${dead}-0000000a`));
        copyDir(path.join(snaps, `.old-${date}-${dead}-0000000a`), path.join(snaps, `.tmp-${date}-${dead}-0000000b`));
      },
      // swapInto removing the old folder; updateLatest's new link not renamed yet; another export half written.
      'removing the old folder, switching latest, writing another': (snaps) => {
        const old = path.join(snaps, `.old-${date}-${dead}-0000000c`);
        copyDir(path.join(snaps, date), old);
        for (const f of fs.readdirSync(old).slice(0, 6)) fs.rmSync(path.join(old, f));
        fs.symlinkSync(date, path.join(snaps, `.latest-${dead}-0000000d`), 'dir');
        const half = path.join(snaps, `.tmp-${date}-${dead}-0000000e`);
        fs.mkdirSync(half);
        fs.copyFileSync(path.join(snaps, date, 'reports.csv'), path.join(half, 'reports.csv'));
        fs.writeFileSync(path.join(half, 'facts.csv'), 'report_id,tbl,ro');
      },
    };
    const figures: string[] = [];
    for (const [name, make] of Object.entries(states)) {
      const dir = path.join(work, `swap-${Object.keys(states).indexOf(name)}`);
      copyDir(referenceDir, dir);
      const snaps = path.join(dir, 'snapshots');
      make(snaps);
      // What a reader sees right after such a kill: no incomplete snapshot (a missing one at worst).
      const visible = checkAfterKill(dir);
      expect(visible.filter((p) => !/latest points to a missing folder/.test(p)), name).toEqual([]);
      // The next run, even one that stops before its export (here: --only normalize, nothing to
      // do), puts the snapshot back before anything else.
      const next = await run(dir, { only: ['normalize'] });
      expect(next.code, next.stderr.slice(-2000)).toBeLessThanOrEqual(1);
      expect(checkAfterKill(dir), name).toEqual([]);
      expect(await snapshotDigest(dir), name).toEqual(reference);
      expect(fs.readdirSync(snaps).filter((x) => x.startsWith('.')), name).toEqual([]);
      // And a whole run ends with the same snapshot.
      const final = await run(dir);
      expect(final.code, final.stderr.slice(-3000)).toBeLessThanOrEqual(1);
      expect(await snapshotDigest(dir), name).toEqual(reference);
      figures.push(`${name}: visible after the kill ${visible.length ? visible.join('; ').replace(dir, '…') : 'the complete snapshot'}; restored by the next run`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`[reliability figures] interruption inside the snapshot swap:\n  ${figures.join('\n  ')}`);
  }, 10 * 60_000);
});
