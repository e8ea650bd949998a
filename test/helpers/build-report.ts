/**
 * One file → one ReportResult (extract, normalize, validate) in memory, for tests: the product
 * path goes through the stages and SQLite (pipeline/), or `nianbao extract` (cli/extract.ts).
 */
import { ExtractError } from '../../extract/model.ts';
import { extractDocument, type ExtractOptions } from '../../extract/index.ts';
import { reportFromExtraction } from '../../normalize/report.ts';
import type { ErrorInfo, ReportResult } from '../../schema/report.ts';
import { sha256 } from '../../store/raw.ts';

export interface BuildReportOptions extends ExtractOptions {
  /** Path or URL shown in the result's `file` field. */
  file: string;
  /** Keep the full text in the result (for full-text search). */
  withText?: boolean;
}

export async function buildReport(bytes: Uint8Array, opts: BuildReportOptions): Promise<ReportResult> {
  const base = { file: opts.file, sha256: sha256(bytes), withText: opts.withText };
  try {
    const doc = await extractDocument(bytes, { ...opts, fileName: opts.fileName ?? opts.file });
    return reportFromExtraction(doc, base);
  } catch (e) {
    return reportFromExtraction(errorInfo(e), base);
  }
}

/** The error of a failed extraction: ExtractError codes, else 'internal'. */
function errorInfo(e: unknown): ErrorInfo {
  return e instanceof ExtractError ? { code: e.code, message: e.message } : { code: 'internal', message: String((e as Error)?.message ?? e) };
}
