/**
 * Re-spanning: turns a table grid as text extraction gives it (extract/model.ts TableBlock: ragged
 * rows, merged cells flattened to one cell or to blanks) back into a rectangular table with
 * rowspan/colspan, laid out like the official templates.
 *
 * The rules are generic, not per template:
 *  - Data rows are rows with a value cell (number or placeholder) after their last label. Their
 *    value cells are right-aligned into the V value columns and never merged with each other or
 *    with anything else; a blank value cell stays a blank cell.
 *  - Label cells fill the L label columns from the left. A blank label cell below a label cell
 *    continues it (rowspan), a blank label cell beside one continues it (colspan), and the last
 *    label of a row extends to the value columns. Where text extraction lost the leading blanks
 *    of a continuation row (seed 004), the outline level of the label (一、/（一）/1.) places it.
 *  - Rows without values are header rows. A run of them is a header block whose cells are matched
 *    level by level (a cell above a blank continues down, a cell above a run of cells spans it);
 *    the block's bottom cells ("leaf groups") are then mapped onto the label and value columns.
 *    A header block with fewer value groups than the table (proactive sub-tables such as
 *    信息内容 | 本年处理决定数量) makes its last group, and the last value of the data rows below
 *    it, span the remaining columns, as in the official template.
 */
import { isBlankCell, isLabelCell } from '../../text/number-cell.ts';

export type SpanKind = 'header' | 'label' | 'value';

export interface SpanCell {
  text: string;
  row: number;
  col: number;
  rowspan: number;
  colspan: number;
  kind: SpanKind;
}

export interface SpanTable {
  width: number;
  /** Label columns (the rest are value columns). */
  labelCols: number;
  /** rows[r] lists the cells whose top-left corner is in row r, left to right. */
  rows: SpanCell[][];
}

interface DataRow {
  index: number;
  slots: string[];
  values: string[];
}

interface HeaderBlock {
  start: number;
  /** Cells in source column space: col..col+colspan-1, rows relative to the table. */
  cells: SpanCell[];
  /** Source column ranges of the bottom cells, left to right. */
  groups: [number, number][];
}

type Row = { kind: 'data'; data: DataRow } | { kind: 'header'; block: HeaderBlock };

