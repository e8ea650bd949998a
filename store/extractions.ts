/**
 * Stored extractions (the `extractions` table's `blocks`): an extracted document is kept as
 * gzip-compressed JSON. Packing and unpacking live here, with the store, so the pipeline that
 * writes them and whoever reads one back (normalize stage, `nianbao labels`) agree on the format.
 * The document type belongs to extract/ (above the store): callers name it.
 */
import zlib from 'node:zlib';
import type { DB } from './db.ts';

export function packExtraction(doc: unknown): Buffer {
  return zlib.gzipSync(JSON.stringify(doc), { level: 6 });
}

export function unpackExtraction<T>(blob: Buffer): T {
  return JSON.parse(zlib.gunzipSync(blob).toString('utf8')) as T;
}

/**
 * A reader of the latest stored extraction with content of a document (by sha256), or null when
 * none is stored (never extracted, or every extraction failed). Prepared once, called per document.
 */
export function storedExtractionReader<T>(db: DB): (sha256: string) => T | null {
  const latest = db.prepare(`SELECT blocks FROM extractions WHERE sha256 = ? AND blocks IS NOT NULL ORDER BY extracted_at DESC LIMIT 1`).pluck();
  return (sha256) => {
    const blob = latest.get(sha256) as Buffer | undefined;
    return blob ? unpackExtraction<T>(blob) : null;
  };
}
