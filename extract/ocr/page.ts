/**
 * One page of a scan: deskew, ruled tables, every non-blank cell read on its own (numeric columns
 * again restricted to digits, weak labels again as one line), the rest of the page as text.
 */
import type { CellOrigin, TableBlock } from '../model.ts';
import { calibrate } from './calibration.ts';
import type { OcrEngine, OcrRequest, OcrResult } from './engine.ts';
import { findGrids, type Grid, type GridCell } from './grid.ts';
import { binarize, crop, estimateSkew, otsu, pad, rotateScan, whiteOut, type Gray, type Scan } from './image.ts';
import { completeHeader, snapHeader } from './lexicon.ts';
import { cleanText, paragraphs } from './paragraphs.ts';
import type { PageItem } from './types.ts';
import { parseCellValue } from '../../text/number-cell.ts';
interface CellRead {
  cell: GridCell;
  box?: { x0: number; y0: number; x1: number; y1: number };
  /** The crop read, kept for the re-reads (an engine may reuse its reading of the same image). */
  image?: Gray;
  text: string;
  confidence: number;
}

/** The engine with its confidences on the shared, calibrated scale (calibration.ts). */
function calibrated(engine: OcrEngine): OcrEngine {
  const t = engine.doubtBelow;
  if (t === undefined) return engine;
  return {
    name: engine.name,
    input: engine.input,
    recognizeMany: async (requests) =>
      (await engine.recognizeMany(requests)).map((r) => ({
        ...r,
        words: r.words.map((w) => ({ ...w, conf: calibrate(w.conf, t) })),
        minConf: calibrate(r.minConf, t),
        meanConf: calibrate(r.meanConf, t),
      })),
    close: () => engine.close(),
  };
}

