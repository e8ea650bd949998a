/**
 * The MuPDF engine: the official WASM build (npm `mupdf`, AGPL-3.0-or-later — see
 * DEFAULT_PDF_ENGINE in extract/pdf/index.ts before making it the default).
 *
 * Each page is interpreted once into a display list, which is then replayed:
 *  - glyphs: into a structured-text page; its characters (origin, size, advance from the quad)
 *    are grouped into runs much as pdf.js groups a text item — same font and size, same
 *    baseline, next character within 0.6 font size. Inside a run a space is written where the
 *    gap is wider than 0.25 font size (the shared line builder's rule between runs, so that it
 *    does not matter where pdf.js happened to cut its items), or 0.1 font size after a real
 *    space character (pdf.js' rule inside an item);
 *  - rulings (only when the builder asks): into a custom Device; stroked paths and thin filled
 *    rectangles go through the same RulingCollector as pdf.js' operator list. Replaying the
 *    list costs ~1 ms a page, against a second content-stream parse without it.
 * Every MuPDF object (document, page, display list, structured text, device, the paths, stroke
 * states and colour spaces handed to the device, fonts handed to onChar) is destroyed
 * explicitly: the WASM heap is not garbage-collected, and finalizers come too late for
 * thousands of files.
 *
 * Known limits: MuPDF prepares every glyph of a Type 3 font when it loads the font (Chromium
 * emits Type 3 for synthetic bold): such files cost ~100 ms more per document. onChar passes
 * characters outside the BMP (CJK extension B) as a lone surrogate. A damaged file that pdf.js
 * refuses may be repaired and read (with a warning).
 */
import { mupdfInternals, type MupdfInternals } from './mupdf-module.ts';
import * as mupdf from 'mupdf';
import { ExtractError } from '../model.ts';
import { makeGlyph, RulingCollector, type EngineDocument, type EnginePage, type Glyph, type PdfEngine, type Rulings } from './engine.ts';

// MuPDF logs recoverable syntax problems (repaired xref, broken fonts) to stderr: keep them quiet.
mupdf.setLog({ error: () => undefined, warning: () => undefined });

/** Structured-text options: keep whitespace as it is and add no spaces (the run builder decides). */
const STEXT_OPTIONS = 'preserve-whitespace,inhibit-spaces';

export const mupdfEngine: PdfEngine = {
  name: 'mupdf',
  async open(bytes: Uint8Array, label: string): Promise<EngineDocument> {
    let doc: mupdf.Document;
    try {
      // Copied into the WASM heap: the caller's bytes stay as they are.
      doc = mupdf.Document.openDocument(bytes, 'application/pdf');
    } catch (err) {
      throw new ExtractError('corrupt-file', `${label}: not a readable PDF (${errorMessage(err)})`);
    }
    let pageCount: number;
    const warnings: string[] = [];
    try {
      // MuPDF sniffs the content and opens HTML, XPS, EPUB or images too: only a PDF is a PDF here.
      if (!doc.isPDF()) throw new ExtractError('corrupt-file', `${label}: not a readable PDF (not PDF content)`);
      if (doc.needsPassword()) throw new ExtractError('encrypted', `${label}: password-protected PDF`);
      pageCount = doc.countPages();
      if (pageCount < 1) throw new ExtractError('corrupt-file', `${label}: not a readable PDF (no pages)`);
      // A broken cross-reference table is rebuilt by scanning the file (pdf.js does the same,
      // but gives up on more files, e.g. most truncated downloads): say so.
      if (doc.asPDF()?.wasRepaired()) warnings.push('broken PDF cross-reference table repaired by scanning the file');
    } catch (err) {
      doc.destroy();
      if (err instanceof ExtractError) throw err;
      throw new ExtractError('corrupt-file', `${label}: not a readable PDF (${errorMessage(err)})`);
    }
    const missingPages: number[] = [];
    const pdf = doc.asPDF();
    for (let i = 0; pdf && i < pageCount; i++) {
      // After a repair, the page tree may still list pages whose objects were never found.
      let missing: boolean;
      try {
        const obj = pdf.findPage(i).resolve();
        missing = obj.isNull() || !obj.isDictionary();
      } catch {
        missing = true;
      }
      if (missing) missingPages.push(i + 1);
    }
    return {
      pageCount,
      warnings,
      missingPages,
      async page(n: number): Promise<EnginePage> {
        const page = doc.loadPage(n - 1);
        let list: mupdf.DisplayList | undefined;
        try {
          const [x0, y0, , y1] = page.getBounds();
          // The page is interpreted once, into a display list: the text pass and the ruling pass
          // (when the builder asks for it) replay it, which costs ~1 ms a page instead of a
          // second parse of the content stream.
          list = page.toDisplayList(true);
          const drawing = list;
          const glyphs = readGlyphs(drawing, x0, y0);
          return {
            height: y1 - y0,
            glyphs,
            rulings: async () => readRulings(drawing, x0, y0),
            release: () => {
              drawing.destroy();
              page.destroy();
            },
          };
        } catch (err) {
          list?.destroy();
          page.destroy();
          throw err;
        }
      },
      async title(): Promise<string | undefined> {
        return doc.getMetaData(mupdf.Document.META_INFO_TITLE) || undefined;
      },
      async destroy(): Promise<void> {
        doc.destroy();
      },
    };
  },
};

