/**
 * Getting bytes, politely: one request with its redirects hop by hop (scope, robots, host
 * scheduler, cookies), the retry policy for transient faults, and the Chromium pass for a
 * JavaScript challenge. Everything above this module sees a response or a FetchError.
 */
import { FetchError, isTransient, parseRetryAfter, type FailureKind, type HttpResponse } from './http.ts';
import { backoffMs, sleep } from './politeness.ts';
import type { BrowserPath } from './browser.ts';
import type { QueueRow } from './frontier.ts';
import { normalizeUrl, hostOf } from './url.ts';
import { BudgetExhausted, type Ctx } from './context.ts';

export interface RequestOpts {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

/**
 * One polite request with redirects followed hop by hop (each hop re-checked for scope, robots
 * and loops, and scheduled like any request). Returns the final response, whatever its status.
 */
export async function request(ctx: Ctx, url: string, req: RequestOpts, flags: { robots: boolean } = { robots: true }): Promise<HttpResponse & { finalUrl: string }> {
  const seen = new Set<string>([url]);
  let current = url;
  let method = req.method ?? 'GET';
  let body = req.body;
  for (let hop = 0; hop <= ctx.o.maxRedirects; hop++) {
    if (hop > 0 && ctx.scope.check(current) !== null) throw new FetchError('off-scope-redirect', `redirect to ${current} leaves the portal`);
    if (flags.robots && ctx.o.respectRobots) {
      const why = await ctx.robots.check(current);
      if (why) throw new FetchError('robots', `${current}: ${why}`);
      const crawlDelay = await ctx.robots.crawlDelayMs(new URL(current).origin);
      if (crawlDelay) ctx.scheduler.setHostDelay(hostOf(current), crawlDelay);
    }
    const host = hostOf(current);
    if (ctx.downHosts.has(host)) throw new FetchError('host-down', `${host} failed ${ctx.o.hostDownAfter} times in a row; not retried this run`);
    if (ctx.scheduler.totalRequests() >= ctx.o.maxRequests) {
      ctx.budgetHit = true;
      throw new BudgetExhausted();
    }
    const headers: Record<string, string> = { 'user-agent': ctx.o.userAgent, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-language': 'zh-CN,zh;q=0.9', ...req.headers };
    const cookie = ctx.jar.header(current);
    if (cookie) headers.cookie = cookie;
    let resp: HttpResponse;
    try {
      resp = await ctx.scheduler.run(host, async (sent) => {
        const r = await ctx.client.request({ url: current, method, headers, body, onSent: sent });
        // Pause the host before its slot is released, so no queued request slips in first.
        const retryAfter = r.status === 429 || r.status === 503 ? parseRetryAfter(r.headers['retry-after']) : undefined;
        if (retryAfter !== undefined) ctx.scheduler.pauseHost(host, Date.now() + Math.min(ctx.o.maxBackoffMs, retryAfter));
        return r;
      });
    } catch (e) {
      if (e instanceof FetchError && ['refused', 'dns', 'timeout', 'reset'].includes(e.kind)) {
        const n = (ctx.hostFailures.get(host) ?? 0) + 1;
        ctx.hostFailures.set(host, n);
        if (n >= ctx.o.hostDownAfter && !ctx.downHosts.has(host)) {
          ctx.downHosts.add(host);
          ctx.o.log(`nianbao crawl: ${host} looks down (${n} consecutive ${e.kind} failures); its remaining URLs are recorded as failed for the next run`);
        }
      }
      throw e;
    }
    ctx.hostFailures.set(host, 0);
    ctx.summary.bytesDownloaded += resp.wireBytes;
    ctx.jar.setFromHeader(current, resp.headers['set-cookie']);
    const loc = resp.headers.location;
    if (resp.status >= 300 && resp.status < 400 && resp.status !== 304 && loc) {
      const next = normalizeUrl(String(loc), current);
      if (!next) return { ...resp, finalUrl: current };
      if (seen.has(next)) throw new FetchError('redirect-loop', `redirect loop: ${[...seen, next].join(' → ')}`, resp.status);
      seen.add(next);
      if (resp.status === 303 || ((resp.status === 301 || resp.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      current = next;
      continue;
    }
    return { ...resp, finalUrl: current };
  }
  throw new FetchError('too-many-redirects', `more than ${ctx.o.maxRedirects} redirects from ${url}`);
}

/** A 412/521 answer, or a tiny page whose script only sets a cookie and reloads. */
export function isChallenge(resp: { status: number; body: Buffer; headers: Record<string, unknown> }): boolean {
  if (resp.status === 412 || resp.status === 521) return true;
  if (resp.body.length > 20_000 || !/html|^$/.test(String(resp.headers['content-type'] ?? ''))) return false;
  const t = resp.body.toString('latin1');
  return /document\.cookie\s*=/.test(t) && /location\.(reload|href|replace)|window\.location/.test(t) && (t.match(/<a\s/gi) ?? []).length < 3;
}

/**
 * Fetch with the retry policy: transient faults (5xx, 429, timeouts, resets, truncation) are
 * retried with exponential backoff and jitter, Retry-After honoured (and applied to the whole
 * host), up to maxAttempts; a challenge is solved once in Chromium and the request replayed
 * with its cookie. Returns the response (any status below 500 except 429) or throws FetchError.
 */
export async function fetchWithRetry(ctx: Ctx, row: QueueRow, req: RequestOpts): Promise<{ resp: HttpResponse & { finalUrl: string }; attempts: number; viaBrowser?: { html: string } }> {
  const { o } = ctx;
  let solves = 0;
  let lastTransient: FailureKind | null = null;
  for (let attempt = 1; ; attempt++) {
    let wait = 0;
    try {
      const resp = await request(ctx, row.url, req);
      if (isChallenge(resp)) {
        if (!o.browser) throw new FetchError('challenge', `HTTP ${resp.status} JavaScript challenge and the browser path is off`, resp.status);
        if (solves >= 2) throw new FetchError('challenge', `still challenged after ${solves} browser passes`, resp.status);
        solves++;
        const viaBrowser = await solveChallenge(ctx, row.url);
        if (viaBrowser && solves >= 2) {
          // The cookie does not carry over to plain HTTP (bound to the browser): use Chromium's answer.
          return { resp: { ...resp, status: viaBrowser.status, body: viaBrowser.body ?? Buffer.from(viaBrowser.html), headers: { 'content-type': viaBrowser.contentType }, finalUrl: viaBrowser.finalUrl }, attempts: attempt, viaBrowser };
        }
        attempt--;
        continue;
      }
      const transient = resp.status === 429 || resp.status === 408 || (resp.status >= 500 && resp.status !== 501);
      if (!transient) {
        if (lastTransient) ctx.summary.retried[lastTransient] = (ctx.summary.retried[lastTransient] ?? 0) + 1;
        return { resp, attempts: attempt };
      }
      const kind: FailureKind = resp.status === 429 ? 'http-429' : 'http-5xx';
      const retryAfter = parseRetryAfter(resp.headers['retry-after']);
      if (attempt >= o.maxAttempts) throw new FetchError(kind, `HTTP ${resp.status} after ${attempt} attempts`, resp.status, retryAfter);
      lastTransient = kind;
      if (retryAfter !== undefined) {
        wait = Math.min(o.maxBackoffMs, retryAfter);
        // The server asked the whole host to slow down, not just this URL.
        ctx.scheduler.pauseHost(hostOf(row.url), Date.now() + wait);
      } else wait = backoffMs(attempt, o.backoffBaseMs, o.maxBackoffMs);
    } catch (e) {
      if (e instanceof BudgetExhausted) throw e;
      if (!(e instanceof FetchError)) throw e;
      if (!isTransient(e.kind) || attempt >= o.maxAttempts) {
        (e as FetchError & { attempts?: number }).attempts = attempt;
        throw e;
      }
      lastTransient = e.kind;
      wait = backoffMs(attempt, o.backoffBaseMs, o.maxBackoffMs);
    }
    await sleep(wait);
  }
}

/** One Chromium pass per host at a time; its cookies go to the plain client's jar. */
export async function solveChallenge(ctx: Ctx, url: string): Promise<{ status: number; html: string; body: Buffer | null; contentType: string; finalUrl: string } | null> {
  const host = hostOf(url);
  const running = ctx.challengeSolves.get(host);
  if (running) {
    await running;
    return null;
  }
  let result: Awaited<ReturnType<BrowserPath['fetch']>> | null = null;
  const p = (async () => {
    ctx.o.log(`nianbao crawl: ${host} answered with a JavaScript challenge; passing it in Chromium`);
    result = await ctx.browser.fetch(url);
    ctx.summary.browserFetches++;
    const n = ctx.jar.importBrowserCookies(result.cookies);
    ctx.o.log(`nianbao crawl: Chromium got HTTP ${result.status} for ${url}; ${n} cookie(s) handed to plain HTTP`);
  })();
  ctx.challengeSolves.set(host, p);
  try {
    await p;
  } finally {
    ctx.challengeSolves.delete(host);
  }
  const r = result as Awaited<ReturnType<BrowserPath['fetch']>> | null;
  return r && r.status > 0 && r.status < 400 ? r : null;
}

// ---------------------------------------------------------------- items

export function fail(ctx: Ctx, row: QueueRow, e: unknown): void {
  if (e instanceof BudgetExhausted) throw e;
  const fe = e instanceof FetchError ? e : new FetchError('network', (e as Error).message);
  const attempts = (fe as FetchError & { attempts?: number }).attempts ?? 1;
  if (fe.kind === 'robots') {
    ctx.summary.skipped.robots++;
    ctx.frontier.skipped(row.url, 'robots');
    return;
  }
  ctx.summary.failed++;
  ctx.summary.failures[fe.kind] = (ctx.summary.failures[fe.kind] ?? 0) + 1;
  ctx.summary.failedUrls.push({ url: row.url, kind: fe.kind, status: fe.status ?? null, message: fe.message, attempts });
  ctx.frontier.failed(row.url, attempts, fe.status ?? null, fe.kind, fe.message);
  ctx.o.log(`nianbao crawl: failed ${row.kind} ${row.url}: ${fe.kind}: ${fe.message}`);
}

export function httpError(resp: { status: number }, attempts: number): FetchError {
  const e = new FetchError(resp.status >= 500 ? 'http-5xx' : 'http-4xx', `HTTP ${resp.status}`, resp.status);
  (e as FetchError & { attempts?: number }).attempts = attempts;
  return e;
}

