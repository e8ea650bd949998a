/**
 * `nianbao worker`: takes extraction jobs from the queue, reads the document from the raw store
 * and extracts it on the same in-process pool (pipeline/pool.ts, extract/worker.ts) and through
 * the same path (extractStored) as a single-machine run: same code, same limits, same OCR.
 *
 * - A document's failure (timeout, encrypted, missing-raw …) fails the job with `<code>: <message>`;
 *   BullMQ retries it (attempts and backoff are the coordinator's job options) and after the last
 *   attempt the coordinator stores it as that document's failure.
 * - A worker that dies holds its job's lock no more: BullMQ's stalled check (run by the other
 *   workers every `stalledMs`) puts the job back in the queue for another worker.
 * - Stop (SIGTERM/SIGINT): no new job is taken and the ones in hand are finished; after the grace
 *   time, or on a second signal, they are handed back to the queue (moveToWait) for another worker.
 */
import os from 'node:os';
import { Worker, WaitingError, type Job } from 'bullmq';
import { EXTRACTOR_VERSION } from '../../schema/report.ts';
import type { RawStore } from '../../store/raw.ts';
import { QUEUE_UNAVAILABLE, extractStored, packDocument } from '../extract-stage.ts';
import { ExtractPool, type PoolOptions } from '../pool.ts';
import { redactQueueUrl } from './url.ts';
import { INLINE_RESULT_MAX, QUEUE_NAME, connectRedis, type ExtractJobData, type ExtractJobResult } from './jobs.ts';

export interface QueueWorkerOptions {
  /** redis://host:port */
  queueUrl: string;
  raw: RawStore;
  /** Jobs at once, each on its own extraction thread. Default: cores. */
  concurrency?: number;
  /** Extraction limits per document (time limit, heap cap), as the local pool. */
  pool?: Omit<PoolOptions, 'workers'>;
  /**
   * How long a job's lock lives without renewal, and how often this worker looks for jobs whose
   * worker died (BullMQ lockDuration and stalledInterval). Default 30 000 ms; a dead worker's job
   * is back in the queue within about twice this.
   */
  stalledMs?: number;
  /** On stop, how long jobs in hand may take before they are handed back. Default 60 000 ms. */
  graceMs?: number;
  /** Packed results above this size go to the store (default INLINE_RESULT_MAX). */
  inlineMax?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface QueueWorker {
  /** Resolves when the worker has stopped (after stop()). */
  readonly closed: Promise<void>;
  /** Finish the jobs in hand (at most graceMs), then hand back what is left; a second call hands back at once. */
  stop(): Promise<void>;
  readonly stats: { done: number; failed: number; handedBack: number };
}

class JobFailure extends Error {
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const log = opts.log ?? (() => {});
  const concurrency = Math.max(1, opts.concurrency ?? os.availableParallelism());
  const stalledMs = opts.stalledMs ?? 30_000;
  const graceMs = opts.graceMs ?? 60_000;
  const inlineMax = opts.inlineMax ?? INLINE_RESULT_MAX;
  const pool = new ExtractPool({ ...opts.pool, workers: concurrency });
  const connection = connectRedis(opts.queueUrl, 'worker');
  const stats = { done: 0, failed: 0, handedBack: 0 };
  let handBack!: () => void;
  const handingBack = new Promise<'hand-back'>((resolve) => (handBack = () => resolve('hand-back')));

  const processJob = async (job: Job<ExtractJobData, ExtractJobResult>, token?: string): Promise<ExtractJobResult> => {
    const d = job.data;
    if (d.extractorVersion !== EXTRACTOR_VERSION) throw new JobFailure(QUEUE_UNAVAILABLE, `the job wants extractor ${d.extractorVersion}, this worker runs ${EXTRACTOR_VERSION}`);
    const t0 = performance.now();
    const result = await Promise.race([extractStored(opts.raw, pool, { sha256: d.sha256, url: d.url, content_type: d.mediaType, filename: d.filename }, d.maxBytes), handingBack]);
    if (result === 'hand-back') {
      // Back to the queue for another worker; WaitingError tells BullMQ the job was moved on purpose.
      await job.moveToWait(token);
      stats.handedBack++;
      log(`handed back ${d.sha256.slice(0, 12)} (${d.url}) to the queue`, { sha256: d.sha256 });
      throw new WaitingError();
    }
    const millis = Math.round(performance.now() - t0);
    if (result.error) {
      stats.failed++;
      const attempt = job.attemptsMade + 1;
      log(`failed ${d.sha256.slice(0, 12)} (${d.url}), attempt ${attempt} of ${job.opts.attempts ?? 1}: ${result.error.code}: ${result.error.message}`, { sha256: d.sha256, ...result.error });
      // Every failure is retried (attempts): a store unreachable from here may be reachable elsewhere.
      throw new JobFailure(result.error.code, result.error.message);
    }
    const packed = packDocument(result.doc);
    const out: ExtractJobResult = { mediaType: result.doc.mediaType, status: result.doc.status, pages: result.doc.pages ?? null, millis };
    if (packed.length > inlineMax) out.blob = await opts.raw.put(packed);
    else out.blocks = packed.toString('base64');
    stats.done++;
    log(`extracted ${d.sha256.slice(0, 12)} (${d.url}): ${out.mediaType} ${out.status}, ${out.pages ?? '-'} pages, ${millis} ms${out.blob ? `, result in the store (${packed.length} bytes)` : ''}`, { sha256: d.sha256, millis });
    return out;
  };

  const worker = new Worker<ExtractJobData, ExtractJobResult>(QUEUE_NAME, processJob, {
    connection,
    concurrency,
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    // A job whose worker died is put back this many times; one more and it fails as 'worker-lost'.
    maxStalledCount: 2,
    // Recorded on each job it takes (processedBy): which worker holds what.
    name: `${os.hostname()}:${process.pid}`,
    // Completed and failed jobs are kept (BullMQ's default) until the coordinator has stored them and removes them.
  });
  worker.on('error', (e) => log(`queue: ${(e as Error).message}`));
  // This worker's stalled check found a job whose worker died: BullMQ put it back in the queue.
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled (its worker died or lost Redis); back in the queue for another worker`, { jobId }));
  await worker.waitUntilReady();
  log(`worker ready: queue ${QUEUE_NAME} on ${redactQueueUrl(opts.queueUrl)}, store ${opts.raw.url}, ${concurrency} at a time, stalled check every ${stalledMs} ms`);

  let stopping: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const stop = (): Promise<void> => {
    if (stopping) {
      handBack();
      return stopping;
    }
    log(`stopping: taking no new jobs, finishing the ones in hand (at most ${graceMs} ms, then they are handed back)`);
    const grace = setTimeout(handBack, graceMs);
    stopping = (async () => {
      try {
        await worker.close();
      } finally {
        clearTimeout(grace);
        await pool.close();
        await connection.quit().catch(() => connection.disconnect());
        log(`worker stopped: ${stats.done} extracted, ${stats.failed} failed attempts, ${stats.handedBack} handed back`);
        resolveClosed();
      }
    })();
    return stopping;
  };
  return { closed, stop, stats };
}
