/**
 * extract: document bytes → ExtractedDocument. Entry point of the extract stage. The media type
 * is sniffed from the bytes first (an HTML error page saved as .pdf is HTML), then the one
 * extractor for that kind runs. Extractors are loaded on first use so that a run over HTML pages
 * never loads pdf.js.
 */
import { decodeBytes, sniffMediaType } from './charset.ts';
import { claimedDocumentType, guardHtml } from './guard.ts';
import { ExtractError, type ExtractedDocument } from './model.ts';
import { extractText } from './text.ts';

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

export const MEDIA_TYPES: Record<string, string> = {
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  doc: 'application/msword',
  text: 'text/plain',
};

export async function extractDocument(bytes: Uint8Array, opts: ExtractOptions = {}): Promise<ExtractedDocument> {
  if (bytes.length === 0) throw new ExtractError('empty-file', 'the file is empty (0 bytes)');
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > max) throw new ExtractError('too-large', `the file is ${bytes.length} bytes, over the ${max}-byte limit`);
  const kind = sniffMediaType(bytes, opts.fileName, opts.contentType);
  switch (kind) {
    case 'html': {
      guardHtml(bytes, (b) => decodeBytes(b, opts.contentType).text, opts);
      const { extractHtml } = await import('./html.ts');
      return extractHtml(bytes, { contentType: opts.contentType, url: opts.url });
    }
    case 'pdf': {
      const { extractPdf } = await import('./pdf.ts');
      // pdf.js refuses Node Buffers and may detach what it is given: hand it its own copy.
      const doc = await extractPdf(new Uint8Array(bytes), { fileName: opts.fileName });
      if (doc.status !== 'needs-ocr' || !(opts.ocr ?? process.env.NIANBAO_OCR !== '0')) return doc;
      const { ocrPdf } = await import('./ocr/index.ts');
      opts.onSlowWork?.((doc.pages ?? 1) * OCR_MS_PER_PAGE);
      const scanned = await ocrPdf(bytes, { fileName: opts.fileName });
      return { ...scanned, declaredTitle: doc.declaredTitle, warnings: [...doc.warnings, ...scanned.warnings] };
    }
    case 'docx': {
      const { extractDocx } = await import('./docx.ts');
      return extractDocx(bytes);
    }
    case 'doc': {
      const { extractDoc } = await import('./doc.ts');
      return extractDoc(bytes);
    }
    case 'text': {
      const decoded = decodeBytes(bytes, opts.contentType);
      const doc = extractText(decoded.text);
      doc.warnings.push(...decoded.warnings);
      return doc;
    }
    default: {
      // Named or served as a PDF/DOC/DOCX without that type's signature: a broken file, not another type.
      const claimed = claimedDocumentType(opts.fileName, opts.contentType);
      if (claimed) throw new ExtractError('corrupt-file', `named or served as ${claimed.toUpperCase()} but is not one: no ${claimed === 'pdf' ? '%PDF header' : claimed === 'docx' ? 'zip (PK) signature with word/document.xml' : 'OLE2 signature'} (magic bytes ${hexHead(bytes)})`);
      throw new ExtractError('unsupported-type', `not a report document type (magic bytes ${hexHead(bytes)}; expected HTML, PDF, DOCX, DOC or text)`);
    }
  }
}

function hexHead(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 4)).toString('hex');
}
