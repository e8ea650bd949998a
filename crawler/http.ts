/**
 * One HTTP exchange over node:http/https, with what a polite, safe crawler needs and fetch()
 * hides: a whole-request deadline, a size cap enforced while streaming (also after
 * decompression), wire-byte counting, Content-Length truncation detection, and a DNS lookup hook
 * that refuses loopback/link-local/private addresses unless the host was configured (and lets
 * tests map virtual host names to 127.0.0.1). Redirects are NOT followed here: each hop is a new
 * request that must pass scope, robots and per-host politeness in the crawler core.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns';
import net from 'node:net';
import zlib from 'node:zlib';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from './url.ts';

export type FailureKind =
  | 'timeout'
  | 'reset'
  | 'refused'
  | 'dns'
  | 'truncated'
  | 'too-large'
  | 'blocked-address'
  | 'network'
  | 'http-5xx'
  | 'http-429'
  | 'http-4xx'
  | 'redirect-loop'
  | 'too-many-redirects'
  | 'off-scope-redirect'
  | 'robots'
  | 'host-down'
  | 'challenge'
  | 'unreadable-answer'
  | 'budget';

export class FetchError extends Error {
  constructor(
    public kind: FailureKind,
    message: string,
    public status?: number,
    public retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** Faults worth another attempt later in the same run. */
export function isTransient(kind: FailureKind): boolean {
  return ['timeout', 'reset', 'refused', 'dns', 'truncated', 'network', 'http-5xx', 'http-429'].includes(kind);
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Called once the request has been written to the connection (politeness clock). */
  onSent?: () => void;
}

export interface HttpResponse {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Body bytes as received on the wire (before decompression). */
  wireBytes: number;
  startedAt: number;
  endedAt: number;
}

export interface HttpClientOptions {
  timeoutMs: number;
  maxBytes: number;
  hostOverrides: Record<string, string>;
  /** Host names allowed to resolve to private/loopback addresses (configured portals). */
  localOk: Set<string>;
}

export class HttpClient {
  private agents: { http: http.Agent; https: https.Agent };
  constructor(private opts: HttpClientOptions) {
    const lookup = this.lookup;
    // Keep-alive: one connection per host reused at 1 req/s is the politest pattern.
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 16, lookup } as http.AgentOptions),
      https: new https.Agent({ keepAlive: true, maxSockets: 16, lookup } as https.AgentOptions),
    };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Resolution with the safety rule applied to every address returned. */
  private lookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase();
    const finish = (err: NodeJS.ErrnoException | null, addrs: { address: string; family: number }[]) => {
      if (err) return (callback as (e: NodeJS.ErrnoException) => void)(err);
      const bad = addrs.find((a) => isPrivateAddress(a.address));
      if (bad && !this.opts.localOk.has(host)) {
        const e = Object.assign(new Error(`${host} resolves to non-public address ${bad.address}`), { code: 'EBLOCKED' });
        return (callback as (e: NodeJS.ErrnoException) => void)(e);
      }
      if ((options as dns.LookupOptions).all) (callback as unknown as (e: null, a: typeof addrs) => void)(null, addrs);
      else callback(null, addrs[0]!.address, addrs[0]!.family);
    };
    const fixed = this.opts.hostOverrides[host];
    if (fixed) return finish(null, [{ address: fixed, family: net.isIPv6(fixed) ? 6 : 4 }]);
    dns.lookup(hostname, { ...(options as dns.LookupOptions), all: true }, (err, addrs) => finish(err, (addrs as dns.LookupAddress[]) ?? []));
  };

  request(req: HttpRequest): Promise<HttpResponse> {
    const u = new URL(req.url);
    const hostname = u.hostname.replace(/^\[|\]$/g, '');
    // Node skips the lookup hook for IP literals, so the safety rule is applied here too.
    if (net.isIP(hostname) && isPrivateAddress(hostname) && !this.opts.localOk.has(hostname)) {
      return Promise.reject(new FetchError('blocked-address', `${hostname} is a non-public address`));
    }
    const isHttps = u.protocol === 'https:';
    const mod = isHttps ? https : http;
    const startedAt = Date.now();
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (e: FetchError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.destroy();
        reject(e);
      };
      const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
      const r = mod.request(u, { method: req.method ?? 'GET', headers, agent: isHttps ? this.agents.https : this.agents.http });
      const timer = setTimeout(() => fail(new FetchError('timeout', `no complete response within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      r.on('error', (e: NodeJS.ErrnoException) => fail(classifyNetError(e)));
      r.on('finish', () => req.onSent?.());
      r.on('response', (res) => {
        const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
        if (declared !== undefined && declared > this.opts.maxBytes && !res.headers['content-encoding']) {
          return fail(new FetchError('too-large', `Content-Length ${declared} exceeds cap ${this.opts.maxBytes}`, res.statusCode));
        }
        let wire = 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const enc = String(res.headers['content-encoding'] ?? '').toLowerCase().trim();
        const decoder = enc === 'gzip' || enc === 'x-gzip' ? zlib.createGunzip() : enc === 'deflate' ? zlib.createInflate() : enc === 'br' ? zlib.createBrotliDecompress() : null;
        const sink = (c: Buffer) => {
          size += c.length;
          // The cap also bounds decompression: a small gzip bomb cannot blow memory up.
          if (size > this.opts.maxBytes) return fail(new FetchError('too-large', `body exceeds cap ${this.opts.maxBytes}`, res.statusCode));
          chunks.push(c);
        };
        const done = () => {
          if (settled) return;
          if (declared !== undefined && wire < declared) {
            return fail(new FetchError('truncated', `body ${wire} bytes, Content-Length ${declared}`, res.statusCode));
          }
          settled = true;
          clearTimeout(timer);
          resolve({ url: req.url, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), wireBytes: wire, startedAt, endedAt: Date.now() });
        };
        res.on('data', (c: Buffer) => {
          wire += c.length;
          if (decoder) decoder.write(c);
          else sink(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          if (declared !== undefined && wire < declared) fail(new FetchError('truncated', `connection lost after ${wire} of ${declared} bytes`, res.statusCode));
          else fail(classifyNetError(e));
        });
        res.on('aborted', () => fail(new FetchError(declared !== undefined ? 'truncated' : 'reset', `response aborted after ${wire} bytes`, res.statusCode)));
        if (decoder) {
          decoder.on('data', sink);
          decoder.on('error', (e) => fail(new FetchError('truncated', `bad ${enc} stream: ${e.message}`, res.statusCode)));
          decoder.on('end', done);
          res.on('end', () => decoder.end());
        } else res.on('end', done);
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }
}

function classifyNetError(e: NodeJS.ErrnoException): FetchError {
  if (e instanceof FetchError) return e;
  const code = e.code ?? '';
  if (code === 'EBLOCKED') return new FetchError('blocked-address', e.message);
  if (code === 'ECONNREFUSED') return new FetchError('refused', e.message);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new FetchError('dns', e.message);
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(e.message)) return new FetchError('reset', e.message || code);
  if (code === 'ETIMEDOUT') return new FetchError('timeout', e.message);
  return new FetchError('network', `${code} ${e.message}`.trim());
}

/** Retry-After (seconds or an HTTP date) in ms, or undefined. */
export function parseRetryAfter(v: string | string[] | undefined, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = (Array.isArray(v) ? v[0]! : v).trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}
