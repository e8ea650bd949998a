/**
 * OCR of image-only PDFs (scans of stamped paper reports) into the same document model as the
 * other extractors: paragraphs and table grids, so that the normalizer needs no special case.
 *
 * Per page:
 *  1. render with pdftoppm (poppler-utils) to a colour PPM at DEFAULT_DPI;
 *  2. gray = brightest channel, which drops red seal ink and keeps the black print under it;
 *  3. deskew: the rotation that makes the ink's row profile sharpest (image.ts), then rotate back;
 *  4. ruled tables: long ink runs are ruling lines, crossing lines make a grid, undrawn borders
 *     merge cells (grid.ts);
 *  5. every non-blank cell is OCR'd on its own (chi_sim, one block of text); columns whose cells
 *     read as numbers are read again restricted to digits, and the two readings are fused: they
 *     agree → the better confidence; they disagree → the digit reading with a low confidence;
 *  6. the rest of the page (tables blanked) is OCR'd as text and reflowed into paragraphs.
 * Tables that continue on the next page with the same columns are joined.
 *
 * Every table cell carries its confidence (TableBlock.confidence, 0..1); the normalizer copies it
 * to the facts and turns cells below its threshold into findings (normalize/ocr-confidence.ts):
 * extraction only measures, it builds no findings.
 *
 * Choices, measured on the scanned renderings of the seeds (scripts/make-scans.ts,
 * test/ocr.test.ts; 2 cores): see the constants below.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalizeCellText } from './chinese.ts';
import type { Block, CellOrigin, ExtractedDocument, TableBlock } from './model.ts';
import { ExtractError } from './model.ts';
import { createEngine, type EngineName, type OcrEngine, type OcrRequest, type OcrResult, type OcrWord } from './ocr/engine.ts';
import { findGrids, type Grid, type GridCell } from './ocr/grid.ts';
import { snapHeader } from './ocr/lexicon.ts';
import { binarize, crop, decodePnm, estimateSkew, otsu, pad, rotate, whiteOut, type Gray } from './ocr/image.ts';

/** Rendering resolution (dpi). */
export const DEFAULT_DPI = 300;


export interface OcrOptions {
  fileName?: string;
  /** Rendering resolution, default DEFAULT_DPI. */
  dpi?: number;
  engine?: EngineName;
  /** 1-based pages to read (default: all). */
  pages?: number[];
  /** Reuse an engine (tests, benchmarks); it is not closed. */
  ocrEngine?: OcrEngine;
  /** Per-page timings and skew, for measurements. */
  stats?: OcrStats;
}

export interface OcrStats {
  pages: { page: number; skew: number; ms: number; renderMs: number; cells: number; tables: number }[];
}

interface PageItem {
  top: number;
  block: Block;
  /** Column borders of a table's grid (page pixels, deskewed), and the tolerance of the grid. */
  xs?: number[];
  tol?: number;
}

/** OCR of a PDF's pages into paragraphs and tables (`status: 'ok'`, `ocr: true`). */
export async function ocrPdf(bytes: Uint8Array, opts: OcrOptions = {}): Promise<ExtractedDocument> {
  const label = opts.fileName ?? 'PDF';
  const dpi = opts.dpi ?? DEFAULT_DPI;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-ocrpdf-'));
  const file = path.join(dir, 'in.pdf');
  fs.writeFileSync(file, bytes);
  const engine = opts.ocrEngine ?? createEngine({ engine: opts.engine });
  const warnings: string[] = [];
  try {
    const pageCount = await countPages(file, label);
    const pages = (opts.pages ?? Array.from({ length: pageCount }, (_, i) => i + 1)).filter((p) => p >= 1 && p <= pageCount);
    const perPage: PageItem[][] = [];
    for (const p of pages) {
      const t0 = Date.now();
      const png = await renderPage(file, p, dpi, label);
      const renderMs = Date.now() - t0;
      const res = await ocrPage(png, p, dpi, engine);
      perPage.push(res.items);
      opts.stats?.pages.push({ page: p, skew: res.skew, ms: Date.now() - t0, renderMs, cells: res.cells, tables: res.tables });
      if (Math.abs(res.skew) >= 3.9) warnings.push(`page ${p}: skew at the search limit (${res.skew}°)`);
    }
    const blocks = joinPages(perPage);
    return {
      mediaType: 'application/pdf',
      kind: 'pdf',
      blocks,
      status: 'ok',
      ocr: true,
      pages: pageCount,
      warnings: [...warnings, `text read by OCR (${engine.name}, chi_sim, ${dpi} dpi)`],
      script: 'simplified',
    };
  } finally {
    if (!opts.ocrEngine) await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], label: string): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { encoding: 'buffer', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(new ExtractError('internal', `${label}: ${cmd} not found (apt-get install poppler-utils)`));
      reject(new ExtractError('corrupt-file', `${label}: ${cmd} failed (${String(stderr).trim().slice(0, 200) || err.message})`));
    }),
  );
}

