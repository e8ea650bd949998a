/**
 * One benchmark phase, run in its own process so that its peak RSS (VmHWM, reported by the
 * process itself on exit) is its own:
 *
 *   node bin/run-script.js scripts/bench/phase.ts <extract|normalize|load|export|crawl> '<json args>'
 *
 * Prints one JSON line (prefixed BENCH_RESULT) with the phase's figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ExtractedDocument } from '../../extract/model.ts';
import { compareFacts, readSeeds, repoRoot, seedModel, variant, type CorpusDoc, type CorpusManifest, type DocKind } from './corpus.ts';
import { rng } from '../lib/rng.ts';
import { freshBuild } from '../../bin/build-stamp.js';

export interface ExtractArgs {
  corpusDir: string;
  workers: number;
  kinds?: DocKind[];
  /** Time pdftotext -layout on each PDF right after nianbao's extraction of it. */
  pdftotext?: boolean;
  /** Folder to store the packed extractions in (for the normalize phase). */
  store?: string;
  timeoutMs?: number;
}

export interface TypeFigures {
  docs: number;
  bytes: number;
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
  docsPerS: number;
  mbPerS: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function figures(times: number[], bytes: number): TypeFigures {
  const s = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return {
    docs: times.length,
    bytes,
    totalMs: round(total),
    p50Ms: round(percentile(s, 50)),
    p95Ms: round(percentile(s, 95)),
    docsPerS: round(total ? (times.length * 1000) / total : 0),
    mbPerS: round(total ? bytes / 1048576 / (total / 1000) : 0),
  };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function peak(): { peakRssMb: number } {
  // VmHWM: the process's resident high-water mark (worker threads included).
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return { peakRssMb: round(Number(m[1]) / 1024, 1) };
  } catch {
    /* not Linux */
  }
  return { peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1) };
}

function manifestOf(dir: string): CorpusManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as CorpusManifest;
}

// ------------------------------------------------------------------ extract

