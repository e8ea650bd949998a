import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 hex of a buffer: the identity of a raw document. */
export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

export function checkSha256(hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
  return hash;
}

/** The bytes of a sha256 are not in the store. */
export class RawMissingError extends Error {
  readonly code = 'missing-raw';
  constructor(public readonly hash: string, where: string) {
    super(`no raw bytes for ${hash} in ${where}`);
  }
}

/**
 * The raw store: documents' bytes, content-addressed by sha256. Every reader and writer of raw
 * bytes (crawler, extract stage) goes through this interface; `openRawStore(url)` picks the
 * backend (`file:///path`, `s3://bucket/prefix?endpoint=…&region=…`, store/s3.ts).
 *
 * - `put` is idempotent: putting bytes already stored is a no-op and gives the same sha256;
 *   a reader never sees a partial object.
 * - `get` of a missing sha256 rejects with RawMissingError.
 * - `size` gives the stored length without reading the bytes (undefined when missing).
 */
export interface RawStore {
  /** Where the bytes live, as a store URL (for logs and run summaries). */
  readonly url: string;
  has(hash: string): Promise<boolean>;
  put(bytes: Uint8Array): Promise<string>;
  get(hash: string): Promise<Buffer>;
  size(hash: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * Content-addressed folder of raw documents: `<root>/ab/<sha256>` (may sit on a shared mount).
 * Writes go to a temporary file and are renamed into place, so a killed process never leaves a
 * partial blob.
 */
export class FileRawStore implements RawStore {
  readonly url: string;
  constructor(public readonly root: string) {
    this.url = `file://${path.resolve(root)}`;
  }

  pathFor(hash: string): string {
    checkSha256(hash);
    return path.join(this.root, hash.slice(0, 2), hash);
  }

  async has(hash: string): Promise<boolean> {
    return fs.existsSync(this.pathFor(hash));
  }

  async put(bytes: Uint8Array): Promise<string> {
    const hash = sha256(bytes);
    const dest = this.pathFor(hash);
    if (fs.existsSync(dest)) return hash;
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, dest);
    return hash;
  }

  async get(hash: string): Promise<Buffer> {
    try {
      return await fs.promises.readFile(this.pathFor(hash));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RawMissingError(hash, this.url);
      throw e;
    }
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      return (await fs.promises.stat(this.pathFor(hash))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async close(): Promise<void> {}
}
