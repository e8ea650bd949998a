/**
 * Parser for the legacy statistics annex 政府信息公开情况统计表 (2008 regulation): one row per
 * indicator with a unit, the year's number and sometimes 历年累计. Indicators are matched by
 * label (schema/labels.json, through the tolerant vocabulary of schema/vocabulary.json); one that
 * matches none is snapped to the official indicator it is closest to when its position and
 * spelling allow (normalize/snap.ts), else kept under its raw label.
 */
import type { Block, TableBlock } from '../extract/model.ts';
import type { Fact, Finding } from '../schema/report.ts';
import { lowConfidenceFinding } from './ocr-confidence.ts';
import { normalizeLabel } from './cells.ts';
import { isBlankCell, parseCellValue } from '../text/number-cell.ts';
import { identifiers, labels, type LabelEntry } from './labels.ts';
import { splitRows, type SplitRow } from './rows.ts';
import { snapFinding, snapRow } from './snap.ts';
import { rowsBetween, stripNumbering } from './vocabulary.ts';

export { stripNumbering };

const LEGACY_ORDER = identifiers.tables.legacy_stats.rows;

export interface LegacyParse {
  facts: Fact[];
  findings: Finding[];
  /** Number of rows that matched a known indicator. */
  known: number;
  /** Section and value columns at the table's end, for a table that continues it. */
  carry: LegacyCarry;
}

const isUnit = (l: string) => labels.legacyUnit.test(l.replace(/\s/g, ''));

/** True when a table looks like the legacy statistics table. */
export function isLegacyStatsTable(table: TableBlock, blockIndex: number): boolean {
  const rows = splitRows(table, blockIndex);
  const header = rows.slice(0, 4).some((r) => r.normLabels.some((l) => labels.legacyTableHeader.test(l)));
  const known = rows.filter((r) => r.normLabels.some((l) => labels.legacyRows.find(l))).length;
  // Statutory tables share words with the legacy indicators (国家秘密, 申请); their own labels decide.
  const statutory = rows.filter((r) =>
    r.normLabels.some((l) => labels.applicationsRows.find(l) || labels.proactiveCols.find(l) || labels.proactiveRows.find(l)),
  ).length;
  return (header || known >= 5) && known > statutory;
}

/**
 * The legacy statistics tables of a document: those that look like one, and the tables that
 * continue one. A table cut by a page break or by the publisher (Word splits a table when a page
 * breaks inside it; HTML pages print one table per page) goes on with no header and sometimes
 * with only a few rows: a table right after a legacy table (nothing between but short lines
 * such as page numbers or 续表) whose rows include a known indicator and no statutory row
 * continues it.
 */
export function legacyStatsBlocks(blocks: readonly Block[]): Set<number> {
  const out = new Set<number>();
  let prevLegacy = -1;
  blocks.forEach((b, i) => {
    if (b.kind !== 'table') {
      if (b.text.replace(/\s+/g, '').length > 30) prevLegacy = -1;
      return;
    }
    if (isLegacyStatsTable(b, i) || (prevLegacy >= 0 && continuesLegacy(b, i))) {
      out.add(i);
      prevLegacy = i;
    } else prevLegacy = -1;
  });
  return out;
}

function continuesLegacy(table: TableBlock, blockIndex: number): boolean {
  const rows = splitRows(table, blockIndex);
  const known = rows.filter((r) => r.normLabels.some((l) => labels.legacyRows.find(l))).length;
  const statutory = rows.filter((r) =>
    r.normLabels.some((l) => labels.applicationsRows.find(l) || labels.proactiveCols.find(l) || labels.proactiveRows.find(l)),
  ).length;
  // Ties go to the legacy table it follows (六、举报投诉数量 also reads as a statutory 信访举报投诉 row).
  return known >= 1 && known >= statutory;
}

/** What a legacy table hands to the table that continues it: the section and the value columns. */
export interface LegacyCarry {
  section: string;
  valueCols: number;
}

interface Item {
  r: SplitRow;
  rawLabel: string;
  section: string;
  entry: LabelEntry | undefined;
  unitCell: string | undefined;
  /** Digits printed in a label cell after the first: a value that landed among the labels. */
  strayDigits: boolean;
}