export async function ocrPage(raw: Scan, page: number, dpi: number, rawEngine: OcrEngine): Promise<{ items: PageItem[]; skew: number; cells: number; tables: number }> {
  const engine = calibrated(rawEngine);
  const threshold = otsu(raw);
  // The skew search runs on a half-size image at 300 dpi; a coarser scan keeps its own size.
  const f = dpi >= 250 ? 2 : 1;
  const skew = estimateSkew(binarizeSmall(raw, threshold, f), Math.floor(raw.width / f), Math.floor(raw.height / f));
  const { img, ink } = rotateScan(raw, skew);
  const bin = binarize(img, threshold);
  const grids = findGrids(bin, img.width, img.height, dpi);
  // The text is read from the image with seal ink lifted out (image.ts), the grid from the plain one.
  const text = ink ?? img;
  // A copy: what is not text inside the cells (specks, a seal's remains) is erased from it.
  // Tesseract reads the clean black-on-white image better than the gray scan: scanner grain
  // around （一） made 予以公开 unreadable in block and line mode alike. (Paddle reads the gray.)
  const source: Gray = { width: text.width, height: text.height, data: engine.input === 'gray' ? text.data.slice() : blackOnWhite(text === img ? bin : binarize(text, threshold)) };
  // The ink of a cell is found at a looser threshold: thin strokes scanned at 150-200 dpi (一, the
  // bars of 二) come out light gray, and a box cut at Otsu's threshold loses them.
  const loose = binarize(text, Math.round((threshold + 255) / 2));

  // Cells: ink boxes, then one OCR request per non-blank cell.
  const reads: CellRead[][] = grids.map((g) =>
    g.cells.map((cell) => ({ cell, box: inkBox(loose, text, threshold, cell, dpi, source), text: '', confidence: 1 })),
  );
  const requests: OcrRequest[] = [];
  const targets: CellRead[] = [];
  for (const rs of reads)
    for (const r of rs)
      if (r.box) {
        r.image = cellImage(source, r.box, dpi);
        requests.push({ image: r.image, mode: 'cell' });
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
  // A 0 is a ring: read where the ink has no two sides (a 7 whose thin diagonal the model took for
  // a 0, 0.87 confident, on a fresh scan at 200 dpi), the reading is doubtful, whatever the model says.
  for (const r of reads.flat())
    if (r.box && r.text === '0' && !isRing(text, r.box)) {
      r.confidence = Math.min(r.confidence, NOT_A_RING);
    }

  const items: PageItem[] = [];
  grids.forEach((g, k) => items.push({ top: g.top, block: tableBlock(g, reads[k], page), xs: g.xs, tol: Math.max(3, Math.round(dpi / 50)) * 2 }));
  for (const p of paragraphs(results[results.length - 1].words, page)) items.push(p);
  items.sort((a, b) => a.top - b.top);
  return { items, skew, cells: targets.length, tables: grids.length };
}

/** Black (0) where `bin` has ink, white (255) elsewhere. */
function blackOnWhite(bin: Uint8Array): Uint8Array {
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin[i] ? 0 : 255;
  return out;
}

/** Binarised image at 1/f scale (a pixel is ink if any source pixel is): for the skew search. */
function binarizeSmall(img: Gray, threshold: number, f: number): Uint8Array {
  if (f === 1) return binarize(img, threshold);
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
 * Bounding box of the ink inside a cell (borders and their anti-aliasing excluded); undefined for
 * a blank cell. Ink is found at the loose threshold (thin strokes), but a connected piece counts
 * only when
 *  - some pixel of it is as dark as print (at or below `strict`): what a seal leaves after its red
 *    is lifted out (image.ts) is a light gray with no dark core;
 *  - it is not a remnant of a ruling line along the cell's edge;
 *  - it is a stroke, or a small mark (a dot of ：, a comma) near a stroke: a toner speck or a
 *    scanner dust dot alone in the cell's margin is not text, and a box stretched to it puts a
 *    phantom line of text under the real one.
 * The pieces that do not count are erased (white) from `erase`, the image the cell is read from.
 */
function inkBox(bin: Uint8Array, gray: Gray, strict: number, cell: GridCell, dpi: number, erase: Gray) {
  const width = gray.width;
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
  // A stroke: larger than any speck (specks are 1-2 scanner pixels, dust dots up to ~0.3 mm).
  const strokeArea = 4 * minArea;
  const strokeLen = Math.round(dpi / 25);
  const near = Math.round(dpi / 12);
  const parts: { id: number; x0: number; y0: number; x1: number; y1: number; stroke: boolean }[] = [];
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
      let darkest = 255;
      let cx0 = x;
      let cx1 = x;
      let cy0 = y;
      let cy1 = y;
      while (stack.length) {
        const j = stack.pop()!;
        area++;
        const jx = j % w;
        const jy = (j - jx) / w;
        const v = gray.data[(y0 + jy) * width + x0 + jx];
        if (v < darkest) darkest = v;
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
      // So is a thin piece that runs along most of the cell's side and touches its edge (a border
      // that the margin did not cut off entirely, at a scan's own coarse resolution).
      const thin =
        (cx1 - cx0 + 1 > w * 0.8 && cy1 - cy0 < m) ||
        (cy1 - cy0 + 1 > h * 0.8 && cx1 - cx0 < m) ||
        ((cy0 === 0 || cy1 === h - 1) && cx1 - cx0 + 1 > w * 0.4 && cy1 - cy0 < m) ||
        ((cx0 === 0 || cx1 === w - 1) && cy1 - cy0 + 1 > h * 0.4 && cx1 - cx0 < m);
      if (area < minArea || thin || darkest > strict) continue;
      const stroke = area >= strokeArea || Math.max(cx1 - cx0, cy1 - cy0) + 1 >= strokeLen;
      parts.push({ id: next, x0: cx0, y0: cy0, x1: cx1, y1: cy1, stroke });
    }
  const strokes = parts.filter((p) => p.stroke);
  // A mark of the text stands within the height of a line of strokes beside it (the dots of ：,
  // a comma, a decimal point); a speck is anywhere, often above or below the line.
  const tol = Math.max(1, Math.round(dpi / 150));
  const kept = parts.filter(
    (p) => p.stroke || strokes.some((s) => p.x0 <= s.x1 + near && p.x1 >= s.x0 - near && p.y0 >= s.y0 - tol && p.y1 <= s.y1 + tol),
  );
  // The rest is erased from the image the cell is read from.
  const keep = new Uint8Array(next + 1);
  for (const p of kept) keep[p.id] = 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const id = label[y * w + x];
      if (id && !keep[id]) erase.data[(y0 + y) * width + x0 + x] = 255;
    }
  if (!kept.length) return undefined;
  const bx0 = Math.min(...kept.map((p) => p.x0));
  const by0 = Math.min(...kept.map((p) => p.y0));
  const bx1 = Math.max(...kept.map((p) => p.x1));
  const by1 = Math.max(...kept.map((p) => p.y1));
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

/** Confidence of a 0 whose ink is not a ring: under the doubtful level (0.8), so normalize names the cell. */
const NOT_A_RING = 0.5;

/**
 * Whether the ink in a box has two sides across its middle, as a 0 (or an 8, a slashed or dotted
 * zero) has: at least half of the rows of its middle half hold two runs of ink, at the box's own
 * ink level (its darkest + half the way to its paper: faint 150 dpi digits count).
 */
export function isRing(img: Gray, box: { x0: number; y0: number; x1: number; y1: number }): boolean {
  const x0 = Math.max(0, Math.floor(box.x0));
  const x1 = Math.min(img.width, Math.ceil(box.x1));
  const y0 = Math.max(0, Math.floor(box.y0));
  const y1 = Math.min(img.height, Math.ceil(box.y1));
  const h = y1 - y0;
  if (h < 8 || x1 - x0 < 3) return true;
  let dark = 255;
  let paper = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const v = img.data[y * img.width + x];
      if (v < dark) dark = v;
      if (v > paper) paper = v;
    }
  const ink = dark + 0.5 * (paper - dark);
  let rows = 0;
  let two = 0;
  for (let y = y0 + Math.floor(h / 4); y < y1 - Math.floor(h / 4); y++) {
    rows++;
    let runs = 0;
    let inRun = false;
    for (let x = x0; x < x1; x++) {
      const on = img.data[y * img.width + x] < ink;
      if (on && !inRun) runs++;
      inRun = on;
    }
    if (runs >= 2) two++;
  }
  return two * 2 >= rows;
}

function cellImage(img: Gray, box: { x0: number; y0: number; x1: number; y1: number }, dpi: number): Gray {
  const m = Math.round(dpi / 100);
  // (A margin in the crop's own paper gray instead of white was measured: 2107 against 2109 of
  // 2114 cells, and lower confidences on right cells.)
  return pad(crop(img, box.x0 - m, box.y0 - m, box.x1 + m, box.y1 + m), Math.round(dpi / 15));
}


/** A reading that is a number (text/number-cell.ts: the one rule for what a number cell holds). */
const readsAsNumber = (text: string) => parseCellValue(text).kind === 'number';
const CJK = /[\u4e00-\u9fff]/g;

/**
 * Columns whose cells read as numbers are read again, restricted to digits, and the readings
 * fused. A column is numeric when most of its non-blank one-column cells are numbers.
 */
async function rereadNumericColumns(img: Gray, dpi: number, grids: CellRead[][], engine: OcrEngine): Promise<void> {
  const requests: OcrRequest[] = [];
  const targets: CellRead[] = [];
  for (const reads of grids) {
    // Columns of cells, a merged cell with those of its span (a value printed across three grid
    // columns in a table whose header splits them).
    const cols = new Map<string, CellRead[]>();
    for (const r of reads) {
      const key = `${r.cell.c0}-${r.cell.c1}`;
      if (r.box) cols.set(key, [...(cols.get(key) ?? []), r]);
    }
    for (const list of cols.values()) {
      // Header cells (words) do not count: a column with two value rows under three header rows
      // is numeric, and so is one where a value was misread as "o" or "0.".
      const values = list.filter((r) => (r.text.match(CJK) ?? []).length < 2);
      const numeric = values.filter((r) => readsAsNumber(r.text)).length;
      // A short reading with no Chinese that is not a number ("o", "l.") is a digit misread
      // wherever it stands (a table of one value row has no column majority to go by).
      const numericColumn = numeric >= Math.max(1, values.length * 0.4);
      for (const r of values) {
        if (!numericColumn && (readsAsNumber(r.text) || !/^[^\u4e00-\u9fff]{1,3}$/u.test(r.text))) continue;
        requests.push({ image: r.image ?? cellImage(img, r.box!, dpi), mode: 'digits' });
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
  for (const r of grids.flat()) {
    const whole = r.box ? completeHeader(r.text) : undefined;
    if (whole) r.text = whole;
  }
  const targets = grids.flat().filter((r) => r.box && r.confidence < 0.9 && !readsAsNumber(r.text) && r.text.length > 1);
  if (!targets.length) return;
  const results = await engine.recognizeMany(targets.map((r) => ({ image: r.image ?? cellImage(img, r.box!, dpi), mode: 'line' as const })));
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

/** Letters and marks a recogniser reads for a digit's glyph. */
const LOOKALIKE: Record<string, string> = { o: '0', O: '0', D: '0', Q: '0', I: '1', l: '1', '|': '1', i: '1', Ⅰ: '1', Z: '2', z: '2', S: '5', s: '5', b: '6', B: '8', g: '9', q: '9' };

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
  // A number with its unit (17.7万, 251000元, 12%): the digit reading has no unit character to
  // give and reads it as a digit; the number part agreeing is agreement.
  const unit = /^([-+]?\d[\d,]*(?:\.\d+)?)(万元|万|元|亿元|亿|%)$/.exec(a);
  if (unit && b.startsWith(unit[1])) return;
  // A letter that looks like the digit (o for 0, I for 1) in a numeric column: the digit reading
  // is the same glyph, and its own probability says how sure it is.
  if (a.length === b.length && [...a].every((c, i) => c === b[i] || LOOKALIKE[c] === b[i])) {
    r.text = b;
    r.confidence = digits.meanConf;
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
