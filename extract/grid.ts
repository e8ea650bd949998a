/**
 * Table-grid geometry shared by the PDF lattice builder (extract/pdf/lattice.ts, rules drawn as
 * vector lines) and the OCR grid finder (extract/ocr/grid.ts, rules found as ink runs): rules
 * grouped into tables, rule positions clustered, merged cells. Units are the caller's (PDF points
 * or pixels); every tolerance is passed in.
 */

/** A horizontal (`at` = y, from/to = x) or vertical (`at` = x, from/to = y) rule. */
export interface Rule {
  at: number;
  from: number;
  to: number;
}

/** A horizontal and a vertical rule cross or touch (within `tol`). */
export function rulesTouch(h: Rule, v: Rule, tol: number): boolean {
  return v.at >= h.from - tol && v.at <= h.to + tol && h.at >= v.from - tol && h.at <= v.to + tol;
}

/**
 * Connected groups of rules (a horizontal and a vertical rule that touch are in one group): one
 * group per table. Groups come in the order of their first horizontal rule; a rule that touches
 * nothing is a group of its own.
 */
export function groupRules<H extends Rule, V extends Rule>(hs: H[], vs: V[], tol: number): { hs: H[]; vs: V[] }[] {
  const parent = Array.from({ length: hs.length + vs.length }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < hs.length; i++) for (let j = 0; j < vs.length; j++) if (rulesTouch(hs[i], vs[j], tol)) parent[find(i)] = find(hs.length + j);
  const groups = new Map<number, { hs: H[]; vs: V[] }>();
  const groupOf = (root: number) => {
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { hs: [], vs: [] }));
    return g;
  };
  hs.forEach((h, i) => groupOf(find(i)).hs.push(h));
  vs.forEach((v, j) => groupOf(find(hs.length + j)).vs.push(v));
  return [...groups.values()];
}

/**
 * Sorted positions, each within `tol` of the previous one merged into one: their mean, weighted
 * by `weights` (a rule's length, so a long border outweighs a short stub) when given.
 */
export function clusterWithin(values: number[], tol: number, weights?: number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const out: { sum: number; w: number; last: number }[] = [];
  for (const i of order) {
    const v = values[i];
    const w = weights?.[i] ?? 1;
    const c = out[out.length - 1];
    if (c && v - c.last <= tol) {
      c.sum += v * w;
      c.w += w;
      c.last = v;
    } else out.push({ sum: v * w, w, last: v });
  }
  return out.map((c) => c.sum / c.w);
}

/** A merged cell of a grid: rows r0..r1 and columns c0..c1, inclusive. */
export interface GridSpan {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/**
 * The cells of a grid of `rows` × `cols` positions: two neighbours with no border between them
 * (`joinsRight(r, c)`: no rule between (r, c) and (r, c + 1); `joinsDown(r, c)`: none between
 * (r, c) and (r + 1, c)) are one merged cell. Cells come in the row-major order of their first
 * position.
 */
export function mergedCells(rows: number, cols: number, joinsRight: (r: number, c: number) => boolean, joinsDown: (r: number, c: number) => boolean): GridSpan[] {
  const parent = Array.from({ length: rows * cols }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols && joinsRight(r, c)) parent[find(r * cols + c + 1)] = find(r * cols + c);
      if (r + 1 < rows && joinsDown(r, c)) parent[find((r + 1) * cols + c)] = find(r * cols + c);
    }
  const byRoot = new Map<number, GridSpan>();
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const root = find(r * cols + c);
      const span = byRoot.get(root);
      if (!span) byRoot.set(root, { r0: r, r1: r, c0: c, c1: c });
      else {
        span.r0 = Math.min(span.r0, r);
        span.r1 = Math.max(span.r1, r);
        span.c0 = Math.min(span.c0, c);
        span.c1 = Math.max(span.c1, c);
      }
    }
  return [...byRoot.values()];
}
