/**
 * `nianbao extract [--json] <file-or-folder>...` — extract and normalize local files, without a
 * database. Exit 0 when every file was read, 1 when some failed (each still gets its line).
 * Files are extracted in the pipeline's worker pool, so each one has the per-document time limit
 * and heap cap (NIANBAO_DOC_TIMEOUT_MS, NIANBAO_WORKERS): a pathological file fails alone. A file
 * over the size cap is refused from its size, before it is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ExtractLimits } from '../pipeline/extract-limits.ts';
import type { ExtractPool } from '../pipeline/pool.ts';
import type { ReportResult } from '../schema/report.ts';

// The extractors, normaliser and config are imported when the command runs, not when it is
// registered: `nianbao --help` and the other commands do not load them.

/** Options of `extract` that take a value (skipped when looking for the first path). */
const VALUE_OPTIONS = new Set(['--max-bytes', '--data-dir', '--store', '--config']);

/** The pool prestart() started, taken by the command when its limits allow (see the action). */
let prestarted: ExtractPool | undefined;

/**
 * Called by cli/main.ts with the arguments after `extract`, before commander and the rest of the
 * command load: starts the extraction worker (and for a PDF the worker's PDF extractor, and reads
 * MuPDF's .wasm, compiled once the worker is up) at once, so the worker's start-up overlaps the
 * command's. Only where the worker's
 * heap cap is the default (no --config, which may set another); anything unusual (--stored, help,
 * no path) starts nothing, and the command runs as it would have. The arguments are only peeked
 * at here: commander still parses and checks them.
 */
export async function prestart(args: string[]): Promise<void> {
  if (args.some((a) => a === '--stored' || a === '-h' || a === '--help' || a.startsWith('--config'))) return;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) operands.push(a);
  }
  const first = operands[0];
  const file = first === undefined ? undefined : firstFile(first);
  if (file === undefined) return;
  const { ExtractPool } = await import('../pipeline/pool.ts');
  prestarted = new ExtractPool();
  // More than one file (a folder, several paths): every worker, unless NIANBAO_WORKERS (checked
  // with the config, later) chooses the number.
  const several = file !== first || operands.length > 1;
  prestarted.prestart(startsAsPdf(file) ? 'pdf' : undefined, several && !process.env.NIANBAO_WORKERS ? prestarted.size : 1);
}

