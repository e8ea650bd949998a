/**
 * The interface every OCR engine answers (engine.ts: tesseract, tesseract.js; paddle.ts: PaddleOCR
 * recognition): image crops in, words with positions and confidences out.
 */
import type { Block } from '../model.ts';
import type { Gray } from './image.ts';

/**
 * cell: the text of one table cell, on one line or wrapped over several (read as one string);
 * line: one line of text; digits: a cell restricted to number characters; block: a page region
 * of paragraphs (words with their lines and positions).
 */
export type OcrMode = 'cell' | 'line' | 'digits' | 'block';

export interface OcrRequest {
  image: Gray;
  mode: OcrMode;
}

export interface OcrWord {
  text: string;
  /** 0..1 */
  conf: number;
  left: number;
  top: number;
  width: number;
  height: number;
  block: number;
  par: number;
  line: number;
}

export interface OcrResult {
  /** Words of the image in reading order. */
  words: OcrWord[];
  /** Text, lines joined by '\n'. */
  text: string;
  /** Lowest word confidence (0..1); 0 for no words. */
  minConf: number;
  /** Mean word confidence (0..1). */
  meanConf: number;
}

export interface OcrEngine {
  readonly name: 'tesseract.js' | 'tesseract' | 'paddle';
  /** The crops it reads best: binarised black on white (default) or the deskewed gray page. */
  readonly input?: 'binary' | 'gray';
  /**
   * Raw confidence under which this engine's readings are doubtful, measured (calibration.ts);
   * the extractor maps it onto the shared scale. Absent: the raw value is used as it is.
   */
  readonly doubtBelow?: number;
  recognizeMany(requests: OcrRequest[]): Promise<OcrResult[]>;
  close(): Promise<void>;
}

export type EngineName = OcrEngine['name'];

/** A digit-only result has no spaces; CJK characters are not separated by spaces either. */
export function joinWords(words: OcrWord[]): string {
  const lines: string[] = [];
  let cur = '';
  let key = '';
  let prev: OcrWord | undefined;
  for (const w of words) {
    const k = `${w.block}.${w.par}.${w.line}`;
    if (k !== key) {
      if (key) lines.push(cur);
      cur = w.text;
      key = k;
    } else {
      const cjk = /[\u3000-\u9fff\uff00-\uffef]$/.test(cur) || /^[\u3000-\u9fff\uff00-\uffef]/.test(w.text);
      const gap = prev ? w.left - (prev.left + prev.width) : 0;
      cur += cjk || gap < w.height * 0.3 ? w.text : ' ' + w.text;
    }
    prev = w;
  }
  if (key) lines.push(cur);
  return lines.join('\n');
}

export function resultOf(words: OcrWord[]): OcrResult {
  const confs = words.map((w) => w.conf);
  return {
    words,
    text: joinWords(words),
    minConf: confs.length ? Math.min(...confs) : 0,
    meanConf: confs.length ? confs.reduce((a, b) => a + b, 0) / confs.length : 0,
  };
}

/** A block of a page and where it starts; tables keep their grid's column borders for joining. */
export interface PageItem {
  top: number;
  block: Block;
  /** Column borders of a table's grid (page pixels, deskewed), and the tolerance of the grid. */
  xs?: number[];
  tol?: number;
}
