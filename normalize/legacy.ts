/**
 * Parser for the legacy statistics annex 政府信息公开情况统计表 (2008 regulation): one row per
 * indicator with a unit, the year's number and sometimes 历年累计. Indicators are matched by
 * label (schema/labels.json); an indicator that matches none is kept under its raw label.
 */
import type { TableBlock } from '../extract/model.ts';
import type { Fact, Finding } from '../schema/report.ts';
import { lowConfidenceFinding } from './ocr-confidence.ts';
import { isBlankCell, normalizeLabel, parseCellValue } from './cells.ts';
import { labels } from './labels.ts';
import { splitRows, type SplitRow } from './rows.ts';

const UNIT = /^(条|件|次|篇|个|人|人次|万元|元|项|期|家|份|个数|——|—|-|\/)$/u;
const TOP_LEVEL = /^[一二三四五六七八九十]+[、.．]/u;

export interface LegacyParse {
  facts: Fact[];
  findings: Finding[];
  /** Number of rows that matched a known indicator. */
  known: number;
}

/** True when a table looks like the legacy statistics table. */
export function isLegacyStatsTable(table: TableBlock, blockIndex: number): boolean {
  const rows = splitRows(table, blockIndex);
  const header = rows.slice(0, 4).some((r) => r.normLabels.some((l) => /统计指标|指标名称/.test(l)));
  const known = rows.filter((r) => r.normLabels.some((l) => labels.legacyRows.find(stripNumbering(l)))).length;
  // Statutory tables share words with the legacy indicators (国家秘密, 申请); their own labels decide.
  const statutory = rows.filter((r) =>
    r.normLabels.some((l) => labels.applicationsRows.find(l) || labels.proactiveCols.find(l) || labels.proactiveRows.find(l)),
  ).length;
  return (header || known >= 5) && known > statutory;
}

export function parseLegacyStatsTable(table: TableBlock, blockIndex: number): LegacyParse {
  const out: LegacyParse = { facts: [], findings: [], known: 0 };
  const rows = splitRows(table, blockIndex);
  let valueCols = 1;
  let section = '';
  const seen = new Set<string>();
  for (const r of rows) {
    const headerHit = r.normLabels.some((l) => labels.legacyHeaders.label.some((p) => p.test(l)))
      && r.normLabels.some((l) => labels.legacyHeaders.unit.some((p) => p.test(l)) || labels.legacyHeaders.value.some((p) => p.test(l)));
    if (headerHit) {
      valueCols = r.normLabels.some((l) => labels.legacyHeaders.cumulative.some((p) => p.test(l))) ? 2 : 1;
      continue;
    }
    const labelCells = r.labels.filter((l) => !UNIT.test(l.replace(/\s/g, '')));
    if (labelCells.length === 0) continue;
    const rawLabel = labelCells.join('');
    const norm = stripNumbering(normalizeLabel(rawLabel));
    if (TOP_LEVEL.test(normalizeLabel(rawLabel))) section = labels.legacySections.find(norm)?.id ?? '';
    const unitCell = r.labels.find((l) => UNIT.test(l.replace(/\s/g, '')));
    const cells = valueCells(r, valueCols);
    const values = cells.map((c) => parseCellValue(c.text, {}));
    const entry = labels.legacyRows.find(norm, section) ?? labels.legacyRows.find(normalizeLabel(rawLabel), section);
    const allNull = values.every((v) => v.kind !== 'number');
    // Section headings such as 二、回应解读情况 | —— | (blank) carry no number.
    if (!entry && allNull && (unitCell === undefined || /^[—\-/]+$/.test(unitCell.trim()))) continue;
    if (!entry && allNull && cells.length === 0) continue;
    const id = entry?.id ?? rawLabel.replace(/\s+/g, '');
    if (seen.has(id)) {
      out.findings.push({ rule: 'parse.duplicate_row', severity: 'warning', message: `legacy_stats.${id} printed twice; the first is kept`, cells: [`legacy_stats.${id}`] });
      continue;
    }
    seen.add(id);
    if (entry) out.known++;
    else
      out.findings.push({ rule: 'parse.unknown_indicator', severity: 'info', message: `legacy indicator "${rawLabel}" matches no known identifier; kept under its raw label`, cells: [`legacy_stats.${id}`] });
    const colIds = valueCols === 2 ? ['value', 'cumulative'] : ['value'];
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
  }
  return out;
}

/** The year's value (and cumulative) cells: placeholders standing in the unit column are dropped. */
function valueCells(r: SplitRow, n: number) {
  const v = r.values.slice();
  while (v.length > n && (isBlankCell(v[v.length - 1].text))) v.pop();
  while (v.length > n) v.shift(); // a unit column printed as —— counts as a value cell
  return v;
}

/** Drops leading outline numbering and 其中： so that labels match across indent styles. */
export function stripNumbering(l: string): string {
  return l
    .replace(/^(其中[:：]?)/u, '')
    .replace(/^(\(?[一二三四五六七八九十\d]+\)|[一二三四五六七八九十\d]+[、.．])/u, '')
    .replace(/^(其中[:：]?)/u, '');
}
