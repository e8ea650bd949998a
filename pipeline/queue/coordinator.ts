/**
 * The extract stage of `nianbao run --queue`: the documents pending extraction go to the queue as
 * jobs, at most `inFlight` at a time (backpressure: Redis never holds the whole backlog), and the
 * results are loaded into SQLite as they arrive. SQLite stays the system of record: a job is
 * removed from Redis only after its result is committed, and a job that Redis lost (a restart
 * without persistence) is added again.
 *
 * Idempotent on (sha256, extractor version): the job id is derived from both (BullMQ ignores an
 * add whose id exists), and a result that arrives twice is stored once (storeExtraction without
 * replace). One coordinator per queue: results of documents it does not have pending are taken
 * for duplicates and removed. With no worker alive for `noWorkerMs` (or Redis unreachable that long) the stage
 * stops: what was not extracted fails with QUEUE_UNAVAILABLE, which stores nothing, so those
 * documents stay pending for the next run.
 */
import { Queue, type Job } from 'bullmq';
import type { DB } from '../../store/db.ts';
import type { RawStore } from '../../store/raw.ts';
import { QUEUE_UNAVAILABLE, STORE_UNAVAILABLE, leavesPending, pendingExtractions, storeExtraction, type ExtractTarget, type StageCounts } from '../extract-stage.ts';
import type { Progress } from '../progress.ts';
import { EXTRACTOR_VERSION } from '../../schema/report.ts';
import { redactQueueUrl } from './url.ts';
import { QUEUE_NAME, connectRedis, jobIdFor, parseFailure, sleep, type ExtractJobData, type ExtractJobResult } from './jobs.ts';

export interface QueueRunOptions {
  /** redis://host:port */
  url: string;
  /** Jobs in the queue at once (waiting + active). Default 64. */
  inFlight?: number;
  /** Give up after this long without a worker alive (or without Redis). Default 120 000 ms. */
  noWorkerMs?: number;
  /** Attempts per document before its failure is stored. Default 3. */
  attempts?: number;
  /** First retry delay (exponential backoff). Default 2 000 ms. */
  backoffMs?: number;
  /** How often the queue is read for results when none came. Default 100 ms. */
  pollMs?: number;
}

export interface QueueStageCounts extends StageCounts {
  queue: { url: string; workersSeen: number; enqueued: number; readded: number; duplicates: number; gaveUp?: string };
}

