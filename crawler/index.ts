/**
 * The crawler: `crawl(db, rawStore, { starts, portals, options }) → CrawlSummary`.
 *
 * Frontier and documents live in SQLite (frontier.ts), bytes in the content-addressed raw store.
 * Every request, plain or from Chromium, goes through one per-host scheduler (politeness.ts),
 * after the scope/address check (url.ts, http.ts) and robots.txt (robots.ts). Retries, backoff,
 * Retry-After, redirects, challenges and conditional requests are handled here, once, for every
 * platform; the platform adapters (platforms/*) only read listings, and the shared discovery
 * rules (discover.ts) decide what is a report.
 */
import type { DB } from '../store/db.ts';
import type { RawStore } from '../store/raw.ts';
import { resolveOptions, type CrawlOptions, type ResolvedOptions } from './options.ts';
import { HttpClient, FetchError, isTransient, parseRetryAfter, type FailureKind, type HttpResponse } from './http.ts';
import { CookieJar } from './cookies.ts';
import { HostScheduler, backoffMs, sleep } from './politeness.ts';
import { RobotsCache } from './robots.ts';
import { BrowserPath } from './browser.ts';
import { Frontier, type QueueRow, type DocOutcome } from './frontier.ts';
import { Scope, normalizeUrl, hostOf, contentDispositionFileName, safeFileName } from './url.ts';
import { decodeText } from './decode.ts';
import { articleAttachments, articleTitle, classifyListedLink, classifyTitle, compactTitle, loadHtml, readListing, attachmentExt, entryDate, isBeforeSince } from './discover.ts';
import type { Discovered, Page, PlatformAdapter, QueueExtra, QueueKind } from './types.ts';
import type { PortalSource } from './portals.ts';
import { trs } from './platforms/trs.ts';
import { jcms } from './platforms/jcms.ts';
import { jsonapi } from './platforms/jsonapi.ts';
import { generic } from './platforms/generic.ts';

export type { CrawlOptions } from './options.ts';
export type { PortalSource } from './portals.ts';
export { loadPortals, samplePortal, DEFAULT_PORTALS_FILE } from './portals.ts';
export { classifyTitle, isReportTitle } from './discover.ts';

export const ADAPTERS: PlatformAdapter[] = [trs, jcms, jsonapi, generic];

export interface CrawlInput {
  /** Start URLs (年报 columns or pages linking to them). */
  starts?: string[];
  /** Portal sources; their start URLs are crawled too, with their names, hints and hosts. */
  portals?: PortalSource[];
  options?: CrawlOptions;
}

export interface FailedUrl {
  url: string;
  kind: FailureKind | string;
  status: number | null;
  message: string;
  attempts: number;
}

export interface CrawlSummary {
  runId: number;
  /** This call continued a crawl that had been killed. */
  resumed: boolean;
  /** Stopped on the request budget; the next call resumes. */
  stoppedEarly: boolean;
  /** Documents (articles + attachments) answered 200 or 304. */
  fetched: number;
  new: number;
  changed: number;
  /** 304 answers plus 200 answers with the stored sha256. */
  unchanged: number;
  notModified: number;
  listingsRead: number;
  reportsFound: number;
  attachmentsFound: number;
  failed: number;
  failures: Record<string, number>;
  failedUrls: FailedUrl[];
  /** Transient faults that a later attempt got past. */
  retried: Record<string, number>;
  /**
   * Links not followed: robots.txt, off the portal, not a report, and (with `since`) report
   * entries dated before `since` (distinct URLs, not counting one fetched anyway through an
   * undated listing or as an article's attachment).
   */
  skipped: { robots: number; offScope: number; nonReport: number; beforeSince: number };
  /** Body bytes received by the plain client (all kinds). */
  bytesDownloaded: number;
  /** Body bytes of article/attachment answers only: 0 on a re-run where nothing changed. */
  documentBytes: number;
  requestsByHost: Record<string, number>;
  browserFetches: number;
  browserRequests: number;
  platforms: Record<string, number>;
  robotsOverridden: boolean;
  durationMs: number;
}

interface Ctx {
  o: ResolvedOptions;
  db: DB;
  raw: RawStore;
  frontier: Frontier;
  client: HttpClient;
  jar: CookieJar;
  scheduler: HostScheduler;
  robots: RobotsCache;
  browser: BrowserPath;
  scope: Scope;
  summary: CrawlSummary;
  hostFailures: Map<string, number>;
  downHosts: Set<string>;
  challengeSolves: Map<string, Promise<void>>;
  budgetHit: boolean;
  hints: Map<string, string>;
  /** URLs of report entries left out for being dated before `since`. */
  beforeSince: Set<string>;
}

