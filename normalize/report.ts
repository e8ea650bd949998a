/**
 * One extracted document → one ReportResult: normalize, validate. Used by `nianbao extract` and
 * the pipeline's normalize stage; an extraction error becomes the result's error.
 */
import { toSimplified } from '../extract/chinese.ts';
import { documentText, MEDIA_TYPES, type ExtractedDocument } from '../extract/model.ts';
import type { ErrorInfo, ReportResult } from '../schema/report.ts';
import { PARSER_VERSION } from '../schema/versions.ts';
import { normalizeDocument } from './index.ts';

/** Normalizes an extracted document (or reports its extraction error) as a ReportResult. */
export function reportFromExtraction(
  extraction: ExtractedDocument | ErrorInfo,
  base: { file: string; sha256: string; withText?: boolean },
): ReportResult {
  const head = { file: base.file, sha256: base.sha256, parserVersion: PARSER_VERSION };
  if (!('blocks' in extraction)) {
    return { ...head, mediaType: 'application/octet-stream', format: 'unknown', formatReason: extraction.code, year: null, agency: null, title: null, region: null, facts: [], findings: [], error: extraction };
  }
  const doc = extraction;
  if (doc.status === 'damaged') {
    // A fragment of a broken file is not classified: its tables and sections are partial, so any
    // format, fact or missing-row finding read from it would be a confident guess. Its text is kept.
    const damage = doc.damage?.join('; ') || 'file structure broken';
    const result: ReportResult = {
      ...head, mediaType: doc.mediaType || MEDIA_TYPES[doc.kind] || 'application/octet-stream', format: 'unknown', formatReason: `damaged: ${damage}`,
      year: null, agency: null, title: null, facts: [], findings: [], error: { code: 'damaged', message: `damaged ${doc.kind.toUpperCase()}, not classified (${damage})` },
    };
    if (base.withText) result.text = documentText(doc);
    return result;
  }
  const normalized = normalizeDocument(doc, { toSimplified: doc.script === 'traditional' ? toSimplified : undefined });
  const result: ReportResult = {
    ...head,
    mediaType: doc.mediaType || 'application/octet-stream',
    format: normalized.format,
    formatReason: normalized.formatReason,
    year: normalized.year,
    agency: normalized.agency,
    title: normalized.title,
    region: normalized.place.region,
    agencyLevel: normalized.place.level,
    agencyKind: normalized.place.kind,
    facts: normalized.facts,
    findings: normalized.findings,
  };
  if (doc.status === 'needs-ocr') result.error = { code: 'needs-ocr', message: `image-only document (${doc.pages ?? '?'} pages without a text layer): OCR needed` };
  // A report (its outline is there) whose tables are not: no numbers can be read from this file.
  else if (normalized.format === 'unknown' && /without its tables/.test(normalized.formatReason))
    result.error = { code: 'tables-missing', message: `the report's statistics tables are missing: ${normalized.formatReason}` };
  if (base.withText) result.text = documentText(doc);
  return result;
}
