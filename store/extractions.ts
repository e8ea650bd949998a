/**
 * Stored extractions (the `extractions` table's `blocks`): an extracted document is kept as
 * gzip-compressed JSON. Packing and unpacking live here, with the store, so the pipeline that
 * writes them and whoever reads one back (normalize stage, `nianbao labels`) agree on the format.
 * The document type belongs to extract/ (above the store): callers name it. Every statement on
 * the table is here too (the extract stage writes, the normalize stage and the run's counts read),
 * with the versions passed in by the stages that own them.
 */
import zlib from 'node:zlib';
import { nowIso, type DB } from './db.ts';

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

/** A stored document to extract: its bytes' sha256 and what the crawler saw of it. */
export interface ExtractTarget {
  sha256: string;
  url: string;
  content_type: string | null;
  filename: string | null;
}

/** Stored documents with no extraction by this extractor version, in the order they were found. */
export function documentsToExtract(db: DB, extractorVersion: string): ExtractTarget[] {
  return db
    .prepare(
      `SELECT d.sha256, MIN(COALESCE(d.final_url, d.url)) AS url, MIN(d.content_type) AS content_type, MIN(d.filename) AS filename
       FROM documents d
       WHERE d.sha256 IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM extractions e WHERE e.sha256 = d.sha256 AND e.extractor_version = ?)
       GROUP BY d.sha256 ORDER BY MIN(d.id)`,
    )
    .all(extractorVersion) as ExtractTarget[];
}

/** An extraction row as stored: the packed document (packExtraction) or the document's failure. */
export type ExtractionRow =
  | { ok: true; mediaType: string; status: string; pages: number | null; blocks: Buffer; millis: number }
  | { ok: false; code: string; message: string; millis: number };

/**
 * Writes one extraction row. `replace` overwrites; without it a row already there for (sha256,
 * extractor version) is kept and false is returned: a result that arrives twice is stored once.
 */
export function insertExtraction(db: DB, sha: string, extractorVersion: string, row: ExtractionRow, opts: { replace?: boolean } = {}): boolean {
  const sql = `INSERT ${opts.replace ? 'OR REPLACE ' : ''}INTO extractions (sha256, extractor_version, media_type, status, error_code, error_message, pages, blocks, millis, extracted_at)
     VALUES (@sha256, @version, @media_type, @status, @error_code, @error_message, @pages, @blocks, @millis, @at)${opts.replace ? '' : ' ON CONFLICT (sha256, extractor_version) DO NOTHING'}`;
  const values = row.ok
    ? { media_type: row.mediaType, status: row.status, error_code: null, error_message: null, pages: row.pages, blocks: row.blocks }
    : { media_type: null, status: 'failed', error_code: row.code, error_message: row.message, pages: null, blocks: null };
  return db.prepare(sql).run({ sha256: sha, version: extractorVersion, millis: row.millis, at: nowIso(), ...values }).changes > 0;
}

/** A stored extraction the normalize stage has not read with this parser version. */
export interface ExtractionToNormalize {
  sha256: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
  blocks: Buffer | null;
}

/**
 * Extractions by this extractor version with no report by this parser version, in a fixed order:
 * which rendering or republication wins must not depend on extraction timing.
 */
export function extractionsToNormalize(db: DB, extractorVersion: string, parserVersion: string): ExtractionToNormalize[] {
  return db
    .prepare(
      `SELECT e.sha256, e.status, e.error_code, e.error_message, e.blocks FROM extractions e
       WHERE e.extractor_version = ?
         AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.sha256 = e.sha256 AND r.parser_version = ?)
       ORDER BY e.sha256`,
    )
    .all(extractorVersion, parserVersion) as ExtractionToNormalize[];
}

/** Extractions stored, by outcome (all versions): read, or failed as the document's fault. */
export function extractionCounts(db: DB): { extracted: number; failed: number } {
  const row = db
    .prepare(`SELECT COALESCE(SUM(status != 'failed'), 0) AS extracted, COALESCE(SUM(status = 'failed'), 0) AS failed FROM extractions`)
    .get() as { extracted: number; failed: number };
  return row;
}