async function extractPhase(a: ExtractArgs) {
  const { ExtractPool } = await import('../../pipeline/pool.ts');
  const { packDocument } = await import('../../pipeline/extract-stage.ts');
  const manifest = manifestOf(a.corpusDir);
  const kinds: DocKind[] = a.kinds ?? ['pdf', 'docx', 'html'];
  const docs = manifest.docs.filter((d) => kinds.includes(d.kind));
  const bytes = new Map<string, Buffer>(docs.map((d) => [d.id, fs.readFileSync(path.join(a.corpusDir, d.file))]));
  const pool = new ExtractPool({ workers: a.workers, timeoutMs: a.timeoutMs ?? 120_000 });
  const failures: Record<string, number> = {};
  const engineWarnings = new Set<string>();
  const extractOne = async (d: CorpusDoc) => {
    const r = await pool.extract(bytes.get(d.id)!, { fileName: d.file });
    if (r.error) failures[r.error.code] = (failures[r.error.code] ?? 0) + 1;
    // A PDF engine that cannot load falls back to pdf.js with a warning: the figures would lie.
    for (const w of r.doc?.warnings ?? []) if (/PDF engine|unknown PDF engine/i.test(w)) engineWarnings.add(w);
    return r;
  };
  // Warm-up: every worker loads its extractors (pdf.js, mammoth, cheerio) before timing starts.
  const warm = kinds.map((k) => docs.find((d) => d.kind === k)).filter((d): d is CorpusDoc => !!d);
  for (let round = 0; round < 2; round++) await Promise.all(warm.flatMap((d) => Array.from({ length: pool.size }, () => extractOne(d))));
  for (const k of Object.keys(failures)) delete failures[k];

  if (a.store) fs.mkdirSync(a.store, { recursive: true });
  const perDoc = new Map<string, number>();
  const pdftotextMs: number[] = [];
  const pdfNianbaoMs: number[] = [];
  const t0 = performance.now();
  if (a.workers === 1) {
    // One document at a time, grouped by type: per-document times are service times.
    for (const k of kinds) {
      for (const d of docs.filter((x) => x.kind === k)) {
        const s = performance.now();
        const r = await extractOne(d);
        const ms = performance.now() - s;
        perDoc.set(d.id, ms);
        if (a.store && r.doc) fs.writeFileSync(path.join(a.store, `${d.id}.gz`), packDocument(r.doc));
        if (a.pdftotext && d.kind === 'pdf') {
          // Interleaved with nianbao's run of the same file, so machine noise hits both alike.
          const p = performance.now();
          const out = spawnSync('pdftotext', ['-layout', path.join(a.corpusDir, d.file), '-'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
          if (out.status === 0) {
            pdftotextMs.push(performance.now() - p);
            pdfNianbaoMs.push(ms);
          }
        }
      }
    }
  } else {
    // As the extract stage feeds the pool: one loop per worker, corpus order (types mixed).
    await eachConcurrently(docs, pool.size, async (d) => {
      const s = performance.now();
      await extractOne(d);
      perDoc.set(d.id, performance.now() - s);
    });
  }
  const wallMs = performance.now() - t0;
  await pool.close();
  const byType: Record<string, TypeFigures> = {};
  for (const k of kinds) {
    const ds = docs.filter((d) => d.kind === k);
    if (ds.length) byType[k] = figures(ds.map((d) => perDoc.get(d.id)!), ds.reduce((s, d) => s + d.bytes, 0));
  }
  const serviceMs = [...perDoc.values()].reduce((x, y) => x + y, 0);
  const totalBytes = docs.reduce((s, d) => s + d.bytes, 0);
  // With one worker and interleaved pdftotext the wall clock includes pdftotext: use the sum.
  const effectiveMs = a.workers === 1 ? serviceMs : wallMs;
  const pdfSum = pdfNianbaoMs.reduce((x, y) => x + y, 0);
  const popplerSum = pdftotextMs.reduce((x, y) => x + y, 0);
  return {
    workers: pool.size,
    engine: process.env.NIANBAO_PDF_ENGINE ?? null,
    docs: docs.length,
    bytes: totalBytes,
    wallMs: round(effectiveMs),
    docsPerS: round((docs.length * 1000) / effectiveMs),
    mbPerS: round(totalBytes / 1048576 / (effectiveMs / 1000)),
    byType,
    failures,
    engineWarnings: [...engineWarnings],
    pdftotext: pdftotextMs.length
      ? {
          docs: pdftotextMs.length,
          totalMs: round(popplerSum),
          p50Ms: round(percentile([...pdftotextMs].sort((x, y) => x - y), 50)),
          p95Ms: round(percentile([...pdftotextMs].sort((x, y) => x - y), 95)),
          nianbaoTotalMs: round(pdfSum),
          ratio: round(pdfSum / popplerSum, 3),
        }
      : null,
    ...peak(),
  };
}

// ------------------------------------------------------------------ normalize

interface NormalizeArgs {
  corpusDir: string;
  store: string;
  out: string;
}

async function normalizePhase(a: NormalizeArgs) {
  const { reportFromExtraction } = await import('../../normalize/report.ts');
  const { unpackDocument } = await import('../../pipeline/extract-stage.ts');
  const manifest = manifestOf(a.corpusDir);
  const times: Record<string, number[]> = {};
  const unpackTimes: number[] = [];
  const matched: Record<string, { docs: number; exact: number; facts: number; factsRight: number }> = {};
  const mismatches: string[] = [];
  const outFd = fs.openSync(a.out, 'w');
  let facts = 0;
  let docs = 0;
  let bytes = 0;
  let missing = 0;
  // Warm-up (JIT) on the first few documents, not timed.
  for (const d of manifest.docs.slice(0, 5)) {
    const f = path.join(a.store, `${d.id}.gz`);
    if (fs.existsSync(f)) reportFromExtraction(unpackDocument(fs.readFileSync(f)), { file: d.file, sha256: d.id, withText: true });
  }
  for (const d of manifest.docs) {
    const f = path.join(a.store, `${d.id}.gz`);
    if (!fs.existsSync(f)) {
      missing++;
      continue;
    }
    const blob = fs.readFileSync(f);
    const u = performance.now();
    const doc: ExtractedDocument = unpackDocument(blob);
    unpackTimes.push(performance.now() - u);
    const sha = createHash('sha256').update(d.file).digest('hex');
    const s = performance.now();
    const result = reportFromExtraction(doc, { file: d.file, sha256: sha, withText: true });
    (times[d.kind] ??= []).push(performance.now() - s);
    docs++;
    bytes += d.bytes;
    facts += result.facts.length;
    const diff = compareFacts(d.expected, result.facts);
    const m = (matched[d.kind] ??= { docs: 0, exact: 0, facts: 0, factsRight: 0 });
    m.docs++;
    const n = Object.keys(d.expected).length;
    m.facts += n;
    m.factsRight += n - diff.filter((x) => !x.endsWith(' extra')).length;
    if (!diff.length) m.exact++;
    else if (mismatches.length < 20) mismatches.push(`${d.file}: ${diff.slice(0, 4).join('; ')}`);
    const ctx = { documentUrl: `http://bench.test/${d.file}`, sourceUrl: `http://bench.test/${d.id}.html`, portal: 'bench' };
    fs.writeSync(outFd, JSON.stringify({ result, ctx }) + '\n');
  }
  fs.closeSync(outFd);
  const all = Object.values(times).flat();
  const total = all.reduce((x, y) => x + y, 0);
  const exact = Object.values(matched).reduce((s, m) => s + m.exact, 0);
  return {
    docs,
    missing,
    facts,
    totalMs: round(total),
    docsPerS: round((docs * 1000) / total),
    factsPerS: round((facts * 1000) / total),
    unpackMs: round(unpackTimes.reduce((x, y) => x + y, 0)),
    byType: Object.fromEntries(Object.entries(times).map(([k, t]) => [k, figures(t, manifest.docs.filter((d) => d.kind === k).reduce((s, d) => s + d.bytes, 0))])),
    correctness: { docs, exact, share: round(docs ? exact / docs : 0, 4), byType: matched, mismatches },
    ...peak(),
  };
}

// ------------------------------------------------------------------ load

interface LoadArgs {
  /** results.jsonl of the normalize phase; synthetic reports when absent. */
  results?: string;
  dbFile: string;
  /** Load at least this many facts (reports are repeated under new identities to get there). */
  facts: number;
  batch?: number;
  /** Keep each report's full text (as the normalize stage does: full-text indexes). Default true. */
  text?: boolean;
}

type Item = { result: import('../../dataset/load.ts').ReportInput; ctx: import('../../dataset/load.ts').LoadContext };

/** Synthetic reports: seed variants read back through the normalizer (sources, text, findings). */
async function syntheticItems(n: number): Promise<Item[]> {
  const { reportFromExtraction } = await import('../../normalize/report.ts');
  const models = readSeeds().map(seedModel);
  const out: Item[] = [];
  for (let i = 0; i < n; i++) {
    const m = models[i % models.length]!;
    const v = variant(m, rng(0x5eed + i));
    const sha = createHash('sha256').update(`synthetic-${i}`).digest('hex');
    const result = reportFromExtraction(v.doc, { file: `synthetic-${i}`, sha256: sha, withText: true });
    out.push({ result, ctx: { documentUrl: `http://bench.test/s${i}.pdf`, sourceUrl: `http://bench.test/s${i}.html`, portal: 'bench' } });
  }
  return out;
}

/**
 * Correctness of a load: every fact read back through the facts view (value, page, block, cell,
 * printed text, confidence) equals the one given, per report (the first of a cell given twice).
 */
function loadedAsGiven(db: import('../../store/db.ts').DB, items: Item[]) {
  const line = (f: { value: number | null; page?: number | null; block?: number | null; cellRow?: number | null; cellCol?: number | null; printed?: string | null; confidence?: number | null }) =>
    [f.value, f.page ?? null, f.block ?? null, f.cellRow ?? null, f.cellCol ?? null, f.printed ?? null, f.confidence ?? null].join('|');
  const want = new Map<string, Map<string, string>>();
  for (const it of items) {
    const cells = new Map<string, string>();
    for (const f of it.result.facts ?? []) {
      const key = `${f.table}.${f.row}.${f.col}`;
      const src = f.source;
      if (!cells.has(key)) cells.set(key, line({ value: f.value, page: src?.page, block: src?.block, cellRow: src?.cellRow, cellCol: src?.cellCol, printed: src?.text, confidence: f.confidence }));
    }
    want.set(it.result.sha256, cells);
  }
  const got = new Map<string, Map<string, string>>();
  const rows = db.prepare('SELECT r.sha256 AS sha, f.tbl, f.row, f.col, f.value, f.page, f.block, f.cell_row AS cellRow, f.cell_col AS cellCol, f.printed, f.confidence FROM facts f JOIN reports r ON r.id = f.report_id').iterate() as Iterable<{ sha: string; tbl: string; row: string; col: string; value: number | null; page: number | null; block: number | null; cellRow: number | null; cellCol: number | null; printed: string | null; confidence: number | null }>;
  for (const r of rows) {
    let cells = got.get(r.sha);
    if (!cells) got.set(r.sha, (cells = new Map()));
    cells.set(`${r.tbl}.${r.row}.${r.col}`, line(r));
  }
  const mismatches: string[] = [];
  let facts = 0;
  for (const [sha, cells] of want) {
    const mine = got.get(sha) ?? new Map<string, string>();
    facts += cells.size;
    for (const [key, v] of cells) if (mine.get(key) !== v) mismatches.push(`${sha.slice(0, 8)} ${key}: given ${v}, read ${mine.get(key) ?? 'nothing'}`);
    for (const key of mine.keys()) if (!cells.has(key)) mismatches.push(`${sha.slice(0, 8)} ${key}: read, never given`);
  }
  return { reports: want.size, facts, mismatches: mismatches.length, examples: mismatches.slice(0, 5) };
}

async function loadPhase(a: LoadArgs) {
  const { openDatabase } = await import('../../store/db.ts');
  const { loadReports, LOAD_BATCH } = await import('../../dataset/load.ts');
  const { indexPending } = await import('../../dataset/search.ts');
  const { runCrossReportChecks } = await import('../../dataset/checks.ts');
  let base: Item[] = [];
  if (a.results && fs.existsSync(a.results)) {
    base = fs
      .readFileSync(a.results, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Item);
  }
  const synthetic = base.length === 0;
  if (synthetic) base = await syntheticItems(50);
  base = base.filter((i) => !i.result.error);
  if (a.text === false) base = base.map((i) => ({ ...i, result: { ...i.result, text: undefined } }));
  const perCopy = base.reduce((s, i) => s + i.result.facts.length, 0);
  const copies = Math.max(1, Math.ceil(a.facts / perCopy));
  // Copies are the same reports republished elsewhere: new sha256 and URLs, so each is 'new'.
  const items: Item[] = [];
  for (let c = 0; c < copies; c++)
    for (const it of base)
      items.push(
        c === 0
          ? it
          : {
              result: { ...it.result, sha256: createHash('sha256').update(`${it.result.sha256}/${c}`).digest('hex') },
              ctx: { ...it.ctx, documentUrl: `${it.ctx.documentUrl}?copy=${c}`, sourceUrl: `${it.ctx.sourceUrl}?copy=${c}` },
            },
      );
  for (const f of [a.dbFile, `${a.dbFile}-wal`, `${a.dbFile}-shm`]) fs.rmSync(f, { force: true });
  const db = openDatabase(a.dbFile);
  const batch = a.batch ?? LOAD_BATCH;
  // The machine's load when the timing starts: CPU time here grows with it (the guest's CPU time
  // includes what the hypervisor and the other core's work take from it; no steal is reported).
  const loadAverage1m = round(os.loadavg()[0]!);
  // As the normalize stage loads: batches with the full-text index deferred, then one index pass.
  const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // CPU per batch: the first one pays the process's warm-up (V8 compiling the loader, SQLite's
  // first pages), so it says whether a slow run was slow throughout or only at the start.
  const batches: { facts: number; cpuMs: number }[] = [];
  for (let i = 0; i < items.length; i += batch) {
    const slice = items.slice(i, i + batch);
    const b0 = process.cpuUsage();
    loadReports(db, slice, { deferIndex: true });
    batches.push({ facts: slice.reduce((s, it) => s + it.result.facts.length, 0), cpuMs: cpuMs(process.cpuUsage(b0)) });
  }
  const loadMs = performance.now() - t0;
  const loadCpu = process.cpuUsage(c0);
  const i0 = performance.now();
  const indexed = indexPending(db);
  const indexMs = performance.now() - i0;
  const indexCpu = process.cpuUsage(c0);
  const x0 = performance.now();
  runCrossReportChecks(db);
  const checksMs = performance.now() - x0;
  const facts = (db.prepare('SELECT COUNT(*) FROM facts').pluck().get() as number) ?? 0;
  const reports = db.prepare('SELECT COUNT(*) FROM reports').pluck().get() as number;
  const correctness = loadedAsGiven(db, items);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {
    synthetic,
    text: a.text !== false,
    reports,
    facts,
    batch,
    loadMs: round(loadMs),
    factsPerS: Math.round((facts * 1000) / loadMs),
    reportsPerS: round((reports * 1000) / loadMs),
    // The process is single-threaded here (SQLite runs on the calling thread): CPU time is the
    // work, without the time other processes on the machine took from it.
    loadCpuMs: round(cpuMs(loadCpu)),
    factsPerCpuS: Math.round((facts * 1000) / cpuMs(loadCpu)),
    firstBatchFactsPerCpuS: Math.round((batches[0]!.facts * 1000) / batches[0]!.cpuMs),
    laterBatchesFactsPerCpuS: batches.length > 1 ? Math.round((batches.slice(1).reduce((s, b) => s + b.facts, 0) * 1000) / batches.slice(1).reduce((s, b) => s + b.cpuMs, 0)) : null,
    pageSize,
    loadAverage1m,
    indexed,
    indexMs: round(indexMs),
    indexCpuMs: round(cpuMs(indexCpu) - cpuMs(loadCpu)),
    endToEndFactsPerS: Math.round((facts * 1000) / (loadMs + indexMs)),
    crossChecksMs: round(checksMs),
    correctness,
    dbBytes: fs.statSync(a.dbFile).size,
    ...peak(),
  };
}

// ------------------------------------------------------------------ export

interface ExportArgs {
  dbFile: string;
  dataDir: string;
}

async function exportPhase(a: ExportArgs) {
  const { openDatabase } = await import('../../store/db.ts');
  const { exportSnapshot } = await import('../../dataset/export.ts');
  const db = openDatabase(a.dbFile);
  const facts = db.prepare('SELECT COUNT(*) FROM facts').pluck().get() as number;
  fs.rmSync(a.dataDir, { recursive: true, force: true });
  fs.mkdirSync(a.dataDir, { recursive: true });
  const before = process.memoryUsage().rss;
  let rssMax = before;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const snap = await exportSnapshot(db, { dataDir: a.dataDir, date: '2000-01-01' });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  db.close();
  const files = snap.files.filter((f) => /^facts\./.test(path.basename(f.path)));
  return {
    facts,
    totalMs: round(ms),
    factsPerS: Math.round((facts * 1000) / ms),
    files: snap.files.map((f) => ({ path: f.path, bytes: f.bytes, rows: f.rows })),
    factsFiles: files.map((f) => ({ path: f.path, bytes: f.bytes, rows: f.rows })),
    rssBeforeMb: round(before / 1048576, 1),
    ...peak(),
  };
}

// ------------------------------------------------------------------ crawl

interface CrawlArgs {
  hosts: number;
  pages: number;
  perPage: number;
  delayMs: number;
  corpusDir?: string;
}

async function crawlPhase(a: CrawlArgs) {
  const { steadyRate } = await import('./portal.ts');
  const { openDatabase } = await import('../../store/db.ts');
  const { FileRawStore } = await import('../../store/raw.ts');
  const { crawl } = await import('../../crawler/index.ts');
  const { fork } = await import('node:child_process');
  const attachmentFiles: string[] = [];
  if (a.corpusDir && fs.existsSync(path.join(a.corpusDir, 'manifest.json'))) {
    for (const d of manifestOf(a.corpusDir).docs.filter((x) => x.kind !== 'html').slice(0, 10)) attachmentFiles.push(path.join(a.corpusDir, d.file));
  }
  // The portal runs in its own process: one event loop must not delay the other's timestamps.
  const child = fork(path.join(repoRoot, 'bin/run-script.js'), ['scripts/bench/portal.ts', JSON.stringify({ hosts: a.hosts, pages: a.pages, perPage: a.perPage, attachmentFiles })], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`bench portal exited with ${code}`)));
  });
  const portal = await next<{ port: number; starts: string[]; hostOverrides: Record<string, string>; requestsPerHost: number }>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-bench-crawl-'));
  const db = openDatabase(path.join(dir, 'nianbao.sqlite'));
  const logs: string[] = [];
  try {
    const summary = await crawl(db, new FileRawStore(path.join(dir, 'raw')), {
      starts: portal.starts,
      options: { perHostDelayMs: a.delayMs, perHostConcurrency: 1, hostOverrides: portal.hostOverrides, browser: false, log: (l) => logs.push(l) },
    });
    child.send('log');
    const { log } = await next<{ log: import('./portal.ts').BenchLogEntry[] }>();
    const rate = steadyRate(log);
    return {
      hosts: a.hosts,
      delayMs: a.delayMs,
      requests: log.length,
      expectedRequests: a.hosts * portal.requestsPerHost,
      fetched: summary.fetched,
      failed: summary.failed,
      durationMs: summary.durationMs,
      steady: rate,
      ceilingPerS: round((a.hosts * 1000) / a.delayMs),
      logTail: logs.slice(-5),
      ...peak(),
    };
  } finally {
    db.close();
    child.send('close');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ speed-up

interface SpeedupArgs {
  corpusDir: string;
  /** Documents (corpus order, types mixed); default all. */
  docs?: number;
  workers?: number;
  /** Documents per alternation between the 1-worker and the N-worker pool. */
  chunk?: number;
  /** Also time pdftotext on the same PDFs, 1 and N processes at a time (the machine's scaling). */
  pdftotext?: boolean;
}

/**
 * 1 worker against N workers on the same documents, alternating chunk by chunk so that the load
 * other processes put on the machine hits both alike. Each pool is fed as the extract stage
 * feeds it: pool.inFlight loops (three per worker). With `pdftotext`, the machine's own 1 → N
 * scaling is measured in the same chunks, right after the pools, on the chunk's PDFs, so that the
 * two figures of the ratio come from the same minutes (the host's speed moves by ~30% from minute
 * to minute). Short runs stay noisy all the same: the pools' own CPU per document, 2 workers ÷ 1,
 * moved 0.96–1.20 between runs of 100 documents back to back, pdftotext's scaling 1.45–1.52.
 */
async function speedupPhase(a: SpeedupArgs) {
  const { ExtractPool } = await import('../../pipeline/pool.ts');
  const manifest = manifestOf(a.corpusDir);
  const docs = manifest.docs.slice(0, a.docs ?? manifest.docs.length);
  const bytes = new Map<string, Buffer>(docs.map((d) => [d.id, fs.readFileSync(path.join(a.corpusDir, d.file))]));
  const n = a.workers ?? 2;
  const pools = [new ExtractPool({ workers: 1 }), new ExtractPool({ workers: n })];
  const run = async (pool: InstanceType<typeof ExtractPool>, list: CorpusDoc[]) => {
    let failed = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await eachConcurrently(list, pool.inFlight, async (d) => {
      const r = await pool.extract(bytes.get(d.id)!, { fileName: d.file });
      if (r.error) failed++;
    });
    const cpu = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, failed };
  };
  const warm = (['pdf', 'docx', 'html'] as const).map((k) => docs.find((d) => d.kind === k)).filter((d): d is CorpusDoc => !!d);
  for (const pool of pools) for (let r = 0; r < 2; r++) await run(pool, warm.flatMap((d) => Array.from({ length: pool.size }, () => d)));
  const chunk = a.chunk ?? 40;
  const ms = [0, 0];
  const cpuMs = [0, 0];
  const failed = [0, 0];
  const pdfPath = (d: CorpusDoc) => path.join(a.corpusDir, d.file);
  const allPdfs = docs.filter((d) => d.kind === 'pdf').map(pdfPath);
  const pdftotextScalingMs = a.pdftotext && allPdfs.length ? { one: 0, many: 0 } : null;
  if (pdftotextScalingMs) await pdftotextRun(allPdfs, n); // warm the page cache
  for (let i = 0; i < docs.length; i += chunk) {
    const list = docs.slice(i, i + chunk);
    // Alternate which goes first, so neither always meets the same phase of outside load.
    const order = (i / chunk) % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const r = await run(pools[k]!, list);
      ms[k] += r.ms;
      cpuMs[k] += r.cpuMs;
      failed[k] += r.failed;
    }
    const pdfs = list.filter((d) => d.kind === 'pdf').map(pdfPath);
    if (pdftotextScalingMs && pdfs.length) {
      for (const k of order) {
        if (k === 0) pdftotextScalingMs.one += await pdftotextRun(pdfs, 1);
        else pdftotextScalingMs.many += await pdftotextRun(pdfs, n);
      }
    }
  }
  await Promise.all(pools.map((p) => p.close()));
  const total = docs.reduce((s, d) => s + d.bytes, 0);
  // Cores busy on average (all threads of the process: workers, main thread, V8's GC helpers):
  // a 1-worker pool that keeps more than one core busy leaves less than 2x to gain on 2 cores.
  const fig = (k: number) => ({ wallMs: round(ms[k]!), cpuMs: round(cpuMs[k]!), coresBusy: round(cpuMs[k]! / ms[k]!), docsPerS: round((docs.length * 1000) / ms[k]!), mbPerS: round(total / 1048576 / (ms[k]! / 1000)), failed: failed[k] });
  const ceiling = pdftotextScalingMs ? { pdfs: allPdfs.length, oneMs: round(pdftotextScalingMs.one), manyMs: round(pdftotextScalingMs.many), speedup: round(pdftotextScalingMs.one / pdftotextScalingMs.many, 3) } : null;
  return { docs: docs.length, workers: n, one: fig(0), many: fig(1), speedup: round(ms[0]! / ms[1]!, 3), cpuPerDocRatio: round(cpuMs[1]! / cpuMs[0]!, 3), pdftotextScaling: ceiling, ...peak() };
}