function errorMessage(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0];
}

// ---------------------------------------------------------------------------------------------
// Glyph runs from structured text

// pdf.js' text-item thresholds (fractions of the font size), so that runs come out the same.
const SPACE_MIN = 0.102; // after a real space character, a gap this wide is a space in the run
const LINE_SPACE = 0.25; // without one, a gap wider than this is (extract/pdf/layout.ts lineText's rule)
const SPACE_MAX = 0.6; // a wider gap starts a new run
const NEGATIVE_MAX = -0.2; // stepping back further starts a new run
const SHIFT_MAX = 0.25; // a baseline shift further than this starts a new run

interface Run {
  text: string;
  /** Origin of the first character (viewport space). */
  ox: number;
  oy: number;
  /** Unit direction of the baseline. */
  dx: number;
  dy: number;
  /** End of the last character's advance. */
  ex: number;
  ey: number;
  size: number;
  font: number;
}

function readGlyphs(page: mupdf.DisplayList, x0: number, y0: number): Glyph[] {
  const out: Glyph[] = [];
  let run: Run | undefined;
  let dir: mupdf.Point = [1, 0];
  let space = false;
  const flush = () => {
    if (!run) return;
    const width = (run.ex - run.ox) * run.dx + (run.ey - run.oy) * run.dy;
    const horizontal = Math.abs(run.dy) < 1e-3 || Math.abs(run.dx) >= Math.abs(run.dy);
    const glyph = makeGlyph(run.text, run.ox - x0, run.oy - y0, Math.abs(width), run.size, horizontal);
    if (glyph) out.push(glyph);
    run = undefined;
  };
  const stext = page.toStructuredText(STEXT_OPTIONS);
  const onChar = (c: string, ox: number, oy: number, fontId: number, size: number, advanceX: number, advanceY: number) => {
    if (c.trim() === '') {
      space = true; // a real space: only moves the pen, the next gap says what it was
      return;
    }
    const ex = ox + advanceX;
    const ey = oy + advanceY;
    if (run && run.font === fontId && Math.abs(run.size - size) < 0.01 * size && run.dx === dir[0] && run.dy === dir[1]) {
      const advance = (ox - run.ex) * run.dx + (oy - run.ey) * run.dy;
      const shift = Math.abs((oy - run.ey) * run.dx - (ox - run.ex) * run.dy);
      if (advance >= NEGATIVE_MAX * size && advance <= SPACE_MAX * size && shift <= SHIFT_MAX * size) {
        if (advance > (space ? SPACE_MIN : LINE_SPACE) * size) run.text += ' ';
        space = false;
        run.text += c;
        run.ex = ex;
        run.ey = ey;
        return;
      }
    }
    flush();
    space = false;
    run = { text: c, ox, oy, dx: dir[0], dy: dir[1], ex, ey, size, font: fontId };
  };
  const beginLine = (x: number, y: number) => {
    const len = Math.hypot(x, y) || 1;
    dir = [x / len, y / len];
  };
  try {
    walkChars(stext, beginLine, onChar);
    flush();
  } finally {
    stext.destroy();
  }
  return out;
}

/**
 * Every character of a structured-text page, in order: `beginLine` with each line's direction,
 * `onChar` with the character (String.fromCharCode of its code, as mupdf's walk gives it), its
 * origin, font (an identity only), size and advance (the quad's baseline edge, lower-left →
 * lower-right).
 *
 * StructuredText.walk makes a Font object (registered with a FinalizationRegistry) and five
 * arrays per character, which was ~5% of a document's time and much of its garbage; this reads
 * the same fields through the accessors mupdf's walk calls (mupdfInternals), straight from the
 * WASM heap. Without them (another mupdf build, or `m` undefined) it falls back to walk
 * (test/extract-pdf-mupdf-walk.test.ts: both give the same characters).
 */
