/**
 * Row types of nianbao's output contract (see ../shared/FORMATS.md). These zod schemas are the
 * single source of truth: the extractor's JSON, the SQLite rows and the CSV columns derive from them.
 */
import { z } from 'zod';
import { compileCheck } from './check.ts';

export const FORMATS = ['legacy', 'statutory-2019', 'statutory-2021', 'unknown'] as const;
export const Format = z.enum(FORMATS);
export type Format = z.infer<typeof Format>;

export const TABLES = ['applications', 'review_litigation', 'proactive', 'legacy_stats', 'narrative'] as const;
export const TableId = z.enum(TABLES);
export type TableId = z.infer<typeof TableId>;

/** Where a number was read: enough to find the cell again in the source document. */
export const Provenance = z.object({
  /** Index of the table block in the extracted document (0-based), absent for narrative numbers. */
  block: z.number().int().nonnegative().optional(),
  /** Grid position inside that table (0-based). */
  cellRow: z.number().int().nonnegative().optional(),
  cellCol: z.number().int().nonnegative().optional(),
  /** 1-based page (PDF) where known. */
  page: z.number().int().positive().optional(),
  /** The text as printed (e.g. '17.7万', '/', '22（其中修订16件）'). */
  text: z.string(),
});
export type Provenance = z.infer<typeof Provenance>;

export const Fact = z.object({
  table: z.string().min(1),
  row: z.string().min(1),
  col: z.string().min(1),
  /** null = printed blank or as a placeholder (/, -, ——, 无): not reported, not zero. */
  value: z.number().nullable(),
  source: Provenance.optional(),
  /** OCR confidence 0..1 where the cell was read by OCR. */
  confidence: z.number().min(0).max(1).optional(),
});
export type Fact = z.infer<typeof Fact>;

export const Severity = z.enum(['error', 'warning', 'info']);
export const Finding = z.object({
  rule: z.string(),
  severity: Severity,
  message: z.string(),
  /** Cells involved, as table.row.col identifiers. */
  cells: z.array(z.string()).default([]),
  expected: z.number().nullable().optional(),
  printed: z.number().nullable().optional(),
});
export type Finding = z.infer<typeof Finding>;

export const ErrorInfo = z.object({ code: z.string(), message: z.string() });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** The agency's division (GB/T 2260, places/gazetteer.ts): 6-digit code and names. */
export const RegionRef = z.object({ code: z.string().regex(/^\d{6}$/), province: z.string(), city: z.string().nullable(), county: z.string().nullable() });
export type RegionRef = z.infer<typeof RegionRef>;
export const AGENCY_LEVELS = ['national', 'province', 'prefecture', 'county', 'township'] as const;
export const AGENCY_KINDS = ['government', 'department'] as const;

/** What `nianbao extract --json` prints per file, and what the normalize stage stores. */
export const ReportResult = z.object({
  file: z.string(),
  sha256: z.string(),
  mediaType: z.string(),
  format: Format,
  /** Why the format is `unknown` (not a report, no tables found, needs OCR ...). */
  formatReason: z.string().optional(),
  year: z.number().int().nullable(),
  agency: z.string().nullable(),
  title: z.string().nullable(),
  /** Where the agency is; null = not placed (with a place.unresolved finding); absent = not looked up. */
  region: RegionRef.nullable().optional(),
  agencyLevel: z.enum(AGENCY_LEVELS).nullable().optional(),
  agencyKind: z.enum(AGENCY_KINDS).nullable().optional(),
  facts: z.array(Fact),
  findings: z.array(Finding),
  /** Full text of the report (for search), omitted from --json unless asked. */
  text: z.string().optional(),
  parserVersion: z.string(),
  error: ErrorInfo.optional(),
});
export type ReportResult = z.infer<typeof ReportResult>;

// The report without its facts, parsed by zod; the facts by a check compiled from Fact. Made on
// first use: importing the schemas stays as cheap as it was for the commands that never load.
let fast: { head: z.ZodType<Omit<ReportResult, 'facts'>>; facts: ReturnType<typeof compileCheck> } | undefined;

/**
 * ReportResult.parse, cheaper where a report is large: its facts (nearly all of it) are checked by
 * a predicate compiled from the Fact schema (schema/check.ts) and kept as given, unknown keys and
 * all, rather than copied; everything else goes through zod. Input that fails the check goes
 * through ReportResult.parse whole, so the error is zod's, word for word.
 */
export function parseReportResult(input: unknown): ReportResult {
  fast ??= { head: ReportResult.omit({ facts: true }), facts: compileCheck(z.array(Fact)) };
  if (fast.facts && typeof input === 'object' && input !== null && fast.facts((input as { facts?: unknown }).facts)) {
    return { ...fast.head.parse(input), facts: (input as { facts: Fact[] }).facts };
  }
  return ReportResult.parse(input);
}

// The versions stored with the rows live in ./versions.ts (no zod: the normaliser needs them,
// not the schemas), re-exported here.
export { EXTRACTOR_VERSION, PARSER_CODE_VERSION, PARSER_VERSION } from './versions.ts';
