/**
 * The extraction queue shared by the coordinator (`nianbao run --queue`, coordinator.ts) and the
 * workers (`nianbao worker`, worker.ts): BullMQ on Redis. What a job carries, what it gives back,
 * how to connect. Nothing here is a queue of our own: jobs, retries with backoff, stalled-job
 * detection and worker registration are BullMQ's.
 */
import { Redis } from 'ioredis';
import { EXTRACTOR_VERSION } from '../../schema/report.ts';
import { checkQueueUrl } from './url.ts';

export { checkQueueUrl, redactQueueUrl } from './url.ts';

/**
 * One queue per extractor version: a worker of another version never takes a job, and the
 * coordinator counts only the workers that can extract for it.
 */
export const QUEUE_NAME = `nianbao-extract-v${EXTRACTOR_VERSION}`;

/** A job: the document's sha256, what the crawler saw of it (media type, name) and the extractor version. */
export interface ExtractJobData {
  sha256: string;
  extractorVersion: string;
  /** The Content-Type the portal sent (may be null). */
  mediaType: string | null;
  url: string;
  filename: string | null;
  /** The coordinator's size cap (extract.maxBytes). */
  maxBytes: number;
}

/**
 * A job's result. The packed extraction (gzip'd JSON, as the extractions table stores it) travels
 * inline in base64 when small; a larger one is put in the raw store and named by its sha256, so
 * Redis holds only small values.
 */
export interface ExtractJobResult {
  mediaType: string;
  status: string;
  pages: number | null;
  millis: number;
  /** base64 of the packed document, or … */
  blocks?: string;
  /** … the sha256 of the packed document in the raw store. */
  blob?: string;
}

/** Packed results above this many bytes go to the store instead of Redis. */
export const INLINE_RESULT_MAX = 256 * 1024;

/** Idempotent on (sha256, parser version): adding a job that exists is a no-op in BullMQ. */
export function jobIdFor(sha256: string, version = EXTRACTOR_VERSION): string {
  return `x${version}-${sha256}`;
}

/** A failed job's reason is `<code>: <message>` (worker.ts); a reason of BullMQ's own (a stalled job) gets a code here. */
export function parseFailure(reason: string | undefined): { code: string; message: string } {
  const m = /^([a-z][a-z0-9-]*): ([\s\S]*)$/.exec(reason ?? '');
  if (m) return { code: m[1]!, message: m[2]! };
  if (/stalled/i.test(reason ?? '')) return { code: 'worker-lost', message: `the workers that took this document died or lost it more often than allowed (BullMQ: ${reason})` };
  return { code: 'internal', message: reason || 'the job failed without a reason' };
}

/**
 * A Redis connection for BullMQ. Workers need `maxRetriesPerRequest: null` (their blocking
 * commands wait through a Redis restart, as BullMQ requires). The coordinator's commands fail
 * instead after a retry, so that its loop can notice Redis is gone, say so and keep time.
 */
export function connectRedis(url: string, role: 'worker' | 'coordinator'): Redis {
  const r = new Redis(checkQueueUrl(url), {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    // Reconnect forever, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    lazyConnect: false,
  });
  // ioredis reports connection errors as events; BullMQ and our loops see the failed commands.
  r.on('error', () => {});
  return r;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
