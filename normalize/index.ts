/**
 * normalize: extracted document → format, metadata, canonical facts and validation findings.
 * Entry point of the normalize stage; pure (no I/O), so it runs the same in the CLI, the
 * pipeline and worker threads.
 */
import type { Block, ExtractedDocument, TableBlock } from '../extract/model.ts';
import type { Fact, Finding, Format } from '../schema/report.ts';
import { normalizeLabel } from './cells.ts';
import { detectFormat } from './detect.ts';
import { identifiers, labels, warmLabelSteps } from './labels.ts';
import { legacyStatsBlocks, parseLegacyStatsTable, type LegacyCarry } from './legacy.ts';
import { readMetadata } from './metadata.ts';
import { parseNarrative } from './narrative.ts';
import { splitRows, type SplitRow } from './rows.ts';
import { confirmSnaps } from './snap.ts';
import { parseStatutoryTables } from './statutory.ts';
import { validateFacts } from './validate.ts';
import { gazetteer, placeFinding, resolveAgency, type Placement } from '../places/gazetteer.ts';
import { namesReport } from '../text/title.ts';

export interface NormalizedReport {
  format: Format;
  formatReason: string;
  year: number | null;
  agency: string | null;
  title: string | null;
  /** The agency's place from the document alone (name, title, 本机关/地址 sentences). */
  place: Placement;
  facts: Fact[];
  findings: Finding[];
}

export interface NormalizeOptions {
  /** Converts Traditional characters to Simplified for label matching (set for Traditional pages). */
  toSimplified?: (s: string) => string;
}

/**
 * Readies the normaliser ahead of its first document, for a thread that would otherwise wait
 * (`nianbao extract` while its worker extracts): loads the gazetteer and warms the label matching
 * (warmLabelSteps). Optional: a document normalised cold only takes longer (a 6-page report ~250 ms
 * against ~40 ms after a first one, on a busy machine).
 */
export function warmNormalizer(): void {
  for (const step of warmSteps()) step();
}

/**
 * warmNormalizer in steps of a few ms to a few tens of ms, the thread free between them for what
 * arrives meanwhile (`nianbao extract`: its worker's request for MuPDF, the compilation finishing).
 */