async function countPages(file: string, label: string): Promise<number> {
  const info = (await run('pdfinfo', [file], label)).toString('latin1');
  const m = /^Pages:\s+(\d+)/m.exec(info);
  if (!m) throw new ExtractError('corrupt-file', `${label}: no page count`);
  return Number(m[1]);
}

async function renderPage(file: string, page: number, dpi: number, label: string): Promise<Gray> {
  const ppm = await run('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), file], label);
  return decodePnm(ppm);
}

// ---------------------------------------------------------------------------------------------
// One page

interface CellRead {
  cell: GridCell;
  box?: { x0: number; y0: number; x1: number; y1: number };
  text: string;
  confidence: number;
}

async function ocrPage(raw: Gray, page: number, dpi: number, engine: OcrEngine): Promise<{ items: PageItem[]; skew: number; cells: number; tables: number }> {
  const threshold = otsu(raw);
  const skew = estimateSkew(binarizeSmall(raw, threshold, 2), Math.floor(raw.width / 2), Math.floor(raw.height / 2));
  const img = rotate(raw, skew);
  const bin = binarize(img, threshold);
  const grids = findGrids(bin, img.width, img.height, dpi);
  // Tesseract reads the clean black-on-white image better than the gray scan: scanner grain
  // around （一） made 予以公开 unreadable in block and line mode alike.
  const clean: Gray = { width: img.width, height: img.height, data: new Uint8Array(bin.length) };
  for (let i = 0; i < bin.length; i++) clean.data[i] = bin[i] ? 0 : 255;
  const source = engine.input === 'gray' ? img : clean;
  // The ink of a cell is found at a looser threshold: thin strokes scanned at 150-200 dpi (一, the
  // bars of 二) come out light gray, and a box cut at Otsu's threshold loses them.
  const loose = binarize(img, Math.round((threshold + 255) / 2));

  // Cells: ink boxes, then one OCR request per non-blank cell.
  const reads: CellRead[][] = grids.map((g) =>
    g.cells.map((cell) => ({ cell, box: inkBox(loose, img.width, cell, dpi), text: '', confidence: 1 })),
  );
  const requests: OcrRequest[] = [];
  const targets: CellRead[] = [];
  for (const rs of reads)
    for (const r of rs)
      if (r.box) {
        requests.push({ image: cellImage(source, r.box, dpi), mode: 'cell' });
        targets.push(r);
      }
  // The page outside the tables.
  const rest: Gray = { ...source, data: source.data.slice() };
  whiteOut(rest, grids.map((g) => ({ x0: g.left - 4, y0: g.top - 4, x1: g.right + 4, y1: g.bottom + 4 })));
  requests.push({ image: rest, mode: 'block' });
  const results = await engine.recognizeMany(requests);
  targets.forEach((t, i) => {
    t.text = cleanText(results[i].text);
    t.confidence = results[i].meanConf;
  });
  await rereadNumericColumns(source, dpi, reads, engine);
  await rereadWeakLabels(source, dpi, reads, engine);
  for (const r of reads.flat()) if (r.box && /^[17/|lI]$/.test(r.text) && isSlash(loose, img.width, r.box)) r.text = '/';

  const items: PageItem[] = [];
  grids.forEach((g, k) => items.push({ top: g.top, block: tableBlock(g, reads[k], page), xs: g.xs, tol: Math.max(3, Math.round(dpi / 50)) * 2 }));
  for (const p of paragraphs(results[results.length - 1].words, page)) items.push(p);
  items.sort((a, b) => a.top - b.top);
  return { items, skew, cells: targets.length, tables: grids.length };
}

/** Binarised image at 1/f scale (a pixel is ink if any source pixel is): for the skew search. */
function binarizeSmall(img: Gray, threshold: number, f: number): Uint8Array {
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let ink = 0;
      for (let dy = 0; dy < f && !ink; dy++) for (let dx = 0; dx < f; dx++) if (img.data[(y * f + dy) * img.width + x * f + dx] <= threshold) ink = 1;
      out[y * w + x] = ink;
    }
  return out;
}

