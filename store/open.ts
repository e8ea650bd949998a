/**
 * Open the raw store a store URL names. The S3 client is loaded only for s3:// URLs, so the
 * single-machine default never loads the AWS SDK.
 */
import { FileRawStore, type RawStore } from './raw.ts';
import { parseStoreUrl, type StoreSpec } from './store-url.ts';

export async function openRawStore(url: string | StoreSpec): Promise<RawStore> {
  const spec = typeof url === 'string' ? parseStoreUrl(url) : url;
  if (spec.kind === 'file') return new FileRawStore(spec.root);
  const { S3RawStore } = await import('./s3.ts');
  return new S3RawStore(spec);
}
