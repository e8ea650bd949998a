/**
 * Geometry shared by the PDF table and paragraph builders (extract/pdf/*.ts): the types of one
 * page's content, text lines built from glyph runs, and position clustering.
 *
 * Viewport space: origin top-left, y grows downwards, units = PDF points.
 */
import type { TableBlock } from '../model.ts';
import type { Glyph } from './engine.ts';

export interface Line {
  glyphs: Glyph[];
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  size: number;
}

/** A merged cell of a lattice table: grid rows r0..r1 and columns c0..c1 (inclusive). */
export interface Cell {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  glyphs: Glyph[];
  text: string;
  page: number;
}

/** A ruled table found on one page, before joining across pages. */
export interface LatticePart {
  page: number;
  xs: number[];
  ys: number[];
  cells: Cell[];
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** One page's content in reading order. */
export type PageItem =
  | { kind: 'line'; line: Line; top: number }
  | { kind: 'lattice'; part: LatticePart; top: number }
  | { kind: 'stream'; table: TableBlock; top: number; continuation?: string };

export const SNAP = 2; // points: ruling lines closer than this are one line
export const MIN_CELL = 4; // points: grid rows/columns thinner than this are alignment noise

// ---------------------------------------------------------------------------------------------
// Text lines

/** Group glyphs into text lines (vertical overlap), each sorted left to right. */
export function buildLines(glyphs: Glyph[]): Line[] {
  const sorted = [...glyphs].sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  const lines: Line[] = [];
  let current: Line | undefined;
  for (const g of sorted) {
    const mid = (g.top + g.bottom) / 2;
    if (current && mid > current.top && mid < current.bottom && overlapShare(current, g) > 0.5) {
      current.glyphs.push(g);
      current.x0 = Math.min(current.x0, g.x0);
      current.x1 = Math.max(current.x1, g.x1);
      current.top = Math.min(current.top, g.top);
      current.bottom = Math.max(current.bottom, g.bottom);
      current.size = Math.max(current.size, g.size);
    } else {
      current = { glyphs: [g], x0: g.x0, x1: g.x1, top: g.top, bottom: g.bottom, size: g.size };
      lines.push(current);
    }
  }
  for (const line of lines) line.glyphs.sort((a, b) => a.x0 - b.x0);
  return lines;
}

export function overlapShare(a: { top: number; bottom: number }, b: { top: number; bottom: number }): number {
  const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return overlap / Math.max(1e-6, Math.min(a.bottom - a.top, b.bottom - b.top));
}

/** Gaps wider than two characters: cell boundaries in a table line, never inside running text. */
export function wideGaps(line: Line): number {
  let gaps = 0;
  for (let i = 1; i < line.glyphs.length; i++) {
    const prev = line.glyphs[i - 1];
    const g = line.glyphs[i];
    if (g.x0 - prev.x1 > Math.max(2 * Math.min(prev.size, g.size), 10)) gaps++;
  }
  return gaps;
}

export function looksTabular(lines: Line[]): boolean {
  let gaps = 0;
  for (const line of lines) gaps += wideGaps(line);
  return gaps >= 2;
}

/** Join the glyphs of one line: a space where the gap is wider than a quarter character. */
export function lineText(glyphs: Glyph[]): string {
  let text = '';
  let prev: Glyph | undefined;
  for (const g of glyphs) {
    if (prev && g.x0 - prev.x1 > 0.25 * Math.min(prev.size, g.size)) text += ' ';
    text += g.text;
    prev = g;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Clustering

/** Positions closer than MIN_CELL collapse into one (averaged). */
export function clusterPositions(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v - last[last.length - 1] < MIN_CELL) last.push(v);
    else out.push([v]);
  }
  return out.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
}

export function nearest(values: number[], v: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
  return best;
}

/** A numbered label: 1. （一） 一、 ① … (a new row, never the continuation of a wrapped one). */
export const LIST_MARKER = /^\s*(（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、|\d+[.、．]|[①-⑳])/u;
