/**
 * DOCX extractor: mammoth converts the document to HTML (it keeps w:gridSpan as colspan and
 * w:vMerge as rowspan), and the HTML extractor builds the blocks and table grids.
 *
 * The zip is checked before anything inflates it: the central directory's declared sizes must
 * stay under the caps (zip bombs), and every XML part must inflate to no more than it declares
 * (a bomb that lies in its headers).
 */
import { inflateRawSync } from 'node:zlib';
import mammoth from 'mammoth';
import { extractHtml } from './html.ts';
import { ExtractError, type ExtractedDocument } from './model.ts';

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export interface ZipLimits {
  /** Max total uncompressed size of all entries (bytes). */
  maxTotalUncompressed: number;
  /** Max uncompressed/compressed ratio of an entry larger than `ratioMinSize`. */
  maxRatio: number;
  ratioMinSize: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalUncompressed: 200 * 1024 * 1024,
  maxRatio: 100,
  ratioMinSize: 10 * 1024 * 1024,
  maxEntries: 20000,
};

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  encrypted: boolean;
}

const OLE2_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Read a zip's central directory (zip64 aware) without inflating anything. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) {
    throw new ExtractError('corrupt-file', 'not a zip archive (no PK local header signature at offset 0)');
  }
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ExtractError('corrupt-file', 'zip archive is truncated (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new ExtractError('corrupt-file', 'zip64 locator missing');
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== 0x06064b50) throw new ExtractError('corrupt-file', 'zip64 end record missing');
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  if (count > DEFAULT_ZIP_LIMITS.maxEntries) throw new ExtractError('too-large', `zip archive has ${count} entries`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) {
      throw new ExtractError('corrupt-file', `zip central directory is damaged (entry ${i} of ${count})`);
    }
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let uncompressedSize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localHeaderOffset = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // zip64 extended information: the 0xFFFFFFFF fields, in order
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd && e + 4 <= buf.length) {
      const id = buf.readUInt16LE(e);
      const size = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressedSize === 0xffffffff && q + 8 <= e + 4 + size) (uncompressedSize = Number(buf.readBigUInt64LE(q))), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= e + 4 + size) (compressedSize = Number(buf.readBigUInt64LE(q))), (q += 8);
        if (localHeaderOffset === 0xffffffff && q + 8 <= e + 4 + size) localHeaderOffset = Number(buf.readBigUInt64LE(q));
      }
      e += 4 + size;
    }
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset, encrypted: (flags & 1) === 1 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * Refuse archives that would expand past the limits, judging by the declared sizes first and
 * then by actually inflating the XML parts with an output cap of their declared size.
 */
export function checkZipBomb(bytes: Uint8Array, entries: ZipEntry[], limits: ZipLimits = DEFAULT_ZIP_LIMITS): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  for (const en of entries) {
    total += en.uncompressedSize;
    const ratio = en.uncompressedSize / Math.max(1, en.compressedSize);
    if (en.uncompressedSize > limits.ratioMinSize && ratio > limits.maxRatio) {
      throw new ExtractError(
        'too-large',
        `zip entry ${en.name} expands ${Math.round(ratio)}× to ${mb(en.uncompressedSize)} (limit ratio ${limits.maxRatio})`,
      );
    }
  }
  if (total > limits.maxTotalUncompressed) {
    throw new ExtractError('too-large', `zip expands to ${mb(total)} (limit ${mb(limits.maxTotalUncompressed)})`);
  }
  for (const en of entries) {
    if (!/\.(xml|rels)$/i.test(en.name) || en.method !== 8 || en.encrypted) continue;
    const lh = en.localHeaderOffset;
    if (lh + 30 > buf.length || buf.readUInt32LE(lh) !== 0x04034b50) {
      throw new ExtractError('corrupt-file', `zip entry ${en.name}: local header missing`);
    }
    const start = lh + 30 + buf.readUInt16LE(lh + 26) + buf.readUInt16LE(lh + 28);
    const data = buf.subarray(start, start + en.compressedSize);
    try {
      inflateRawSync(data, { maxOutputLength: Math.max(1, en.uncompressedSize) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new ExtractError('too-large', `zip entry ${en.name} inflates beyond its declared ${mb(en.uncompressedSize)}`);
      }
      throw new ExtractError('corrupt-file', `zip entry ${en.name} does not inflate: ${(err as Error).message}`);
    }
  }
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function containsUtf16le(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(needle, 'utf16le')) >= 0;
}

export async function extractDocx(bytes: Uint8Array): Promise<ExtractedDocument> {
  if (bytes.length === 0) throw new ExtractError('empty-file', 'DOCX file is empty (0 bytes)');
  if (OLE2_MAGIC.every((b, i) => bytes[i] === b)) {
    if (containsUtf16le(bytes, 'EncryptedPackage')) {
      throw new ExtractError('encrypted', 'DOCX is password-protected (OLE2 EncryptedPackage container)');
    }
    throw new ExtractError('corrupt-file', 'not a zip archive: an OLE2 file (a Word 97 .doc?) named as DOCX');
  }
  const entries = readZipDirectory(bytes);
  const names = new Set(entries.map((e) => e.name));
  if (!names.has('word/document.xml')) {
    throw new ExtractError('corrupt-file', 'zip archive has no word/document.xml: not a Word document');
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
    throw new ExtractError('corrupt-file', `DOCX could not be read: ${(err as Error).message}`);
  }
  if (html.trim() === '') throw new ExtractError('empty-file', 'DOCX has no text content');
  let doc: ExtractedDocument;
  try {
    doc = extractHtml(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`, {
      fragment: true,
    });
  } catch (err) {
    if (err instanceof ExtractError && err.code === 'empty-file') throw new ExtractError('empty-file', 'DOCX has no text content');
    throw err;
  }
  return { ...doc, mediaType: DOCX_MEDIA_TYPE, kind: 'docx', warnings: [...warnings, ...doc.warnings] };
}