class BudgetExhausted extends Error {}

export async function crawl(db: DB, raw: RawStore, input: CrawlInput): Promise<CrawlSummary> {
  const started = Date.now();
  const o = resolveOptions(input.options);
  const portals = input.portals ?? [];
  const scope = new Scope();
  const starts: { url: string; portal: string; hint?: string }[] = [];
  const hints = new Map<string, string>();
  for (const p of portals) {
    // The sample portal's entry holds paths until samplePortal() resolves them against its address.
    if (p.sample && p.start.some((s) => !/^https?:\/\//i.test(s))) {
      o.log(`nianbao crawl: skipping ${p.name}: sample portal entry without a running sample portal (use --sample)`);
      continue;
    }
    for (const s of p.start) {
      const url = normalizeUrl(s);
      if (!url) throw new Error(`portal ${p.name}: bad start URL ${s}`);
      starts.push({ url, portal: p.name, hint: p.platform });
      scope.addPortalUrl(url);
      if (p.platform) hints.set(hostOf(url), p.platform);
    }
    for (const h of p.allowHosts ?? []) scope.addAllowHost(h);
  }
  for (const s of input.starts ?? []) {
    const url = normalizeUrl(s);
    if (!url) throw new Error(`bad start URL ${s}`);
    if (!starts.some((x) => x.url === url)) starts.push({ url, portal: hostOf(url) });
    scope.addPortalUrl(url);
  }
  for (const h of o.allowHosts) scope.addAllowHost(h);
  for (const h of Object.keys(o.hostOverrides)) scope.localOk.add(h.toLowerCase());

  const frontier = new Frontier(db);
  const scheduler = new HostScheduler(o.perHostConcurrency, o.perHostDelayMs);
  const client = new HttpClient({ timeoutMs: o.timeoutMs, maxBytes: o.maxBytes, hostOverrides: lowerKeys(o.hostOverrides), localOk: scope.localOk });
  const jar = new CookieJar();
  const summary: CrawlSummary = {
    runId: frontier.runId,
    resumed: frontier.resumed,
    stoppedEarly: false,
    fetched: 0,
    new: 0,
    changed: 0,
    unchanged: 0,
    notModified: 0,
    listingsRead: 0,
    reportsFound: 0,
    attachmentsFound: 0,
    failed: 0,
    failures: {},
    failedUrls: [],
    retried: {},
    skipped: { robots: 0, offScope: 0, nonReport: 0, beforeSince: 0 },
    bytesDownloaded: 0,
    documentBytes: 0,
    requestsByHost: {},
    browserFetches: 0,
    browserRequests: 0,
    platforms: {},
    robotsOverridden: !o.respectRobots,
    durationMs: 0,
  };
  const ctx: Ctx = {
    o,
    db,
    raw,
    frontier,
    client,
    jar,
    scheduler,
    scope,
    summary,
    robots: null as unknown as RobotsCache,
    browser: new BrowserPath({ chromiumPath: o.chromiumPath, userAgentToken: o.userAgent, hostOverrides: lowerKeys(o.hostOverrides), timeoutMs: o.timeoutMs, scheduler, scope, log: o.log }),
    hostFailures: new Map(),
    downHosts: new Set(),
    challengeSolves: new Map(),
    budgetHit: false,
    hints,
    beforeSince: new Set(),
  };
  ctx.robots = new RobotsCache(o.userAgent, async (robotsUrl) => {
    try {
      const r = await request(ctx, robotsUrl, {}, { robots: false });
      return { status: r.status, body: r.status < 300 ? r.body.toString('utf8') : '' };
    } catch (e) {
      if (e instanceof BudgetExhausted) throw e;
      return { status: null, body: '', error: e instanceof FetchError ? e : new FetchError('network', String(e)) };
    }
  });
  if (!o.respectRobots) o.log('nianbao crawl: robots.txt is NOT honoured for this run (explicit override: --ignore-robots / respectRobots=false)');
  if (frontier.resumed) o.log(`nianbao crawl: resuming unfinished run ${frontier.runId}`);
  if (o.since) o.log(`nianbao crawl: since ${o.since}: report entries dated before it are skipped, and a list stops paging at its first page dated wholly before it`);

  frontier.enqueueMany(starts.map((s) => ({ url: s.url, kind: 'listing' as const, portal: s.portal, depth: 0, extra: { pageNo: 0, ...(s.hint ? { hint: s.hint } : {}) } })));

  const inflight = new Set<string>();
  let done = 0;
  let wake: () => void = () => undefined;
  try {
    for (;;) {
      if (ctx.budgetHit) break;
      const rows = frontier.pending(5000).filter((r) => !inflight.has(r.url));
      for (const row of rows) {
        inflight.add(row.url);
        void processItem(ctx, row)
          .catch((e) => {
            if (!(e instanceof BudgetExhausted)) o.log(`nianbao crawl: internal error on ${row.url}: ${(e as Error).stack ?? e}`);
          })
          .finally(() => {
            inflight.delete(row.url);
            done++;
            o.onProgress?.({ done, queued: done + inflight.size, failed: summary.failed });
            wake();
          });
      }
      if (inflight.size === 0) {
        if (frontier.pending(1).length === 0) break;
        continue;
      }
      await new Promise<void>((r) => (wake = r));
    }
    // Let in-flight items settle when the budget stopped the loop.
    while (inflight.size > 0) await new Promise<void>((r) => (wake = r));
  } finally {
    await ctx.browser.close();
    client.close();
  }
  // Skipped for their date here, yet queued anyway (listed again undated, or an article's attachment).
  summary.skipped.beforeSince = [...ctx.beforeSince].filter((u) => !frontier.queuedInRun(u)).length;
  summary.stoppedEarly = ctx.budgetHit;
  summary.requestsByHost = scheduler.requestsByHost();
  summary.browserRequests = ctx.browser.requests;
  summary.durationMs = Date.now() - started;
  if (!ctx.budgetHit) {
    frontier.finishRun(summary.failed > 0 ? 'partial' : 'ok', summaryCounts(summary), summary.failedUrls.slice(0, 1000));
  }
  return summary;
}

function summaryCounts(s: CrawlSummary): Record<string, unknown> {
  const { failedUrls: _f, ...rest } = s;
  return rest;
}

function lowerKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
}