export async function runQueuedExtractStage(db: DB, raw: RawStore, q: QueueRunOptions, progress?: Progress, opts: { maxBytes: number } = { maxBytes: 64 << 20 }): Promise<QueueStageCounts> {
  const inFlightMax = Math.max(1, q.inFlight ?? 64);
  const noWorkerMs = q.noWorkerMs ?? 120_000;
  const pollMs = q.pollMs ?? 100;
  const jobOpts = { attempts: q.attempts ?? 3, backoff: { type: 'exponential', delay: q.backoffMs ?? 2000 } };
  const log = (m: string, fields?: Record<string, unknown>) => progress?.log(`queue: ${m}`, fields);

  const pending = pendingExtractions(db);
  const byId = new Map<string, ExtractTarget>(pending.map((d) => [jobIdFor(d.sha256), d]));
  const settled = new Set<string>();
  const inFlight = new Set<string>();
  const counts: QueueStageCounts = {
    total: pending.length, done: 0, failed: 0, failures: [],
    queue: { url: redactQueueUrl(q.url), workersSeen: 0, enqueued: 0, readded: 0, duplicates: 0 },
  };
  progress?.start('extract', pending.length);
  const connection = connectRedis(q.url, 'coordinator');
  const queue = new Queue<ExtractJobData, ExtractJobResult>(QUEUE_NAME, { connection });
  queue.on('error', () => {});

  const add = (d: ExtractTarget) =>
    queue.add('extract', { sha256: d.sha256, extractorVersion: EXTRACTOR_VERSION, mediaType: d.content_type, url: d.url, filename: d.filename, maxBytes: opts.maxBytes }, { ...jobOpts, jobId: jobIdFor(d.sha256) });

  let stopped = false;
  const settle = (id: string, d: ExtractTarget, result: { row: Parameters<typeof storeExtraction>[2] } | { pendingCode: string; message: string }) => {
    // Once the stage gave up, a step still waiting on Redis stores nothing more.
    if (settled.has(id) || stopped) return;
    settled.add(id);
    inFlight.delete(id);
    if ('row' in result) {
      if (!storeExtraction(db, d.sha256, result.row)) counts.queue.duplicates++;
      if (result.row.ok) {
        counts.done++;
        progress?.tick('extract', { ok: true, item: d.url });
        return;
      }
    }
    const failure = 'row' in result ? (result.row as { code: string; message: string }) : { code: result.pendingCode, message: result.message };
    counts.failed++;
    counts.failures.push({ sha256: d.sha256, url: d.url, code: failure.code, message: failure.message });
    progress?.tick('extract', { ok: false, item: d.url, reason: `${failure.code}: ${failure.message}` });
  };

  /** A finished job: its result into SQLite (committed), then the job out of Redis. */
  const collect = async (job: Job<ExtractJobData, ExtractJobResult>, state: 'completed' | 'failed') => {
    const id = job.id!;
    const d = byId.get(id);
    if (d && !settled.has(id)) {
      if (state === 'completed') {
        const r = job.returnvalue;
        let blocks: Buffer;
        try {
          blocks = r.blob ? await raw.get(r.blob) : Buffer.from(r.blocks ?? '', 'base64');
        } catch (e) {
          // The large result is in the store and the store does not answer: extracted again next run.
          settle(id, d, { pendingCode: STORE_UNAVAILABLE, message: `the result ${r.blob} could not be read from ${raw.url}: ${(e as Error).message}` });
          await job.remove().catch(() => undefined);
          return;
        }
        settle(id, d, { row: { ok: true, mediaType: r.mediaType, status: r.status, pages: r.pages, blocks, millis: r.millis } });
      } else {
        const f = parseFailure(job.failedReason);
        // Not the document's fault (no store from the workers, say): stays pending, nothing stored.
        if (leavesPending(f.code)) settle(id, d, { pendingCode: f.code, message: `${f.message} (after ${job.attemptsMade} attempts on the workers)` });
        else settle(id, d, { row: { ok: false, code: f.code, message: f.message, millis: 0 } });
      }
    } else if (!d) {
      // A result for a document already stored (a result that arrived twice) or not ours: nothing to store.
      counts.queue.duplicates++;
    }
    await job.remove().catch(() => undefined);
  };

  let next = 0;
  let lastAlive = Date.now();
  let lastCheck = 0;
  let lastReconcile = Date.now();
  let lastLine = '';
  let lastLineAt = 0;
  let redisDown: string | undefined;
  /** When Redis last answered a whole step (0: never in this run), and its last connection error. */
  let lastAnswer = 0;
  let redisError: string | undefined;
  connection.on('error', (e: Error) => (redisError = e.message));
  const t0 = Date.now();
  const remaining = () => pending.length - settled.size;
  /** One pass: fill the window, collect results, every second look at the workers (and every 5 s for lost jobs). */
  const step = async () => {
    // Backpressure: at most inFlightMax jobs of this run in Redis.
    while (inFlight.size < inFlightMax && next < pending.length) {
      const d = pending[next++]!;
      const id = jobIdFor(d.sha256);
      if (settled.has(id)) continue;
      // In flight before the add is answered: an add lost with Redis (it failed, or Redis restarted
      // before keeping it) is found missing by the check below and added again, never skipped.
      inFlight.add(id);
      await add(d);
      counts.queue.enqueued++;
    }
    let got = 0;
    for (const state of ['completed', 'failed'] as const) {
      const jobs = await queue.getJobs([state], 0, 99, true);
      for (const job of jobs) if (job) await collect(job, state);
      got += jobs.length;
    }
    const now = Date.now();
    if (now - lastCheck >= 1000) {
      lastCheck = now;
      const workers = await queue.getWorkersCount();
      if (workers > 0) lastAlive = now;
      counts.queue.workersSeen = Math.max(counts.queue.workersSeen, workers);
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const line = `${workers} worker${workers === 1 ? '' : 's'} alive · waiting ${c.waiting! + c.delayed! + c.prioritized!}, active ${c.active}, done ${settled.size} of ${pending.length}`;
      if (redisDown) log(`Redis is back (${redisDown})`);
      redisDown = undefined;
      if (line !== lastLine || now - lastLineAt > 10_000) {
        log(line, { workers, waiting: c.waiting, active: c.active, delayed: c.delayed, done: settled.size, total: pending.length });
        lastLine = line;
        lastLineAt = now;
      }
      // Jobs Redis lost (restarted without its data) are added again; the rest are left alone.
      if (now - lastReconcile >= 5000) {
        lastReconcile = now;
        for (const id of inFlight) {
          if ((await queue.getJobState(id)) !== 'unknown') continue;
          const d = byId.get(id)!;
          if (settled.has(id)) continue;
          await add(d);
          counts.queue.readded++;
          log(`job ${id} was lost by Redis; added again`);
        }
      }
    }
    lastAnswer = Date.now();
    if (got === 0) await sleep(pollMs);
  };

  // A command to an unreachable Redis may wait instead of failing (BullMQ waits for the
  // connection to be ready first): the clock is kept apart from the steps, so the stage can give
  // up even while a step hangs.
  let giveUp!: () => void;
  const gaveUp = new Promise<'give-up'>((resolve) => (giveUp = () => resolve('give-up')));
  const watchdog = setInterval(() => {
    if (Date.now() - lastAlive > noWorkerMs) giveUp();
  }, 250);
  try {
    while (remaining() > 0) {
      const r = await Promise.race([step().then(() => undefined, (e: unknown) => e as Error), gaveUp]);
      if (r instanceof Error) {
        if (!redisDown) log(`Redis unreachable (${r.message}); waiting for it`);
        redisDown = r.message;
        await sleep(500);
      }
      if (r === 'give-up' && !redisDown && Date.now() - (lastAnswer || t0) > Math.min(5000, noWorkerMs)) {
        redisDown = `no answer from Redis for ${Math.round((Date.now() - (lastAnswer || t0)) / 1000)} s${redisError ? `: ${redisError}` : ''}`;
      }
      if (remaining() > 0 && Date.now() - lastAlive > noWorkerMs) {
        counts.queue.gaveUp = redisDown ? `Redis unreachable for ${Math.round(noWorkerMs / 1000)} s (${redisDown})` : `no worker alive for ${Math.round(noWorkerMs / 1000)} s`;
        const message = `${counts.queue.gaveUp}: not extracted in this run, pending for the next (start workers: nianbao worker --queue ${counts.queue.url} --store ${raw.url})`;
        log(`${counts.queue.gaveUp}; ${remaining()} document(s) left pending for the next run`);
        for (const d of pending) {
          const id = jobIdFor(d.sha256);
          if (!settled.has(id)) settle(id, d, { pendingCode: QUEUE_UNAVAILABLE, message });
        }
        stopped = true;
      }
    }
  } finally {
    stopped = true;
    clearInterval(watchdog);
    progress?.end('extract');
    if (redisDown) connection.disconnect();
    // Closing waits for pending commands; a Redis that is gone gets 2 s.
    await Promise.race([queue.close().catch(() => undefined), sleep(2000)]);
    await Promise.race([connection.quit().catch(() => undefined), sleep(2000)]);
    connection.disconnect();
  }
  return counts;
}
