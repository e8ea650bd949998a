/**
 * Extract stage: stored raw documents → extractions table. Incremental: a document whose bytes
 * were already extracted by this extractor version is skipped. Each result is committed on its
 * own, so a killed run loses only the documents in flight.
 */
import { DEFAULT_MAX_BYTES } from '../extract/index.ts';
import type { ExtractedDocument } from '../extract/model.ts';
import { EXTRACTOR_VERSION } from '../schema/report.ts';
import { nowIso, type DB } from '../store/db.ts';
import { packExtraction, unpackExtraction } from '../store/extractions.ts';
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

export function pendingExtractions(db: DB): ExtractTarget[] {
  return db
    .prepare(
      `SELECT d.sha256, MIN(COALESCE(d.final_url, d.url)) AS url, MIN(d.content_type) AS content_type, MIN(d.filename) AS filename
       FROM documents d
       WHERE d.sha256 IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.sha256 = d.sha256 AND e.extractor_version = ?)
       GROUP BY d.sha256 ORDER BY MIN(d.id)`,
    )
    .all(EXTRACTOR_VERSION) as ExtractTarget[];
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

/** The document a job names: its bytes' sha256 and what the crawler saw of it. */
export interface ExtractTarget {
  sha256: string;
  url: string;
  content_type: string | null;
  filename: string | null;
}

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

/** An extraction row as stored: the packed document (packDocument) or the document's failure. */
export type ExtractionRow =
  | { ok: true; mediaType: string; status: string; pages: number | null; blocks: Buffer; millis: number }
  | { ok: false; code: string; message: string; millis: number };

/**
 * Writes one extraction row. `replace` (the local stage) overwrites; without it (results from the
 * queue, which may arrive twice) a row already there for (sha256, extractor version) is kept and
 * false is returned: stored once.
 */
export function storeExtraction(db: DB, sha: string, row: ExtractionRow, opts: { replace?: boolean } = {}): boolean {
  const sql = `INSERT ${opts.replace ? 'OR REPLACE ' : ''}INTO extractions (sha256, extractor_version, media_type, status, error_code, error_message, pages, blocks, millis, extracted_at)
     VALUES (@sha256, @version, @media_type, @status, @error_code, @error_message, @pages, @blocks, @millis, @at)${opts.replace ? '' : ' ON CONFLICT (sha256, extractor_version) DO NOTHING'}`;
  const values = row.ok
    ? { media_type: row.mediaType, status: row.status, error_code: null, error_message: null, pages: row.pages, blocks: row.blocks }
    : { media_type: null, status: 'failed', error_code: row.code, error_message: row.message, pages: null, blocks: null };
  return db.prepare(sql).run({ sha256: sha, version: EXTRACTOR_VERSION, millis: row.millis, at: nowIso(), ...values }).changes > 0;
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
  await Promise.all(Array.from({ length: pool.size }, worker));
  progress?.end('extract');
  return counts;
}

/** An extracted document as stored (store/extractions.ts). */
export const packDocument = (doc: ExtractedDocument): Buffer => packExtraction(doc);
export const unpackDocument = (blob: Buffer): ExtractedDocument => unpackExtraction<ExtractedDocument>(blob);
