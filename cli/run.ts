/**
 * `nianbao run` (all stages), `nianbao normalize` (one stage) and `nianbao status`.
 * Exit codes: 0 all good, 1 finished with per-document failures, 2 fatal error or usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { PortalSource } from '../crawler/portals.ts';
import type { ConfigOverrides } from '../pipeline/config.ts';
import { LockedError } from '../pipeline/lock.ts';
import { incompleteText, type IncompleteListing } from '../crawler/completeness.ts';
import type { ListingsTally } from '../crawler/context.ts';
import type { Progress } from '../pipeline/progress.ts';
import type { RunSummary, StageName } from '../pipeline/run.ts';

// The pipeline, config, SQLite and progress bars are imported when a command runs, not when it
// is registered: `nianbao --help` loads none of them, `status` only what it reads.
/** The stages in order (pipeline/run.ts STAGES; test/cli-extract.test.ts checks they agree). */
export const STAGE_NAMES: readonly StageName[] = ['crawl', 'extract', 'normalize', 'export'];

interface RunFlags {
  dataDir?: string;
  store?: string;
  queue?: string;
  config?: string;
  start?: string[];
  concurrency?: string;
  delayMs?: string;
  workers?: string;
  since?: string;
  ignoreRobots?: boolean;
  json?: boolean;
  quiet?: boolean;
  sample?: boolean;
  only?: string;
  date?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The sample portal's port (env NIANBAO_SAMPLE_PORT overrides). */
const SAMPLE_PORT = 48631;

export function register(program: Command): void {
  const withCommon = (cmd: Command) =>
    cmd
      .option('--data-dir <dir>', 'data folder (raw/, nianbao.sqlite, snapshots/); env NIANBAO_DATA_DIR', undefined)
      .option('--config <file>', 'config file (JSON): dataDir, store, portals, crawl, extract')
      .option('--store <url>', 'raw store: file:///path or s3://bucket/prefix?endpoint=URL&region=R (default <data-dir>/raw); env NIANBAO_STORE')
      .option('--json', 'machine-readable logs (JSON lines on stderr) and summary (JSON on stdout)')
      .option('--quiet', 'no progress output');

  withCommon(program.command('run'))
    .description('crawl → extract → normalize → export, each stage incremental')
    .option('--start <url>', 'an ad-hoc portal start URL (repeatable)', collect)
    .option('--sample', 'crawl the embedded sample portal (started on 127.0.0.1) instead of the configured portals')
    .option('--concurrency <n>', 'requests in flight per host (default 1)')
    .option('--delay-ms <ms>', 'minimum gap between requests to one host (default 1000)')
    .option('--workers <n>', 'extraction worker threads (default: cores)')
    .option('--queue <url>', 'extract on `nianbao worker` processes through this Redis (BullMQ), e.g. redis://10.0.0.5:6379; env NIANBAO_QUEUE')
    .option('--ignore-robots', 'do not honour robots.txt (logged)')
    .option('--since <date>', 'crawl: skip report entries published before YYYY-MM-DD and stop paging lists past it; env NIANBAO_SINCE')
    .option('--only <stages>', `comma-separated subset of ${STAGE_NAMES.join(',')}`)
    .action(async (flags: RunFlags) => {
      process.exitCode = await runCommand(flags, 'run');
    });

  withCommon(program.command('normalize'))
    .description('normalize stage alone: stored extractions → reports, facts, findings')
    .action(async (flags: RunFlags) => {
      process.exitCode = await runStage('normalize', flags);
    });

  program
    .command('status')
    .description('the last runs and the counts per stage')
    .option('--data-dir <dir>', 'data folder; env NIANBAO_DATA_DIR')
    .option('--config <file>', 'config file (JSON): its dataDir')
    .option('--json', 'JSON output')
    .option('-n, --limit <n>', 'runs to show', '5')
    .action(async (flags: { dataDir?: string; config?: string; json?: boolean; limit: string }) => {
      const found = await existingDatabase(flags, 'status');
      if (!found) return;
      const { dataDir } = found;
      const { openDatabase } = await import('../store/db.ts');
      const { recentRuns } = await import('../store/runs.ts');
      const { stageCounts } = await import('../pipeline/run.ts');
      const db = openDatabase(found.database);
      const runs = recentRuns(db, Number(flags.limit) || 5);
      const counts = stageCounts(db);
      db.close();
      if (flags.json) {
        console.log(JSON.stringify({ dataDir, counts, runs: runs.map((r) => ({ ...r, counts: r.counts && JSON.parse(r.counts), errors: r.errors && JSON.parse(r.errors) })) }));
        return;
      }
      console.log(`data dir ${dataDir}`);
      console.log(`documents ${counts.documents} (${counts.documentsWithBytes} distinct files) · crawl pending ${counts.crawlPending}, failed ${counts.crawlFailed}`);
      console.log(`extracted ${counts.extracted}, extraction failed ${counts.extractFailed}`);
      console.log(`reports ${counts.reports} current (${counts.reportsWithFacts} with facts) · facts ${counts.facts} · findings ${counts.findings}`);
      console.log('last runs:');
      for (const r of runs) {
        const c = r.counts ? JSON.parse(r.counts) : {};
        const bits = [
          c.crawl && `crawl new ${c.crawl.new}/changed ${c.crawl.changed}/unchanged ${c.crawl.unchanged}/failed ${c.crawl.failed}`,
          c.extract && `extract ${c.extract.done} ok/${c.extract.failed} failed`,
          c.normalize && `normalize ${c.normalize.new} new/${c.normalize.replaced} replaced`,
          c.export && `export ${c.export.files} files`,
        ].filter(Boolean);
        console.log(`  #${r.id} ${r.command} ${r.started_at} → ${r.ended_at ?? '(running or killed)'} ${r.status}${bits.length ? ' · ' + bits.join(' · ') : ''}`);
        if (c.crawl?.listings) console.log(`      listings: ${listingsText(c.crawl.listings as Partial<ListingsTally>)}`);
        for (const l of (c.crawl?.incompleteListings ?? []) as IncompleteListing[]) {
          console.log(`      incomplete listing ${l.url}: ${incompleteText(l)}`);
        }
      }
    });
}

/**
 * The data folder and database of a command that needs nothing else (status, search, export),
 * with the precedence of every command: --data-dir, NIANBAO_DATA_DIR, dataDir of --config,
 * `data`. A config error or a missing database is printed, sets exit status 2 and gives undefined.
 */
export async function existingDatabase(flags: { dataDir?: string; config?: string }, command: string): Promise<{ dataDir: string; database: string } | undefined> {
  const { ConfigError, resolveDataDir } = await import('../pipeline/config.ts');
  const { paths } = await import('../pipeline/run.ts');
  let dataDir: string;
  try {
    dataDir = resolveDataDir({ dataDir: flags.dataDir, configFile: flags.config });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`nianbao ${command}: ${e.message}`);
    process.exitCode = 2;
    return undefined;
  }
  const { database } = paths(dataDir);
  if (!fs.existsSync(database)) {
    console.error(`nianbao ${command}: no database at ${database} (run 'nianbao run' first)`);
    process.exitCode = 2;
    return undefined;
  }
  return { dataDir, database };
}

