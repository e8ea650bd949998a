/**
 * Extract stage: stored raw documents → extractions table. Incremental: a document whose bytes
 * were already extracted by this extractor version is skipped. Each result is committed on its
 * own, so a killed run loses only the documents in flight.
 */
import { DEFAULT_MAX_BYTES } from '../extract/index.ts';
import type { ExtractedDocument } from '../extract/model.ts';
import { EXTRACTOR_VERSION } from '../schema/report.ts';
import type { DB } from '../store/db.ts';
import { documentsToExtract, insertExtraction, packExtraction, unpackExtraction, type ExtractTarget, type ExtractionRow } from '../store/extractions.ts';
import { RawMissingError, type RawStore } from '../store/raw.ts';
import { WORKER_UNAVAILABLE, type ExtractPool, type PoolResult } from './pool.ts';
import type { Progress } from './progress.ts';

export interface StageFailure {
  sha256: string;
  url: string | null;
  code: string;
  message: string;
}

export interface StageCounts {
  total: number;
  done: number;
  failed: number;
  failures: StageFailure[];
}

/** Stored documents this extractor version has not read yet. */
export function pendingExtractions(db: DB): ExtractTarget[] {
  return documentsToExtract(db, EXTRACTOR_VERSION);
}

/**
 * A raw store that cannot be reached (an S3 endpoint down, a network error) is not the document's
 * fault: like WORKER_UNAVAILABLE, nothing is stored and the next run extracts it again.
 */
export const STORE_UNAVAILABLE = 'store-unavailable';

function storeError(hash: string, e: unknown): PoolResult {
  if (e instanceof RawMissingError) return { error: { code: 'missing-raw', message: e.message } };
  const message = `raw store error for ${hash}: ${(e as Error).message}`;
  // A file store's unreadable file (EACCES, EISDIR …) is this document's failure, as before.
  const code = typeof (e as NodeJS.ErrnoException).code === 'string' && !(e as { $metadata?: unknown }).$metadata ? 'missing-raw' : STORE_UNAVAILABLE;
  return { error: { code, message } };
}

/** The document a job names (store/extractions.ts). */
export type { ExtractTarget };

/**
 * Reads one stored document and extracts it on the pool: the one path from the raw store to an
 * extraction, used by the local stage below and by the queue worker (pipeline/queue/worker.ts).
 * A missing, unreadable or too large file is this document's failure; an unreachable store is
 * STORE_UNAVAILABLE.
 */
export async function extractStored(raw: RawStore, pool: ExtractPool, d: ExtractTarget, maxBytes: number): Promise<PoolResult> {
  let size: number;
  try {
    size = (await raw.size(d.sha256)) ?? -1;
  } catch (e) {
    return storeError(d.sha256, e);
  }
  if (size < 0) return { error: { code: 'missing-raw', message: `raw bytes not found for ${d.sha256} in ${raw.url}` } };
  // Refused from its size: never read into memory nor copied to a worker.
  if (size > maxBytes) return { error: { code: 'too-large', message: `the file is ${size} bytes, over the ${maxBytes}-byte limit (extract.maxBytes, NIANBAO_EXTRACT_MAX_BYTES)` } };
  let bytes: Buffer;
  try {
    bytes = await raw.get(d.sha256);
  } catch (e) {
    return storeError(d.sha256, e);
  }
  try {
    return await pool.extract(bytes, { fileName: d.filename ?? d.url, contentType: d.content_type ?? undefined, url: d.url, maxBytes });
  } catch (e) {
    return { error: { code: 'missing-raw', message: `raw bytes not found for ${d.sha256}: ${(e as Error).message}` } };
  }
}

/**
 * The distributed mode (pipeline/queue/): no queue worker took the document in this run (none
 * alive, Redis unreachable), or the one that did runs another extractor version.
 */
export const QUEUE_UNAVAILABLE = 'queue-unavailable';

/**
 * Failures that are not the document's fault (no worker, no store, no queue worker): nothing is
 * stored and the next run extracts the document again.
 */
export function leavesPending(code: string): boolean {
  return code === WORKER_UNAVAILABLE || code === STORE_UNAVAILABLE || code === QUEUE_UNAVAILABLE;
}

export type { ExtractionRow };

/**
 * Writes one extraction row by this extractor version. `replace` (the local stage) overwrites;
 * without it (results from the queue, which may arrive twice) a row already there is kept and
 * false is returned: stored once.
 */
export function storeExtraction(db: DB, sha: string, row: ExtractionRow, opts: { replace?: boolean } = {}): boolean {
  return insertExtraction(db, sha, EXTRACTOR_VERSION, row, opts);
}

export async function runExtractStage(db: DB, raw: RawStore, pool: ExtractPool, progress?: Progress, opts: { maxBytes?: number } = {}): Promise<StageCounts> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const pending = pendingExtractions(db);
  const counts: StageCounts = { total: pending.length, done: 0, failed: 0, failures: [] };
  progress?.start('extract', pending.length);
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const d = pending[next++];
      const t0 = performance.now();
      const result = await extractStored(raw, pool, d, maxBytes);
      const millis = Math.round(performance.now() - t0);
      if (result.doc) {
        storeExtraction(db, d.sha256, { ok: true, mediaType: result.doc.mediaType, status: result.doc.status, pages: result.doc.pages ?? null, blocks: packDocument(result.doc), millis }, { replace: true });
        counts.done++;
        progress?.tick('extract', { ok: true, item: d.url });
      } else {
        // No worker could take it: not the document's fault, so nothing is stored and the next
        // run extracts it again.
        if (!leavesPending(result.error.code)) storeExtraction(db, d.sha256, { ok: false, ...result.error, millis }, { replace: true });
        counts.failed++;
        counts.failures.push({ sha256: d.sha256, url: d.url, ...result.error });
        progress?.tick('extract', { ok: false, item: d.url, reason: `${result.error.code}: ${result.error.message}` });
      }
    }
  };
  // pool.inFlight loops: each worker has its next document posted to it while this thread stores the last.
  await Promise.all(Array.from({ length: pool.inFlight }, worker));
  progress?.end('extract');
  return counts;
}

/** An extracted document as stored (store/extractions.ts). */
export const packDocument = (doc: ExtractedDocument): Buffer => packExtraction(doc);
export const unpackDocument = (blob: Buffer): ExtractedDocument => unpackExtraction<ExtractedDocument>(blob);
