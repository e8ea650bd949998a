/**
 * Store URLs: which raw store backend, and where. Parsed here (no SDK import), so the config can
 * validate `--store` / NIANBAO_STORE / `store` without loading the S3 client.
 *
 * - `file:///abs/path` (or a plain path): the content-addressed folder (store/raw.ts);
 * - `s3://bucket/prefix?endpoint=http://host:9000&region=us-east-1[&style=path|virtual]`: any
 *   S3-compatible service (store/s3.ts). Path-style addressing by default when an endpoint is given
 *   (MinIO, Ceph RGW, s3rver); `style=virtual` for services that refuse it (Alibaba OSS).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type StoreSpec =
  | { kind: 'file'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string; forcePathStyle: boolean };

/** A store URL, checked; throws an Error whose message says what is wrong (the caller names the key). */
export function parseStoreUrl(value: string, base = process.cwd()): StoreSpec {
  const v = value.trim();
  if (!v) throw new Error('takes a store URL (file:///path or s3://bucket/prefix), not an empty string');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return { kind: 'file', root: path.resolve(base, v) };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`is not a valid URL: '${v}'`);
  }
  if (u.protocol === 'file:') {
    if (u.host) throw new Error(`file URLs take an absolute path (file:///path), not '${v}'`);
    return { kind: 'file', root: fileURLToPath(u) };
  }
  if (u.protocol === 's3:') {
    const bucket = u.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`'${bucket}' is not a valid bucket name (s3://bucket/prefix)`);
    const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
    const known = new Set(['endpoint', 'region', 'style']);
    const unknown = [...u.searchParams.keys()].filter((k) => !known.has(k));
    if (unknown.length) throw new Error(`unknown parameter(s) ${unknown.join(', ')} (known: endpoint, region, style)`);
    const endpoint = u.searchParams.get('endpoint') || undefined;
    if (endpoint) {
      let e: URL;
      try {
        e = new URL(endpoint);
      } catch {
        throw new Error(`endpoint '${endpoint}' is not a URL (http://host:port)`);
      }
      if (e.protocol !== 'http:' && e.protocol !== 'https:') throw new Error(`endpoint '${endpoint}' must be http:// or https://`);
    }
    const style = u.searchParams.get('style') || (endpoint ? 'path' : 'virtual');
    if (style !== 'path' && style !== 'virtual') throw new Error(`style takes path or virtual, not '${style}'`);
    return { kind: 's3', bucket, prefix, endpoint, region: u.searchParams.get('region') || undefined, forcePathStyle: style === 'path' };
  }
  throw new Error(`unknown store scheme '${u.protocol}' (file:///path or s3://bucket/prefix)`);
}