/** One pipeline stage alone, for the stage subcommands. */
export function runStage(stage: StageName, flags: RunFlags): Promise<number> {
  return runCommand({ ...flags, only: stage }, stage);
}

async function runCommand(flags: RunFlags, command: string): Promise<number> {
  const { ConfigError, loadConfig } = await import('../pipeline/config.ts');
  const { isIsoDate } = await import('../crawler/options.ts');
  const { chooseProgress } = await import('../pipeline/progress.ts');
  const { runPipeline, STAGES } = await import('../pipeline/run.ts');
  const progress = chooseProgress({ json: flags.json, quiet: flags.quiet });
  const over: ConfigOverrides = {
    configFile: flags.config,
    dataDir: flags.dataDir,
    store: flags.store,
    queue: flags.queue,
    concurrency: flags.concurrency !== undefined ? positive(flags.concurrency, '--concurrency') : undefined,
    delayMs: flags.delayMs !== undefined ? positive(flags.delayMs, '--delay-ms', true) : undefined,
    workers: flags.workers !== undefined ? positive(flags.workers, '--workers') : undefined,
    ignoreRobots: flags.ignoreRobots,
    since: flags.since,
  };
  let stages: StageName[] | undefined;
  if (flags.only) {
    stages = flags.only.split(',').map((s) => s.trim()) as StageName[];
    const bad = stages.filter((s) => !STAGES.includes(s));
    if (bad.length) return usage(`unknown stage(s) ${bad.join(', ')}; stages are ${STAGES.join(', ')}`);
  }
  if (flags.since !== undefined && !isIsoDate(flags.since)) return usage(`--since takes a date YYYY-MM-DD, not '${flags.since}'`);
  let config;
  try {
    config = loadConfig(over);
  } catch (e) {
    if (e instanceof ConfigError) return usage(e.message);
    throw e;
  }
  let sample: { url: string; close: () => Promise<void> } | undefined;
  let portals: PortalSource[] | undefined;
  try {
    if (flags.sample) {
      const { startSamplePortal } = await import('../sample/portal/server.ts');
      const documentsDir = await sampleDocuments(config.dataDir, progress);
      // A fixed port keeps the sample's URLs stable, so a second `npm start` is incremental.
      const port = Number(process.env.NIANBAO_SAMPLE_PORT) || SAMPLE_PORT;
      sample = await startSamplePortal({ documentsDir, port }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EADDRINUSE') throw e;
        progress.log(`sample portal: port ${port} is busy; using a random port (URLs will differ from earlier runs)`);
        return startSamplePortal({ documentsDir, port: 0 });
      });
      const { samplePortal } = await import('../crawler/portals.ts');
      portals = [samplePortal(sample.url)];
      progress.log(`sample portal serving on ${sample.url}`);
      // The sample portal is local: no need to wait a second between requests.
      if (over.delayMs === undefined && process.env.NIANBAO_DELAY_MS === undefined) config.crawl.perHostDelayMs = 50;
    }
    // Zero-config `--start URL`: crawl what was named, not also every configured portal.
    if (!portals && flags.start?.length && !flags.config && !process.env.NIANBAO_PORTALS) portals = [];
    // --since filters the crawl; the snapshot date stays today (nianbao export --date sets it).
    const summary = await runPipeline({ config, starts: flags.start, portals, stages, progress, command });
    printSummary(summary, !!flags.json);
    return summary.status === 'ok' ? 0 : summary.status === 'partial' ? 1 : 2;
  } catch (e) {
    if (e instanceof LockedError) {
      console.error(`nianbao ${command}: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    await sample?.close();
  }
}

/**
 * The sample portal serves the seed reports rendered as HTML, PDF, DOCX and DOC. They are
 * rendered once into the data folder (cached); a kind whose tool is missing (Chromium for PDF,
 * LibreOffice for DOC) is left out with a note, and the portal serves the rest.
 */
async function sampleDocuments(dataDir: string, progress: Progress): Promise<string> {
  const { renderReports } = await import('../sample/render.ts');
  const outDir = path.join(dataDir, 'sample', 'documents');
  // NIANBAO_SAMPLE_KINDS (e.g. html,portal,docx) serves only those renderings, stand-ins for the rest: a lighter sample.
  const only = process.env.NIANBAO_SAMPLE_KINDS?.split(',').map((k) => k.trim());
  for (const kinds of [['html', 'portal', 'docx'], ['pdf'], ['doc']] as const) {
    if (only && !kinds.some((k) => only.includes(k))) continue;
    try {
      await renderReports({ outDir, kinds: [...kinds], log: (m) => progress.log(m) });
    } catch (e) {
      progress.log(`sample portal: cannot render ${kinds.join('/')} (${(e as Error).message.split('\n')[0]}); serving the other file types`);
    }
  }
  return outDir;
}

function positive(v: string, name: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    console.error(`nianbao: ${name} takes a ${allowZero ? 'non-negative' : 'positive'} whole number, not '${v}'`);
    process.exit(2);
  }
  return n;
}

function usage(message: string): number {
  console.error(`nianbao: ${message}`);
  return 2;
}

/**
 * What the lists stated and what was found, each in its own unit: "5 lists checked: 2 state their
 * records (10 of 10 found), 1 states only its pages (2 of 2 stated pages read, 8 entries), 2 state
 * nothing". Counts of older runs (before the split by unit) read as records.
 */
export function listingsText(l: Partial<ListingsTally>): string {
  const checked = l.checked ?? 0;
  const parts = statedText(l);
  const nothing = checked - (l.stated ?? 0);
  return `${checked} list${checked === 1 ? '' : 's'} checked${parts ? `: ${parts}` : ''}${nothing > 0 ? `${parts ? ', ' : ': '}${nothing} state${nothing === 1 ? 's' : ''} nothing` : ''}`;
}

/** The stated parts of a listings tally ('' when no list states its size). */
export function statedText(l: Partial<ListingsTally>): string {
  const out: string[] = [];
  // A tally from before the split by unit counts every stating list under records.
  const recordLists = l.recordLists ?? (l.statedRecords ? (l.stated ?? 0) : 0);
  if (recordLists > 0) out.push(`${recordLists} state${recordLists === 1 ? 's' : ''} ${recordLists === 1 ? 'its' : 'their'} records (${l.foundRecords ?? 0} of ${l.statedRecords ?? 0} stated records found)`);
  const pageLists = l.pageLists ?? 0;
  if (pageLists > 0) out.push(`${pageLists} state${pageLists === 1 ? 's' : ''} only ${pageLists === 1 ? 'its' : 'their'} pages (${l.pagesRead ?? 0} of ${l.statedPages ?? 0} stated pages read, ${l.pageListEntries ?? 0} entries)`);
  return out.join(', ');
}

export function printSummary(s: RunSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(s) + '\n');
    return;
  }
  const out: string[] = [];
  out.push(`run #${s.runId} ${s.status} (${s.startedAt} → ${s.endedAt})`);
  if (s.interruptedRuns?.length) out.push(`  resumed the work of interrupted run(s) #${s.interruptedRuns.join(', #')} (killed before finishing; nothing they had committed was lost)`);
  if (s.crawl)
    out.push(`  crawl: ${s.crawl.reportsFound} report articles, ${s.crawl.attachmentsFound} attachments; documents new ${s.crawl.new}, changed ${s.crawl.changed}, unchanged ${s.crawl.unchanged}, failed ${s.crawl.failed}; ${(s.crawl.bytesDownloaded / 1024).toFixed(0)} KiB downloaded${s.crawl.skipped.beforeSince ? `; ${s.crawl.skipped.beforeSince} older than --since skipped` : ''}`);
  if (s.crawl?.listings) out.push(`  listings: ${s.crawl.listingsRead} pages read, ${listingsText(s.crawl.listings)}`);
  for (const [portal, c] of Object.entries(s.crawl?.coverage ?? {}))
    out.push(
      `    ${portal}: ${c.listingsRead} listing pages, ${listingsText({ checked: c.listingsChecked, stated: c.listingsStated, recordLists: c.listingsStatedRecords, statedRecords: c.statedRecords, foundRecords: c.foundRecords, pageLists: c.listingsStatedPages, statedPages: c.statedPages, pagesRead: c.pagesRead, pageListEntries: c.pageListEntries })}${c.incompleteListings ? `, ${c.incompleteListings} incomplete` : ''}; ${c.reportArticles} report articles, ${c.attachments} attachments, ${c.skippedNonReports} non-report links skipped`,
    );
  for (const l of s.crawl?.incompleteListings ?? []) out.push(`  INCOMPLETE listing ${l.url}: ${incompleteText(l)}${l.failedPages?.length ? `; ${l.failedPages.length} page(s) failed: ${l.failedPages.map((f) => `${f.url} (${f.kind})`).join(', ')}` : ''}`);
  if (s.extract) out.push(`  extract: ${s.extract.done} extracted, ${s.extract.failed} failed (of ${s.extract.total} new)${s.queue ? ` on queue workers (${s.queue.url}; at most ${s.queue.workersSeen} alive)` : ''}`);
  if (s.queue?.gaveUp) out.push(`  QUEUE: ${s.queue.gaveUp}; the documents not extracted stay pending for the next run`);
  if (s.normalize)
    out.push(`  normalize: ${s.normalize.new} new, ${s.normalize.replaced} replaced, ${s.normalize.alternate} alternate renderings, ${s.normalize.unchanged} unchanged reports; formats ${Object.entries(s.normalize.byFormat).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}; ${s.normalize.findings} findings, ${s.normalize.crossFindings ?? 0} across reports`);
  if (s.export) out.push(`  export: ${s.export.files} files in ${s.export.dir}`);
  if (Object.keys(s.failuresByKind).length) {
    out.push('  failures by kind:');
    for (const [k, n] of Object.entries(s.failuresByKind)) out.push(`    ${k}: ${n}`);
    for (const f of s.crawl?.failedUrls.slice(0, 20) ?? []) out.push(`    crawl ${f.kind} ${f.url}: ${f.message}`);
    for (const f of s.extract?.failures.slice(0, 20) ?? []) out.push(`    extract ${f.code} ${f.url}: ${f.message}`);
  }
  if (s.fatal) out.push(`  FATAL: ${s.fatal}`);
  out.push(`  database: ${s.outputs.database}`);
  if (s.outputs.store && !s.outputs.store.startsWith('file:')) out.push(`  raw store: ${s.outputs.store}`);
  if (s.outputs.snapshot) out.push(`  snapshot: ${s.outputs.snapshot}  (open ${path.join(s.outputs.snapshot, 'index.html')} in a browser)`);
  if (s.status !== 'failed') out.push(`  next: sqlite3 ${s.outputs.database} 'SELECT * FROM report_summary LIMIT 10'  ·  nianbao status  ·  nianbao search 依申请`);
  process.stdout.write(out.join('\n') + '\n');
}
