/**
 * Lattice tables: ruling lines (from the engine) → merged rules → a grid per connected group of
 * rules; grid positions with no rule between them are one merged cell; each glyph goes to the
 * cell that holds its centre (a run across column rules is split first).
 */
import { normalizeCellText } from '../chinese.ts';
import { groupRules, mergedCells } from '../grid.ts';
import type { Glyph, Rulings, Segment } from './engine.ts';
import { buildLines, clusterPositions, lineText, MIN_CELL, SNAP, type Cell, type LatticePart } from './layout.ts';

// ---------------------------------------------------------------------------------------------
// Ruling lines → merged rules

/** Merge collinear pieces (Chromium draws every cell edge separately) into long rules. */
function mergeSegments(segments: Segment[]): Segment[] {
  const sorted = [...segments].sort((a, b) => a.at - b.at || a.from - b.from);
  const rows: Segment[][] = [];
  for (const s of sorted) {
    const row = rows[rows.length - 1];
    if (row && Math.abs(s.at - row[0].at) <= SNAP) row.push(s);
    else rows.push([s]);
  }
  const merged: Segment[] = [];
  for (const row of rows) {
    const at = row.reduce((sum, s) => sum + s.at, 0) / row.length;
    row.sort((a, b) => a.from - b.from);
    let cur: Segment | undefined;
    for (const s of row) {
      if (cur && s.from <= cur.to + SNAP) cur.to = Math.max(cur.to, s.to);
      else {
        cur = { at, from: s.from, to: s.to };
        merged.push(cur);
      }
    }
  }
  return merged.filter((s) => s.to - s.from >= MIN_CELL);
}

// ---------------------------------------------------------------------------------------------
// Lattice tables

export function buildLattices(rulings: Rulings, page: number): LatticePart[] {
  const hs = mergeSegments(rulings.horizontal);
  const vs = mergeSegments(rulings.vertical);
  if (hs.length < 2 || vs.length < 2) return [];
  const parts: LatticePart[] = [];
  // Connected groups of crossing/touching rules are separate tables.
  for (const g of groupRules(hs, vs, SNAP)) {
    if (g.hs.length < 2 || g.vs.length < 2) continue;
    const part = latticeFromRules(g.hs, g.vs, page);
    if (part) parts.push(part);
  }
  return parts;
}

/**
 * Is the grid edge at `at` from `from` to `to` drawn: a rule within MIN_CELL of it covering its
 * middle half? `rules` sorted by `at` (byPosition): only the rules near `at` are looked at, so a
 * grid costs rows × columns × a few, not × every rule of the table.
 */
function covered(rules: Segment[], at: number, from: number, to: number): boolean {
  const lo = from + (to - from) * 0.25;
  const hi = to - (to - from) * 0.25;
  // First rule that may be near (1 pt of slack around the exact test below, which decides).
  let i = 0;
  let j = rules.length;
  while (i < j) {
    const mid = (i + j) >> 1;
    if (rules[mid].at < at - MIN_CELL - 1) i = mid + 1;
    else j = mid;
  }
  for (; i < rules.length && rules[i].at <= at + MIN_CELL + 1; i++) {
    const r = rules[i];
    if (Math.abs(r.at - at) <= MIN_CELL && r.from <= lo + SNAP && r.to >= hi - SNAP) return true;
  }
  return false;
}

const byPosition = (rules: Segment[]): Segment[] => [...rules].sort((a, b) => a.at - b.at);

/** Grid from the rules; grid positions with no rule between them are one merged cell. */
function latticeFromRules(hs: Segment[], vs: Segment[], page: number): LatticePart | undefined {
  hs = [...hs, ...openEdges(hs, vs)];
  const xs = clusterPositions(vs.map((v) => v.at));
  const ys = clusterPositions(hs.map((h) => h.at));
  const nr = ys.length - 1;
  const nc = xs.length - 1;
  if (nr < 1 || nc < 1) return undefined;
  const vSorted = byPosition(vs);
  const hSorted = byPosition(hs);
  const spans = mergedCells(
    nr,
    nc,
    (r, c) => !covered(vSorted, xs[c + 1], ys[r], ys[r + 1]),
    (r, c) => !covered(hSorted, ys[r + 1], xs[c], xs[c + 1]),
  );
  const cells: Cell[] = spans.map((s) => ({ ...s, glyphs: [], text: '', page }));
  return { page, xs, ys, cells, top: ys[0], bottom: ys[nr], left: xs[0], right: xs[nc] };
}

