/**
 * extract: document bytes → ExtractedDocument. Entry point of the extract stage. The media type
 * is sniffed from the bytes first (an HTML error page saved as .pdf is HTML), then the one
 * extractor for that kind runs. Extractors, and what only they use (the HTML guard, charset
 * decoding, the plain-text reader), are loaded on first use: a run over HTML pages never loads
 * pdf.js, and a worker reading a PDF loads only the PDF extractor.
 */
import { ExtractError, type ExtractedDocument } from './model.ts';
import { claimedDocumentType, looksLikeText, sniffMediaType } from './sniff.ts';

export interface ExtractOptions {
  fileName?: string;
  contentType?: string;
  url?: string;
  /** Refuse larger inputs (bytes). Default 64 MiB. */
  maxBytes?: number;
  /** OCR image-only PDFs (extract/ocr/) instead of answering needs-ocr. Default true; env NIANBAO_OCR=0 disables. */
  ocr?: boolean;
  /**
   * Called when the document turns out to need much more time than text extraction (OCR: about
   * 20 s a page on one core), with the time it may now take, so a caller's time limit can grow.
   */
  onSlowWork?: (expectedMs: number) => void;
}

/** Generous OCR budget per page (measured ≈ 18 s a page on a busy 2-core machine). */
export const OCR_MS_PER_PAGE = 60_000;

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export { MEDIA_TYPES } from './model.ts';

export async function extractDocument(bytes: Uint8Array, opts: ExtractOptions = {}): Promise<ExtractedDocument> {
  if (bytes.length === 0) throw new ExtractError('empty-file', 'the file is empty (0 bytes)');
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > max) throw new ExtractError('too-large', `the file is ${bytes.length} bytes, over the ${max}-byte limit`);
  const kind = sniffMediaType(bytes, opts.fileName, opts.contentType);
  const doc = await extractKind(kind, bytes, opts);
  // Named or served as one document type but really another that we read: read as what it is, and say so.
  const claimed = claimedDocumentType(opts.fileName, opts.contentType);
  if (claimed && claimed !== doc.kind && doc.kind !== 'html') doc.warnings.unshift(`named or served as ${claimed.toUpperCase()} but the bytes are ${doc.kind.toUpperCase()}: read as ${doc.kind.toUpperCase()}`);
  return doc;
}

/**
 * A module imported on first use and kept: `import()` of a module already loaded still resolves
 * its specifier every time, ~35 µs of CPU compiled and ~450 µs from source (tsx resolves on its
 * loader thread, beside the workers), and an HTML page made three such calls per document. A
 * failed import is not kept (the next document tries again).
 */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load().catch((e: unknown) => {
    loaded = undefined;
    throw e;
  }));
}

const htmlGuard = lazy(() => Promise.all([import('./guard.ts'), import('../text/charset.ts')]));
const htmlModule = lazy(() => import('./html.ts'));
const pdfModule = lazy(() => import('./pdf/index.ts'));
const docxModule = lazy(() => import('./docx.ts'));
const textModules = lazy(() => Promise.all([import('../text/charset.ts'), import('./text.ts')]));

async function extractKind(kind: ReturnType<typeof sniffMediaType>, bytes: Uint8Array, opts: ExtractOptions): Promise<ExtractedDocument> {
  switch (kind) {
    case 'html': {
      const [{ guardHtml }, { decodeBytes }] = await htmlGuard();
      guardHtml(bytes, (b) => decodeBytes(b, opts.contentType).text, opts);
      const { extractHtml } = await htmlModule();
      return extractHtml(bytes, { contentType: opts.contentType, url: opts.url });
    }
    case 'pdf': {
      const { extractPdf } = await pdfModule();
      // pdf.js refuses Node Buffers and may detach what it is given: hand it its own copy.
      const doc = await extractPdf(new Uint8Array(bytes), { fileName: opts.fileName });
      if (doc.status !== 'needs-ocr' || !(opts.ocr ?? process.env.NIANBAO_OCR !== '0')) return doc;
      // Asked before loading the OCR modules, whose loading is part of the slow work.
      opts.onSlowWork?.((doc.pages ?? 1) * OCR_MS_PER_PAGE);
      const { ocrPdf } = await import('./ocr/index.ts');
      const scanned = await ocrPdf(bytes, { fileName: opts.fileName });
      return { ...scanned, declaredTitle: doc.declaredTitle, warnings: [...doc.warnings, ...scanned.warnings] };
    }
    case 'docx': {
      const { extractDocx } = await docxModule();
      return extractDocx(bytes);
    }
    case 'doc': {
      const { extractDoc } = await import('./doc.ts');
      return extractDoc(bytes);
    }
    case 'text': {
      const [{ decodeBytes }, { extractText }] = await textModules();
      const decoded = decodeBytes(bytes, opts.contentType);
      const doc = extractText(decoded.text);
      doc.warnings.push(...decoded.warnings);
      return doc;
    }
    default: {
      // Named or served as a PDF/DOC/DOCX without that type's signature, and no type we read.
      const claimed = claimedDocumentType(opts.fileName, opts.contentType);
      if (claimed) {
        const what = looksLikeText(bytes) ? 'plain text' : `binary data (magic bytes ${hexHead(bytes)})`;
        const missing = claimed === 'pdf' ? '%PDF header' : claimed === 'docx' ? 'zip (PK) signature' : 'OLE2 signature';
        throw new ExtractError('type-mismatch', `named or served as ${claimed.toUpperCase()} but the bytes are ${what}: no ${missing}`);
      }
      throw new ExtractError('unsupported-type', `not a report document type (magic bytes ${hexHead(bytes)}; expected HTML, PDF, DOCX, DOC or text)`);
    }
  }
}

/**
 * Loads the extractor of a kind ahead of its first document (for a PDF, the selected engine, which
 * instantiates MuPDF). A failure is left for the document to meet and report.
 */
export function preloadExtractor(kind: 'pdf'): void {
  if (kind === 'pdf') void pdfModule().then((m) => m.preloadPdfEngine()).catch(() => undefined);
}

function hexHead(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 4)).toString('hex');
}