export async function warmNormalizerInSteps(): Promise<void> {
  for (const step of warmSteps()) {
    step();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function warmSteps(): (() => void)[] {
  return [gazetteer, ...warmLabelSteps()];
}

export function normalizeDocument(doc: ExtractedDocument, opts: NormalizeOptions = {}): NormalizedReport {
  // Labels are matched on a Simplified copy; the title keeps the original script.
  const conv = opts.toSimplified;
  const blocks = conv ? simplifyBlocks(doc.blocks, conv) : doc.blocks;
  const meta = conv
    ? readMetadata(blocks, doc.declaredTitle && conv(doc.declaredTitle), { blocks: doc.blocks, declaredTitle: doc.declaredTitle })
    : readMetadata(blocks, doc.declaredTitle);

  const legacyBlocks = legacyStatsBlocks(blocks);
  const statutoryRows: SplitRow[] = [];
  blocks.forEach((b, i) => {
    if (b.kind === 'table' && !legacyBlocks.has(i)) statutoryRows.push(...splitRows(b, i));
  });
  const statutory = parseStatutoryTables(statutoryRows);

  const facts: Fact[] = [];
  const findings: Finding[] = [];
  let legacyKnown = 0;
  // A table that continues the previous legacy table starts in that table's section.
  let carry: LegacyCarry | undefined;
  let prev = -1;
  const seenLegacy = new Set<string>();
  for (const i of [...legacyBlocks].sort((a, b) => a - b)) {
    const continues = prev >= 0 && blocks.slice(prev + 1, i).every((b) => b.kind === 'paragraph' && b.text.replace(/\s+/g, '').length <= 30);
    const parsed = parseLegacyStatsTable(blocks[i] as TableBlock, i, continues ? carry : undefined, seenLegacy);
    carry = parsed.carry;
    prev = i;
    legacyKnown += parsed.known;
    facts.push(...parsed.facts);
    findings.push(...parsed.findings);
  }
  const paragraphs = blocks.filter((b): b is Extract<Block, { kind: 'paragraph' }> => b.kind === 'paragraph').map((b) => b.text);
  // Two conflicting totals in the text give no number and a finding (narrative.conflicting_totals).
  const narrativeFindings: Finding[] = [];
  const narrative = parseNarrative(paragraphs, narrativeFindings);
  const headings = paragraphs.map(normalizeLabel);
  const countSections = (res: RegExp[]) => res.filter((re) => headings.some((h) => h.length < 60 && re.test(h))).length;

  const detection = detectFormat({
    statutory,
    legacyTableFound: legacyKnown >= 3,
    hasReportTitle: !!meta.title && namesReport(meta.title),
    legacySections: countSections(labels.reportSections.legacy),
    statutorySections: countSections(labels.reportSections.statutory),
    narrativeFacts: narrative.length,
    needsOcr: doc.status === 'needs-ocr',
  });

  const place = resolveAgency({ agency: meta.agency, title: meta.title, paragraphs });
  if (detection.format === 'unknown') {
    return { ...meta, place, format: 'unknown', formatReason: detection.reason, facts: [], findings: [] };
  }
  if (detection.format === 'legacy') {
    // A legacy report may also hold statutory-looking rows by accident; keep only its own tables.
  } else {
    facts.push(...statutory.facts);
    findings.push(...statutory.findings);
    findings.push(...missingRows(statutory.facts, detection.format));
    findings.push(...proactiveRowShapes(statutory.facts, detection.format));
  }
  facts.push(...narrative);
  findings.push(...narrativeFindings);
  findings.push(...validateFacts(facts));
  confirmSnaps(facts, findings);
  if (meta.year === null)
    findings.push({ rule: 'metadata.no_year', severity: 'warning', message: 'no report year in the title or the opening sentences', cells: [] });
  if (meta.agency === null)
    findings.push({ rule: 'metadata.no_agency', severity: 'warning', message: 'no agency name in the title', cells: [] });
  const unplaced = placeFinding(place, meta.agency);
  if (unplaced) findings.push(unplaced);
  return { ...meta, place, format: detection.format, formatReason: detection.reason, facts, findings };
}

/**
 * Rows of the official tables that a statutory report did not print (or that could not be read):
 * a table that was found but lacks rows is reported, so a dropped row is never silent.
 */
function missingRows(facts: Fact[], format: Format): Finding[] {
  const have = new Set(facts.map((f) => `${f.table}.${f.row}`));
  const tables = new Set(facts.map((f) => f.table));
  const expected: [string, string[]][] = [
    ['applications', identifiers.tables.applications.rows.filter((r) => r !== 'other' && !r.startsWith('other_'))],
    ['review_litigation', identifiers.tables.review_litigation.rows],
    ['proactive', Object.keys(identifiers.tables.proactive.variants[format] ?? {})],
  ];
  const out: Finding[] = [];
  for (const [table, rows] of expected) {
    if (!tables.has(table)) {
      // Every statutory report prints the three tables: one not read at all (its rows taken for
      // headers, or none of its labels recognised) is named, never silent.
      out.push({ rule: 'parse.missing_table', severity: 'warning', message: `${table}: the official table was not found`, cells: [table] });
      continue;
    }
    const missing = rows.filter((r) => !have.has(`${table}.${r}`));
    // （六）其他处理: one row (2019) or three (2021); either form is complete. Part of the three
    // printed names the rest; none of either names both forms, so whichever the report printed
    // is named.
    const parts = ['other_no_correction', 'other_no_fee', 'other_other'];
    const absent = parts.filter((r) => !have.has(`${table}.${r}`));
    if (table === 'applications' && !have.has('applications.other')) {
      if (absent.length === parts.length) missing.push('other', ...parts);
      else missing.push(...absent);
    } else if (table === 'applications' && absent.length < parts.length) {
      // Both forms at once: a sub-row whose label was misread was read as the one row of the
      // 2019 form (its （六）其他处理 label): the one row and the sub-rows not found are named.
      const named = [...absent, 'other'];
      out.push({
        rule: 'parse.missing_rows',
        severity: 'warning',
        message: `applications: （六）其他处理 read both as one row and as sub-rows; sub-row(s) not found: ${absent.join(', ')}`,
        cells: named.map((r) => `${table}.${r}`),
      });
    }
    if (missing.length)
      out.push({
        rule: 'parse.missing_rows',
        severity: 'warning',
        message: `${table}: ${missing.length} row(s) of the official table not found: ${missing.join(', ')}`,
        cells: missing.map((r) => `${table}.${r}`),
      });
  }
  return out;
}

/**
 * Each row of the proactive table has its own columns in each format (licensing: decisions;
 * fees: amount in 万元 …). A row read with other columns, or without some of its own, was filed
 * under a header that was not its own (a header row misread or not found): every cell of that row
 * is named, the value in a wrong column being as doubtful as the one missing.
 */
function proactiveRowShapes(facts: Fact[], format: Format): Finding[] {
  const shape = identifiers.tables.proactive.variants[format] as Record<string, string[]> | undefined;
  if (!shape) return [];
  const colsOf = new Map<string, Set<string>>();
  for (const f of facts) if (f.table === 'proactive') (colsOf.get(f.row) ?? colsOf.set(f.row, new Set()).get(f.row)!).add(f.col);
  const out: Finding[] = [];
  for (const [row, cols] of colsOf) {
    const expected = shape[row];
    if (!expected) continue;
    const extra = [...cols].filter((c) => !expected.includes(c));
    const absent = expected.filter((c) => !cols.has(c));
    if (!extra.length && !absent.length) continue;
    out.push({
      rule: 'parse.row_shape',
      severity: 'warning',
      message: `proactive.${row}: read with ${[...cols].join(', ')} where the ${format} table prints ${expected.join(', ')}; its values were placed under another header`,
      cells: [...expected, ...extra].map((c) => `proactive.${row}.${c}`),
    });
  }
  return out;
}

function simplifyBlocks(blocks: Block[], conv: (s: string) => string): Block[] {
  return blocks.map((b) =>
    b.kind === 'paragraph' ? { ...b, text: conv(b.text) } : { ...b, rows: b.rows.map((r) => r.map(conv)) },
  );
}
