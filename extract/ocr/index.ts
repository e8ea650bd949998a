/**
 * OCR of image-only PDFs (scans of stamped paper reports) into the same document model as the
 * other extractors: paragraphs and table grids, so that the normalizer needs no special case.
 *
 * Modules: page.ts (one page: deskew, grid, cell reads), paragraphs.ts (the text outside the
 * tables), join.ts (tables across pages), engine.ts / paddle.ts (recognisers), grid.ts, image.ts.
 *
 * Per page:
 *  1. a page that is one 150-300 dpi image is read at that resolution (for paddle): its image as
 *     stored (pdfimages) when the page is only that image, upright over the whole page (MuPDF's
 *     drawing device, extract/pdf/mupdf.ts soleImages), else rendered with pdftoppm (poppler-utils)
 *     to a colour PPM; any other page is rendered at DEFAULT_DPI. Taking the image saves pdftoppm's
 *     rasterising (0.13 CPU s a page at 150 dpi, 0.25 at 200) and its resampling by a pixel;
 *  2. gray = brightest channel, which drops red seal ink and keeps the black print under it; the
 *     cells are read from a copy with the seal lifted further (image.ts, decodePnm);
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
import type { ExtractedDocument } from '../model.ts';
import { ExtractError } from '../model.ts';
import { createEngine, type EngineName, type OcrEngine } from './engine.ts';
import { decodePnm, type Gray, type Scan } from './image.ts';
import type { SoleImage } from '../pdf/mupdf.ts';
import { joinPages } from './join.ts';
import { ocrPage } from './page.ts';
import type { PageItem } from './types.ts';

/** Rendering resolution (dpi). */
export const DEFAULT_DPI = 300;
/** Scans at this resolution or finer (up to DEFAULT_DPI) are rendered at their own. */
export const MIN_NATIVE_DPI = 150;
const NATIVE = process.env.XNATIVE !== '0';


export interface OcrOptions {
  fileName?: string;
  /** Rendering resolution, default DEFAULT_DPI. */
  dpi?: number;
  engine?: EngineName;
  /** 1-based pages to read (default: all). */
  pages?: number[];
  /** Reuse an engine (tests, benchmarks); it is not closed. */
  ocrEngine?: OcrEngine;
  /**
   * A scanned page that is one image at its own resolution is read from that image as stored
   * (default true); false renders every page with pdftoppm (comparisons, tests).
   */
  pageImages?: boolean;
  /** Per-page timings and skew, for measurements. */
  stats?: OcrStats;
}

export interface OcrStats {
  pages: { page: number; skew: number; ms: number; renderMs: number; cells: number; tables: number }[];
  /** Per page read: its embedded image taken as it is ('image') or the page rendered by pdftoppm. */
  sources?: ('image' | 'rendered')[];
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
  const dpis = new Set<number>();
  try {
    const pageCount = await countPages(file, label);
    const pages = (opts.pages ?? Array.from({ length: pageCount }, (_, i) => i + 1)).filter((p) => p >= 1 && p <= pageCount);
    const perPage: PageItem[][] = [];
    // Paddle scales every line to its model's height itself; tesseract reads glyphs at the size it
    // is given and needs ~300 dpi (its real-report cells fell from 69-80% to 14-46% at the scan's own).
    const native = opts.dpi === undefined && NATIVE && engine.input === 'gray' ? await scanResolutions(file, label) : new Map<number, number>();
    const sole = native.size && opts.pageImages !== false ? await soleImagePages(bytes, pages.filter((p) => native.has(p))) : undefined;
    for (const p of pages) {
      const t0 = Date.now();
      const pageDpi = native.get(p) ?? dpi;
      const image = native.has(p) ? sole?.[p - 1] : undefined;
      const direct = image && fitsPage(image, pageDpi) ? await pageImage(file, p, dir) : undefined;
      opts.stats?.sources?.push(direct ? 'image' : 'rendered');
      const png = direct ?? (await renderPage(file, p, pageDpi, label));
      const renderMs = Date.now() - t0;
      const res = await ocrPage(png, p, pageDpi, engine);
      dpis.add(pageDpi);
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
      warnings: [...warnings, `text read by OCR (${engine.name}, ${[...dpis].sort((a, b) => a - b).join('/') || dpi} dpi)`],
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

/**
 * The resolution each page was scanned at: a page that is one image (a scan) whose resolution
 * lies between MIN_NATIVE_DPI and the default is rendered at that resolution. Rendering a 150 dpi
 * scan at 300 dpi adds no detail and quadruples the pixels every later step goes over.
 */
async function scanResolutions(file: string, label: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let list: string;
  try {
    list = (await run('pdfimages', ['-list', file], label)).toString('latin1');
  } catch {
    return out;
  }
  const byPage = new Map<number, { area: number; ppi: number; n: number }>();
  for (const line of list.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14 || !/^\d+$/.test(f[0]) || f[2] !== 'image') continue;
    const page = Number(f[0]);
    const area = Number(f[3]) * Number(f[4]);
    const ppi = Math.min(Number(f[12]), Number(f[13]));
    const cur = byPage.get(page);
    if (!cur || area > cur.area) byPage.set(page, { area, ppi, n: (cur?.n ?? 0) + 1 });
    else cur.n++;
  }
  for (const [page, { ppi, n }] of byPage) if (n === 1 && ppi >= MIN_NATIVE_DPI && ppi < DEFAULT_DPI) out.set(page, Math.round(ppi));
  return out;
}

async function renderPage(file: string, page: number, dpi: number, label: string): Promise<Gray> {
  const ppm = await run('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), file], label);
  return decodePnm(ppm);
}

/** Per page, the image a scanned page is made of (extract/pdf/mupdf.ts soleImages); undefined without MuPDF. */
async function soleImagePages(bytes: Uint8Array, pages: number[]): Promise<(SoleImage | undefined)[] | undefined> {
  try {
    const { soleImages } = await import('../pdf/mupdf.ts');
    return soleImages(bytes, pages);
  } catch {
    return undefined;
  }
}

/**
 * Whether a page's sole image is the page as pdftoppm would render it at `dpi`: its pixels match
 * the page's size at that resolution within a pixel each way (pdftoppm rounds the page to whole
 * pixels and resamples the image to them), and it is 8-bit gray or RGB, which pdfimages writes as
 * PGM/PPM (decodePnm's formats; CMYK, 1-bit and 16-bit images are rendered instead).
 */
function fitsPage(image: SoleImage, dpi: number): boolean {
  const w = (image.pageWidth * dpi) / 72;
  const h = (image.pageHeight * dpi) / 72;
  return Math.abs(image.width - w) <= 1 && Math.abs(image.height - h) <= 1 && image.bpc === 8 && (image.components === 1 || image.components === 3);
}

/**
 * A scanned page's image as it is stored (pdfimages decodes it to PPM/PGM): no rasterising and
 * no resampling. Undefined when pdfimages fails or writes anything but one image decodePnm reads,
 * and the page is rendered instead.
 */
async function pageImage(file: string, page: number, dir: string): Promise<Scan | undefined> {
  const root = path.join(dir, `p${page}`);
  try {
    await run('pdfimages', ['-f', String(page), '-l', String(page), file, root], file);
    const made = fs.readdirSync(dir).filter((n) => n.startsWith(`p${page}-`));
    try {
      return made.length === 1 ? decodePnm(fs.readFileSync(path.join(dir, made[0]))) : undefined;
    } finally {
      for (const n of made) fs.rmSync(path.join(dir, n), { force: true });
    }
  } catch {
    return undefined;
  }
}