/**
 * Bounding box of the ink inside a cell (borders and their anti-aliasing excluded), ignoring
 * specks smaller than a dot stroke; undefined for a blank cell.
 */
function inkBox(bin: Uint8Array, width: number, cell: GridCell, dpi: number) {
  const m = Math.max(3, Math.round(dpi / 60));
  const x0 = Math.round(cell.x0 + m);
  const x1 = Math.round(cell.x1 - m);
  const y0 = Math.round(cell.y0 + m);
  const y1 = Math.round(cell.y1 - m);
  if (x1 - x0 < 2 || y1 - y0 < 2) return undefined;
  const w = x1 - x0;
  const h = y1 - y0;
  const label = new Int32Array(w * h);
  const minArea = Math.max(4, Math.round(20 * (dpi / 300) ** 2));
  let bx0 = Infinity;
  let by0 = Infinity;
  let bx1 = -1;
  let by1 = -1;
  const stack: number[] = [];
  let next = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (label[i] || !bin[(y0 + y) * width + x0 + x]) continue;
      next++;
      label[i] = next;
      stack.push(i);
      let area = 0;
      let cx0 = x;
      let cx1 = x;
      let cy0 = y;
      let cy1 = y;
      while (stack.length) {
        const j = stack.pop()!;
        area++;
        const jx = j % w;
        const jy = (j - jx) / w;
        if (jx < cx0) cx0 = jx;
        if (jx > cx1) cx1 = jx;
        if (jy < cy0) cy0 = jy;
        if (jy > cy1) cy1 = jy;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const nx = jx + dx;
            const ny = jy + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const k = ny * w + nx;
            if (!label[k] && bin[(y0 + ny) * width + x0 + nx]) {
              label[k] = next;
              stack.push(k);
            }
          }
      }
      // Remnants of a ruling line along the cell's edge are long and thin: not ink of the text.
      const thin = (cx1 - cx0 + 1 > w * 0.8 && cy1 - cy0 < m) || (cy1 - cy0 + 1 > h * 0.8 && cx1 - cx0 < m);
      if (area < minArea || thin) continue;
      bx0 = Math.min(bx0, cx0);
      by0 = Math.min(by0, cy0);
      bx1 = Math.max(bx1, cx1);
      by1 = Math.max(by1, cy1);
    }
  if (bx1 < 0) return undefined;
  return { x0: x0 + bx0, y0: y0 + by0, x1: x0 + bx1 + 1, y1: y0 + by1 + 1 };
}

/**
 * Whether the ink in a box is one slanted stroke, '/': the placeholder of blank cells, which a
 * recogniser shown the glyph alone reads as 1 or 7 with confidence. Every row of ink is narrow
 * (no bar of a 7, no foot of a 1) and the stroke moves left going down by a sixth of its height or more.
 */
function isSlash(bin: Uint8Array, width: number, box: { x0: number; y0: number; x1: number; y1: number }): boolean {
  const h = box.y1 - box.y0;
  if (h < 8) return false;
  const centres: number[] = [];
  for (let y = box.y0; y < box.y1; y++) {
    let n = 0;
    let sum = 0;
    let first = -1;
    let last = -1;
    for (let x = box.x0; x < box.x1; x++)
      if (bin[y * width + x]) {
        n++;
        sum += x;
        if (first < 0) first = x;
        last = x;
      }
    if (!n) continue;
    if (last - first + 1 > h * 0.4) return false;
    centres.push(sum / n);
  }
  if (centres.length < h * 0.8) return false;
  const k = Math.max(1, Math.floor(centres.length / 5));
  const top = centres.slice(0, k).reduce((a, b) => a + b, 0) / k;
  const bottom = centres.slice(-k).reduce((a, b) => a + b, 0) / k;
  return top - bottom > h * 0.15;
}

