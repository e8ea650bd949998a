/**
 * The pdf.js engine (Apache-2.0): the copy pdf-parse v2 bundles (pdfjs-dist legacy build, the
 * Node build), called directly for per-page text items and operator lists.
 *  - glyphs: getTextContent() items (pdf.js joins a show-text run into one item, with a space
 *    for a gap of 0.1–0.6 font size, and starts a new item past that);
 *  - rulings: getOperatorList() path operators (costly: pdf.js also builds glyph outlines there).
 */
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ExtractError } from '../model.ts';
import { makeGlyph, RulingCollector, type EngineDocument, type EnginePage, type Glyph, type PdfEngine, type Rulings } from './engine.ts';

interface PdfJsAssets {
  cMapUrl: string;
  standardFontDataUrl: string;
  wasmUrl: string;
}
let assets: PdfJsAssets | undefined;

/** pdf.js reads these with fs.readFile in Node: plain directory paths ending in a separator. */
function pdfJsAssets(): PdfJsAssets {
  if (!assets) {
    const require = createRequire(import.meta.url);
    const base = path.dirname(require.resolve('pdfjs-dist/package.json'));
    assets = {
      cMapUrl: path.join(base, 'cmaps') + path.sep,
      standardFontDataUrl: path.join(base, 'standard_fonts') + path.sep,
      wasmUrl: path.join(base, 'wasm') + path.sep,
    };
  }
  return assets;
}

type PdfLoadingTask = ReturnType<typeof pdfjs.getDocument>;
type PdfDoc = Awaited<PdfLoadingTask['promise']>;

export const pdfjsEngine: PdfEngine = {
  name: 'pdfjs',
  async open(bytes: Uint8Array, label: string): Promise<EngineDocument> {
    const { cMapUrl, standardFontDataUrl, wasmUrl } = pdfJsAssets();
    // pdf.js transfers (detaches) the buffer it is given: hand it a copy, not the caller's bytes.
    const task = pdfjs.getDocument({
      data: bytes.slice(),
      cMapUrl,
      cMapPacked: true,
      standardFontDataUrl,
      wasmUrl,
      disableFontFace: true,
      useSystemFonts: false,
      isEvalSupported: false,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
      stopAtErrors: false,
      verbosity: 0,
    });
    let doc: PdfDoc;
    try {
      doc = await task.promise;
    } catch (err) {
      // Releases the worker-side state of the failed load too.
      await task.destroy().catch(() => undefined);
      const name = (err as Error)?.name ?? '';
      const message = (err as Error)?.message ?? String(err);
      if (name === 'PasswordException' || /password/i.test(message)) {
        throw new ExtractError('encrypted', `${label}: password-protected PDF (${message})`);
      }
      throw new ExtractError('corrupt-file', `${label}: not a readable PDF (${message})`);
    }
    return {
      pageCount: doc.numPages,
      async page(n: number): Promise<EnginePage> {
        const page = await doc.getPage(n);
        try {
          const viewport = page.getViewport({ scale: 1 });
          const vt = viewport.transform;
          const content = await page.getTextContent();
          return {
            height: viewport.height,
            glyphs: textGlyphs(content.items, vt),
            rulings: async () => readRulings(await page.getOperatorList(), vt),
            release: () => page.cleanup(),
          };
        } catch (err) {
          page.cleanup();
          throw err;
        }
      },
      async title(): Promise<string | undefined> {
        const { info } = await doc.getMetadata();
        const raw = (info as { Title?: unknown } | undefined)?.Title;
        return typeof raw === 'string' ? raw : undefined;
      },
      // Releases the document and its worker-side caches (fonts, cMaps): thousands of files per run.
      destroy: () => task.destroy().catch(() => undefined),
    };
  },
};

/** Text items → glyph runs in viewport space. */
function textGlyphs(items: readonly unknown[], vt: number[]): Glyph[] {
  const out: Glyph[] = [];
  for (const raw of items) {
    const item = raw as { str?: string; transform?: number[]; width?: number; height?: number };
    if (typeof item.str !== 'string' || !item.transform || item.str.trim() === '') continue;
    const m = pdfjs.Util.transform(vt, item.transform) as number[];
    const size = Math.hypot(m[2], m[3]) || item.height || 10;
    const horizontal = Math.abs(m[1]) < 1e-3 * size || Math.abs(m[0]) >= Math.abs(m[1]);
    const width = Math.abs(item.width ?? 0) * (Math.hypot(vt[0], vt[1]) || 1);
    const glyph = makeGlyph(item.str, m[4], m[5], width, size, horizontal);
    if (glyph) out.push(glyph);
  }
  return out;
}

/** Stroked lines and thin filled rectangles, axis-aligned, in viewport space. */
function readRulings(opList: { fnArray: number[]; argsArray: unknown[] }, vt: number[]): Rulings {
  const OPS = pdfjs.OPS;
  const stroke = new Set<number>([OPS.stroke, OPS.closeStroke, OPS.fillStroke, OPS.eoFillStroke, OPS.closeFillStroke, OPS.closeEOFillStroke]);
  const fill = new Set<number>([OPS.fill, OPS.eoFill]);
  const rules = new RulingCollector();
  const stack: number[][] = [];
  let ctm = vt;
  for (let i = 0; i < opList.fnArray.length; i++) {
    const fn = opList.fnArray[i];
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? vt;
    else if (fn === OPS.transform) ctm = pdfjs.Util.transform(ctm, opList.argsArray[i] as number[]) as number[];
    else if (fn === OPS.constructPath) {
      const [paint, [data]] = opList.argsArray[i] as [number, [ArrayLike<number> | null]];
      if (!data || !(stroke.has(paint) || fill.has(paint))) continue;
      for (const sub of subpaths(data, ctm)) {
        if (stroke.has(paint)) rules.strokedSubpath(sub);
        else rules.filledSubpath(sub);
      }
    }
  }
  return rules.rulings();
}

/** Points of each sub-path (moveTo/lineTo/closePath; curves break the path), transformed. */
function subpaths(data: ArrayLike<number>, m: number[]): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  const point = (x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
  for (let i = 0; i < data.length; ) {
    const op = data[i++];
    if (op === 0) {
      if (current.length > 1) out.push(current);
      current = [point(data[i++], data[i++])];
    } else if (op === 1) {
      current.push(point(data[i++], data[i++]));
    } else if (op === 2) {
      i += 6; // curves (rounded corners) are not table rules
      if (current.length > 1) out.push(current);
      current = [];
    } else if (op === 3) {
      if (current.length > 1) current.push(current[0]);
    } else break;
  }
  if (current.length > 1) out.push(current);
  return out;
}