/**
 * A table cut by a page break may have no rule on its open side (Chromium draws none above
 * the continued part): when the column rules run past the outermost row rule, close the grid
 * where they end.
 */
function openEdges(hs: Segment[], vs: Segment[]): Segment[] {
  const extra: Segment[] = [];
  const hTop = Math.min(...hs.map((h) => h.at));
  const hBottom = Math.max(...hs.map((h) => h.at));
  const vTop = Math.min(...vs.map((v) => v.from));
  const vBottom = Math.max(...vs.map((v) => v.to));
  const span = (pick: (v: Segment) => boolean): Segment | undefined => {
    const xs = vs.filter(pick).map((v) => v.at);
    return xs.length >= 2 ? { at: 0, from: Math.min(...xs), to: Math.max(...xs) } : undefined;
  };
  if (vTop < hTop - MIN_CELL) {
    const s = span((v) => v.from <= vTop + 2 * MIN_CELL);
    if (s) extra.push({ ...s, at: vTop });
  }
  if (vBottom > hBottom + MIN_CELL) {
    const s = span((v) => v.to >= vBottom - 2 * MIN_CELL);
    if (s) extra.push({ ...s, at: vBottom });
  }
  return extra;
}

/** Index i with edges[i] <= v < edges[i+1], or -1 outside. */
function slot(edges: number[], v: number): number {
  if (v < edges[0] || v >= edges[edges.length - 1]) return -1;
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The lattice cell that holds a glyph's centre, if any. */
export function cellAt(parts: LatticePart[], g: Glyph): Cell | undefined {
  const cx = (g.x0 + g.x1) / 2;
  const cy = (g.top + g.bottom) / 2;
  for (const p of parts) {
    const c = slot(p.xs, cx);
    const r = slot(p.ys, cy);
    if (c < 0 || r < 0) continue;
    const cell = p.cells.find((k) => k.r0 <= r && r <= k.r1 && k.c0 <= c && c <= k.c1);
    if (cell) return cell;
  }
  return undefined;
}

/** Put each glyph in the lattice cell that holds its centre; a run across column rules is split first. */
export function assignGlyphs(glyphs: Glyph[], parts: LatticePart[], free: Glyph[], pageHeight: number): void {
  const lookup = parts.map((p) => {
    const grid = new Map<number, Cell>();
    const nc = p.xs.length - 1;
    for (const cell of p.cells) for (let r = cell.r0; r <= cell.r1; r++) for (let c = cell.c0; c <= cell.c1; c++) grid.set(r * nc + c, cell);
    return { p, grid, nc };
  });
  for (const glyph of glyphs) {
    const cy = (glyph.top + glyph.bottom) / 2;
    const target = lookup.find(({ p }) => cy >= p.top && cy < p.bottom && glyph.x1 > p.left && glyph.x0 < p.right);
    if (!target) {
      const overflowCell = pageBreakOverflow(glyph, lookup, pageHeight);
      if (overflowCell) overflowCell.glyphs.push(glyph);
      else free.push(glyph);
      continue;
    }
    for (const piece of splitAtRules(glyph, target.p.xs)) {
      const c = slot(target.p.xs, anchors.get(piece) ?? (piece.x0 + piece.x1) / 2);
      const r = slot(target.p.ys, cy);
      const cell = c < 0 || r < 0 ? undefined : target.grid.get(r * target.nc + c);
      if (cell) cell.glyphs.push(piece);
      else free.push(piece);
    }
  }
}

/**
 * Chromium cuts a row at a page break but lets the cell's last text line hang below the
 * table's bottom rule (自然 / 人): text just under a table that ends at the foot of the page
 * and fits inside one cell of its last row belongs to that cell.
 */
function pageBreakOverflow(
  g: Glyph,
  lookup: { p: LatticePart; grid: Map<number, Cell>; nc: number }[],
  pageHeight: number,
): Cell | undefined {
  for (const { p, grid, nc } of lookup) {
    if (p.bottom < pageHeight * 0.8 || (g.top + g.bottom) / 2 < p.bottom || g.top > p.bottom + g.size * 0.8) continue;
    const c = slot(p.xs, (g.x0 + g.x1) / 2);
    const cell = c < 0 ? undefined : grid.get((p.ys.length - 2) * nc + c);
    if (cell && g.x0 >= p.xs[cell.c0] - 1 && g.x1 <= p.xs[cell.c1 + 1] + 1 && cell.c1 - cell.c0 + 1 < nc) return cell;
  }
  return undefined;
}

/** Split a text run that crosses column rules (one run for a whole row) at character positions. */
function splitAtRules(g: Glyph, xs: number[]): Glyph[] {
  const inner = xs.filter((x) => x > g.x0 + 1.5 && x < g.x1 - 1.5);
  if (inner.length === 0 || g.text.length < 2) return [g];
  const chars = Array.from(g.text);
  const weights = chars.map((ch) => (/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/u.test(ch) ? 1 : 0.5));
  const unit = (g.x1 - g.x0) / weights.reduce((s, w) => s + w, 0);
  const pieces: Glyph[] = [];
  let x = g.x0;
  let cur: Glyph | undefined;
  let curSlot = -2;
  chars.forEach((ch, i) => {
    const w = weights[i] * unit;
    const s = slot(xs, x + w / 2);
    if (!cur || s !== curSlot) {
      cur = { ...g, text: '', x0: x, x1: x };
      curSlot = s;
      pieces.push(cur);
    }
    cur.text += ch;
    cur.x1 = x + w;
    x += w;
  });
  // A placeholder dash pair (——) cannot wrap: in a column narrower than it, the second dash
  // hangs over the rule into the next cell (— | — 749). A dash piece that carries on a dash piece
  // with no gap at the rule stays with the cell the dashes start in.
  // A closing bracket is printed with its opening one: where a wide bracket hangs over the rule of
  // a narrow column（（六 | ）…), it stays with the cell its opening bracket is in.
  for (let i = pieces.length - 1; i > 0; i--) {
    const a = pieces[i - 1];
    const b = pieces[i];
    const hangs = b.x0 - a.x1 < 0.5;
    if (hangs && CLOSING.test(b.text) && unclosed(a.text)) {
      a.text += b.text;
      a.x1 = b.x1;
      anchors.set(a, a.x0 + 0.5);
      pieces.splice(i, 1);
      continue;
    }
    if (DASHES.test(a.text) && DASHES.test(b.text) && hangs) {
      a.text += b.text;
      a.x1 = b.x1;
      anchors.set(a, a.x0 + 0.5);
      pieces.splice(i, 1);
    }
  }
  return pieces.filter((p) => p.text.trim() !== '');
}

const DASHES = /^[—–―\-－─]+$/u;
const CLOSING = /^[）)】〕」』》]+$/u;
/** Text with an opening bracket that it does not close. */
const unclosed = (s: string) => (s.match(/[（(【〔「『《]/gu)?.length ?? 0) > (s.match(/[）)】〕」』》]/gu)?.length ?? 0);
/** Pieces placed by where they start, not by their centre. */
const anchors = new WeakMap<Glyph, number>();

/** Cell text: glyphs as lines, top to bottom, joined the way a cell's line breaks are. */
export function finishCells(part: LatticePart): void {
  for (const cell of part.cells) {
    cell.text = cellText(cell.glyphs);
  }
}

export function cellText(glyphs: Glyph[]): string {
  if (glyphs.length === 0) return '';
  return normalizeCellText(buildLines(glyphs).map((l) => lineText(l.glyphs)).join('\n'));
}
