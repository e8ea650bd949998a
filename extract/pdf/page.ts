/**
 * One page of a PDF: page numbers in the margins dropped, ruled tables (lattice.ts) where the text
 * looks tabular, tables without rules (stream.ts) among the remaining lines, in reading order.
 */
import type { EnginePage, Glyph } from './engine.ts';
import { assignGlyphs, buildLattices, cellAt, finishCells } from './lattice.ts';
import { buildLines, lineText, looksTabular, type LatticePart, type PageItem } from './layout.ts';
import { streamTables } from './stream.ts';

/**
 * `tableContinues`: the page before ended in a ruled table at its foot, so this page may hold the
 * rest of it, perhaps one row (too little text to look tabular on its own). Also set when the
 * page after opens with a ruled table: this page may hold its head (header rows alone, no
 * numbers), read again with its rulings (extract/pdf/index.ts).
 */
export interface PageRead {
  items: PageItem[];
  chars: number;
  /** The page ends in a ruled table at its foot. */
  endsInTable: boolean;
  /** The page opens with a ruled table at its head (it may continue one from the page before). */
  startsWithTable: boolean;
  /** Ruling lines were read (the page's text looked tabular, or a table was expected). */
  rulingsRead: boolean;
}

export async function readPage(page: EnginePage, pageNumber: number, tableContinues = false): Promise<PageRead> {
  let glyphs = page.glyphs;
  const chars = glyphs.reduce((n, g) => n + g.text.replace(/\s/g, '').length, 0);
  if (glyphs.length === 0) return { items: [], chars, endsInTable: false, startsWithTable: false, rulingsRead: false };
  const furniture = pageFurniture(glyphs, page.height);
  if (furniture.size) glyphs = glyphs.filter((g) => !furniture.has(g));

  let parts: LatticePart[] = [];
  const rulingsRead = tableContinues || looksTabular(buildLines(glyphs));
  if (rulingsRead) {
    // Ruling lines cost a drawing pass (pdf.js: ~2× the text pass): only where text is tabular.
    parts = buildLattices(await page.rulings(), pageNumber);
  }
  const items: PageItem[] = [];
  const free: Glyph[] = [];
  assignGlyphs(glyphs, parts, free, page.height);
  giveBackWrappedDigits(furniture, parts);
  for (const part of parts) {
    finishCells(part);
    if (isRealTable(part)) items.push({ kind: 'lattice', part, top: part.top });
    else for (const cell of part.cells) free.push(...cell.glyphs);
  }
  const lines = buildLines(free);
  items.push(...streamTables(lines, pageNumber));
  items.sort((a, b) => a.top - b.top);
  const last = items[items.length - 1];
  // The foot of the page: below the last line of body text a page number or nothing is left.
  const endsInTable = last?.kind === 'lattice' && last.part.bottom > page.height * 0.75;
  const first = items[0];
  const startsWithTable = first?.kind === 'lattice' && first.part.top < page.height * 0.25;
  return { items, chars, endsInTable, startsWithTable, rulingsRead };
}

/** At least two filled cells side by side: a single boxed column is framed text, not a table. */
function isRealTable(part: LatticePart): boolean {
  const filled = part.cells.filter((c) => c.text !== '');
  return filled.length >= 2 && new Set(filled.map((c) => c.c0)).size >= 2;
}

const FOOTER_PATTERNS = [
  /^[-—–－─~·•\s]*\d{1,4}[-—–－─~·•\s]*$/u, // -3-  — 5 —  3
  /^第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d{1,4}\s*页)?$/u, // 第 3 页，共 8 页
  /^\d{1,4}\s*[/／]\s*\d{1,4}$/u, // 3/8
  /^[-—–－]?\s*Page\s*\d{1,4}(\s*of\s*\d{1,4})?\s*[-—–－]?$/iu,
];

/** Page numbers printed in the top or bottom margin (also when they sit inside a table area). */
function pageFurniture(glyphs: Glyph[], pageHeight: number): Set<Glyph> {
  const zone = pageHeight * 0.1;
  const drop = new Set<Glyph>();
  const lines = buildLines(glyphs);
  for (const line of lines) {
    if (line.top > zone && line.bottom < pageHeight - zone) continue;
    // Numbers apart on one line (the wrapped last digits of two cells: 121 / 5, 252 / 3) are not
    // one page number, and a page number stands apart from the text: a line that touches another
    // is a table's or a paragraph's.
    const text = lineText(line.glyphs).trim();
    const touches = lines.some((o) => o !== line && o.top < line.bottom + line.size * 0.25 && o.bottom > line.top - line.size * 0.25);
    if (!touches && FOOTER_PATTERNS.some((re) => re.test(text))) for (const g of line.glyphs) drop.add(g);
  }
  return drop;
}

/**
 * A page number is never the wrapped end of a number in a ruled cell: digits taken for one that
 * sit in a cell right under or over the cell's own digits (2 / 3 / 7 in a narrow column, the row
 * at the foot of the page, its lines too far apart to touch) go back to that cell.
 */
function giveBackWrappedDigits(furniture: Set<Glyph>, parts: LatticePart[]): void {
  const digits = (g: Glyph) => /^\d+$/.test(g.text.trim());
  let left = [...furniture].filter(digits);
  for (let changed = true; changed && left.length; ) {
    changed = false;
    left = left.filter((g) => {
      const cell = cellAt(parts, g);
      const next = cell?.glyphs.some(
        (o) => digits(o) && o.x0 < g.x1 && g.x0 < o.x1 && Math.max(g.top - o.bottom, o.top - g.bottom) < Math.min(g.size, o.size),
      );
      if (!cell || !next) return true;
      cell.glyphs.push(g);
      changed = true;
      return false;
    });
  }
}
