import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 hex of a buffer: the identity of a raw document. */
export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Content-addressed store of raw documents under `<dataDir>/raw/ab/<sha256>`. Writes go to a
 * temporary file and are renamed into place, so a killed process never leaves a partial blob.
 */
export class RawStore {
  constructor(public readonly root: string) {}

  pathFor(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
    return path.join(this.root, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return fs.existsSync(this.pathFor(hash));
  }

  put(bytes: Uint8Array): string {
    const hash = sha256(bytes);
    const dest = this.pathFor(hash);
    if (fs.existsSync(dest)) return hash;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, dest);
    return hash;
  }

  get(hash: string): Buffer {
    return fs.readFileSync(this.pathFor(hash));
  }
}