export function respanTable(input: string[][]): SpanTable {
  const grid = input.map((r) => r.map((c) => c.trim())).filter((r) => r.some((c) => !isBlankCell(c)));
  const n = grid.length;
  const rectangular = n > 1 && grid.every((r) => r.length === grid[0].length);
  const lastLabel = grid.map((r) => lastIndex(r, isLabelCell));
  const isData = grid.map((r, i) => r.slice(lastLabel[i] + 1).some((c) => !isBlankCell(c)));

  // Where values start in each row: one column for the whole table when the grid is exact
  // (legacy tables have placeholder units such as —— in a label column), per row otherwise.
  const tableValueStart = 1 + Math.max(-1, ...grid.map((_, i) => (isData[i] ? lastLabel[i] : -1)));
  const valueStart = grid.map((_, i) => (rectangular ? tableValueStart : lastLabel[i] + 1));

  // V: value columns.
  let V: number;
  if (rectangular) V = grid[0].length - tableValueStart;
  else {
    const dataIdx = grid.map((_, i) => i).filter((i) => isData[i]);
    const raws = dataIdx.map((i) => grid[i].slice(valueStart[i]));
    const minimal = dataIdx.map((i, k) => {
      const vals = raws[k];
      let a = 0;
      let b = vals.length;
      while (b > a && isBlankCell(vals[b - 1])) b--;
      if (valueStart[i] > 0) while (a < b && isBlankCell(vals[a])) a++;
      return b - a;
    });
    V = Math.max(0, ...minimal, mode(raws.map((v) => v.length)));
  }

  // Data rows: fit values to V (padding dropped, leading blanks beside a label become label slots).
  const rows: Row[] = [];
  for (let i = 0; i < n; ) {
    if (isData[i]) {
      const slots = grid[i].slice(0, valueStart[i]);
      const values = grid[i].slice(valueStart[i]);
      while (values.length > V && isBlankCell(values[values.length - 1])) values.pop();
      while (values.length > V && isBlankCell(values[0]) && slots.length > 0) slots.push(values.shift()!);
      while (slots.length && isBlankCell(slots[slots.length - 1]) && slots.some((s) => !isBlankCell(s))) slots.pop();
      rows.push({ kind: 'data', data: { index: i, slots, values } });
      i++;
    } else {
      let j = i;
      while (j < n && !isData[j]) j++;
      rows.push({ kind: 'header', block: headerBlock(grid.slice(i, j), i) });
      i = j;
    }
  }

  const dataRows = rows.flatMap((r) => (r.kind === 'data' ? [r.data] : []));
  const maxValues = Math.max(V, ...dataRows.map((d) => d.values.length));
  V = maxValues;
  let L = Math.max(0, ...dataRows.map((d) => d.slots.length));
  for (const r of rows) if (r.kind === 'header') L = Math.max(L, labelGroupCount(r.block.groups.length, L, V));
  const W = L + V;
  if (W === 0) return { width: 0, labelCols: 0, rows: [] };

  // Placement on the target grid.
  const owner: (SpanCell | undefined)[][] = Array.from({ length: n }, () => new Array<SpanCell | undefined>(W));
  const out: SpanCell[][] = Array.from({ length: n }, () => []);
  const put = (cell: SpanCell) => {
    out[cell.row].push(cell);
    for (let r = cell.row; r < cell.row + cell.rowspan; r++)
      for (let c = cell.col; c < cell.col + cell.colspan; c++) owner[r][c] = cell;
  };
  let narrow = 0; // value groups of the header block above, when fewer than V

  for (const r of rows) {
    if (r.kind === 'header') {
      const { block } = r;
      const G = block.groups.length;
      const gL = Math.min(labelGroupCount(G, L, V), G);
      const gV = G - gL;
      narrow = gV > 0 && gV < V ? gV : 0;
      const target = block.groups.map((_, g): [number, number] => {
        if (g < gL) return g === gL - 1 ? [g, gV === 0 ? W - 1 : L - 1] : [g, g];
        const j = g - gL;
        return j === gV - 1 ? [L + j, W - 1] : [L + j, L + j];
      });
      const groupOf = (c: number) => block.groups.findIndex(([a, b]) => c >= a && c <= b);
      for (const cell of block.cells) {
        const g0 = groupOf(cell.col);
        const g1 = groupOf(cell.col + cell.colspan - 1);
        const c0 = target[g0][0];
        const c1 = target[g1][1];
        put({ ...cell, col: c0, colspan: c1 - c0 + 1 });
      }
      continue;
    }
    const { index: i, slots, values } = r.data;
    const k = slots.length;
    // Offset of the label slots: explicit leading blanks first, else the outline level.
    let o = 0;
    const first = slots.findIndex((s) => !isBlankCell(s));
    if (first >= 0 && k < L) {
      const lv = outlineLevel(slots[first]);
      if (lv !== null) o = Math.max(0, Math.min(lv - first, L - k));
    }
    const continuable = (c: number) => {
      const above = i > 0 ? owner[i - 1][c] : undefined;
      return !!above && above.kind === 'label' && above.col + above.colspan - 1 < L - 1;
    };
    while (o > 0 && !range(0, o).every(continuable)) o--;
    // Label columns 0..L-1: columns before the first label continue the labels above where they
    // can; blanks after a label and the columns past the last slot widen it.
    const leadingEnd = first >= 0 ? o + first : L;
    let lastCell: SpanCell | undefined;
    for (let c = 0; c < L; c++) {
      const s = c < o ? '' : c - o < k ? slots[c - o] : '';
      if (!isBlankCell(s)) {
        lastCell = { text: s, row: i, col: c, rowspan: 1, colspan: 1, kind: 'label' };
        put(lastCell);
        continue;
      }
      if (lastCell) {
        lastCell.colspan++;
        owner[i][c] = lastCell;
        continue;
      }
      const above = i > 0 ? owner[i - 1][c] : undefined;
      if (above && above.col === c && continuable(c) && above.col + above.colspan <= leadingEnd) {
        above.rowspan++;
        for (let cc = c; cc < c + above.colspan; cc++) owner[i][cc] = above;
        c += above.colspan - 1;
        continue;
      }
      // A blank label cell of its own (widened while blanks follow).
      const prev = c > 0 ? owner[i][c - 1] : undefined;
      if (prev && prev.row === i && prev.kind === 'label' && prev.text === '' && c >= leadingEnd) {
        prev.colspan++;
        owner[i][c] = prev;
        continue;
      }
      put({ text: '', row: i, col: c, rowspan: 1, colspan: 1, kind: 'label' });
    }
    // Value columns L..W-1.
    if (narrow && values.length <= V) {
      const vals = values.slice();
      while (vals.length > narrow && isBlankCell(vals[vals.length - 1])) vals.pop();
      while (vals.length < narrow) vals.push('');
      vals.forEach((v, j) => {
        const last = j === vals.length - 1;
        put({ text: v, row: i, col: L + j, rowspan: 1, colspan: last ? W - L - j : 1, kind: 'value' });
      });
    } else {
      const vals = values.slice();
      while (vals.length < V) vals.push('');
      vals.forEach((v, j) => put({ text: v, row: i, col: W - vals.length + j, rowspan: 1, colspan: 1, kind: 'value' }));
    }
  }
  // Rows emptied by the filter above are gone; renumber nothing (indices are grid rows).
  return { width: W, labelCols: L, rows: out };
}

