/**
 * Splitting table rows into label cells and value cells, and fitting value cells to the number
 * of columns a table row must have. Works the same on exact grids (HTML, DOCX, PDF) and on the
 * ragged rows that flattened text gives.
 */
import type { TableBlock } from '../extract/model.ts';
import { normalizeLabel } from './cells.ts';
import { isBlankCell, isLabelCell } from '../text/number-cell.ts';

export interface ValueCell {
  text: string;
  /** Grid column in the table block. */
  col: number;
  /** OCR confidence of the cell (0..1) where it was read by OCR. */
  confidence?: number;
}

export interface SplitRow {
  block: number;
  row: number;
  page?: number;
  /** Label cells, original text, left to right (spanned duplicates removed). */
  labels: string[];
  /** Grid column of each label cell (its first column). */
  labelCols: number[];
  /** Normalised label cells. */
  normLabels: string[];
  /** Cells after the last label cell. */
  values: ValueCell[];
  /** The table is an exact grid (every row equally long). */
  rectangular: boolean;
  /** Read by OCR from a ruled grid (cells carry a confidence): columns are the grid's. */
  ocr: boolean;
}

/**
 * The rows split last for each table block (and the block index they were split with): the
 * normaliser asks for a table's rows more than once (isLegacyStatsTable for every table, then the
 * statutory parse), and callers only read them.
 */
const splitCache = new WeakMap<TableBlock, { blockIndex: number; rows: SplitRow[] }>();

/** Splits every row of a table block. Horizontal span duplicates are collapsed. The rows are shared: read them, never change them. */
export function splitRows(table: TableBlock, blockIndex: number): SplitRow[] {
  const hit = splitCache.get(table);
  if (hit && hit.blockIndex === blockIndex) return hit.rows;
  const rows = split(table, blockIndex);
  splitCache.set(table, { blockIndex, rows });
  return rows;
}

function split(table: TableBlock, blockIndex: number): SplitRow[] {
  const rectangular = table.rows.length > 1 && table.rows.every((r) => r.length === table.rows[0].length);
  const emptyCols = rectangular ? allEmptyColumns(table) : new Set<number>();
  return table.rows.map((cells, r) => {
    let lastLabel = -1;
    for (let c = 0; c < cells.length; c++) if (isLabelCell(cells[c])) lastLabel = c;
    const labels: string[] = [];
    const labelCols: number[] = [];
    for (let c = 0; c <= lastLabel; c++) {
      const t = cells[c].trim();
      if (t && labels[labels.length - 1] !== t) {
        labels.push(t);
        labelCols.push(c);
      }
    }
    const values: ValueCell[] = [];
    for (let c = lastLabel + 1; c < cells.length; c++) {
      if (emptyCols.has(c)) continue;
      const o = table.origins?.[r]?.[c];
      const prev = table.origins?.[r]?.[c - 1];
      // A colspan repeats the same origin: one printed cell is one value.
      if (o && prev && c - 1 > lastLabel && o.row === prev.row && o.col === prev.col) continue;
      values.push({ text: cells[c], col: c, confidence: table.confidence?.[r]?.[c] });
    }
    const page = table.origins?.[r]?.find((o) => o?.page)?.page ?? table.page;
    return { block: blockIndex, row: r, page, labels, labelCols, normLabels: labels.map(normalizeLabel), values, rectangular, ocr: rectangular && !!table.confidence };
  });
}

function allEmptyColumns(table: TableBlock): Set<number> {
  const width = table.rows[0]?.length ?? 0;
  const empty = new Set<number>();
  for (let c = 0; c < width; c++) if (table.rows.every((r) => isBlankCell(r[c] ?? ''))) empty.add(c);
  return empty;
}

/**
 * Fits a row's value cells to `n` columns. Official tables put the values right after the labels,
 * so extra cells are padding: blanks trimmed from the end first, then from the start.
 * `align: 'right'` keeps the last n cells when still too many (the 总计 column is the last one).
 * Returns null when fewer than n cells are present: the row cannot be aligned safely.
 */
export function fitValues(values: ValueCell[], n: number, align: 'left' | 'right' = 'left'): ValueCell[] | null {
  const v = values.slice();
  while (v.length > n && isBlankCell(v[v.length - 1].text)) v.pop();
  while (v.length > n && isBlankCell(v[0].text)) v.shift();
  if (v.length > n) return align === 'right' ? v.slice(v.length - n) : v.slice(0, n);
  if (v.length < n) return null;
  return v;
}

export function hasValues(r: SplitRow): boolean {
  return r.values.some((v) => !isBlankCell(v.text));
}
