/**
 * Reading order: paragraphs and tables across pages. Lattice parts that continue a table on the
 * next page are joined into one table block (columns unified, cells cut by the break joined).
 */
import { normalizeCellText } from '../chinese.ts';
import type { Block, CellOrigin, TableBlock } from '../model.ts';
import { isNumberCell } from '../../text/number-cell.ts';
import { cellText } from './lattice.ts';
import { buildLines, clusterPositions, LIST_MARKER, lineText, nearest, type LatticePart, type Line, type PageItem } from './layout.ts';

export function assembleBlocks(pages: { page: number; items: PageItem[] }[]): Block[] {
  const blocks: Block[] = [];
  let openTable: LatticePart[] | undefined;
  let paragraph: { lines: Line[]; page: number } | undefined;
  let layout = { left: 0, right: 0 };
  const flushTable = () => {
    if (openTable) blocks.push(latticeBlock(openTable));
    openTable = undefined;
  };
  const flushParagraph = () => {
    if (paragraph) {
      const text = paragraphText(paragraph.lines);
      if (text) blocks.push({ kind: 'paragraph', text, page: paragraph.page });
    }
    paragraph = undefined;
  };
  for (const { page, items } of pages) {
    layout = pageLayout(items) ?? layout;
    items.forEach((item, index) => {
      if (item.kind === 'lattice') {
        flushParagraph();
        const last = openTable?.[openTable.length - 1];
        // A table continues on the next page when it is the first thing there and the previous part ended its page.
        if (openTable && last && last.page === page - 1 && index === 0 && sameColumns(last, item.part)) openTable.push(item.part);
        else {
          flushTable();
          openTable = [item.part];
        }
        return;
      }
      if (item.kind === 'stream') {
        flushParagraph();
        flushTable();
        if (index === 0 && item.continuation) giveBackContinuation(blocks[blocks.length - 1], item.table, item.continuation, page);
        blocks.push(item.table);
        return;
      }
      flushTable();
      const line = item.line;
      if (paragraph && continuesParagraph(paragraph.lines, line, layout, paragraph.page !== page)) paragraph.lines.push(line);
      else {
        flushParagraph();
        paragraph = { lines: [line], page };
      }
    });
    // A table followed by text on its own page is finished.
    const lastItem = items[items.length - 1];
    if (openTable && lastItem?.kind !== 'lattice') flushTable();
  }
  flushTable();
  flushParagraph();
  return blocks;
}

function pageLayout(items: PageItem[]): { left: number; right: number } | undefined {
  const lines = items.flatMap((i) => (i.kind === 'line' ? [i.line] : []));
  if (lines.length < 3) return undefined;
  const lefts = lines.map((l) => l.x0).sort((a, b) => a - b);
  const rights = lines.map((l) => l.x1).sort((a, b) => a - b);
  return { left: lefts[Math.floor(lefts.length * 0.1)], right: rights[Math.floor(rights.length * 0.9)] };
}

/** Same outer frame and (after noise clustering) compatible column rules. */
function sameColumns(a: LatticePart, b: LatticePart): boolean {
  return Math.abs(a.left - b.left) <= 6 && Math.abs(a.right - b.right) <= 6;
}

function continuesParagraph(lines: Line[], line: Line, layout: { left: number; right: number }, newPage: boolean): boolean {
  const prev = lines[lines.length - 1];
  const size = line.size;
  if (Math.abs(prev.size - size) > 1) return false;
  if (line.x0 > layout.left + 1.5 * size) return false; // indented first line
  if (prev.x1 < layout.right - 2 * size) return false; // previous line stopped short
  if (newPage) return !/[。！？；：:]$/.test(lineText(prev.glyphs).trim());
  const step = line.top - prev.top;
  if (step < 0) return false;
  if (lines.length >= 2) {
    const typical = prev.top - lines[lines.length - 2].top;
    return step <= typical * 1.3 + 1;
  }
  return step <= size * 2.2;
}

