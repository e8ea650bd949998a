/**
 * PDF extractor: positioned text and ruling lines → paragraphs and table grids.
 *
 * An engine (extract/pdf/engine.ts) reads each page's glyph runs and ruling segments:
 *  - `pdfjs` (extract/pdf/pdfjs.ts, Apache-2.0): pdf.js getTextContent + getOperatorList;
 *  - `mupdf` (extract/pdf/mupdf.ts, AGPL-3.0 — see DEFAULT_PDF_ENGINE): MuPDF's WASM build,
 *    structured text + a drawing device, several times faster.
 * Everything after that is shared, and both engines give the same blocks (tested):
 *
 * Tables are rebuilt here, not by pdf-parse's getTable (which only sees stroked borders):
 *  - lattice: on pages whose text looks tabular, ruling lines are read from the drawing
 *    (stroked paths and thin filled rectangles, the way WPS/Word and Chromium draw borders);
 *    the lines give a grid, missing inner borders give merged cells (rowspan/colspan), and
 *    each text item goes to the cell that contains it — so wrapped labels, split headers
 *    (商业企 / 业) and vertical labels (三、本年度办理结果, one char per line) stay one cell;
 *  - stream: tabular lines without ruling lines are split at wide gaps, and numbers are put
 *    in columns found from the numbers' positions (blank cells stay '').
 * Tables that end one page and start the next are joined, including cells cut by the break.
 */
import { normalizeCellText, normalizeRadicals } from './chinese.ts';
import { ExtractError, type Block, type CellOrigin, type ExtractedDocument, type TableBlock } from './model.ts';
import { hasPdfHeader, truncationEvidence } from './pdf/structure.ts';
import { PDF_ENGINES, type EngineDocument, type EnginePage, type Glyph, type PdfEngine, type PdfEngineName, type Rulings, type Segment } from './pdf/engine.ts';

export type { PdfEngineName } from './pdf/engine.ts';

/**
 * The engine used when neither the options nor NIANBAO_PDF_ENGINE name one: 'mupdf'.
 *
 * Measured (CPU, one core, warm): on the real WPS report huaian-2024.pdf mupdf takes 2.8× the
 * time of `pdftotext -layout` against 15.5× for pdf.js, on LibreOffice PDFs 1.7× against 8.6×;
 * both give identical blocks (test/extract-pdf-engines.test.ts). A national backfill is millions
 * of PDFs, so the 5× matters more than the licence: the `mupdf` package is AGPL-3.0, and nianbao
 * is distributed under AGPL-3.0-or-later accordingly (README, dependency table). 'pdfjs'
 * (Apache-2.0, the pdf.js inside pdf-parse) stays available and is the fallback when mupdf
 * cannot load.
 */
export const DEFAULT_PDF_ENGINE: PdfEngineName = 'mupdf';

/** Environment override of DEFAULT_PDF_ENGINE: NIANBAO_PDF_ENGINE=pdfjs|mupdf. */
export const PDF_ENGINE_ENV = 'NIANBAO_PDF_ENGINE';

export interface PdfExtractOptions {
  fileName?: string;
  /** Engine for this call; default: NIANBAO_PDF_ENGINE, else DEFAULT_PDF_ENGINE. */
  engine?: PdfEngineName;
}

// ---------------------------------------------------------------------------------------------
// Engines (loaded on first use: a run that only ever uses one never loads the other)

const engines = new Map<PdfEngineName, Promise<PdfEngine>>();

function loadEngine(name: PdfEngineName): Promise<PdfEngine> {
  let engine = engines.get(name);
  if (!engine) {
    engine = name === 'mupdf' ? import('./pdf/mupdf.ts').then((m) => m.mupdfEngine) : import('./pdf/pdfjs.ts').then((m) => m.pdfjsEngine);
    // A failed load is not cached as such: the next call tries again (and falls back again).
    engine.catch(() => engines.delete(name));
    engines.set(name, engine);
  }
  return engine;
}

