/**
 * `nianbao run`: crawl → extract → normalize → export, each stage incremental, under a lock, with
 * a row in `runs` and a summary for people and machines. Per-document failures make the run
 * 'partial' (exit 1); a fatal error makes it 'failed' (exit 2).
 */
import path from 'node:path';
import type { CrawlSummary } from '../crawler/index.ts';
import type { PortalSource } from '../crawler/portals.ts';
import { openDatabase, nowIso, type DB } from '../store/db.ts';
import { openRawStore } from '../store/open.ts';
import type { RawStore } from '../store/raw.ts';
import { extractionCounts } from '../store/extractions.ts';
import { crawlCounts } from '../crawler/frontier.ts';
import { datasetCounts } from '../dataset/counts.ts';
import { finishRun, markInterruptedRuns, startRun } from '../store/runs.ts';

export { recentRuns } from '../store/runs.ts';
import type { RunConfig } from './config.ts';
import { runExtractStage, type StageCounts } from './extract-stage.ts';
import { acquireLock } from './lock.ts';
import { runNormalizeStage, type NormalizeCounts } from './normalize-stage.ts';
import { ExtractPool } from './pool.ts';
import type { Progress } from './progress.ts';

export type StageName = 'crawl' | 'extract' | 'normalize' | 'export';
export const STAGES: StageName[] = ['crawl', 'extract', 'normalize', 'export'];

export interface RunOptions {
  config: RunConfig;
  /** Ad-hoc start URLs (--start), crawled besides the configured portals. */
  starts?: string[];
  /** Crawl only these (e.g. the sample portal) instead of the configured portals. */
  portals?: PortalSource[];
  stages?: StageName[];
  progress: Progress;
  /** Snapshot date (YYYY-MM-DD), default today. */
  date?: string;
  command?: string;
}

export interface RunSummary {
  runId: number;
  status: 'ok' | 'partial' | 'failed';
  startedAt: string;
  endedAt: string;
  crawl?: Pick<CrawlSummary, 'fetched' | 'new' | 'changed' | 'unchanged' | 'failed' | 'failures' | 'reportsFound' | 'attachmentsFound' | 'bytesDownloaded' | 'skipped' | 'incompleteListings' | 'listings' | 'listingsRead' | 'coverage'> & {
    failedUrls: { url: string; kind: string; message: string }[];
  };
  extract?: StageCounts;
  /** With --queue: the queue (no password), the most workers seen alive, jobs added (again after a Redis loss), results that came twice, and why the stage gave up if it did. */
  queue?: import('./queue/coordinator.ts').QueueStageCounts['queue'];
  normalize?: Omit<NormalizeCounts, 'failures'> & { failures: StageCounts['failures'] };
  export?: { dir: string; files: number };
  failuresByKind: Record<string, number>;
  /** Earlier runs found still 'running' (killed before finishing): marked 'interrupted'; this run resumed their work. */
  interruptedRuns?: number[];
  fatal?: string;
  /** `store`: the raw store's URL (no credentials). */
  outputs: { database: string; store?: string; snapshot?: string; latest?: string };
}

export function paths(dataDir: string) {
  return {
    database: path.join(dataDir, 'nianbao.sqlite'),
    raw: path.join(dataDir, 'raw'),
    snapshots: path.join(dataDir, 'snapshots'),
  };
}