interface QueueArgs {
  corpusDir: string;
  /** Documents (corpus order, types mixed); default all. */
  docs?: number;
  /** Alternating rounds of the in-process pool and the queue. Default 2. */
  rounds?: number;
}

/**
 * The distributed mode's cost (issue 16): the same documents extracted by the extract stage on an
 * in-process pool of 1 worker thread, and through the queue (pipeline/queue/) by 1 and then 2
 * `nianbao worker` processes of 1 thread each, with a real redis-server on loopback and a file
 * store. Overhead per document = queue (1 process) ÷ in-process − 1: what BullMQ, Redis, the
 * store reads and the result transfer add to the same extraction, in wall time and in CPU time
 * (this process, the worker processes and redis-server: the figure to trust on a loaded machine).
 * Rounds alternate, each on a fresh database (every document pending), after a warm-up of every pool.
 */
async function queuePhase(a: QueueArgs) {
  const { RedisServer, redisServerPresent } = await import('../../test/helpers/redis.ts');
  if (!redisServerPresent) return { skipped: 'redis-server is missing (bash scripts/system-deps.sh installs it)' };
  const { ExtractPool } = await import('../../pipeline/pool.ts');
  const { runExtractStage } = await import('../../pipeline/extract-stage.ts');
  const { runQueuedExtractStage } = await import('../../pipeline/queue/coordinator.ts');
  const { openDatabase, nowIso } = await import('../../store/db.ts');
  const { FileRawStore } = await import('../../store/raw.ts');
  const manifest = manifestOf(a.corpusDir);
  const docs = manifest.docs.slice(0, a.docs ?? manifest.docs.length);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-bench-queue-'));
  const raw = new FileRawStore(path.join(tmp, 'raw'));
  const rows: { sha: string; file: string }[] = [];
  for (const d of docs) rows.push({ sha: await raw.put(fs.readFileSync(path.join(a.corpusDir, d.file))), file: d.file });
  const warmRows = rows.slice(0, 6);
  let dbs = 0;
  const freshDb = (list: typeof rows) => {
    const db = openDatabase(path.join(tmp, `db-${dbs++}.sqlite`));
    const add = db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename) VALUES (?, 'attachment', 'report', 200, ?, 1, ?, ?, ?)`);
    for (const r of list) add.run(`http://bench.test/${r.file}`, r.sha, nowIso(), nowIso(), path.basename(r.file));
    return db;
  };
  const maxBytes = 64 << 20;
  fs.mkdirSync(path.join(tmp, 'redis'));
  const redis = await RedisServer.start(path.join(tmp, 'redis'));
  const workers: ReturnType<typeof spawn>[] = [];
  const startWorker = async () => {
    const child = spawn(process.execPath, [path.join(process.cwd(), 'bin/nianbao.js'), 'worker', '--queue', redis.url, '--store', raw.url, '--concurrency', '1', '--quiet'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      // From source, as this process's pool: the same code on both sides of the comparison.
      env: { ...process.env, NIANBAO_FROM_SOURCE: '1' },
    });
    workers.push(child);
    // Ready once it took its share of a warm-up run.
    await runQueuedExtractStage(freshDb(warmRows), raw, { url: redis.url, noWorkerMs: 60_000 }, undefined, { maxBytes });
  };
  const pool = new ExtractPool({ workers: 1 });
  // CPU time of everything taking part: this process (the in-process pool's threads, or the
  // coordinator), the worker processes and redis-server (/proc/<pid>/stat utime + stime, 100 Hz).
  const procCpuMs = (pid: number | undefined) => {
    if (!pid) return 0;
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return 0;
    }
  };
  const cpuNow = (queue: boolean) => {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1000 + (queue ? procCpuMs(redis.pid) + workers.reduce((n, w) => n + procCpuMs(w.pid), 0) : 0);
  };
  const parts = () => {
    const own = process.cpuUsage();
    return { coordinator: (own.user + own.system) / 1000, workers: workers.reduce((n, w) => n + procCpuMs(w.pid), 0), redis: procCpuMs(redis.pid) };
  };
  /** CPU ms of the 1-process queue rounds by part. */
  const split = { coordinator: 0, workers: 0, redis: 0 };
  const timed = async (queue: boolean, fn: () => Promise<{ done: number; failed: number }>) => {
    const t = performance.now();
    const c0 = cpuNow(queue);
    const p0 = parts();
    const c = await fn();
    if (queue && workers.length === 1) for (const [k, v] of Object.entries(parts())) split[k as keyof typeof split] += v - p0[k as keyof typeof p0];
    return { ms: performance.now() - t, cpuMs: cpuNow(queue) - c0, failed: c.failed, done: c.done };
  };
  const local = () => timed(false, () => runExtractStage(freshDb(rows), raw, pool, undefined, { maxBytes }));
  const queued = () => timed(true, () => runQueuedExtractStage(freshDb(rows), raw, { url: redis.url, noWorkerMs: 60_000 }, undefined, { maxBytes }));
  try {
    await runExtractStage(freshDb(warmRows), raw, pool, undefined, { maxBytes });
    await startWorker();
    const rounds = a.rounds ?? 2;
    const ms = { local: 0, one: 0, two: 0 };
    const cpu = { local: 0, one: 0, two: 0 };
    let failed = 0;
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? ['local', 'one'] as const : ['one', 'local'] as const;
      for (const k of order) {
        const r = k === 'local' ? await local() : await queued();
        ms[k] += r.ms;
        cpu[k] += r.cpuMs;
        failed += r.failed;
      }
    }
    await startWorker();
    for (let i = 0; i < rounds; i++) {
      const r = await queued();
      ms.two += r.ms;
      cpu.two += r.cpuMs;
      failed += r.failed;
    }
    const perDoc = (x: number) => round(x / rounds / docs.length);
    return {
      docs: docs.length, rounds, failed,
      localMsPerDoc: perDoc(ms.local), oneMsPerDoc: perDoc(ms.one), twoMsPerDoc: perDoc(ms.two),
      localCpuMsPerDoc: perDoc(cpu.local), oneCpuMsPerDoc: perDoc(cpu.one), twoCpuMsPerDoc: perDoc(cpu.two),
      cpuOverhead: round(cpu.one / cpu.local - 1, 4),
      oneCpuSplitMsPerDoc: { coordinator: perDoc(split.coordinator), worker: perDoc(split.workers), redis: perDoc(split.redis) },
      overhead: round(ms.one / ms.local - 1, 4),
      oneDocsPerS: round((docs.length * rounds * 1000) / ms.one), twoDocsPerS: round((docs.length * rounds * 1000) / ms.two),
      speedup: round(ms.one / ms.two, 3),
    };
  } finally {
    await pool.close();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await redis.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Wall time of `pdftotext -layout` over the PDFs, `parallel` processes at a time: with 1 and with
 * n, the machine's own 1 → n scaling on those PDFs (two vCPUs of a VM can give less than 2x to any
 * program; this is that figure).
 */