/** The engine the options or the environment ask for, with a warning for an unknown name. */
export function selectedPdfEngine(requested?: string, warnings: string[] = []): PdfEngineName {
  const name = requested ?? (process.env[PDF_ENGINE_ENV]?.trim().toLowerCase() || undefined);
  if (name === undefined) return DEFAULT_PDF_ENGINE;
  if ((PDF_ENGINES as readonly string[]).includes(name)) return name as PdfEngineName;
  warnings.push(`unknown PDF engine '${name}' (${PDF_ENGINE_ENV}): used ${DEFAULT_PDF_ENGINE}`);
  return DEFAULT_PDF_ENGINE;
}

/** The engine to use; falls back to pdf.js (with a warning) when MuPDF cannot be loaded. */
async function resolveEngine(name: PdfEngineName, warnings: string[]): Promise<PdfEngine> {
  if (name === 'pdfjs') return loadEngine('pdfjs');
  try {
    return await loadEngine(name);
  } catch (err) {
    warnings.push(`PDF engine ${name} unavailable (${(err as Error)?.message?.split('\n')[0] ?? String(err)}): used pdfjs`);
    return loadEngine('pdfjs');
  }
}

// ---------------------------------------------------------------------------------------------
// Geometry types (viewport space: origin top-left, y grows downwards, units = PDF points)

interface Line {
  glyphs: Glyph[];
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  size: number;
}

/** A merged cell of a lattice table: grid rows r0..r1 and columns c0..c1 (inclusive). */
interface Cell {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  glyphs: Glyph[];
  text: string;
  page: number;
}