function labelGroupCount(G: number, L: number, V: number): number {
  return L > 0 ? Math.max(1, G - V) : Math.max(0, G - V);
}

/**
 * A header block's cells in its own column space. Rows of equal length are read literally;
 * ragged rows (one cell per merged cell, as cell-per-line text gives them) are matched to the
 * row below: an upper cell covers either one blank cell below (it continues down) or a run of
 * non-blank cells (it spans them).
 */
function headerBlock(rows: string[][], start: number): HeaderBlock {
  const h = rows.length;
  const literal = rows.every((r) => r.length === rows[0].length);
  // ranges[r][e] = [a, b] source columns of entry e of row r.
  const ranges: [number, number][][] = rows.map(() => []);
  if (literal) {
    rows.forEach((r, ri) => (ranges[ri] = r.map((_, c) => [c, c])));
  } else {
    ranges[h - 1] = rows[h - 1].map((_, c) => [c, c]);
    for (let r = h - 2; r >= 0; r--) {
      const below = rows[r + 1];
      const belowRanges = ranges[r + 1];
      // Units of the row below: each blank entry alone, each run of non-blank entries together.
      let units: number[][] = [];
      for (let e = 0; e < below.length; e++) {
        if (isBlankCell(below[e]) || units.length === 0 || isBlankCell(below[units[units.length - 1][0]])) units.push([e]);
        else units[units.length - 1].push(e);
      }
      const m = rows[r].length;
      while (units.length < m) {
        const split = bestSplit(units, below, r + 2 < h ? rows[r + 2] : undefined, belowRanges, r + 2 < h ? ranges[r + 2] : undefined);
        if (!split) break;
        units.splice(split.unit, 1, units[split.unit].slice(0, split.at), units[split.unit].slice(split.at));
      }
      if (units.length > m && m > 0) units = [...units.slice(0, m - 1), units.slice(m - 1).flat()];
      ranges[r] = rows[r].map((_, e) => {
        const u = units[Math.min(e, units.length - 1)] ?? [0];
        return [belowRanges[u[0]][0], belowRanges[u[u.length - 1]][1]];
      });
      // Entries past the units (more cells than units even after splitting) are dropped onto the last unit.
    }
  }
  const width = Math.max(...ranges.map((rr) => (rr.length ? rr[rr.length - 1][1] + 1 : 0)));
  // Source grid: text at a range start, 'H' for the rest of a range, blank elsewhere.
  const text: (string | null)[][] = rows.map(() => new Array<string | null>(width).fill(''));
  const explicitSpan: boolean[][] = rows.map(() => new Array<boolean>(width).fill(false));
  rows.forEach((r, ri) =>
    r.forEach((t, e) => {
      const [a, b] = ranges[ri][e] ?? [e, e];
      if (text[ri][a] === '' || !isBlankCell(t)) text[ri][a] = t;
      for (let c = a + 1; c <= b; c++) {
        text[ri][c] = null;
        explicitSpan[ri][c] = !isBlankCell(t);
      }
    }),
  );
  const cells: SpanCell[] = [];
  const owner: (SpanCell | undefined)[][] = rows.map(() => new Array<SpanCell | undefined>(width));
  for (let r = 0; r < h; r++) {
    // Vertical: a cell above continues down when its whole width is blank here.
    if (r > 0) {
      const seen = new Set<SpanCell>();
      for (let c = 0; c < width; c++) {
        const above = owner[r - 1][c];
        if (!above || seen.has(above)) continue;
        seen.add(above);
        const a = above.col;
        const b = above.col + above.colspan - 1;
        if (range(a, b + 1).every((cc) => (text[r][cc] === null ? !explicitSpan[r][cc] : isBlankCell(text[r][cc]!)))) {
          above.rowspan++;
          for (let cc = a; cc <= b; cc++) owner[r][cc] = above;
        }
      }
    }
    for (let c = 0; c < width; c++) {
      if (owner[r][c]) continue;
      const t = text[r][c];
      const left = c > 0 ? owner[r][c - 1] : undefined;
      if ((t === null || isBlankCell(t)) && left && left.row === start + r && (t === null || !isBlankCell(left.text))) {
        left.colspan++;
        owner[r][c] = left;
        continue;
      }
      const cell: SpanCell = { text: t ?? '', row: start + r, col: c, rowspan: 1, colspan: 1, kind: 'header' };
      cells.push(cell);
      owner[r][c] = cell;
    }
  }
  const groups: [number, number][] = [];
  const seen = new Set<SpanCell>();
  for (let c = 0; c < width; c++) {
    const cell = owner[h - 1][c]!;
    if (seen.has(cell)) continue;
    seen.add(cell);
    groups.push([cell.col, cell.col + cell.colspan - 1]);
  }
  return { start, cells, groups };
}

