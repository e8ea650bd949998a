/**
 * Stream tables (no ruling lines): runs of lines ending in number cells, numbers placed in
 * columns found from their positions, label text in blocks given to the numbers beside them.
 */
import { normalizeCellText } from '../chinese.ts';
import type { CellOrigin, TableBlock } from '../model.ts';
import { isNumberCell } from '../../text/number-cell.ts';
import type { Glyph } from './engine.ts';
import { clusterWithin } from '../grid.ts';
import { LIST_MARKER, lineText, nearest, wideGaps, type Line, type PageItem } from './layout.ts';

/** Split a line at wide gaps into cell texts with their x ranges. */
function lineSegments(line: Line, gapFactor = 1.2, cjkGapFactor = gapFactor): { text: string; x0: number; x1: number; top: number; bottom: number }[] {
  const segs: { glyphs: Glyph[] }[] = [];
  let cur: Glyph[] = [];
  for (const g of line.glyphs) {
    const prev = cur[cur.length - 1];
    const size = prev && Math.min(prev.size, g.size);
    // Between two full-width characters no space is ever typed: a narrower gap already separates cells.
    const factor = prev && WIDE_END.test(prev.text) && WIDE_START.test(g.text) ? cjkGapFactor : gapFactor;
    if (prev && g.x0 - prev.x1 > Math.max(factor * size!, 5 * factor)) {
      segs.push({ glyphs: cur });
      cur = [];
    }
    cur.push(g);
  }
  if (cur.length) segs.push({ glyphs: cur });
  return segs.map((s) => ({
    text: normalizeCellText(lineText(s.glyphs)),
    x0: s.glyphs[0].x0,
    x1: s.glyphs[s.glyphs.length - 1].x1,
    top: Math.min(...s.glyphs.map((g) => g.top)),
    bottom: Math.max(...s.glyphs.map((g) => g.bottom)),
  }));
}

interface Segmented {
  line: Line;
  segs: LabelPiece[];
  /** The line carries a row's numbers. */
  row: boolean;
}

/**
 * Runs of lines ending in two or more number cells become tables; other lines stay text lines.
 * Between and around the number lines, lines that hold only label text left of the numbers are
 * part of the table: a label wrapped over several lines of a narrow cell (5.要求行政机 / 关确认或重新
 * / 出具已获取信 / 息), printed above, beside or below its numbers.
 */
export function streamTables(lines: Line[], page: number): PageItem[] {
  const items: PageItem[] = [];
  const segmented = lines.map((line) => ({ line, segs: lineSegments(line), row: false }));
  const isRow = (i: number) => {
    const segs = segmented[i].segs;
    let trailing = 0;
    for (let k = segs.length - 1; k >= 0 && isNumberCell(segs[k].text); k--) trailing++;
    return trailing >= 2 || (trailing >= 1 && segs.length >= 2 && wideGaps(segmented[i].line) >= 1 && segs.length - trailing >= 1 && trailing === segs.length - 1 && hasRowNeighbour(i));
  };
  const hasRowNeighbour = (i: number) => [i - 1, i + 1].some((j) => j >= 0 && j < segmented.length && segmented[j].segs.filter((s) => isNumberCell(s.text)).length >= 2);
  segmented.forEach((s, i) => (s.row = isRow(i)));
  /** Left edge of a row's numbers: label text ends before it. */
  const numbersLeft = (i: number) => Math.min(...segmented[i].segs.filter((s) => isNumberCell(s.text)).map((s) => s.x0));
  /**
   * Line j holds only label text, left of `left`, and its vertical gap to the neighbouring line
   * `near` is under `maxGap` line heights: two between number lines, and a line gap inside one
   * cell (not a paragraph's spacing) above the first and below the last number line.
   */
  const labelOnly = (j: number, left: number, near: Line, maxGap: number) => {
    const { line, segs, row } = segmented[j];
    const gap = line.top >= near.top ? line.top - near.bottom : near.top - line.bottom;
    return !row && line.x1 < left - 2 && segs.every((s) => !isNumberCell(s.text)) && gap < maxGap * near.size;
  };
  let i = 0;
  while (i < segmented.length) {
    if (!segmented[i].row) {
      items.push({ kind: 'line', line: segmented[i].line, top: segmented[i].line.top });
      i++;
      continue;
    }
    let left = numbersLeft(i);
    // Label lines just above the first number line (a middle-aligned label's first lines).
    let start = i;
    while (start - 1 >= 0 && items.length > 0 && items[items.length - 1].kind === 'line' && labelOnly(start - 1, left, segmented[start].line, CELL_LINE_GAP)) {
      start--;
      items.pop();
    }
    let end = i;
    for (;;) {
      let j = end + 1;
      while (j < segmented.length && labelOnly(j, left, segmented[j - 1].line, 2)) j++;
      if (j < segmented.length && segmented[j].row && (j === end + 1 || segmented[j].line.top - segmented[j - 1].line.bottom < 2 * segmented[j].line.size)) {
        end = j;
        left = Math.min(left, numbersLeft(j));
        continue;
      }
      // Label lines below the last number line (a middle-aligned label's last lines).
      while (end + 1 < segmented.length && labelOnly(end + 1, left, segmented[end].line, CELL_LINE_GAP)) end++;
      break;
    }
    const run = segmented.slice(start, end + 1);
    if (run.filter((s) => s.row).length < 2) {
      for (const s of run) items.push({ kind: 'line', line: s.line, top: s.line.top });
    } else {
      items.push({ kind: 'stream', ...streamGrid(run, page), top: run[0].line.top });
    }
    i = end + 1;
  }
  return items;
}