export function walkChars(
  stext: mupdf.StructuredText,
  beginLine: (dx: number, dy: number) => void,
  onChar: (c: string, ox: number, oy: number, font: number, size: number, advanceX: number, advanceY: number) => void,
  m: MupdfInternals | undefined = mupdfInternals(),
): void {
  if (!m) {
    stext.walk({
      beginLine: (_bbox, _wmode, d) => beginLine(d[0], d[1]),
      onChar(c, origin, font, size, quad) {
        const id = font.pointer as unknown as number;
        font.destroy();
        onChar(c, origin[0], origin[1], id, size, quad[6] - quad[4], quad[7] - quad[5]);
      },
    });
    return;
  }
  // The heap's views are replaced when memory grows; nothing here allocates, so one read serves.
  const f32 = m.HEAPF32;
  for (let block = m._wasm_stext_page_get_first_block(stext.pointer); block; block = m._wasm_stext_block_get_next(block)) {
    if (m._wasm_stext_block_get_type(block) !== 0) continue; // text blocks only
    for (let line = m._wasm_stext_block_get_first_line(block); line; line = m._wasm_stext_line_get_next(line)) {
      const d = m._wasm_stext_line_get_dir(line) >> 2;
      beginLine(f32[d], f32[d + 1]);
      for (let ch = m._wasm_stext_line_get_first_char(line); ch; ch = m._wasm_stext_char_get_next(ch)) {
        const o = m._wasm_stext_char_get_origin(ch) >> 2;
        const ox = f32[o];
        const oy = f32[o + 1];
        const font = m._wasm_stext_char_get_font(ch);
        const size = m._wasm_stext_char_get_size(ch);
        const q = m._wasm_stext_char_get_quad(ch) >> 2;
        onChar(String.fromCharCode(m._wasm_stext_char_get_c(ch)), ox, oy, font, size, f32[q + 6] - f32[q + 4], f32[q + 7] - f32[q + 5]);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Ruling lines from a drawing device

type Point = [number, number];

function readRulings(page: mupdf.DisplayList, x0: number, y0: number): Rulings {
  const rules = new RulingCollector();
  const subpaths = (path: mupdf.Path, m: mupdf.Matrix): Point[][] => {
    const out: Point[][] = [];
    let current: Point[] = [];
    const point = (x: number, y: number): Point => [m[0] * x + m[2] * y + m[4] - x0, m[1] * x + m[3] * y + m[5] - y0];
    path.walk({
      moveTo(x, y) {
        if (current.length > 1) out.push(current);
        current = [point(x, y)];
      },
      lineTo(x, y) {
        current.push(point(x, y));
      },
      curveTo() {
        // Curves (rounded corners) are not table rules: they end the sub-path.
        if (current.length > 1) out.push(current);
        current = [];
      },
      closePath() {
        if (current.length > 1) current.push(current[0]);
      },
    });
    if (current.length > 1) out.push(current);
    return out;
  };
  // A fill-and-stroke (PDF `B`) arrives as a fill then a stroke of the same path; pdf.js sees one
  // stroke operator there, so the fill's rule is held back until the next call shows which.
  let pendingFill: Point[][] | undefined;
  const commitFill = () => {
    if (pendingFill) for (const sub of pendingFill) rules.filledSubpath(sub);
    pendingFill = undefined;
  };
  const device = new mupdf.Device({
    fillPath(path, _evenOdd, ctm, colorspace) {
      try {
        commitFill();
        pendingFill = subpaths(path, ctm);
      } finally {
        path.destroy();
        colorspace.destroy();
      }
    },
    strokePath(path, stroke, ctm, colorspace) {
      try {
        const subs = subpaths(path, ctm);
        if (pendingFill && samePaths(pendingFill, subs)) pendingFill = undefined;
        commitFill();
        for (const sub of subs) rules.strokedSubpath(sub);
      } finally {
        path.destroy();
        stroke.destroy();
        colorspace.destroy();
      }
    },
  });
  try {
    page.run(device, mupdf.Matrix.identity);
    device.close();
    commitFill();
  } finally {
    device.destroy();
  }
  return rules.rulings();
}

function samePaths(a: Point[][], b: Point[][]): boolean {
  return a.length === b.length && a.every((sub, i) => sub.length === b[i].length && sub.every((p, k) => p[0] === b[i][k][0] && p[1] === b[i][k][1]));
}

// ---------------------------------------------------------------------------------------------
// Pages that are one image (scans), for OCR

/** A page drawn as one image and nothing else: the image's size and where it lands on the page. */
export interface SoleImage {
  /** The image's own pixels. */
  width: number;
  height: number;
  /** Colour components (1 gray, 3 RGB, 4 CMYK) and bits per component. */
  components: number;
  bpc: number;
  /** The page's size in points (rotation applied). */
  pageWidth: number;
  pageHeight: number;
}

/**
 * Per page (index 0 = page 1): the image the page is made of when the page draws exactly one
 * image, upright (no rotation or mirror, from /Rotate or the image's matrix), over the whole page,
 * opaque, without a mask, and draws nothing else (text, paths, shadings, clips, groups); else
 * undefined. Such a page's image is the page (extract/ocr reads it without rasterising). Invisible
 * text (an OCR layer) does not count as drawing. Undefined for the whole file when MuPDF cannot
 * open it. `pages` (1-based): only these are looked at (a page that draws text is walked to its end).
 */
export function soleImages(bytes: Uint8Array, pages?: number[]): (SoleImage | undefined)[] | undefined {
  let doc: mupdf.Document;
  try {
    doc = mupdf.Document.openDocument(bytes, 'application/pdf');
  } catch {
    return undefined;
  }
  try {
    const out: (SoleImage | undefined)[] = [];
    const n = doc.countPages();
    for (let i = 0; i < n; i++) {
      if (pages && !pages.includes(i + 1)) {
        out.push(undefined);
        continue;
      }
      const page = doc.loadPage(i);
      try {
        out.push(soleImage(page));
      } catch {
        out.push(undefined);
      } finally {
        page.destroy();
      }
    }
    return out;
  } catch {
    return undefined;
  } finally {
    doc.destroy();
  }
}

function soleImage(page: mupdf.Page): SoleImage | undefined {
  const [x0, y0, x1, y1] = page.getBounds();
  let image: (SoleImage & { ctm: mupdf.Matrix }) | undefined;
  let other = false;
  const drawn = (...held: { destroy(): void }[]) => {
    other = true;
    for (const h of held)
      try {
        h?.destroy();
      } catch {
        // a null colour space (a group without one)
      }
  };
  const device = new mupdf.Device({
    fillImage(img, ctm, alpha) {
      // mupdf.js hands the image over without a reference of its own: not destroyed here.
      const mask = img.getMask();
      if (mask) mask.destroy();
      if (image || mask || img.getImageMask() || alpha !== 1) other = true;
      else image = { width: img.getWidth(), height: img.getHeight(), components: img.getNumberOfComponents(), bpc: img.getBitsPerComponent(), pageWidth: x1 - x0, pageHeight: y1 - y0, ctm };
    },
    ignoreText(text) {
      text.destroy();
    },
    fillPath: (path, _e, _m, cs) => drawn(path, cs),
    strokePath: (path, stroke, _m, cs) => drawn(path, stroke, cs),
    clipPath: (path) => drawn(path),
    clipStrokePath: (path, stroke) => drawn(path, stroke),
    fillText: (text, _m, cs) => drawn(text, cs),
    strokeText: (text, stroke, _m, cs) => drawn(text, stroke, cs),
    clipText: (text) => drawn(text),
    clipStrokeText: (text, stroke) => drawn(text, stroke),
    fillShade: () => drawn(),
    fillImageMask: (_i, _m, cs) => drawn(cs),
    clipImageMask: () => drawn(),
    beginMask: (_r, _l, cs) => drawn(cs),
    beginGroup: (_r, cs) => drawn(cs),
    beginTile: () => {
      drawn();
      return 0;
    },
  });
  try {
    page.run(device, mupdf.Matrix.identity);
    device.close();
  } finally {
    device.destroy();
  }
  if (other || !image) return undefined;
  // Upright and over the whole page: the unit square maps to the page's bounds (a quarter point of slack).
  const [a, b, c, d, e, f] = image.ctm;
  const near = (u: number, v: number) => Math.abs(u - v) <= 0.25;
  if (b !== 0 || c !== 0 || !(a > 0 && d > 0) || !near(e, x0) || !near(f, y0) || !near(e + a, x1) || !near(f + d, y1)) return undefined;
  const { ctm: _ctm, ...sole } = image;
  return sole;
}