/** A ruled table found on one page, before joining across pages. */
interface LatticePart {
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
type PageItem =
  | { kind: 'line'; line: Line; top: number }
  | { kind: 'lattice'; part: LatticePart; top: number }
  | { kind: 'stream'; table: TableBlock; top: number };

const SNAP = 2; // points: ruling lines closer than this are one line
const MIN_CELL = 4; // points: grid rows/columns thinner than this are alignment noise

// ---------------------------------------------------------------------------------------------
// Entry point

/** Extract paragraphs and tables from a PDF, or report it as a scan (`needs-ocr`). */
export async function extractPdf(bytes: Uint8Array, opts: PdfExtractOptions = {}): Promise<ExtractedDocument> {
  const label = opts.fileName ?? 'PDF';
  if (bytes.length === 0) throw new ExtractError('empty-file', `${label}: empty file`);
  const warnings: string[] = [];
  const engine = await resolveEngine(selectedPdfEngine(opts.engine, warnings), warnings);
  // Engines copy what they need: the caller's buffer is neither kept nor detached.
  const damage = hasPdfHeader(bytes) ? truncationEvidence(bytes) : [];
  let doc: EngineDocument;
  try {
    doc = await engine.open(bytes, label);
  } catch (err) {
    // A file that starts as a PDF and cannot be opened is a damaged PDF, not some other file.
    if (err instanceof ExtractError && err.code === 'corrupt-file' && hasPdfHeader(bytes)) {
      throw new ExtractError('damaged', `${err.message}${damage.length ? `; ${damage.join('; ')}` : ''}`);
    }
    throw err;
  }
  try {
    return await extractDocument(doc, label, warnings, damage);
  } finally {
    // Releases the document and its caches (fonts, cMaps, WASM memory): thousands of files per run.
    await doc.destroy();
  }
}

async function extractDocument(doc: EngineDocument, label: string, warnings: string[], damage: string[]): Promise<ExtractedDocument> {
  const pageCount = doc.pageCount;
  warnings.push(...(doc.warnings ?? []));
  const items: { page: number; items: PageItem[] }[] = [];
  const emptyPages: number[] = [];
  const missing = new Set(doc.missingPages ?? []);
  const unreadable: number[] = [];
  let textChars = 0;
  for (let n = 1; n <= pageCount; n++) {
    let page: EnginePage | undefined;
    if (missing.has(n)) continue;
    try {
      page = await doc.page(n);
      const result = await readPage(page, n);
      textChars += result.chars;
      if (result.chars === 0) emptyPages.push(n);
      items.push({ page: n, items: result.items });
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      if (/password/i.test(message)) throw new ExtractError('encrypted', `${label}: page ${n} needs a password (${message})`);
      unreadable.push(n);
      warnings.push(`page ${n} skipped: ${message}`);
    } finally {
      page?.release();
    }
  }
  const declaredTitle = await readTitle(doc);
  const base = { mediaType: 'application/pdf', kind: 'pdf' as const, pages: pageCount, declaredTitle };
  if (missing.size) damage.push(`${missing.size} of the ${pageCount} pages of the page tree are missing from the file (${pagesList([...missing])})`);
  if (unreadable.length) damage.push(`${unreadable.length} of the ${pageCount} pages could not be read (${pagesList(unreadable)})`);
  if (damage.length) {
    // What could be read is kept, but it is a fragment: never a confident report.
    if (textChars === 0) throw new ExtractError('damaged', `${label}: damaged PDF and no text could be read: ${damage.join('; ')}`);
    return { ...base, blocks: assembleBlocks(items), status: 'damaged', damage, warnings };
  }
  // A scan has pages but (almost) no text layer: a page number or a stamp caption at most.
  if (pageCount > 0 && textChars < 25 * pageCount && textChars < 200) {
    return { ...base, blocks: [], status: 'needs-ocr', warnings: [...warnings, `only ${textChars} text characters on ${pageCount} pages`] };
  }
  if (emptyPages.length > 0) warnings.push(`pages without text (scanned?): ${emptyPages.join(', ')}`);
  return { ...base, blocks: assembleBlocks(items), status: 'ok', warnings };
}

function pagesList(pages: number[]): string {
  return pages.length === 1 ? `page ${pages[0]}` : `pages ${pages.join(', ')}`;
}

async function readTitle(doc: EngineDocument): Promise<string | undefined> {
  try {
    const raw = await doc.title();
    if (typeof raw !== 'string') return undefined;
    const title = normalizeCellText(normalizeRadicals(raw))
      .replace(/^Microsoft (Word|PowerPoint|Excel) - /i, '')
      .replace(/\.(docx?|wps|pdf|xlsx?)$/i, '');
    return title && !/^(about:blank|untitled|无标题)$/i.test(title) ? title : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// One page

async function readPage(page: EnginePage, pageNumber: number): Promise<{ items: PageItem[]; chars: number }> {
  let glyphs = page.glyphs;
  const chars = glyphs.reduce((n, g) => n + g.text.replace(/\s/g, '').length, 0);
  if (glyphs.length === 0) return { items: [], chars };
  glyphs = dropPageFurniture(glyphs, page.height);

  let parts: LatticePart[] = [];
  if (looksTabular(buildLines(glyphs))) {
    // Ruling lines cost a drawing pass (pdf.js: ~2× the text pass): only where text is tabular.
    parts = buildLattices(await page.rulings(), pageNumber);
  }
  const items: PageItem[] = [];
  const free: Glyph[] = [];
  assignGlyphs(glyphs, parts, free, page.height);
  for (const part of parts) {
    finishCells(part);
    if (isRealTable(part)) items.push({ kind: 'lattice', part, top: part.top });
    else for (const cell of part.cells) free.push(...cell.glyphs);
  }
  const lines = buildLines(free);
  items.push(...streamTables(lines, pageNumber));
  items.sort((a, b) => a.top - b.top);
  return { items, chars };
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

/** Drop page numbers printed in the top or bottom margin (also when they sit inside a table area). */
function dropPageFurniture(glyphs: Glyph[], pageHeight: number): Glyph[] {
  const zone = pageHeight * 0.1;
  const drop = new Set<Glyph>();
  for (const line of buildLines(glyphs)) {
    if (line.top > zone && line.bottom < pageHeight - zone) continue;
    const text = line.glyphs.map((g) => g.text).join('').trim();
    if (FOOTER_PATTERNS.some((re) => re.test(text))) for (const g of line.glyphs) drop.add(g);
  }
  return drop.size ? glyphs.filter((g) => !drop.has(g)) : glyphs;
}

/** Group glyphs into text lines (vertical overlap), each sorted left to right. */
function buildLines(glyphs: Glyph[]): Line[] {
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

function overlapShare(a: { top: number; bottom: number }, b: { top: number; bottom: number }): number {
  const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return overlap / Math.max(1e-6, Math.min(a.bottom - a.top, b.bottom - b.top));
}

/** Gaps wider than two characters: cell boundaries in a table line, never inside running text. */
function wideGaps(line: Line): number {
  let gaps = 0;
  for (let i = 1; i < line.glyphs.length; i++) {
    const prev = line.glyphs[i - 1];
    const g = line.glyphs[i];
    if (g.x0 - prev.x1 > Math.max(2 * Math.min(prev.size, g.size), 10)) gaps++;
  }
  return gaps;
}

function looksTabular(lines: Line[]): boolean {
  let gaps = 0;
  for (const line of lines) gaps += wideGaps(line);
  return gaps >= 2;
}

/** Join the glyphs of one line: a space where the gap is wider than a quarter character. */
function lineText(glyphs: Glyph[]): string {
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
// Ruling lines (from the engine) → merged rules

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

function buildLattices(rulings: Rulings, page: number): LatticePart[] {
  const hs = mergeSegments(rulings.horizontal);
  const vs = mergeSegments(rulings.vertical);
  if (hs.length < 2 || vs.length < 2) return [];
  // Connected groups of crossing/touching rules are separate tables.
  const parent = Array.from({ length: hs.length + vs.length }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < hs.length; i++) {
    for (let j = 0; j < vs.length; j++) {
      const h = hs[i];
      const v = vs[j];
      if (v.at >= h.from - SNAP && v.at <= h.to + SNAP && h.at >= v.from - SNAP && h.at <= v.to + SNAP) {
        parent[find(i)] = find(hs.length + j);
      }
    }
  }
  const groups = new Map<number, { hs: Segment[]; vs: Segment[] }>();
  hs.forEach((h, i) => groupOf(groups, find(i)).hs.push(h));
  vs.forEach((v, j) => groupOf(groups, find(hs.length + j)).vs.push(v));
  const parts: LatticePart[] = [];
  for (const g of groups.values()) {
    if (g.hs.length < 2 || g.vs.length < 2) continue;
    const part = latticeFromRules(g.hs, g.vs, page);
    if (part) parts.push(part);
  }
  return parts;
}

function groupOf(map: Map<number, { hs: Segment[]; vs: Segment[] }>, key: number) {
  let g = map.get(key);
  if (!g) map.set(key, (g = { hs: [], vs: [] }));
  return g;
}

/** Positions closer than MIN_CELL collapse into one (averaged). */
function clusterPositions(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v - last[last.length - 1] < MIN_CELL) last.push(v);
    else out.push([v]);
  }
  return out.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
}

function covered(rules: Segment[], at: number, from: number, to: number): boolean {
  const lo = from + (to - from) * 0.25;
  const hi = to - (to - from) * 0.25;
  return rules.some((r) => Math.abs(r.at - at) <= MIN_CELL && r.from <= lo + SNAP && r.to >= hi - SNAP);
}

/** Grid from the rules; grid positions with no rule between them are one merged cell. */
function latticeFromRules(hs: Segment[], vs: Segment[], page: number): LatticePart | undefined {
  hs = [...hs, ...openEdges(hs, vs)];
  const xs = clusterPositions(vs.map((v) => v.at));
  const ys = clusterPositions(hs.map((h) => h.at));
  const nr = ys.length - 1;
  const nc = xs.length - 1;
  if (nr < 1 || nc < 1) return undefined;
  const parent = Array.from({ length: nr * nc }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      if (c + 1 < nc && !covered(vs, xs[c + 1], ys[r], ys[r + 1])) parent[find(r * nc + c + 1)] = find(r * nc + c);
      if (r + 1 < nr && !covered(hs, ys[r + 1], xs[c], xs[c + 1])) parent[find((r + 1) * nc + c)] = find(r * nc + c);
    }
  }
  const byRoot = new Map<number, Cell>();
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const root = find(r * nc + c);
      const cell = byRoot.get(root);
      if (!cell) byRoot.set(root, { r0: r, r1: r, c0: c, c1: c, glyphs: [], text: '', page });
      else {
        cell.r0 = Math.min(cell.r0, r);
        cell.r1 = Math.max(cell.r1, r);
        cell.c0 = Math.min(cell.c0, c);
        cell.c1 = Math.max(cell.c1, c);
      }
    }
  }
  return { page, xs, ys, cells: [...byRoot.values()], top: ys[0], bottom: ys[nr], left: xs[0], right: xs[nc] };
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

/** Put each glyph in the lattice cell that holds its centre; a run across column rules is split first. */
function assignGlyphs(glyphs: Glyph[], parts: LatticePart[], free: Glyph[], pageHeight: number): void {
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
      const c = slot(target.p.xs, (piece.x0 + piece.x1) / 2);
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
  return pieces.filter((p) => p.text.trim() !== '');
}

/** Cell text: glyphs as lines, top to bottom, joined the way a cell's line breaks are. */
function finishCells(part: LatticePart): void {
  for (const cell of part.cells) {
    cell.text = cellText(cell.glyphs);
  }
}

function cellText(glyphs: Glyph[]): string {
  if (glyphs.length === 0) return '';
  return normalizeCellText(buildLines(glyphs).map((l) => lineText(l.glyphs)).join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Stream tables (no ruling lines): numbers placed in columns found from their positions

const NUMBER_CELL = /^[-+]?\d[\d,，.]*\s*(万|元|万元|件|条|个|%)?$|^[/／\\—–\-－]+$|^无$/u;

function isNumberCell(text: string): boolean {
  return NUMBER_CELL.test(text.trim());
}

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
function streamTables(lines: Line[], page: number): PageItem[] {
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
      items.push({ kind: 'stream', table: streamGrid(run, page), top: run[0].line.top });
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

function streamGrid(run: Segmented[], page: number): TableBlock {
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
  for (const block of labelBlocks(pieces, size)) {
    const top = Math.min(...block.map((p) => p.top));
    const bottom = Math.max(...block.map((p) => p.bottom));
    let beside = anchors.filter((a) => {
      const mid = (a.line.top + a.line.bottom) / 2;
      return mid >= top - 0.3 * size && mid <= bottom + 0.3 * size;
    });
    if (beside.length === 0) beside = [anchors.find((a) => a.line.top >= bottom) ?? anchors[anchors.length - 1]];
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
  return { kind: 'table', rows, origins, page };
}

function clusterWithin(values: number[], tol: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const clusters: number[][] = [];
  for (const v of sorted) {
    const last = clusters[clusters.length - 1];
    if (last && v - last[last.length - 1] <= tol) last.push(v);
    else clusters.push([v]);
  }
  return clusters.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
}

function nearest(values: number[], v: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Reading order: paragraphs and tables across pages

function assembleBlocks(pages: { page: number; items: PageItem[] }[]): Block[] {
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
  const xs = clusterPositions(parts.flatMap((p) => p.xs));
  const columnOf = (x: number) => nearest(xs, x);
  const placed: PlacedCell[] = [];
  let offset = 0;
  let previousLastRow: PlacedCell[] = [];
  for (const part of parts) {
    const nr = part.ys.length - 1;
    const cells = part.cells.map((c) => ({
      r0: c.r0 + offset,
      r1: c.r1 + offset,
      c0: columnOf(part.xs[c.c0]),
      c1: columnOf(part.xs[c.c1 + 1]) - 1,
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

const LIST_MARKER = /^\s*(（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、|\d+[.、．]|[①-⑳])/u;

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
  for (const b of below) {
    const a = above.find((c) => c.c0 === b.c0 && c.c1 === b.c1);
    if (!a) continue;
    const multiRow = a.r1 > a.r0 || b.r1 > b.r0;
    let join = false;
    if (splitRow) join = true;
    else if (a.text === '' || isNumberCell(a.text)) join = false;
    else if (b.text === '') join = multiRow || !belowHasNumbers;
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