export function parseLegacyStatsTable(table: TableBlock, blockIndex: number, carry?: LegacyCarry, seenBefore?: Set<string>): LegacyParse {
  const out: LegacyParse = { facts: [], findings: [], known: 0, carry: { section: '', valueCols: 1 } };
  const rows = splitRows(table, blockIndex);
  // The number of value columns (统计数, 历年累计) is set by the header row.
  let valueCols = carry?.valueCols ?? 1;
  let section = carry?.section ?? '';
  const items: (Item & { valueCols: number })[] = [];
  for (const r of rows) {
    const headerHit = r.normLabels.some((l) => labels.legacyHeaders.label.some((p) => p.test(l)))
      && r.normLabels.some((l) => labels.legacyHeaders.unit.some((p) => p.test(l)) || labels.legacyHeaders.value.some((p) => p.test(l)));
    if (headerHit) {
      valueCols = r.normLabels.some((l) => labels.legacyHeaders.cumulative.some((p) => p.test(l))) ? 2 : 1;
      continue;
    }
    const labelCells = r.labels.filter((l) => !isUnit(l));
    if (labelCells.length === 0) continue;
    const rawLabel = labelCells.join('');
    const norm = normalizeLabel(rawLabel);
    const sectionBefore = section;
    if (labels.legacyTopLevel.test(norm)) section = labels.legacySections.find(stripNumbering(norm))?.id ?? '';
    // A number that overflowed into the label side (text pushed across a cell rule, a value cell
    // merged with the unit) leaves the label with digits after its first cell: the indicator is
    // the first cell's, and its value is not read.
    const strayDigits = labelCells.slice(1).some((l) => /\d/.test(l));
    const entry = labels.legacyRows.find(norm, section) ?? (strayDigits ? labels.legacyRows.find(normalizeLabel(labelCells[0]), section) : undefined);
    // A row printed again (a head repeated on the next page with its first row) does not open its
    // section again: the rows after it are still in the section they were in.
    if (entry && items.some((x) => x.entry?.id === entry.id)) section = sectionBefore;
    items.push({ r, rawLabel, section, entry, unitCell: r.labels.find(isUnit), valueCols, strayDigits });
  }
  out.carry = { section, valueCols };

  const matched = new Set(items.flatMap((it) => (it.entry ? [it.entry.id] : [])));
  // Rows read in the tables this one continues count as seen (a row printed twice is named).
  const seen = seenBefore ?? new Set<string>();
  items.forEach((it, k) => {
    const { r, rawLabel, unitCell } = it;
    const cells = valueCells(r, it.valueCols);
    const values = cells.map((c) => parseCellValue(c.text, {}));
    const allNull = values.every((v) => v.kind !== 'number');
    let entryId = it.entry?.id;
    // Section headings such as 二、回应解读情况 | —— | (blank) carry no number.
    const heading = allNull && (unitCell === undefined || /^[—\-/]+$/.test(unitCell.trim()) || cells.length === 0);
    if (!entryId && heading && !it.strayDigits) return;
    const before = items.slice(0, k).reverse().find((x) => x.entry)?.entry?.id ?? null;
    const after = items.slice(k + 1).find((x) => x.entry)?.entry?.id ?? null;
    if (!entryId) {
      const snap = snapRow(normalizeLabel(rawLabel), labels.legacyRows.candidates(LEGACY_ORDER, it.section), LEGACY_ORDER, before, after, new Set([...matched, ...seen]));
      if (snap) {
        entryId = snap.id;
        out.findings.push(snapFinding('legacy_stats', rawLabel, snap, (it.valueCols === 2 ? ['value', 'cumulative'] : ['value']).map((c) => `legacy_stats.${snap.id}.${c}`), r));
      }
    }
    const id = entryId ?? rawLabel.replace(/\s+/g, '');
    if (seen.has(id)) {
      out.findings.push({ rule: 'parse.duplicate_row', severity: 'warning', message: `legacy_stats.${id} printed twice; the first is kept`, cells: [`legacy_stats.${id}`] });
      return;
    }
    seen.add(id);
    if (entryId) out.known++;
    else if (cells.some((c) => c.confidence !== undefined)) {
      // Read by OCR: a label no rule places is more likely a misread known row than a province's
      // own indicator, so the known rows it could be (those not found between its matched
      // neighbours) are named: their absence is a warning, not silence.
      const inSection = it.section ? new Set(labels.legacyRows.candidates(LEGACY_ORDER, it.section).map((x) => x.id)) : null;
      const could = rowsBetween(LEGACY_ORDER, before, after, new Set([...matched, ...seen])).filter((c) => !inSection || inSection.has(c));
      out.findings.push({
        rule: 'parse.unplaced_label',
        severity: 'warning',
        message: `legacy indicator "${rawLabel}" read by OCR matches no known identifier; kept under its raw label. It may be a misread of ${could.length ? could.join(', ') : 'a row printed twice'}: check against the page image`,
        cells: [`legacy_stats.${id}`, ...could.map((c) => `legacy_stats.${c}`)],
      });
    } else
      out.findings.push({ rule: 'parse.unknown_indicator', severity: 'info', message: `legacy indicator "${rawLabel}" matches no known identifier; kept under its raw label`, cells: [`legacy_stats.${id}`] });
    const colIds = it.valueCols === 2 ? ['value', 'cumulative'] : ['value'];
    if (it.strayDigits && allNull)
      out.findings.push({
        rule: 'parse.value_in_label',
        severity: 'warning',
        message: `legacy_stats.${id}: digits printed among the label cells ("${r.labels.join(' | ')}") and no value read in its value column`,
        cells: colIds.map((c) => `legacy_stats.${id}.${c}`),
      });
    colIds.forEach((col, i) => {
      const c = cells[i];
      const v = values[i];
      out.facts.push({
        table: 'legacy_stats',
        row: id,
        col,
        value: v && v.kind === 'number' ? v.value : null,
        source: { block: blockIndex, cellRow: r.row, cellCol: c?.col, page: r.page, text: c?.text ?? '' },
        ...(c?.confidence !== undefined ? { confidence: c.confidence } : {}),
      });
      const low = lowConfidenceFinding(`legacy_stats.${id}.${col}`, c?.text ?? '', c?.confidence);
      if (low) out.findings.push(low);
    });
  });
  return out;
}

/** The year's value (and cumulative) cells: placeholders standing in the unit column are dropped. */
function valueCells(r: SplitRow, n: number) {
  const v = r.values.slice();
  while (v.length > n && (isBlankCell(v[v.length - 1].text))) v.pop();
  while (v.length > n) v.shift(); // a unit column printed as —— counts as a value cell
  return v;
}
