/**
 * Ruled tables in a deskewed page image: ruling lines are long runs of ink along a row (or a
 * column) of pixels; lines that cross form a table; the grid is the set of line positions, and a
 * grid border that is not drawn along a cell's side merges the cells (rowspan / colspan).
 */
import { clusterWithin, groupRules, mergedCells, rulesTouch } from '../grid.ts';

export interface Segment {
  /** Position across the line (y of a horizontal line, x of a vertical one), centre. */
  at: number;
  from: number;
  to: number;
  /** Thickness in pixels. */
  thick: number;
}

/** A merged cell: grid rows r0..r1, columns c0..c1 (inclusive), and its pixel box inside the borders. */
export interface GridCell {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Grid {
  xs: number[];
  ys: number[];
  cells: GridCell[];
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Runs of ink along rows (horizontal) allowing gaps of `gap` pixels, at least `minLen` long. */
function runs(bin: Uint8Array, width: number, height: number, horizontal: boolean, minLen: number, gap: number): Segment[] {
  const lines = horizontal ? height : width;
  const len = horizontal ? width : height;
  const open: { at0: number; at1: number; from: number; to: number }[] = [];
  const done: Segment[] = [];
  let active: { at0: number; at1: number; from: number; to: number }[] = [];
  for (let l = 0; l < lines; l++) {
    const found: { from: number; to: number }[] = [];
    let start = -1;
    let lastInk = -1;
    for (let p = 0; p <= len; p++) {
      const ink = p < len && (horizontal ? bin[l * width + p] : bin[p * width + l]);
      if (ink) {
        if (start < 0) start = p;
        lastInk = p;
      } else if (start >= 0 && p - lastInk > gap) {
        if (lastInk - start + 1 >= minLen) found.push({ from: start, to: lastInk });
        start = -1;
      }
    }
    // Join runs to the segments of the previous pixel line that they overlap.
    const next: typeof active = [];
    for (const f of found) {
      const s = active.find((a) => a.at1 === l - 1 && Math.min(a.to, f.to) - Math.max(a.from, f.from) > 0.5 * Math.min(a.to - a.from, f.to - f.from));
      if (s) {
        s.at1 = l;
        s.from = Math.min(s.from, f.from);
        s.to = Math.max(s.to, f.to);
        if (!next.includes(s)) next.push(s);
      } else next.push({ at0: l, at1: l, from: f.from, to: f.to });
    }
    for (const a of active) if (!next.includes(a)) open.push(a);
    active = next;
  }
  open.push(...active);
  for (const a of open) done.push({ at: (a.at0 + a.at1) / 2, from: a.from, to: a.to, thick: a.at1 - a.at0 + 1 });
  return done;
}

/** Fraction of positions along [from, to] where a line at `at` (±tol) has ink. */
function coverage(bin: Uint8Array, width: number, height: number, horizontal: boolean, at: number, from: number, to: number, tol: number): number {
  let hit = 0;
  let n = 0;
  for (let p = Math.round(from); p <= Math.round(to); p++) {
    n++;
    for (let d = -tol; d <= tol; d++) {
      const q = Math.round(at) + d;
      if (horizontal) {
        if (q >= 0 && q < height && p >= 0 && p < width && bin[q * width + p]) {
          hit++;
          break;
        }
      } else if (q >= 0 && q < width && p >= 0 && p < height && bin[p * width + q]) {
        hit++;
        break;
      }
    }
  }
  return n ? hit / n : 0;
}

/**
 * Finds the ruled tables of a page. `dpi` scales the length thresholds: a ruling line is at least
 * 0.3 inch long (longer than any stroke of a character in body text).
 */
export function findGrids(bin: Uint8Array, width: number, height: number, dpi: number): Grid[] {
  const minH = Math.round(dpi * 0.3);
  const minV = Math.round(dpi * 0.2);
  const gap = Math.max(2, Math.round(dpi / 100));
  const hs = runs(bin, width, height, true, minH, gap).filter((s) => s.thick <= dpi / 25);
  let vs = runs(bin, width, height, false, minV, gap).filter((s) => s.thick <= dpi / 25);
  const tol = Math.max(3, Math.round(dpi / 50));
  // A chain of glyph strokes joined through a rule (text printed tight against the rules, with
  // the same characters at the same place in row after row: 政府信息公开申请数量) is a long vertical
  // run too; unlike a rule, it has the strokes of its glyphs beside it along most of its length.
  vs = vs.filter((v) => sideInk(bin, width, v, hs, tol) < 0.3);
  // A ruling line crosses at least two lines of the other direction (a stroke of a character
  // that happens to touch a border crosses one at most).
  const hs2 = hs.filter((h) => vs.filter((v) => rulesTouch(h, v, tol)).length >= 2);
  const vRules = vs.filter((v) => hs2.filter((h) => rulesTouch(h, v, tol)).length >= 2);
  const hRules = hs2.filter((h) => vRules.filter((v) => rulesTouch(h, v, tol)).length >= 2);
  const grids: Grid[] = [];
  // Group lines into tables: a horizontal and a vertical line that touch are in the same table.
  for (const g of groupRules(hRules, vRules, tol)) {
    if (!g.hs.length || !g.vs.length) continue;
    const ys = cutEdges(clusterWithin(g.hs.map((s) => s.at), tol, g.hs.map((s) => s.to - s.from)), g.vs, tol, dpi);
    const xs = clusterWithin(g.vs.map((s) => s.at), tol, g.vs.map((s) => s.to - s.from));
    if (ys.length < 2 || xs.length < 2) continue;
    const grid = buildGrid(bin, width, height, xs, ys, tol);
    if (grid) grids.push(grid);
  }
  return grids.sort((a, b) => a.top - b.top);
}

/**
 * A table cut by a page break has no rule at the cut (browsers draw none above the first row of the
 * continued table): its column rules run on past the last horizontal rule. Where most of them end
 * together beyond it (by more than a line of text), that end is the grid's edge, so the row there
 * is a row of the table and not text outside it.
 */
function cutEdges(ys: number[], vs: Segment[], tol: number, dpi: number): number[] {
  const out = ys.slice();
  const minRun = dpi * 0.1;
  const top = out[0];
  const bottom = out[out.length - 1];
  const atTop = vs.filter((v) => v.from <= top + tol && v.to >= top + tol);
  const above = atTop.filter((v) => v.from < top - minRun).map((v) => v.from);
  if (above.length >= 2 && above.length * 2 > atTop.length) out.unshift(median(above));
  const atBottom = vs.filter((v) => v.to >= bottom - tol && v.from <= bottom - tol);
  const below = atBottom.filter((v) => v.to > bottom + minRun).map((v) => v.to);
  if (below.length >= 2 && below.length * 2 > atBottom.length) out.push(median(below));
  return out;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function buildGrid(bin: Uint8Array, width: number, height: number, xs: number[], ys: number[], tol: number): Grid | undefined {
  const R = ys.length - 1;
  const C = xs.length - 1;
  const inset = (a: number, b: number) => {
    const m = Math.min(tol + 1, (b - a) / 4);
    return [a + m, b - m] as const;
  };
  // A border is drawn along the cell's side: ink over most of its inner part and over nearly all
  // of its whole length, from rule to rule. A glyph standing across the place of a line (a label
  // in a row barely taller than its text, as Word and LibreOffice print tables) covers the inner
  // part but stops short of the rules.
  const drawn = (horizontal: boolean, at: number, a: number, b: number) =>
    coverage(bin, width, height, horizontal, at, ...inset(a, b), 2) >= 0.6 && coverage(bin, width, height, horizontal, at, a, b, 2) >= 0.9;
  const spans = mergedCells(
    R,
    C,
    (r, c) => !drawn(false, xs[c + 1], ys[r], ys[r + 1]),
    (r, c) => !drawn(true, ys[r + 1], xs[c], xs[c + 1]),
  );
  if (spans.length < 2) return undefined;
  const cells: GridCell[] = spans.map((s) => ({ ...s, x0: xs[s.c0], y0: ys[s.r0], x1: xs[s.c1 + 1], y1: ys[s.r1 + 1] }));
  return { xs, ys, cells, left: xs[0], right: xs[C], top: ys[0], bottom: ys[R] };
}

/**
 * Share of a vertical segment's length where ink stands beside it, a few pixels off either side
 * (the positions where a horizontal rule crosses it left out).
 */
function sideInk(bin: Uint8Array, width: number, v: Segment, hs: Segment[], tol: number): number {
  const off = Math.ceil(v.thick / 2) + 2;
  const x = Math.round(v.at);
  const crossing = hs.filter((h) => x >= h.from - tol && x <= h.to + tol && h.at >= v.from - tol && h.at <= v.to + tol);
  let n = 0;
  let hit = 0;
  for (let y = Math.round(v.from); y <= Math.round(v.to); y++) {
    if (crossing.some((h) => Math.abs(y - h.at) <= h.thick / 2 + 2)) continue;
    n++;
    const at = (dx: number) => x + dx >= 0 && x + dx < width && bin[y * width + x + dx] === 1;
    if (at(-off) || at(-off - 1) || at(-off - 2) || at(off) || at(off + 1) || at(off + 2)) hit++;
  }
  return n ? hit / n : 0;
}
