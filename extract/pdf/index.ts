/**
 * PDF extractor (entry point of extract/pdf/): positioned text and ruling lines → paragraphs and table grids.
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
 *
 * Files: engine.ts (what an engine gives), mupdf.ts / pdfjs.ts (the engines), structure.ts (is
 * the file whole?), page.ts (one page → lines and tables), lattice.ts (ruled tables), stream.ts
 * (tables without rules), blocks.ts (reading order, tables across pages), layout.ts (geometry).
 */
import { normalizeCellText, normalizeRadicals } from '../chinese.ts';
import { ExtractError, type ExtractedDocument } from '../model.ts';
import { assembleBlocks } from './blocks.ts';
import { PDF_ENGINES, type EngineDocument, type EnginePage, type PdfEngine, type PdfEngineName } from './engine.ts';
import type { PageItem } from './layout.ts';
import { readPage } from './page.ts';
import { hasPdfHeader, truncationEvidence } from './structure.ts';

export type { PdfEngineName } from './engine.ts';

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
    engine = name === 'mupdf' ? import('./mupdf.ts').then((m) => m.mupdfEngine) : import('./pdfjs.ts').then((m) => m.pdfjsEngine);
    // A failed load is not cached as such: the next call tries again (and falls back again).
    engine.catch(() => engines.delete(name));
    engines.set(name, engine);
  }
  return engine;
}

/** Loads the engine the environment selects ahead of the first PDF; a failure is met (and reported) again then. */
export function preloadPdfEngine(): void {
  loadEngine(selectedPdfEngine()).catch(() => undefined);
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
  let tableContinues = false;
  const rulingsRead = new Set<number>();
  for (let n = 1; n <= pageCount; n++) {
    let page: EnginePage | undefined;
    if (missing.has(n)) continue;
    try {
      page = await doc.page(n);
      const result = await readPage(page, n, tableContinues);
      const before = items[items.length - 1];
      if (result.startsWithTable && before && before.page === n - 1 && !rulingsRead.has(n - 1)) {
        // The table may have started at the foot of the page before with too little text to
        // look tabular there (its header rows alone): that page is read again with its rulings.
        const prev = await doc.page(n - 1);
        try {
          before.items = (await readPage(prev, n - 1, true)).items;
        } finally {
          prev.release();
        }
      }
      if (result.rulingsRead) rulingsRead.add(n);
      tableContinues = result.endsInTable;
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