/**
 * Gap (in font sizes) that separates two label columns of a stream table: a cell's padding, wider
 * than a typed space; between two full-width characters (…公开）| 1.属于…) narrower still.
 */
const LABEL_GAP = 0.45;
const LABEL_GAP_WIDE = 0.3;
const WIDE_END = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]$/u;
const WIDE_START = /^[\u3000-\u303f\u3400-\u9fff\uff00-\uffef0-9]/u;

/** Largest gap (in line heights) between two lines of one table cell; paragraphs are spaced wider. */
const CELL_LINE_GAP = 0.6;

interface LabelPiece {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
}

/**
 * Label text of a stream table in blocks, one per printed cell: a piece continues the block above
 * it that it overlaps horizontally when the gap is a line gap (not a cell border's padding) and it
 * does not start a new numbered label (1. （一） 一、).
 */
function labelBlocks(pieces: LabelPiece[], size: number): LabelPiece[][] {
  const blocks: { pieces: LabelPiece[]; x0: number; x1: number; top: number; bottom: number }[] = [];
  for (const p of [...pieces].sort((a, b) => a.top - b.top || a.x0 - b.x0)) {
    let best: (typeof blocks)[number] | undefined;
    if (!LIST_MARKER.test(p.text)) {
      for (const b of blocks) {
        const overlap = Math.min(b.x1, p.x1) - Math.max(b.x0, p.x0);
        if (overlap < 0.5 * Math.min(b.x1 - b.x0, p.x1 - p.x0)) continue;
        const gap = p.top - b.bottom;
        if (gap < -0.3 * size || gap > 0.6 * size) continue;
        if (!best || b.bottom > best.bottom) best = b;
      }
    }
    if (best) {
      best.pieces.push(p);
      best.x0 = Math.min(best.x0, p.x0);
      best.x1 = Math.max(best.x1, p.x1);
      best.bottom = Math.max(best.bottom, p.bottom);
    } else blocks.push({ pieces: [p], x0: p.x0, x1: p.x1, top: p.top, bottom: p.bottom });
  }
  return blocks.map((b) => b.pieces);
}

/**
 * The grid of a stream table, and its `continuation`: label text above the first number line that
 * starts no numbered label — at the top of a page, the end of a label cut by the page break (it
 * stays on the first row unless the reading order gives it back to the row above, blocks.ts).
 */
function streamGrid(run: Segmented[], page: number): { table: TableBlock; continuation?: string } {
  // Number columns: cluster the centres of the number cells of the number lines.
  const centres: number[] = [];
  for (const { segs, row } of run) if (row) for (const s of segs) if (isNumberCell(s.text)) centres.push((s.x0 + s.x1) / 2);
  const size = run.find((s) => s.row)!.line.size;
  const cols = clusterWithin(centres, Math.max(size * 1.5, 8));
  const firstCol = cols.length ? cols[0] - size * 2 : Infinity;
  const anchors: { line: Line; values: string[]; labels: LabelPiece[][] }[] = [];
  const pieces: LabelPiece[] = [];
  for (const { line, segs, row } of run) {
    const values = new Array<string>(cols.length).fill('');
    const isLabel = (s: { text: string; x0: number; x1: number }) => !isNumberCell(s.text) && (s.x1 + s.x0) / 2 < firstCol;
    // Label columns sit closer together than number cells: split label text at narrower gaps
    // (a cell's padding), still wider than a space inside a label.
    for (const s of lineSegments(line, LABEL_GAP, LABEL_GAP_WIDE)) {
      if (isLabel(s)) pieces.push(s);
    }
    for (const s of segs) {
      if (isLabel(s)) continue;
      if (!row) continue;
      const c = nearest(cols, (s.x0 + s.x1) / 2);
      values[c] = values[c] ? `${values[c]} ${s.text}` : s.text;
    }
    if (row) anchors.push({ line, values, labels: [] });
  }
  // Each label block goes to the number lines it stands beside; a block beside none (a label
  // printed above its row's numbers) to the next number line below it, else the last one.
  let firstBlock: { top: number; text: string } | undefined;
  for (const block of labelBlocks(pieces, size)) {
    const top = Math.min(...block.map((p) => p.top));
    const bottom = Math.max(...block.map((p) => p.bottom));
    let beside = anchors.filter((a) => {
      const mid = (a.line.top + a.line.bottom) / 2;
      return mid >= top - 0.3 * size && mid <= bottom + 0.3 * size;
    });
    if (beside.length === 0) {
      beside = [anchors.find((a) => a.line.top >= bottom) ?? anchors[anchors.length - 1]];
      if (beside[0] === anchors[0] && bottom <= anchors[0].line.top && !LIST_MARKER.test(block[0].text) && (firstBlock === undefined || top < firstBlock.top)) {
        firstBlock = { top, text: normalizeCellText(block.map((p) => p.text).join('\n')) };
      }
    }
    for (const a of beside) a.labels.push(block);
  }
  const rows: string[][] = [];
  const origins: CellOrigin[][] = [];
  for (const a of anchors) {
    const labels = a.labels
      .sort((x, y) => Math.min(...x.map((p) => p.x0)) - Math.min(...y.map((p) => p.x0)))
      .map((block) => normalizeCellText(block.map((p) => p.text).join('\n')));
    const r = rows.length;
    rows.push([...(labels.length ? labels : ['']), ...a.values]);
    origins.push(rows[r].map((_, c) => ({ page, row: r, col: c })));
  }
  return { table: { kind: 'table', rows, origins, page }, continuation: firstBlock?.text };
}
