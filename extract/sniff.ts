/**
 * What a file really is, from its bytes first: the media-type sniffer of the extract stage (and
 * of the crawler, which sniffs what it downloads), the file signatures, and the document type a
 * file name or Content-Type promised. Decoding text is text/charset.ts.
 */
import { latin1 } from '../text/charset.ts';

export type SniffedMediaType = 'html' | 'pdf' | 'docx' | 'doc' | 'text' | 'unknown';

/** Signature of an OLE2 compound file (Word 97 .doc, .wps, and the encrypted-OOXML container). */
export const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

export function startsWithBytes(bytes: Uint8Array, magic: number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

function indexOfAscii(bytes: Uint8Array, needle: string, limit = bytes.length): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, limit)).indexOf(needle, 0, 'latin1');
}

export function containsUtf16le(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(needle, 'utf16le')) >= 0;
}

/** UTF-16BE bytes as text (a trailing odd byte dropped): swapped to UTF-16LE, which Buffer reads. */
function utf16be(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
}

/** The first KB looks like HTML markup (after BOM/whitespace). */
function looksLikeHtml(bytes: Uint8Array): boolean {
  let head: string;
  if (startsWithBytes(bytes, [0xff, 0xfe])) head = Buffer.from(bytes.subarray(2, 2050)).toString('utf16le');
  else if (startsWithBytes(bytes, [0xfe, 0xff])) head = utf16be(bytes.subarray(2, 2050));
  else head = latin1(bytes.subarray(0, 2048));
  head = head.replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (/^<!doctype\s+html/i.test(head)) return true;
  if (/^<\?xml[^>]*>\s*(<!doctype\s+html|<html)/i.test(head)) return true;
  if (/^(<!--[\s\S]*?-->\s*)*<(html|head|body|meta|title|script|style|link|div|table|p|span|center|font|form|iframe|h[1-6]|br)\b/i.test(head))
    return true;
  return /<html[\s>]/i.test(head) && /<(head|body|title)[\s>]/i.test(head);
}

export function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.length === 0) return false;
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) control++;
  }
  return control / sample.length < 0.01;
}

function fromContentType(contentType: string | undefined): SniffedMediaType | undefined {
  if (!contentType) return undefined;
  const ct = contentType.split(';')[0].trim().toLowerCase();
  if (ct === 'text/html' || ct === 'application/xhtml+xml') return 'html';
  if (ct === 'application/pdf' || ct === 'application/x-pdf') return 'pdf';
  if (ct === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document') return 'docx';
  if (ct === 'application/msword' || ct === 'application/doc' || ct === 'application/vnd.ms-word') return 'doc';
  if (ct === 'text/plain') return 'text';
  return undefined;
}

function fromExtension(fileName: string | undefined): SniffedMediaType | undefined {
  if (!fileName) return undefined;
  const clean = fileName.split(/[?#]/)[0].toLowerCase();
  const m = /\.([a-z0-9]+)$/.exec(clean);
  if (!m) return undefined;
  switch (m[1]) {
    case 'html':
    case 'htm':
    case 'shtml':
    case 'xhtml':
    case 'jhtml':
    case 'jsp':
    case 'asp':
    case 'aspx':
    case 'php':
      return 'html';
    case 'pdf':
      return 'pdf';
    case 'docx':
      return 'docx';
    case 'doc':
    case 'wps':
      return 'doc';
    case 'txt':
      return 'text';
    default:
      return undefined;
  }
}

/**
 * What a file really is: magic bytes first (%PDF, a zip holding word/document.xml, OLE2 with a
 * WordDocument stream, HTML markup), then the Content-Type, then the file extension. An HTML
 * error page saved as .pdf is 'html'; a zip or OLE2 file that is not a Word document, and RTF,
 * are 'unknown'.
 */
export function sniffMediaType(bytes: Uint8Array, fileName?: string, contentType?: string): SniffedMediaType {
  if (bytes.length === 0) return 'unknown';
  const pdfAt = indexOfAscii(bytes, '%PDF-', 1024);
  if (pdfAt >= 0) return 'pdf';
  if (startsWithBytes(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWithBytes(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    // entry names are stored uncompressed in local headers and the central directory
    if (indexOfAscii(bytes, 'word/document.xml') >= 0) return 'docx';
    // A zip named or served as DOCX without the part in view: cut off before it, or another zip
    // (an .xlsx): the DOCX reader tells which (damaged / type-mismatch).
    return fromContentType(contentType) === 'docx' || fromExtension(fileName) === 'docx' ? 'docx' : 'unknown';
  }
  if (startsWithBytes(bytes, OLE2_MAGIC)) {
    if (containsUtf16le(bytes, 'WordDocument')) return 'doc';
    if (containsUtf16le(bytes, 'Workbook') || containsUtf16le(bytes, 'PowerPoint Document')) return 'unknown';
    return 'doc';
  }
  if (indexOfAscii(bytes, '{\\rtf', 16) === 0) return 'unknown';
  if (looksLikeHtml(bytes)) return 'html';
  const byType = fromContentType(contentType);
  const byExt = fromExtension(fileName);
  // Binary containers were ruled out above: a body claimed as pdf/doc/docx without their
  // signature (plain text, noise) is not one, and not text to read either ('type-mismatch').
  const textual = looksLikeText(bytes);
  const guess = byType ?? byExt;
  if (guess === 'html' || guess === 'text') return textual ? guess : 'unknown';
  if (guess) return 'unknown';
  return textual ? 'text' : 'unknown';
}

/** The document type a file name or Content-Type promised, when it is a binary document type. */
export function claimedDocumentType(fileName: string | undefined, contentType: string | undefined): 'pdf' | 'doc' | 'docx' | null {
  const isDocument = (t: SniffedMediaType | undefined): t is 'pdf' | 'doc' | 'docx' => t === 'pdf' || t === 'doc' || t === 'docx';
  const byExt = fromExtension(fileName);
  if (isDocument(byExt)) return byExt;
  const byType = fromContentType(contentType);
  return isDocument(byType) ? byType : null;
}