function cellImage(img: Gray, box: { x0: number; y0: number; x1: number; y1: number }, dpi: number): Gray {
  const m = Math.round(dpi / 100);
  return pad(crop(img, box.x0 - m, box.y0 - m, box.x1 + m, box.y1 + m), Math.round(dpi / 15));
}

/** OCR output of a cell: spaces inside Chinese text and stray marks removed. */
function cleanText(s: string): string {
  return normalizeCellText(
    s
      .replace(/\n+/g, '')
      .replace(/(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])/g, '')
      .replace(/[|]/g, '')
      .trim(),
  );
}

const NUMBER = /^[-+]?\d[\d,]*(\.\d+)?$/;
const CJK = /[\u4e00-\u9fff]/g;

/**
 * Columns whose cells read as numbers are read again, restricted to digits, and the readings
 * fused. A column is numeric when most of its non-blank one-column cells are numbers.
 */
async function rereadNumericColumns(img: Gray, dpi: number, grids: CellRead[][], engine: OcrEngine): Promise<void> {
  const requests: OcrRequest[] = [];
  const targets: CellRead[] = [];
  for (const reads of grids) {
    const cols = new Map<number, CellRead[]>();
    for (const r of reads) if (r.box && r.cell.c0 === r.cell.c1) cols.set(r.cell.c0, [...(cols.get(r.cell.c0) ?? []), r]);
    for (const list of cols.values()) {
      // Header cells (words) do not count: a column with two value rows under three header rows
      // is numeric, and so is one where a value was misread as "o" or "0.".
      const values = list.filter((r) => (r.text.match(CJK) ?? []).length < 2);
      const numeric = values.filter((r) => NUMBER.test(r.text.replace(/\s/g, ''))).length;
      if (numeric < Math.max(1, values.length * 0.4)) continue;
      for (const r of values) {
        requests.push({ image: cellImage(img, r.box!, dpi), mode: 'digits' });
        targets.push(r);
      }
    }
  }
  if (!requests.length) return;
  const results = await engine.recognizeMany(requests);
  targets.forEach((r, i) => fuse(r, results[i]));
}

/**
 * Label cells read with a low confidence are read again as one line of text (outline numbers in
 * full-width brackets, （一）, are often lost in block mode); the better-confident reading wins.
 */
async function rereadWeakLabels(img: Gray, dpi: number, grids: CellRead[][], engine: OcrEngine): Promise<void> {
  const targets = grids.flat().filter((r) => r.box && r.confidence < 0.9 && !NUMBER.test(r.text.replace(/\s/g, '')) && r.text.length > 1);
  if (!targets.length) return;
  const results = await engine.recognizeMany(targets.map((r) => ({ image: cellImage(img, r.box!, dpi), mode: 'line' as const })));
  targets.forEach((r, i) => {
    const text = cleanText(results[i].text);
    if (text && results[i].meanConf > r.confidence) {
      r.text = text;
      r.confidence = results[i].meanConf;
    }
    const known = r.confidence < 0.9 ? snapHeader(r.text) : undefined;
    if (known) r.text = known;
  });
}

function fuse(r: CellRead, digits: OcrResult): void {
  const a = r.text.replace(/[\s,]/g, '');
  // A speck beside a digit reads as a point or a dash at either end: never part of a number.
  const b = digits.text.replace(/[\s,]/g, '').replace(/^[.\-/]+(?=\d)|(?<=\d)[.\-/]+$/g, '');
  if (!b) {
    r.confidence = Math.min(r.confidence, 0.3);
    return;
  }
  if (a === b) {
    r.confidence = Math.max(r.confidence, digits.meanConf);
    return;
  }
  // The readings disagree: the digit-restricted one is more likely right, but it is a guess.
  r.text = b;
  r.confidence = Math.min(digits.meanConf, 0.5);
}

