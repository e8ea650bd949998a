/** The queue URL: checked without loading the Redis client (config reading stays light). */
export class QueueUrlError extends Error {}

/** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueUrlError(`not a URL: '${url}' (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueUrlError(`unknown queue scheme '${u.protocol}' in '${url}' (expected redis:// or rediss://)`);
  if (!u.hostname) throw new QueueUrlError(`no host in '${url}'`);
  return url;
}

/** The queue URL without its password, for logs and summaries. */
export function redactQueueUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
