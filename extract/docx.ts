/**
 * DOCX extractor: mammoth converts the document to HTML (it keeps w:gridSpan as colspan and
 * w:vMerge as rowspan), and the HTML extractor builds the blocks and table grids.
 *
 * The zip is checked before anything inflates it: the central directory's declared sizes must
 * stay under the caps (zip bombs), and every XML part must inflate to no more than it declares
 * (a bomb that lies in its headers).
 */
import mammoth from 'mammoth';
import { extractHtml } from './html.ts';
import { ExtractError, type ExtractedDocument } from './model.ts';
import { containsUtf16le, OLE2_MAGIC, startsWithBytes } from './sniff.ts';
import { checkZipBomb, readZipDirectory, recoverZipEntries, writeZip, type ZipEntry } from './zip.ts';

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export async function extractDocx(bytes: Uint8Array): Promise<ExtractedDocument> {
  if (bytes.length === 0) throw new ExtractError('empty-file', 'DOCX file is empty (0 bytes)');
  if (startsWithBytes(bytes, OLE2_MAGIC)) {
    if (containsUtf16le(bytes, 'EncryptedPackage')) {
      throw new ExtractError('encrypted', 'DOCX is password-protected (OLE2 EncryptedPackage container)');
    }
    throw new ExtractError('type-mismatch', 'not a zip archive: an OLE2 file (a Word 97 .doc?) named as DOCX');
  }
  let entries: ZipEntry[];
  let damage: string[] | undefined;
  try {
    entries = readZipDirectory(bytes);
  } catch (err) {
    if (!(err instanceof ExtractError) || err.code !== 'damaged') throw err;
    // A cut-off archive: the parts before the cut are whole, and word/document.xml often comes
    // early. Read what is there, as a damaged document.
    const recovered = recoverZipEntries(bytes);
    if (!recovered.some((e) => e.name === 'word/document.xml')) {
      throw new ExtractError('damaged', `${err.message}; word/document.xml not among the ${recovered.length} whole parts before the damage`);
    }
    damage = [err.message, `${recovered.length} whole parts read from the local headers`];
    bytes = writeZip(recovered);
    entries = readZipDirectory(bytes);
  }
  const names = new Set(entries.map((e) => e.name));
  if (!names.has('word/document.xml')) {
    throw new ExtractError('type-mismatch', `a zip archive without word/document.xml: not a Word document (parts: ${[...names].slice(0, 5).join(', ')})`);
  }
  if (entries.find((e) => e.name === 'word/document.xml')?.encrypted) {
    throw new ExtractError('encrypted', 'DOCX parts are zip-encrypted');
  }
  checkZipBomb(bytes, entries);

  let html: string;
  const warnings: string[] = [];
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        // images are not needed; keep them out of the HTML (no base64 data URIs)
        convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
      },
    );
    html = result.value;
    for (const m of result.messages) if (m.type === 'error') warnings.push(`mammoth: ${m.message}`);
  } catch (err) {
    throw new ExtractError(damage ? 'damaged' : 'corrupt-file', `DOCX could not be read: ${(err as Error).message}${damage ? ` (${damage.join('; ')})` : ''}`);
  }
  if (html.trim() === '') throw new ExtractError(damage ? 'damaged' : 'empty-file', `DOCX has no text content${damage ? ` (${damage.join('; ')})` : ''}`);
  let doc: ExtractedDocument;
  try {
    doc = extractHtml(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`, {
      fragment: true,
    });
  } catch (err) {
    if (err instanceof ExtractError && err.code === 'empty-file') throw new ExtractError(damage ? 'damaged' : 'empty-file', 'DOCX has no text content');
    throw err;
  }
  const out: ExtractedDocument = { ...doc, mediaType: DOCX_MEDIA_TYPE, kind: 'docx', warnings: [...warnings, ...doc.warnings] };
  return damage ? { ...out, status: 'damaged', damage } : out;
}
