/**
 * One document → one ReportResult: extract, normalize, validate. Used by `nianbao extract`, by
 * the pipeline's normalize stage and by tests; errors belong to the file and never escape.
 */
import { toSimplified } from '../extract/chinese.ts';
import { documentText, ExtractError, type ExtractedDocument } from '../extract/model.ts';
import { extractDocument, MEDIA_TYPES, type ExtractOptions } from '../extract/index.ts';
import { PARSER_VERSION, type ReportResult } from '../schema/report.ts';
import { sha256 } from '../store/raw.ts';
import { normalizeDocument } from './index.ts';

export interface BuildReportOptions extends ExtractOptions {
  /** Path or URL shown in the result's `file` field. */
  file: string;
  /** Keep the full text in the result (for full-text search). */
  withText?: boolean;
}

export async function buildReport(bytes: Uint8Array, opts: BuildReportOptions): Promise<ReportResult> {
  const base = {
    file: opts.file,
    sha256: sha256(bytes),
    parserVersion: PARSER_VERSION,
  };
  let doc: ExtractedDocument;
  try {
    doc = await extractDocument(bytes, { ...opts, fileName: opts.fileName ?? opts.file });
  } catch (e) {
    const err = e instanceof ExtractError ? { code: e.code, message: e.message } : { code: 'internal', message: String((e as Error)?.message ?? e) };
    return { ...base, mediaType: 'application/octet-stream', format: 'unknown', formatReason: err.code, year: null, agency: null, title: null, facts: [], findings: [], error: err };
  }
  const mediaType = doc.mediaType || MEDIA_TYPES[doc.kind] || 'application/octet-stream';
  const normalized = normalizeDocument(doc, { toSimplified: doc.script === 'traditional' ? toSimplified : undefined });
  const result: ReportResult = {
    ...base,
    mediaType,
    format: normalized.format,
    formatReason: normalized.formatReason,
    year: normalized.year,
    agency: normalized.agency,
    title: normalized.title,
    facts: normalized.facts,
    findings: normalized.findings,
  };
  if (doc.status === 'needs-ocr') result.error = { code: 'needs-ocr', message: `image-only document (${doc.pages ?? '?'} pages without a text layer): OCR needed` };
  if (opts.withText) result.text = documentText(doc);
  return result;
}