async function pdftotextRun(pdfs: string[], parallel: number): Promise<number> {
  const one = (file: string) =>
    new Promise<void>((resolve, reject) =>
      spawn('pdftotext', ['-layout', file, '-'], { stdio: ['ignore', 'ignore', 'ignore'] }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pdftotext ${file}: exit ${code}`)))),
    );
  const t = performance.now();
  await eachConcurrently(pdfs, parallel, one);
  return performance.now() - t;
}

/** Runs fn over items, n at a time, in order of start: as the extract stage feeds its pool (one loop per worker). */
async function eachConcurrently<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ------------------------------------------------------------------ whole process

interface ProcessArgs {
  corpusDir: string;
  /** PDFs (corpus order). */
  files?: number;
  runs?: number;
}

/** Wall and CPU time of one command, ms. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

/** Wall and CPU (user + system, children included) of one command, through GNU time. */
function timeCommand(cmd: string[], env: NodeJS.ProcessEnv = process.env): Timing {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'NB_TIME %U %S', ...cmd], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd.slice(0, 3).join(' ')} … exited ${r.status}: ${r.stderr.slice(-500)}`);
  const m = /NB_TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { wallMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

/**
 * The command a researcher runs: `nianbao extract --json` on N PDFs, one process (its workers on
 * every core), against `pdftotext -layout` on the same files one process each, one after another.
 * Alternated, `runs` times; the ratio of the medians. Also one PDF alone and `node -e ""`, and
 * where NODE_EXTRA_CA_CERTS is set, `node -e ""` without it too: Node builds its certificate store
 * at start when it is set, and the launcher drops it for a local extract (bin/nianbao.js).
 */
async function processPhase(a: ProcessArgs) {
  const manifest = manifestOf(a.corpusDir);
  const pdfs = manifest.docs.filter((d) => d.kind === 'pdf').slice(0, a.files ?? 60).map((d) => path.join(a.corpusDir, d.file));
  const runs = a.runs ?? 3;
  // The command runs dist/ only while it matches the sources (bin/build-stamp.js); an edited
  // checkout would run the TypeScript through tsx, ~3× slower, and the figures would be of that.
  // `npm ci` builds; here the build is brought up to date the same way.
  let rebuilt = false;
  if (!freshBuild(repoRoot)) {
    const b = spawnSync(process.execPath, ['scripts/build.js'], { cwd: repoRoot, encoding: 'utf8' });
    if (b.status !== 0 || !freshBuild(repoRoot)) throw new Error(`process phase: dist/ is stale and npm run build failed: ${b.stderr.slice(-500)}`);
    rebuilt = true;
  }
  // As a user runs it: the launcher's sh head starts Node in its environment (bin/nianbao.js).
  const nianbao = ['bin/nianbao.js', 'extract', '--json'];
  const poppler = ['sh', '-c', 'for f in "$@"; do pdftotext -layout "$f" - > /dev/null || exit 1; done', 'pdftotext'];
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const many = { nianbao: [] as Timing[], pdftotext: [] as Timing[] };
  const one = { nianbao: [] as Timing[], pdftotext: [] as Timing[], node: [] as Timing[], nodeWithoutExtraCerts: [] as Timing[] };
  const { NODE_EXTRA_CA_CERTS: extraCerts, ...withoutExtraCerts } = process.env;
  timeCommand([...nianbao, pdfs[0]!]); // warm the page cache and dist/
  for (let i = 0; i < runs; i++) {
    many.nianbao.push(timeCommand([...nianbao, ...pdfs]));
    many.pdftotext.push(timeCommand([...poppler, ...pdfs]));
    one.nianbao.push(timeCommand([...nianbao, pdfs[0]!]));
    one.pdftotext.push(timeCommand([...poppler, pdfs[0]!]));
    one.node.push(timeCommand([process.execPath, '-e', '']));
    if (extraCerts) one.nodeWithoutExtraCerts.push(timeCommand([process.execPath, '-e', ''], withoutExtraCerts));
  }
  const fig = (xs: Timing[]) => ({ wallMs: round(median(xs.map((x) => x.wallMs))), cpuMs: round(median(xs.map((x) => x.cpuMs))) });
  const r = { many: { nianbao: fig(many.nianbao), pdftotext: fig(many.pdftotext) }, one: { nianbao: fig(one.nianbao), pdftotext: fig(one.pdftotext), node: fig(one.node), ...(extraCerts ? { nodeWithoutExtraCerts: fig(one.nodeWithoutExtraCerts) } : {}) } };
  return { pdfs: pdfs.length, runs, rebuilt, ...r, ratio: round(r.many.nianbao.wallMs / r.many.pdftotext.wallMs, 3), cpuRatio: round(r.many.nianbao.cpuMs / r.many.pdftotext.cpuMs, 3), ...peak() };
}

// ------------------------------------------------------------------ main

const [phase, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}');
const scale = await import('./scale.ts');
const run: Record<string, (a: never) => Promise<unknown>> = {
  extract: extractPhase,
  speedup: speedupPhase,
  queue: queuePhase,
  normalize: normalizePhase,
  load: loadPhase,
  export: exportPhase,
  crawl: crawlPhase,
  process: processPhase,
  'scale-load': scale.scaleLoad,
  'scale-query': scale.scaleQuery,
  'scale-export': scale.scaleExport,
  'scale-nightly': scale.scaleNightly,
};
if (!phase || !run[phase]) {
  console.error(`usage: phase.ts <${Object.keys(run).join('|')}> '<json>'`);
  process.exit(2);
}
const result = await run[phase]!(args as never);
process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