function tableBlock(g: Grid, reads: CellRead[], page: number): TableBlock {
  const R = g.ys.length - 1;
  const C = g.xs.length - 1;
  const rows: string[][] = Array.from({ length: R }, () => new Array<string>(C).fill(''));
  const origins: (CellOrigin | undefined)[][] = Array.from({ length: R }, () => new Array<CellOrigin | undefined>(C).fill(undefined));
  const confidence: (number | undefined)[][] = Array.from({ length: R }, () => new Array<number | undefined>(C).fill(undefined));
  for (const r of reads) {
    for (let y = r.cell.r0; y <= r.cell.r1; y++)
      for (let x = r.cell.c0; x <= r.cell.c1; x++) {
        rows[y][x] = r.text;
        origins[y][x] = { page, row: r.cell.r0, col: r.cell.c0 };
        confidence[y][x] = round2(r.confidence);
      }
  }
  return { kind: 'table', rows, origins, confidence, page };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

// ---------------------------------------------------------------------------------------------
// Paragraphs

interface TextLine {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  height: number;
}

const PAGE_NUMBER = /^[-—–_\s]*(第\s*)?\d{1,3}(\s*页)?[-—–_\s]*$/u;

/** Lines of the OCR'd text, reflowed: a line that reaches the right margin continues in the next. */
function paragraphs(words: OcrWord[], page: number): PageItem[] {
  const byLine = new Map<string, OcrWord[]>();
  for (const w of words) {
    const k = `${w.block}.${w.par}.${w.line}`;
    byLine.set(k, [...(byLine.get(k) ?? []), w]);
  }
  const lines: TextLine[] = [];
  for (const ws of byLine.values()) {
    // Scanner specks read as punctuation at the start of a line.
    const text = cleanText(ws.map((w) => w.text).join(' ')).replace(/^[，。、,.'`‘’“”"_~\-—:;：；]+(?=\S)/u, '');
    if (!text || PAGE_NUMBER.test(text)) continue;
    const meanConf = ws.reduce((a, w) => a + w.conf, 0) / ws.length;
    if (meanConf < 0.3 && text.length < 4) continue; // noise read as text
    if (text.length <= 2 && !/[\u4e00-\u9fff\d]/u.test(text)) continue; // a speck read as a letter or a mark
    lines.push({
      text,
      x0: Math.min(...ws.map((w) => w.left)),
      x1: Math.max(...ws.map((w) => w.left + w.width)),
      top: Math.min(...ws.map((w) => w.top)),
      bottom: Math.max(...ws.map((w) => w.top + w.height)),
      height: median(ws.map((w) => w.height)),
    });
  }
  lines.sort((a, b) => a.top - b.top);
  if (!lines.length) return [];
  const right = percentile(lines.map((l) => l.x1), 0.9);
  const out: PageItem[] = [];
  let cur: { text: string; top: number } | undefined;
  let prevFull = false;
  for (const l of lines) {
    if (cur && prevFull) cur.text += /[A-Za-z0-9]$/.test(cur.text) && /^[A-Za-z0-9]/.test(l.text) ? ' ' + l.text : l.text;
    else {
      if (cur) out.push({ top: cur.top, block: { kind: 'paragraph', text: cur.text, page } });
      cur = { text: l.text, top: l.top };
    }
    prevFull = l.x1 >= right - l.height * 1.5;
  }
  if (cur) out.push({ top: cur.top, block: { kind: 'paragraph', text: cur.text, page } });
  return out;
}

function median(v: number[]): number {
  return percentile(v, 0.5);
}

function percentile(v: number[], q: number): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Across pages

/**
 * Joins a table that ends a page to one that starts the next: same number of columns, or the same
 * outer borders with column borders that one page draws and the other does not (a label column
 * split into sub-columns only below the page break). Such tables are laid on the union of both
 * pages' column borders, a cell spanning several of them repeated as merged cells are.
 */
function joinPages(pages: PageItem[][]): Block[] {
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
  // Most borders must be shared: two different tables that merely have the same width are not joined.
  const shared = (xs: number[], other: number[]) => xs.filter((x) => other.some((y) => Math.abs(x - y) <= tol)).length;
  if (shared(a, b) < Math.min(a.length, b.length) * 0.6) return undefined;
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
