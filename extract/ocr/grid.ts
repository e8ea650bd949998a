/**
 * Ruled tables in a deskewed page image: ruling lines are long runs of ink along a row (or a
 * column) of pixels; lines that cross form a table; the grid is the set of line positions, and a
 * grid border that is not drawn along a cell's side merges the cells (rowspan / colspan).
 */

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

/** Positions closer than `tol` merged (weighted by length). */
function cluster(values: { at: number; w: number }[], tol: number): number[] {
  const sorted = values.slice().sort((a, b) => a.at - b.at);
  const out: { sum: number; w: number; last: number }[] = [];
  for (const v of sorted) {
    const c = out[out.length - 1];
    if (c && v.at - c.last <= tol) {
      c.sum += v.at * v.w;
      c.w += v.w;
      c.last = v.at;
    } else out.push({ sum: v.at * v.w, w: v.w, last: v.at });
  }
  return out.map((c) => c.sum / c.w);
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
  const vs = runs(bin, width, height, false, minV, gap).filter((s) => s.thick <= dpi / 25);
  const tol = Math.max(3, Math.round(dpi / 50));
  const touches = (h: Segment, v: Segment) => v.at >= h.from - tol && v.at <= h.to + tol && h.at >= v.from - tol && h.at <= v.to + tol;
  // Group lines into tables: a horizontal and a vertical line that touch are in the same table.
  const parent = new Map<Segment, Segment>();
  const find = (s: Segment): Segment => {
    let p = parent.get(s) ?? s;
    while (p !== (parent.get(p) ?? p)) p = parent.get(p) ?? p;
    parent.set(s, p);
    return p;
  };
  // A ruling line crosses at least two lines of the other direction (a stroke of a character
  // that happens to touch a border crosses one at most).
  const hs2 = hs.filter((h) => vs.filter((v) => touches(h, v)).length >= 2);
  const vs2 = vs.filter((v) => hs2.filter((h) => touches(h, v)).length >= 2);
  hs.length = 0;
  hs.push(...hs2.filter((h) => vs2.filter((v) => touches(h, v)).length >= 2));
  vs.length = 0;
  vs.push(...vs2);
  for (const h of hs) for (const v of vs) if (touches(h, v)) parent.set(find(h), find(v));
  const groups = new Map<Segment, { h: Segment[]; v: Segment[] }>();
  for (const h of hs) {
    if (!vs.some((v) => touches(h, v))) continue;
    const g = groups.get(find(h)) ?? { h: [], v: [] };
    g.h.push(h);
    groups.set(find(h), g);
  }
  for (const v of vs) {
    const g = groups.get(find(v));
    if (g) g.v.push(v);
  }
  const grids: Grid[] = [];
  for (const g of groups.values()) {
    const ys = cluster(g.h.map((s) => ({ at: s.at, w: s.to - s.from })), tol);
    const xs = cluster(g.v.map((s) => ({ at: s.at, w: s.to - s.from })), tol);
    if (ys.length < 2 || xs.length < 2) continue;
    const grid = buildGrid(bin, width, height, xs, ys, tol);
    if (grid) grids.push(grid);
  }
  return grids.sort((a, b) => a.top - b.top);
}

function buildGrid(bin: Uint8Array, width: number, height: number, xs: number[], ys: number[], tol: number): Grid | undefined {
  const R = ys.length - 1;
  const C = xs.length - 1;
  const id = (r: number, c: number) => r * C + c;
  const parent = Array.from({ length: R * C }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const union = (a: number, b: number) => {
    parent[find(a)] = find(b);
  };
  const inset = (a: number, b: number) => {
    const m = Math.min(tol + 1, (b - a) / 4);
    return [a + m, b - m] as const;
  };
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      if (c + 1 < C) {
        const [a, b] = inset(ys[r], ys[r + 1]);
        if (coverage(bin, width, height, false, xs[c + 1], a, b, 2) < 0.6) union(id(r, c), id(r, c + 1));
      }
      if (r + 1 < R) {
        const [a, b] = inset(xs[c], xs[c + 1]);
        if (coverage(bin, width, height, true, ys[r + 1], a, b, 2) < 0.6) union(id(r, c), id(r + 1, c));
      }
    }
  // A grid row/column with no border at all on its outside is no part of the table.
  const boxes = new Map<number, GridCell>();
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      const root = find(id(r, c));
      const b = boxes.get(root);
      if (!b) boxes.set(root, { r0: r, r1: r, c0: c, c1: c, x0: 0, y0: 0, x1: 0, y1: 0 });
      else {
        b.r0 = Math.min(b.r0, r);
        b.r1 = Math.max(b.r1, r);
        b.c0 = Math.min(b.c0, c);
        b.c1 = Math.max(b.c1, c);
      }
    }
  const cells = [...boxes.values()];
  if (cells.length < 2) return undefined;
  for (const cell of cells) {
    cell.x0 = xs[cell.c0];
    cell.x1 = xs[cell.c1 + 1];
    cell.y0 = ys[cell.r0];
    cell.y1 = ys[cell.r1 + 1];
  }
  return { xs, ys, cells, left: xs[0], right: xs[C], top: ys[0], bottom: ys[R] };
}
