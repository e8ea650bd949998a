/** Tables that continue on the next page, joined into one. */
import type { Block, TableBlock } from '../model.ts';
import type { PageItem } from './types.ts';

/**
 * Joins a table that ends a page to one that starts the next: same number of columns, or the same
 * outer borders with column borders that one page draws and the other does not (a label column
 * split into sub-columns only below the page break). Such tables are laid on the union of both
 * pages' column borders, a cell spanning several of them repeated as merged cells are.
 */
export function joinPages(pages: PageItem[][]): Block[] {
  const blocks: Block[] = [];
  let lastXs: number[] | undefined;
  for (const items of pages) {
    items.forEach((item, i) => {
      const last = blocks[blocks.length - 1];
      const b = item.block;
      if (i === 0 && b.kind === 'table' && last?.kind === 'table' && last.page !== b.page) {
        const same = (last.rows[0]?.length ?? -1) === (b.rows[0]?.length ?? -2);
        const union = !same && lastXs && item.xs ? unionColumns(lastXs, item.xs, item.tol ?? 6) : undefined;
        if (same || union) {
          if (union) {
            relayColumns(last, lastXs!, union, item.tol ?? 6);
            relayColumns(b, item.xs!, union, item.tol ?? 6);
          }
          const offset = last.rows.length;
          last.rows.push(...b.rows);
          last.origins!.push(...b.origins!.map((row) => row.map((o) => (o ? { ...o, row: o.row + offset } : o))));
          last.confidence!.push(...b.confidence!);
          if (union) lastXs = union;
          return;
        }
      }
      blocks.push(b);
      lastXs = item.xs;
    });
  }
  return blocks;
}

/** The union of two tables' column borders when their outer borders agree, else undefined. */
function unionColumns(a: number[], b: number[], tol: number): number[] | undefined {
  if (Math.abs(a[0] - b[0]) > tol || Math.abs(a[a.length - 1] - b[b.length - 1]) > tol) return undefined;
  const all = [...a, ...b].sort((x, y) => x - y);
  const out: number[] = [];
  for (const x of all) if (!out.length || x - out[out.length - 1] > tol) out.push(x);
  // One page's borders must all be borders of the other (it only splits some columns): two
  // different tables that merely have the same width are not joined.
  const within = (xs: number[], other: number[]) => xs.every((x) => other.some((y) => Math.abs(x - y) <= tol));
  if (!within(a, b) && !within(b, a)) return undefined;
  return out;
}

/** Rewrites a table's columns onto finer borders `to` (each a superset position of `from`). */
function relayColumns(t: TableBlock, from: number[], to: number[], tol: number): void {
  const map = to.slice(0, -1).map((x, j) => {
    const mid = (x + to[j + 1]) / 2;
    let c = from.findIndex((f, k) => k < from.length - 1 && mid >= f - tol && mid <= from[k + 1] + tol);
    if (c < 0) c = from.length - 2;
    return c;
  });
  // A cell's origin names its first column, now in the finer numbering.
  const first = (c: number) => Math.max(0, map.indexOf(c));
  t.rows = t.rows.map((r) => map.map((c) => r[c] ?? ''));
  t.origins = t.origins?.map((r) => map.map((c) => (r[c] ? { ...r[c]!, col: first(r[c]!.col) } : undefined)));
  t.confidence = t.confidence?.map((r) => map.map((c) => r[c]));
}