// ---------------------------------------------------------------- requests

interface RequestOpts {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

/**
 * One polite request with redirects followed hop by hop (each hop re-checked for scope, robots
 * and loops, and scheduled like any request). Returns the final response, whatever its status.
 */
async function request(ctx: Ctx, url: string, req: RequestOpts, flags: { robots: boolean } = { robots: true }): Promise<HttpResponse & { finalUrl: string }> {
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
async function fetchWithRetry(ctx: Ctx, row: QueueRow, req: RequestOpts): Promise<{ resp: HttpResponse & { finalUrl: string }; attempts: number; viaBrowser?: { html: string } }> {
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
async function solveChallenge(ctx: Ctx, url: string): Promise<{ status: number; html: string; body: Buffer | null; contentType: string; finalUrl: string } | null> {
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

function fail(ctx: Ctx, row: QueueRow, e: unknown): void {
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

function httpError(resp: { status: number }, attempts: number): FetchError {
  const e = new FetchError(resp.status >= 500 ? 'http-5xx' : 'http-4xx', `HTTP ${resp.status}`, resp.status);
  (e as FetchError & { attempts?: number }).attempts = attempts;
  return e;
}

async function processItem(ctx: Ctx, row: QueueRow): Promise<void> {
  try {
    if (row.kind === 'listing' || row.kind === 'api') await processListing(ctx, row);
    else await processDocument(ctx, row);
  } catch (e) {
    fail(ctx, row, e);
  }
}

function makePage(row: QueueRow, finalUrl: string, status: number, contentType: string, text: string, rendered: boolean): Page {
  let $: ReturnType<typeof loadHtml> | null = null;
  return { url: row.url, finalUrl, kind: row.kind, status, contentType, text, extra: row.extra, rendered, $: () => ($ ??= loadHtml(text)) };
}

/** A list page built by script with nothing to read: worth one Chromium render. */
function needsRender(page: Page, found: number): boolean {
  if (page.rendered || page.kind !== 'listing' || found > 0) return false;
  return /<script/i.test(page.text) && /(innerHTML|appendChild|insertAdjacentHTML|\.html\(|\.append\(|v-for|ng-repeat|\{\{\s*\w)/.test(page.text);
}

async function processListing(ctx: Ctx, row: QueueRow): Promise<void> {
  const { resp, attempts } = await fetchWithRetry(ctx, row, { method: row.extra.method, body: row.extra.body, headers: row.extra.headers });
  if (resp.status >= 300) throw httpError(resp, attempts);
  ctx.summary.listingsRead++;
  const contentType = String(resp.headers['content-type'] ?? '');
  let page = makePage(row, resp.finalUrl, resp.status, contentType, decodeText(resp.body, contentType), false);
  let result = readListing(page, ADAPTERS);
  const first = childrenOf(ctx, row, page, result);
  let children = first.children;
  // Entries left out for their date were found all the same: no reason to render the page.
  if (needsRender(page, children.length + first.skippedBeforeSince) && ctx.o.browser) {
    ctx.o.log(`nianbao crawl: ${row.url} lists nothing without scripts; rendering it in Chromium`);
    const r = await ctx.browser.fetch(row.url);
    ctx.summary.browserFetches++;
    ctx.jar.importBrowserCookies(r.cookies);
    if (r.status > 0 && r.status < 400) {
      page = makePage(row, r.finalUrl, r.status, 'text/html', r.html, true);
      result = readListing(page, ADAPTERS);
      children = childrenOf(ctx, row, page, result).children;
    }
  }
  for (const p of result.platforms) ctx.summary.platforms[p] = (ctx.summary.platforms[p] ?? 0) + 1;
  ctx.frontier.complete(row.url, attempts, resp.status, children);
}

type Child = Parameters<Frontier['enqueue']>[0];

/**
 * What a listing page leads to. With `since`: report entries dated before it are left out, and
 * the list's further pages are requested one at a time (the next one queued with the rest in
 * `extra.sinceNext`) until a page whose entries are all dated before `since` ends the list.
 */
function childrenOf(ctx: Ctx, row: QueueRow, page: Page, result: ReturnType<typeof readListing>): { children: Child[]; skippedBeforeSince: number } {
  const out: Child[] = [];
  const seen = new Set<string>();
  const hint = row.extra.hint ?? ctx.hints.get(hostOf(row.url));
  const since = ctx.o.since;
  const add = (d: Discovered, depth: number) => {
    if (seen.has(d.url) || d.url === row.url) return;
    if (ctx.scope.check(d.url) !== null) {
      ctx.summary.skipped.offScope++;
      return;
    }
    seen.add(d.url);
    const extra: QueueExtra = { ...(d.extra ?? {}) };
    if (hint && (d.kind === 'listing' || d.kind === 'api')) extra.hint = hint;
    out.push({ url: d.url, kind: d.kind, portal: row.portal, referrer: row.url, title: d.title ?? null, depth, extra });
  };
  // `since`: the page's entries (rows with a printed date, and report candidates) and how many are older.
  let entries = 0;
  let older = 0;
  let skippedBeforeSince = 0;
  for (const link of result.links) {
    const decision = classifyListedLink(link);
    const candidate = decision.action === 'fetch' && decision.item.kind !== 'listing';
    const date = since ? entryDate(link) : null;
    const old = !!(since && date && isBeforeSince(date, since));
    if (since && (link.date || candidate) && link.url !== row.url && ctx.scope.check(link.url) === null) {
      entries++;
      if (old) older++;
    }
    if (decision.action === 'skip') {
      ctx.summary.skipped.nonReport++;
      continue;
    }
    const d = decision.item;
    if (d.kind === 'listing') {
      if (row.depth + 1 > ctx.o.maxListingDepth) continue;
      add({ ...d, extra: { pageNo: 0 } }, row.depth + 1);
    } else if (old && ctx.scope.check(d.url) === null) {
      skippedBeforeSince++;
      ctx.beforeSince.add(d.url);
    } else add(d, row.depth);
  }
  // Further pages of this list (and, from a `since` chain, the ones still to come).
  const continuations: Discovered[] = [];
  const known = new Set<string>();
  for (const p of [...result.pages, ...(row.extra.sinceNext ?? [])]) {
    const pageNo = p.extra?.pageNo ?? (row.extra.pageNo ?? 0) + 1;
    if (pageNo > ctx.o.maxListingPages) continue;
    const { sinceNext: _rest, ...extra } = p.extra ?? {};
    const item: Discovered = { url: p.url, kind: p.kind, title: p.title, extra: { ...extra, pageNo } };
    if (!since || p.opensList) add(item, row.depth);
    else if (!known.has(p.url)) {
      known.add(p.url);
      continuations.push(item);
    }
  }
  if (since && continuations.length) {
    const open = continuations.filter((p) => p.url !== row.url && !seen.has(p.url) && ctx.scope.check(p.url) === null && !ctx.frontier.queuedInRun(p.url));
    if (entries > 0 && older === entries) {
      if (open.length) ctx.o.log(`nianbao crawl: ${row.url}: all ${entries} entries dated before ${since}; not paging further (${open.length} known page(s) left)`);
    } else if (open.length) {
      const [next, ...rest] = open;
      add({ ...next!, extra: { ...next!.extra, ...(rest.length ? { sinceNext: rest } : {}) } }, row.depth);
    }
  }
  return { children: out, skippedBeforeSince };
}

async function processDocument(ctx: Ctx, row: QueueRow): Promise<void> {
  const kind = row.kind as 'article' | 'attachment';
  const prev = ctx.frontier.document(row.url);
  const headers: Record<string, string> = {};
  // Conditional only when the stored bytes are really there to fall back on.
  if (prev?.sha256 && ctx.raw.has(prev.sha256)) {
    if (prev.etag) headers['if-none-match'] = prev.etag;
    if (prev.last_modified) headers['if-modified-since'] = prev.last_modified;
  }
  if (row.referrer) headers.referer = row.referrer;
  if (kind === 'attachment') headers.accept = '*/*';
  const { resp, attempts } = await fetchWithRetry(ctx, row, { headers });
  const notModified = resp.status === 304 && !!prev?.sha256;
  if (!notModified && (resp.status < 200 || resp.status >= 300)) throw httpError(resp, attempts);
  const bytes = notModified ? ctx.raw.get(prev!.sha256!) : resp.body;
  if (!notModified) ctx.summary.documentBytes += resp.wireBytes;
  const contentType = String(resp.headers['content-type'] ?? '') || null;
  const etag = (resp.headers.etag as string | undefined) ?? null;
  const lastModified = (resp.headers['last-modified'] as string | undefined) ?? null;

  let title = row.title;
  const children: Parameters<Frontier['enqueue']>[0][] = [];
  if (kind === 'article') {
    const text = decodeText(bytes, contentType ?? undefined);
    const $ = loadHtml(text);
    const pageTitle = compactTitle(articleTitle($));
    if (row.extra.verify || !title || /(\.\.\.|…)$/.test(title)) {
      if (classifyTitle(pageTitle) !== 'report') {
        // The listing's cut title promised a report; the page says otherwise: store nothing.
        ctx.summary.skipped.nonReport++;
        if (!notModified) ctx.summary.documentBytes -= resp.wireBytes; // not a document after all
        ctx.frontier.skipped(row.url, 'non-report');
        return;
      }
      title = pageTitle;
    }
    for (const a of articleAttachments($, resp.finalUrl)) {
      if (ctx.scope.check(a.url) !== null) {
        ctx.summary.skipped.offScope++;
        continue;
      }
      if (a.url === row.url) continue;
      children.push({ url: a.url, kind: 'attachment', portal: row.portal, referrer: row.url, title, depth: row.depth, extra: { linkText: compactTitle(a.title) } });
    }
  }

  let filename: string | null = contentDispositionFileName(resp.headers['content-disposition'] as string | undefined);
  if (!filename && kind === 'attachment') {
    const u = new URL(resp.finalUrl);
    const q = [...u.searchParams].find(([k, v]) => /^(filename|file|fileName|name)$/i.test(k) && attachmentExt(`http://x/${v}`));
    filename = safeFileName(q ? q[1] : u.pathname.split('/').pop());
  }
  const sha = notModified ? prev!.sha256! : ctx.raw.put(bytes);
  let outcome: DocOutcome = 'unchanged';
  ctx.frontier.complete(row.url, attempts, notModified ? 304 : resp.status, children, () => {
    if (notModified) ctx.frontier.touchDocument(row.url, { etag, lastModified, referrer: row.referrer, title });
    else
      outcome = ctx.frontier.storeDocument({
        url: row.url,
        finalUrl: resp.finalUrl,
        referrer: row.referrer,
        portal: row.portal,
        kind,
        title,
        status: resp.status,
        contentType,
        etag,
        lastModified,
        sha256: sha,
        size: bytes.length,
        filename,
      });
  });
  ctx.summary.fetched++;
  if (notModified) ctx.summary.notModified++;
  ctx.summary[outcome]++;
  if (kind === 'article') ctx.summary.reportsFound++;
  else ctx.summary.attachmentsFound++;
}

export type { QueueKind };