/** The first file listFiles would give for a path (hidden names skipped), without listing the rest. */
function firstFile(p: string): string | undefined {
  try {
    for (let i = 0; i < 64; i++) {
      if (!fs.statSync(p).isDirectory()) return p;
      const name = fs.readdirSync(p).sort().find((n) => !n.startsWith('.'));
      if (name === undefined) return undefined;
      p = path.join(p, name);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** %PDF- in the first KB (where the pool and readers look for it). */
function startsAsPdf(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(1024);
      return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0)).includes('%PDF-');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function register(program: Command): void {
  program
    .command('extract')
    .description('extract and normalize report files (HTML, PDF, DOCX, DOC, text); folders are read recursively')
    .argument('[paths...]', 'files or folders')
    .option('--json', 'one JSON line per file: {file, sha256, mediaType, format, year, agency, title, region, facts, findings, error?}')
    .option('--text', 'with --json, include the extracted text')
    .option('--stored', 'run the pipeline\'s extract stage over the documents stored in --data-dir instead')
    .option('--data-dir <dir>', 'with --stored: the data folder; env NIANBAO_DATA_DIR')
    .option('--store <url>', 'with --stored: the raw store (file:///path or s3://bucket/prefix?endpoint=URL); env NIANBAO_STORE')
    .option('--config <file>', 'config file (JSON): extract limits, and dataDir with --stored')
    .option('--max-bytes <n>', `refuse larger files, from their size, before reading them (default 64 MiB); env NIANBAO_EXTRACT_MAX_BYTES`)
    .action(async (paths: string[], opts: { json?: boolean; text?: boolean; stored?: boolean; dataDir?: string; store?: string; config?: string; maxBytes?: string }, cmd: Command) => {
      if (opts.stored) {
        if (paths.length) cmd.error('nianbao extract: give either paths or --stored, not both', { exitCode: 2 });
        const { runStage } = await import('./run.ts');
        process.exitCode = await runStage('extract', { dataDir: opts.dataDir, store: opts.store, config: opts.config, json: opts.json });
        return;
      }
      if (!paths.length) cmd.error("error: missing required argument 'paths' (or --stored)", { exitCode: 2 });
      if (opts.maxBytes !== undefined && !(Number.isInteger(Number(opts.maxBytes)) && Number(opts.maxBytes) > 0))
        cmd.error(`nianbao extract: --max-bytes takes a positive whole number, not '${opts.maxBytes}'`, { exitCode: 2 });
      const files = listFiles(paths);
      const { ExtractPool } = await import('../pipeline/pool.ts');
      const { defaultExtractLimits, onlyDefaults } = await import('../pipeline/extract-limits.ts');
      let limits: ExtractLimits;
      if (onlyDefaults(opts.config)) limits = defaultExtractLimits(); // nothing to read: the config loader (zod) is not loaded
      else {
        const { ConfigError, loadConfig } = await import('../pipeline/config.ts');
        try {
          limits = loadConfig({ configFile: opts.config }).extract;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          cmd.error(`nianbao extract: ${e.message}`, { exitCode: 2 });
        }
      }
      const maxBytes = opts.maxBytes !== undefined ? Number(opts.maxBytes) : limits.maxBytes;
      const workers = Math.min(limits.workers, Math.max(1, files.length));
      // The prestarted pool serves when its workers have the configured heap cap (they do unless a
      // config file set another; prestart skips --config); otherwise a new pool starts.
      const early = prestarted;
      prestarted = undefined;
      if (early && early.heapCapMb !== limits.maxHeapMb) await early.close();
      const pool = early && early.heapCapMb === limits.maxHeapMb ? early.configure({ workers, timeoutMs: limits.timeoutMs }) : new ExtractPool({ ...limits, workers });
      let failed = 0;
      try {
        // pool.inFlight files read and queued ahead: a worker that finishes starts the next file
        // posted to it at once, instead of waiting for this thread to normalise and print (or for
        // a slower file ahead of it). Lines are printed in file order.
        const window = pool.inFlight;
        const results: Promise<ReportResult>[] = [];
        const startNext = () => {
          const f = files[results.length];
          if (f) results.push(extractFile(f.path, f.display, !!opts.text, { pool, maxBytes }));
        };
        for (let i = 0; i < window; i++) startNext();
        for (let i = 0; i < files.length; i++) {
          const result = await results[i]!;
          startNext();
          if (result.error) failed++;
          process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : summarize(result));
        }
      } finally {
        await pool.close();
      }
      if (!opts.json) process.stdout.write(`${files.length} file(s), ${failed} failed\n`);
      process.exitCode = failed ? 1 : 0;
    });
}

let normalizerWarm = false;

export async function extractFile(file: string, display: string, withText: boolean, ctx: { pool: ExtractPool; maxBytes: number }): Promise<ReportResult> {
  const failure = (code: string, message: string, sha = ''): ReportResult => ({
    file: display, sha256: sha, mediaType: 'application/octet-stream', format: 'unknown', formatReason: code, year: null, agency: null, title: null, region: null,
    facts: [], findings: [], parserVersion: '', error: { code, message },
  });
  let bytes: Buffer;
  try {
    // The size first: a file over the cap is never read into memory.
    const size = fs.statSync(file).size;
    if (size > ctx.maxBytes) return failure('too-large', `${display}: the file is ${size} bytes, over the ${ctx.maxBytes}-byte limit (--max-bytes)`);
    bytes = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return failure('unreadable', `${display}: ${err.code ?? ''} ${err.message}`.trim());
  }
  // The document goes to the worker first: the normaliser loads here while the worker starts
  // and extracts (two cores), not before.
  const extracted = ctx.pool.extract(bytes, { fileName: display, maxBytes: ctx.maxBytes });
  const [{ sha256 }, { reportFromExtraction }, { warmNormalizerInSteps }] = await Promise.all([import('../store/raw.ts'), import('../normalize/report.ts'), import('../normalize/index.ts')]);
  // This thread waits for the worker now: the normaliser's first-document work is done here
  // (once), not after the extraction; in steps, so the worker's messages (its request for MuPDF)
  // are answered meanwhile.
  if (!normalizerWarm) {
    normalizerWarm = true;
    await warmNormalizerInSteps();
  }
  const sha = sha256(bytes);
  const r = await extracted;
  return reportFromExtraction(r.doc ?? r.error, { file: display, sha256: sha, withText });
}

/** Files named on the command line, folders expanded (sorted, hidden files skipped). */
function listFiles(paths: string[]): { path: string; display: string }[] {
  const out: { path: string; display: string }[] = [];
  const walk = (p: string, display: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      out.push({ path: p, display }); // reported as unreadable with its reason
      return;
    }
    if (!st.isDirectory()) {
      out.push({ path: p, display });
      return;
    }
    for (const name of fs.readdirSync(p).sort()) {
      if (name.startsWith('.')) continue;
      walk(path.join(p, name), path.join(display, name));
    }
  };
  for (const p of paths) walk(p, p);
  return out;
}

function summarize(r: ReportResult): string {
  const lines = [`${r.file}`];
  if (r.error) lines.push(`  error ${r.error.code}: ${r.error.message}`);
  lines.push(`  format ${r.format}${r.formatReason ? ` (${r.formatReason})` : ''}; year ${r.year ?? '?'}; agency ${r.agency ?? '?'}${r.region ? ` (${r.region.code} ${[r.region.province, r.region.city, r.region.county].filter(Boolean).join(' ')})` : ''}`);
  const byTable = new Map<string, number>();
  for (const f of r.facts) byTable.set(f.table, (byTable.get(f.table) ?? 0) + 1);
  lines.push(`  ${r.facts.length} facts${byTable.size ? ': ' + [...byTable].map(([t, n]) => `${t} ${n}`).join(', ') : ''}`);
  for (const f of r.findings) lines.push(`  ${f.severity} ${f.rule}: ${f.message}`);
  return lines.join('\n') + '\n';
}
