/**
 * Zip archives (the DOCX container): the central directory read without inflating anything, the
 * zip-bomb checks, the recovery of a damaged archive from its local headers, and a small writer
 * (the recovery rebuilds an archive with it; the tests and scripts/make-bad-inputs.ts make
 * hostile archives with it).
 *
 * Error codes: bytes that are no zip at all → 'type-mismatch'; a zip whose structure is broken
 * (cut off, central directory missing or damaged, a part that does not inflate) → 'damaged';
 * an archive that would expand past the limits → 'too-large'.
 */
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ExtractError } from './model.ts';

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

/** Read a zip's central directory (zip64 aware) without inflating anything. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 22 || buf.readUInt32LE(0) !== 0x04034b50) {
    throw new ExtractError('type-mismatch', 'not a zip archive (no PK local header signature at offset 0)');
  }
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ExtractError('damaged', 'zip archive is truncated or its central directory is missing (no end-of-central-directory record)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new ExtractError('damaged', 'zip64 locator missing');
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (z64 + 56 > buf.length || buf.readUInt32LE(z64) !== 0x06064b50) throw new ExtractError('damaged', 'zip64 end record missing');
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  if (count > DEFAULT_ZIP_LIMITS.maxEntries) throw new ExtractError('too-large', `zip archive has ${count} entries`);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) {
      throw new ExtractError('damaged', `zip central directory is damaged (entry ${i} of ${count})`);
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
      throw new ExtractError('damaged', `zip entry ${en.name}: local header missing`);
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
      throw new ExtractError('damaged', `zip entry ${en.name} does not inflate: ${(err as Error).message}`);
    }
  }
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// ---------------------------------------------------------------------------------------------
// Recovery from local headers

/** One entry as it sits in the archive: compressed bytes and the header fields. */
export interface RawZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc: number;
  /** Uncompressed size written in the headers. */
  size: number;
  /** The entry's bytes as stored (compressed when method is 8). */
  compressed: Buffer;
  /** Compressed size written in the central directory, when it must differ from compressed.length (hostile test archives). */
  declaredCompressedSize?: number;
}

const LOCAL_SIG = 0x04034b50;
const DESCRIPTOR_SIG = Buffer.from([0x50, 0x4b, 0x07, 0x08]);

/**
 * The complete entries of an archive whose central directory is missing or damaged (a cut-off
 * download), read from the local headers in file order. Reading stops at the first entry that is
 * cut off; every entry returned is whole (its declared size is all there).
 */
export function recoverZipEntries(bytes: Uint8Array): RawZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RawZipEntry[] = [];
  let p = 0;
  while (p + 30 <= buf.length && buf.readUInt32LE(p) === LOCAL_SIG) {
    const flags = buf.readUInt16LE(p + 6);
    const method = buf.readUInt16LE(p + 8);
    let crc = buf.readUInt32LE(p + 14);
    let compressedSize = buf.readUInt32LE(p + 18);
    let size = buf.readUInt32LE(p + 22);
    const nameLen = buf.readUInt16LE(p + 26);
    const extraLen = buf.readUInt16LE(p + 28);
    const start = p + 30 + nameLen + extraLen;
    if (start > buf.length) break;
    const name = buf.subarray(p + 30, p + 30 + nameLen).toString('utf8');
    let end: number;
    let next: number;
    if (flags & 8) {
      // Sizes follow the data, in a data descriptor (signature optional in the spec, written by every Office writer).
      const d = buf.indexOf(DESCRIPTOR_SIG, start);
      if (d < 0 || d + 16 > buf.length) break;
      crc = buf.readUInt32LE(d + 4);
      compressedSize = buf.readUInt32LE(d + 8);
      size = buf.readUInt32LE(d + 12);
      end = d;
      next = d + 16;
    } else {
      end = start + compressedSize;
      next = end;
    }
    if (end > buf.length || end - start !== compressedSize) break;
    out.push({ name, method, crc, size, compressed: buf.subarray(start, end) });
    p = next;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writer

/** An entry for writeZip from its uncompressed bytes: deflated unless `store`. */
export function zipEntry(name: string, data: Buffer, opts: { store?: boolean } = {}): RawZipEntry {
  return { name, method: opts.store ? 0 : 8, crc: crc32(data), size: data.length, compressed: opts.store ? data : deflateRawSync(data, { level: 9 }) };
}

/** A zip archive of the entries, as given (no zip64: entries and archive under 4 GB). */
export function writeZip(entries: RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(LOCAL_SIG, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.method, 8);
    lh.writeUInt32LE(e.crc >>> 0, 14);
    lh.writeUInt32LE(e.compressed.length, 18);
    lh.writeUInt32LE(e.size, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(e.method, 10);
    ch.writeUInt32LE(e.crc >>> 0, 16);
    ch.writeUInt32LE(e.declaredCompressedSize ?? e.compressed.length, 20);
    ch.writeUInt32LE(e.size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, e.compressed);
    centrals.push(ch, name);
    offset += lh.length + name.length + e.compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