export async function runPipeline(opts: RunOptions): Promise<RunSummary> {
  const { config, progress } = opts;
  const stages = new Set(opts.stages ?? STAGES);
  const p = paths(config.dataDir);
  const lock = acquireLock(config.dataDir);
  if (lock.clearedStale) progress.log(`cleared a stale lock left by a killed run (${lock.file})`);
  // A run killed inside a snapshot swap can leave the dated folder renamed aside: put it back now,
  // not only when this run gets to its export.
  // The crawler and exporter (cheerio, Parquet writers) are imported here, not at module load:
  // `nianbao status` reads this module's counts without them.
  const [{ crawl }, { exportSnapshot, recoverSnapshots }] = await Promise.all([import('../crawler/index.ts'), import('../dataset/export.ts')]);
  for (const done of recoverSnapshots(p.snapshots)) progress.log(`snapshots: ${done} (left by a killed run)`);
  const db = openDatabase(p.database);
  const startedAt = nowIso();
  // Under the lock, a run still 'running' is one that was killed: say so, and resume its work.
  const interrupted = markInterruptedRuns(db);
  if (interrupted.length) {
    progress.log(`earlier run(s) #${interrupted.join(', #')} were interrupted before finishing; this run resumes their work`);
  }
  const runId = startRun(db, opts.command ?? 'run', startedAt);
  const summary: RunSummary = { runId, status: 'ok', startedAt, endedAt: startedAt, failuresByKind: {}, outputs: { database: p.database } };
  if (interrupted.length) summary.interruptedRuns = interrupted;
  const countFailure = (kind: string) => (summary.failuresByKind[kind] = (summary.failuresByKind[kind] ?? 0) + 1);
  let raw: RawStore | undefined;
  try {
    // The raw store (config.store: the folder <dataDir>/raw by default, or S3): crawl writes, extract reads.
    raw = await openRawStore(config.store);
    summary.outputs.store = raw.url;
    if (stages.has('crawl')) {
      const portals = opts.portals ?? config.portals;
      const starts = opts.starts ?? [];
      if (portals.length || starts.length) {
        progress.start('crawl', portals.reduce((n, x) => n + x.start.length, 0) + starts.length);
        const seen = { done: 0, failed: 0 };
        const onProgress = (p: { done: number; queued: number; failed: number }) => {
          progress.retotal('crawl', p.queued);
          for (; seen.done < p.done; seen.done++) {
            const failed = p.failed > seen.failed;
            if (failed) seen.failed++;
            progress.tick('crawl', { ok: !failed, reason: failed ? 'see the run summary' : undefined });
          }
        };
        const c = await crawl(db, raw, { starts, portals, options: { ...config.crawl, log: (line) => progress.log(line), onProgress } });
        progress.end('crawl');
        summary.crawl = {
          fetched: c.fetched, new: c.new, changed: c.changed, unchanged: c.unchanged, failed: c.failed, failures: c.failures,
          reportsFound: c.reportsFound, attachmentsFound: c.attachmentsFound, bytesDownloaded: c.bytesDownloaded, skipped: c.skipped,
          listingsRead: c.listingsRead, listings: c.listings, incompleteListings: c.incompleteListings, coverage: c.coverage,
          failedUrls: c.failedUrls.map((f) => ({ url: f.url, kind: String(f.kind), message: f.message })),
        };
        for (const [kind, n] of Object.entries(c.failures)) summary.failuresByKind[`crawl:${kind}`] = n;
        if (c.incompleteListings.length) summary.failuresByKind['crawl:incomplete-listing'] = c.incompleteListings.length;
      }
    }
    if (stages.has('extract') && config.queue) {
      // Distributed: `nianbao worker` processes extract; this process loads their results.
      const { runQueuedExtractStage } = await import('./queue/coordinator.ts');
      const { queue, ...counts } = await runQueuedExtractStage(db, raw, config.queue, progress, { maxBytes: config.extract.maxBytes });
      summary.extract = counts;
      summary.queue = queue;
      for (const f of summary.extract.failures) countFailure(`extract:${f.code}`);
    } else if (stages.has('extract')) {
      const pool = new ExtractPool(config.extract);
      try {
        summary.extract = await runExtractStage(db, raw, pool, progress, { maxBytes: config.extract.maxBytes });
      } finally {
        await pool.close();
      }
      for (const f of summary.extract.failures) countFailure(`extract:${f.code}`);
    }
    if (stages.has('normalize')) {
      summary.normalize = await runNormalizeStage(db, { progress, portals: [...config.portals, ...(opts.portals ?? [])] });
    }
    if (stages.has('export')) {
      progress.start('export', 1);
      const snap = await exportSnapshot(db, { dataDir: config.dataDir, date: opts.date });
      progress.tick('export', { ok: true, item: snap.dir });
      progress.end('export');
      summary.export = { dir: snap.dir, files: snap.files.length };
      summary.outputs.snapshot = snap.dir;
      summary.outputs.latest = path.join(p.snapshots, 'latest');
    }
    // A list that states more than was found is as much a reason to look as a failed document.
    const perDocFailures = (summary.crawl?.failed ?? 0) + (summary.extract?.failed ?? 0) + (summary.crawl?.incompleteListings.length ?? 0);
    summary.status = perDocFailures > 0 ? 'partial' : 'ok';
  } catch (e) {
    summary.status = 'failed';
    summary.fatal = (e as Error).stack ?? String(e);
  } finally {
    summary.endedAt = nowIso();
    finishRun(
      db,
      summary.endedAt,
      summary.status,
      JSON.stringify({ crawl: summary.crawl && { ...summary.crawl, failedUrls: undefined }, extract: summary.extract && { ...summary.extract, failures: undefined }, queue: summary.queue, normalize: summary.normalize && { ...summary.normalize, failures: undefined }, export: summary.export }),
      JSON.stringify({ fatal: summary.fatal, byKind: summary.failuresByKind, crawl: summary.crawl?.failedUrls, extract: summary.extract?.failures }),
      runId,
    );
    await raw?.close().catch(() => undefined);
    db.close();
    lock.release();
  }
  return summary;
}

/** Counts per stage as stored now: what is done and what is pending (each from the module that owns its tables). */
export function stageCounts(db: DB) {
  const crawl = crawlCounts(db);
  const extractions = extractionCounts(db);
  return { ...crawl, extracted: extractions.extracted, extractFailed: extractions.failed, ...datasetCounts(db) };
}