/** Where to split a run of cells so that an upper row with more cells fits. */
function bestSplit(
  units: number[][],
  below: string[],
  below2: string[] | undefined,
  belowRanges: [number, number][],
  below2Ranges: [number, number][] | undefined,
): { unit: number; at: number } | undefined {
  const hasChildren = (e: number) => {
    if (!below2 || !below2Ranges) return false;
    const [a, b] = belowRanges[e];
    return below2.some((t, k) => !isBlankCell(t) && below2Ranges[k][0] <= b && below2Ranges[k][1] >= a);
  };
  // 1. where cells with sub-headers meet cells without (行政复议's five | 行政诉讼's two).
  for (let u = 0; u < units.length; u++)
    for (let at = 1; at < units[u].length; at++)
      if (hasChildren(units[u][at - 1]) !== hasChildren(units[u][at])) return { unit: u, at };
  // 2. a run that repeats itself (结果维持…总计 | 结果维持…总计).
  for (let u = 0; u < units.length; u++) {
    const len = units[u].length;
    if (len >= 2 && len % 2 === 0) {
      const t = units[u].map((e) => below[e]);
      if (t.slice(0, len / 2).join('\u0001') === t.slice(len / 2).join('\u0001')) return { unit: u, at: len / 2 };
    }
  }
  // 3. the longest run in half.
  let best = -1;
  for (let u = 0; u < units.length; u++) if (units[u].length >= 2 && (best < 0 || units[u].length > units[best].length)) best = u;
  return best < 0 ? undefined : { unit: best, at: Math.floor(units[best].length / 2) };
}

/** Outline level of a label: 一、 → 0, （一） → 1, 1. → 2. */
export function outlineLevel(label: string): number | null {
  const t = label.trim();
  if (/^[一二三四五六七八九十]+\s*[、.．]/u.test(t)) return 0;
  if (/^[（(]\s*[一二三四五六七八九十]+\s*[)）]/u.test(t)) return 1;
  if (/^(?:\d+\s*[.．、](?!\d)|[（(]\d+[)）])/u.test(t)) return 2;
  return null;
}

function lastIndex<T>(a: T[], pred: (x: T) => boolean): number {
  for (let i = a.length - 1; i >= 0; i--) if (pred(a[i])) return i;
  return -1;
}

function mode(a: number[]): number {
  const count = new Map<number, number>();
  for (const x of a) count.set(x, (count.get(x) ?? 0) + 1);
  let best = 0;
  let bestN = 0;
  for (const [x, k] of count) if (k > bestN || (k === bestN && x > best)) [best, bestN] = [x, k];
  return best;
}

const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
