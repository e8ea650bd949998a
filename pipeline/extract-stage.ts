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

interface PendingDoc {
  sha256: string;
  url: string;
  content_type: string | null;
  filename: string | null;
}

export function pendingExtractions(db: DB): PendingDoc[] {
  return db
    .prepare(
      `SELECT d.sha256, MIN(COALESCE(d.final_url, d.url)) AS url, MIN(d.content_type) AS content_type, MIN(d.filename) AS filename
       FROM documents d
       WHERE d.sha256 IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.sha256 = d.sha256 AND e.extractor_version = ?)
       GROUP BY d.sha256 ORDER BY MIN(d.id)`,
    )
    .all(EXTRACTOR_VERSION) as PendingDoc[];
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

export async function runExtractStage(db: DB, raw: RawStore, pool: ExtractPool, progress?: Progress, opts: { maxBytes?: number } = {}): Promise<StageCounts> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const pending = pendingExtractions(db);
  const counts: StageCounts = { total: pending.length, done: 0, failed: 0, failures: [] };
  progress?.start('extract', pending.length);
  const insert = db.prepare(
    `INSERT OR REPLACE INTO extractions (sha256, extractor_version, media_type, status, error_code, error_message, pages, blocks, millis, extracted_at)
     VALUES (@sha256, @version, @media_type, @status, @error_code, @error_message, @pages, @blocks, @millis, @at)`,
  );
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const d = pending[next++];
      const t0 = performance.now();
      let bytes: Buffer;
      let result: PoolResult | undefined;
      let size = -1;
      try {
        size = (await raw.size(d.sha256)) ?? -1;
        if (size < 0) result = { error: { code: 'missing-raw', message: `raw bytes not found for ${d.sha256} in ${raw.url}` } };
      } catch (e) {
        result = storeError(d.sha256, e);
      }
      if (!result && size > maxBytes) {
        // Refused from its size: never read into memory nor copied to a worker.
        result = { error: { code: 'too-large', message: `the file is ${size} bytes, over the ${maxBytes}-byte limit (extract.maxBytes, NIANBAO_EXTRACT_MAX_BYTES)` } };
      }
      if (!result) {
        try {
          bytes = await raw.get(d.sha256);
        } catch (e) {
          result = storeError(d.sha256, e);
        }
      }
      if (!result) {
        try {
          result = await pool.extract(bytes!, { fileName: d.filename ?? d.url, contentType: d.content_type ?? undefined, url: d.url, maxBytes });
        } catch (e) {
          result = { error: { code: 'missing-raw', message: `raw bytes not found for ${d.sha256}: ${(e as Error).message}` } };
        }
      }
      const millis = Math.round(performance.now() - t0);
      if (result.doc) {
        insert.run({
          sha256: d.sha256, version: EXTRACTOR_VERSION, media_type: result.doc.mediaType, status: result.doc.status,
          error_code: null, error_message: null, pages: result.doc.pages ?? null, blocks: packDocument(result.doc), millis, at: nowIso(),
        });
        counts.done++;
        progress?.tick('extract', { ok: true, item: d.url });
      } else {
        // No worker could take it: not the document's fault, so nothing is stored and the next
        // run extracts it again.
        if (result.error!.code !== WORKER_UNAVAILABLE && result.error!.code !== STORE_UNAVAILABLE)
          insert.run({
            sha256: d.sha256, version: EXTRACTOR_VERSION, media_type: null, status: 'failed',
            error_code: result.error!.code, error_message: result.error!.message, pages: null, blocks: null, millis, at: nowIso(),
          });
        counts.failed++;
        counts.failures.push({ sha256: d.sha256, url: d.url, ...result.error! });
        progress?.tick('extract', { ok: false, item: d.url, reason: `${result.error!.code}: ${result.error!.message}` });
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
