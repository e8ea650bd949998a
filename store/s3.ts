/**
 * The raw store on any S3-compatible service (AWS S3, MinIO, Ceph RGW, Alibaba OSS, Tencent COS),
 * through @aws-sdk/client-s3. Keys are content-addressed: `<prefix>/<sha256>`. A put first asks
 * HEAD and skips the upload when the key exists (the same key always holds the same bytes), so
 * puts are idempotent and a re-crawl uploads nothing twice; a PUT is atomic on S3, so no reader
 * sees a partial object. Bytes read back are checked against their sha256.
 *
 * Credentials come from the SDK's usual chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
 * AWS_SESSION_TOKEN), then the shared files ~/.aws/credentials and ~/.aws/config (AWS_PROFILE).
 * Region: the URL's `region`, else AWS_REGION, else us-east-1.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { RawMissingError, checkSha256, sha256, type RawStore } from './raw.ts';
import type { StoreSpec } from './store-url.ts';

type S3Spec = Extract<StoreSpec, { kind: 's3' }>;

/** The key is not there (a missing bucket is a configuration error, not a missing document; HEAD cannot tell them apart). */
const isMissing = (e: unknown) =>
  e instanceof S3ServiceException && (e.name === 'NoSuchKey' || (e.name === 'NotFound' && e.$metadata?.httpStatusCode === 404));

/** An S3 call that failed for another reason than a missing key: names the store, the call and the HTTP status. */
export class RawStoreError extends Error {}

export class S3RawStore implements RawStore {
  readonly url: string;
  readonly client: S3Client;
  constructor(public readonly spec: S3Spec) {
    this.url = `s3://${spec.bucket}/${spec.prefix}${spec.endpoint ? ` (${spec.endpoint})` : ''}`;
    this.client = new S3Client({
      region: spec.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      endpoint: spec.endpoint,
      forcePathStyle: spec.forcePathStyle,
      // Third-party S3 services do not all know the newer default checksums: send them only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  key(hash: string): string {
    checkSha256(hash);
    return this.spec.prefix ? `${this.spec.prefix}/${hash}` : hash;
  }

  async size(hash: string): Promise<number | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.key(hash) }));
      return r.ContentLength ?? 0;
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw this.failure('HEAD', hash, e);
    }
  }

  async has(hash: string): Promise<boolean> {
    return (await this.size(hash)) !== undefined;
  }

  async put(bytes: Uint8Array): Promise<string> {
    const hash = sha256(bytes);
    if ((await this.size(hash)) === bytes.length) return hash;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.spec.bucket, Key: this.key(hash), Body: bytes, ContentLength: bytes.length, ContentType: 'application/octet-stream' }),
      );
    } catch (e) {
      throw this.failure('PUT', hash, e);
    }
    return hash;
  }

  async get(hash: string): Promise<Buffer> {
    let body: Uint8Array;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: this.key(hash) }));
      body = await r.Body!.transformToByteArray();
    } catch (e) {
      if (isMissing(e)) throw new RawMissingError(hash, this.url);
      throw this.failure('GET', hash, e);
    }
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const got = sha256(bytes);
    if (got !== hash) throw new Error(`raw object ${this.key(hash)} in ${this.url} is damaged: its bytes hash to ${got}`);
    return bytes;
  }

  private failure(op: string, hash: string, e: unknown): RawStoreError {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const err = e as Error;
    return new RawStoreError(`raw store ${this.url}: ${op} ${this.key(hash)} failed${status ? ` (HTTP ${status})` : ''}: ${err.name}: ${err.message}`, { cause: e });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