function paragraphText(lines: Line[]): string {
  return normalizeCellText(lines.map((l) => lineText(l.glyphs)).join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Lattice parts → one table block (columns unified, cells cut by page breaks joined)

interface PlacedCell {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  text: string;
  page: number;
}

function latticeBlock(parts: LatticePart[]): TableBlock {
  // A part with as many columns as the first but other widths (a table continued as a new table
  // of its own, its columns drawn again) keeps the first part's columns, by index: its rules
  // would otherwise interleave with the first part's, and its blank cells land in the wrong one.
  const byIndex = (p: LatticePart) => p !== parts[0] && p.xs.length === parts[0].xs.length && p.xs.some((x, i) => Math.abs(x - parts[0].xs[i]) > 3);
  const xs = clusterPositions(parts.flatMap((p) => (byIndex(p) ? [] : p.xs)));
  const columnOf = (x: number) => nearest(xs, x);
  const placed: PlacedCell[] = [];
  let offset = 0;
  let previousLastRow: PlacedCell[] = [];
  for (const [k, part] of parts.entries()) {
    // Header rows repeated at the top of each page (Word's "repeat as header row", an HTML
    // <thead> printed by a browser) are the table's head again, not rows of it.
    const head = k === 0 ? undefined : repeatedHead(parts[0], part);
    if (head) dropOverflow(part, head);
    const skip = head?.rows ?? 0;
    const nr = part.ys.length - 1 - skip;
    const colXs = byIndex(part) ? parts[0].xs : part.xs;
    const cells = part.cells.filter((c) => c.r0 >= skip).map((c) => ({
      r0: c.r0 - skip + offset,
      r1: c.r1 - skip + offset,
      c0: columnOf(colXs[c.c0]),
      c1: columnOf(colXs[c.c1 + 1]) - 1,
      text: c.text,
      page: c.page,
    }));
    const firstRow = cells.filter((c) => c.r0 === offset);
    const joined = joinAcrossBreak(previousLastRow, firstRow);
    for (const c of cells) if (!joined.has(c)) placed.push(c);
    previousLastRow = placed.filter((c) => c.r1 === offset + nr - 1);
    offset += nr;
  }
  return gridFromCells(placed, offset, xs.length - 1);
}

/**
 * Header rows repeated at the top of a continuation part: its top rows repeat the first part's
 * top rows when they have the same cells (rows, column rules, text) and every one of those rows
 * carries a header or a row label (not only numbers). Rows repeated with the head may hold
 * numbers (a first data row marked to repeat): they are then the same as printed before.
 *
 * A merged cell of the first part that spans below the repeated rows (Word lets a vertically
 * merged cell start in a repeated header row) is cut by the repeat: the repeat's cell ends with
 * the repeated rows and prints what fits of the text, maybe nothing. LibreOffice then draws the
 * rest of that text over the rows under the repeat, inside the merged cell's columns: those
 * glyphs are not the rows' own (dropOverflow).
 */
interface HeadRepeat {
  rows: number;
  /** Cut merged cells: the part of their text the repeat did not print, where it may hang. */
  cut: { rest: string; left: number; right: number; rowsBelow: number }[];
}

const squash = (s: string) => s.replace(/\s+/g, '');

function repeatedHead(first: LatticePart, part: LatticePart): HeadRepeat | undefined {
  let best: HeadRepeat | undefined;
  const max = Math.min(first.ys.length - 2, part.ys.length - 2, 4);
  for (let k = 1; k <= max; k++) best = headRepeat(first, part, k) ?? best;
  return best;
}

function headRepeat(first: LatticePart, part: LatticePart, k: number): HeadRepeat | undefined {
  const mine = part.cells.filter((c) => c.r0 < k);
  const theirs = first.cells.filter((c) => c.r0 < k);
  if (mine.length !== theirs.length || mine.some((c) => c.r1 >= k)) return undefined;
  const near = (a: number, b: number) => Math.abs(a - b) <= 3;
  const cut: HeadRepeat['cut'] = [];
  const labelled = new Set<number>();
  for (const c of mine) {
    const left = part.xs[c.c0];
    const right = part.xs[c.c1 + 1];
    const o = theirs.find((t) => t.r0 === c.r0 && near(first.xs[t.c0], left) && near(first.xs[t.c1 + 1], right));
    if (!o) return undefined;
    const printed = squash(c.text);
    const text = squash(o.text);
    if (o.r1 >= k) {
      // Cut by the repeat: what is printed is the start of the text (or nothing).
      if (!text.startsWith(printed)) return undefined;
      if (printed !== text) cut.push({ rest: text.slice(printed.length), left, right, rowsBelow: o.r1 - k + 1 });
      continue;
    }
    if (o.r1 !== c.r1 || printed !== text) return undefined;
    if (printed && !isNumberCell(c.text)) labelled.add(c.r0);
  }
  return labelled.size === k ? { rows: k, cut } : undefined;
}

/**
 * Takes the unprinted rest of each cut merged cell out of the cells under the repeated head,
 * inside its columns and within the rows it would have spanned: whole glyph runs that spell the
 * rest, in reading order, and nothing when they do not.
 */
function dropOverflow(part: LatticePart, head: HeadRepeat): void {
  for (const { rest, left, right, rowsBelow } of head.cut) {
    const under = part.cells
      .filter((c) => c.r0 >= head.rows && c.r0 < head.rows + rowsBelow && part.xs[c.c0] >= left - 3 && part.xs[c.c1 + 1] <= right + 3)
      .sort((a, b) => a.r0 - b.r0 || a.c0 - b.c0);
    const runs = under.flatMap((cell) => buildLines(cell.glyphs).flatMap((l) => l.glyphs.map((g) => ({ cell, g, text: squash(g.text) }))));
    const chosen = spell(runs.map((r) => r.text), rest);
    if (!chosen) continue;
    const drop = new Set(chosen.map((i) => runs[i].g));
    for (const cell of under) {
      if (!cell.glyphs.some((g) => drop.has(g))) continue;
      cell.glyphs = cell.glyphs.filter((g) => !drop.has(g));
      cell.text = cellText(cell.glyphs);
    }
  }
}

/** Indices of pieces that, kept in order, spell `target` exactly (undefined if none do). */
function spell(pieces: string[], target: string): number[] | undefined {
  const failed = new Set<string>();
  const go = (i: number, j: number): number[] | undefined => {
    if (j === target.length) return [];
    if (i === pieces.length || failed.has(`${i}:${j}`)) return undefined;
    const p = pieces[i];
    if (p && target.startsWith(p, j)) {
      const rest = go(i + 1, j + p.length);
      if (rest) return [i, ...rest];
    }
    const skip = go(i + 1, j);
    if (!skip) failed.add(`${i}:${j}`);
    return skip;
  };
  return go(0, 0);
}

/**
 * Cells cut by a page break: the continuation (top cell of the next part, same columns) is
 * merged into the cell above when it is empty or carries on the label ((四)无 / 法提供), but
 * not when it starts a new numbered label.
 */
function joinAcrossBreak(above: PlacedCell[], below: PlacedCell[]): Set<PlacedCell> {
  const joined = new Set<PlacedCell>();
  if (above.length === 0 || below.length === 0) return joined;
  const belowHasNumbers = below.some((c) => isNumberCell(c.text) && c.text !== '');
  const aboveHasNumbers = above.some((c) => isNumberCell(c.text) && c.text !== '');
  // A row cut in two: one half has the label (or part of it) and the other half the numbers, so
  // where one half prints a number the other half is blank. A header row that ended the page
  // above a data row (信息内容 | 本年制发件数 … over 规章 | 743 …) has text there: not a cut row.
  const sameColumns = (x: PlacedCell, ys: PlacedCell[]) => ys.find((y) => y.c0 === x.c0 && y.c1 === x.c1);
  const blankOpposite = (xs: PlacedCell[], ys: PlacedCell[]) =>
    xs.every((x) => !(isNumberCell(x.text) && x.text !== '') || (sameColumns(x, ys)?.text ?? '') === '');
  const complementary = blankOpposite(below, above) && blankOpposite(above, below);
  const splitRow = belowHasNumbers !== aboveHasNumbers && complementary && !LIST_MARKER.test(below.find((c) => c.text)?.text ?? '');
  // A text row (a header) cut in two: what goes over is the last line of some of its cells
  // (对外公开总数 / 量), under a filled cell, the other cells blank. A header row of its own
  // fills its cells.
  const cutTextRow =
    !belowHasNumbers &&
    !aboveHasNumbers &&
    below.some((b) => b.text === '' && (sameColumns(b, above)?.text ?? '') !== '') &&
    below.every((b) => b.text === '' || ((sameColumns(b, above)?.text ?? '') !== '' && !LIST_MARKER.test(b.text)));
  for (const b of below) {
    const a = above.find((c) => c.c0 === b.c0 && c.c1 === b.c1);
    if (!a) continue;
    const multiRow = a.r1 > a.r0 || b.r1 > b.r0;
    let join = false;
    if (splitRow || cutTextRow) join = true;
    else if (a.text === '' || isNumberCell(a.text)) join = false;
    // A blank cell of a data row under a header row (numbers below, none above) is a blank value,
    // not the rest of the header cell.
    else if (b.text === '') join = (multiRow && (aboveHasNumbers || !belowHasNumbers)) || !belowHasNumbers;
    else join = multiRow && !LIST_MARKER.test(b.text) && !isNumberCell(b.text);
    if (!join) continue;
    a.text = normalizeCellText(`${a.text}\n${b.text}`);
    a.r1 = b.r1;
    joined.add(b);
  }
  return joined;
}

/** Expand merged cells over their grid positions; drop rows/columns that no cell starts in. */
function gridFromCells(cells: PlacedCell[], nr: number, nc: number): TableBlock {
  const grid: (PlacedCell | undefined)[][] = Array.from({ length: nr }, () => new Array(nc).fill(undefined));
  for (const cell of cells) {
    for (let r = cell.r0; r <= cell.r1; r++) for (let c = Math.max(0, cell.c0); c <= Math.min(nc - 1, cell.c1); c++) grid[r][c] = cell;
  }
  const rowStarts = new Set(cells.map((c) => c.r0));
  const colStarts = new Set(cells.map((c) => Math.max(0, c.c0)));
  const keepCols = Array.from({ length: nc }, (_, c) => c).filter((c) => colStarts.has(c));
  const keepRows = Array.from({ length: nr }, (_, r) => r).filter(
    (r) => rowStarts.has(r) && keepCols.some((c) => (grid[r][c]?.text ?? '') !== ''),
  );
  const rowIndex = new Map(keepRows.map((r, i) => [r, i]));
  const colIndex = new Map(keepCols.map((c, i) => [c, i]));
  const rows = keepRows.map((r) => keepCols.map((c) => grid[r][c]?.text ?? ''));
  // Origins point at the kept grid position where the (merged) cell starts.
  const origins = keepRows.map((r) =>
    keepCols.map((c): CellOrigin | undefined => {
      const cell = grid[r][c];
      if (!cell) return undefined;
      return { page: cell.page, row: rowIndex.get(cell.r0) ?? nearestKept(keepRows, cell.r0), col: colIndex.get(Math.max(0, cell.c0)) ?? 0 };
    }),
  );
  const page = cells.reduce((p, c) => Math.min(p, c.page), Infinity);
  return { kind: 'table', rows, origins, page: Number.isFinite(page) ? page : undefined };
}

function nearestKept(kept: number[], r: number): number {
  const i = kept.findIndex((k) => k >= r);
  return i < 0 ? kept.length - 1 : i;
}

/**
 * A table without rules that starts a page with the end of a label (…费通知要求缴纳费用、行政机关
 * 不再处理其政府信息公开申请 above 3.其他): when the previous page ended with a table, the text
 * belongs to the label of that table's last row, not to the first row here.
 */
function giveBackContinuation(previous: Block | undefined, table: TableBlock, text: string, page: number): void {
  if (previous?.kind !== 'table') return;
  const last = previous.rows[previous.rows.length - 1];
  const lastPage = previous.origins?.[previous.rows.length - 1]?.find((o) => o?.page)?.page ?? previous.page;
  if (!last || lastPage !== page - 1) return;
  const labelEnd = last.findIndex((c) => c !== '' && isNumberCell(c)) - 1;
  const at = table.rows[0]?.indexOf(text) ?? -1;
  const firstNumber = table.rows[0]?.findIndex((c) => c !== '' && isNumberCell(c)) ?? -1;
  if (labelEnd < 0 || at < 0 || at >= firstNumber - 1) return; // the first row must keep a label of its own
  last[labelEnd] = normalizeCellText(`${last[labelEnd]}\n${text}`);
  table.rows[0].splice(at, 1);
  const origins = table.origins?.[0];
  if (origins) {
    origins.splice(at, 1);
    origins.forEach((o, c) => o && (o.col = c));
  }
}
