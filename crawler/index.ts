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
import { resolveOptions, type CrawlOptions } from './options.ts';
import { HttpClient, FetchError } from './http.ts';
import { CookieJar } from './cookies.ts';
import { HostScheduler } from './politeness.ts';
import { RobotsCache } from './robots.ts';
import { BrowserPath } from './browser.ts';
import { Frontier, type QueueRow } from './frontier.ts';
import { Scope, normalizeUrl, hostOf } from './url.ts';
import type { QueueKind } from './types.ts';
import type { PortalSource } from './portals.ts';
import { BudgetExhausted, emptyCoverage, emptyListings, type Ctx, type CrawlSummary, type PortalCoverage } from './context.ts';
import { request, fail } from './fetch.ts';
import { processListing, pageInBrowser } from './listing.ts';
import { ListTracker, incompleteText } from './completeness.ts';
import { processDocument } from './document.ts';

export type { CrawlOptions } from './options.ts';
export type { PortalSource } from './portals.ts';
export type { CrawlSummary, FailedUrl, PortalCoverage } from './context.ts';
export type { IncompleteListing } from './completeness.ts';
export { loadPortals, samplePortal, DEFAULT_PORTALS_FILE } from './portals.ts';
export { classifyTitle, isReportTitle } from '../text/title.ts';
export { ADAPTERS } from './listing.ts';
export { isChallenge } from './fetch.ts';

export interface CrawlInput {
  /** Start URLs (年报 columns or pages linking to them). */
  starts?: string[];
  /** Portal sources; their start URLs are crawled too, with their names, hints and hosts. */
  portals?: PortalSource[];
  options?: CrawlOptions;
}

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
    pagingProbes: 0,
    incompleteListings: [],
    listings: emptyListings(),
    coverage: {},
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
    lists: new ListTracker(db, frontier.runId),
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
  /** Works the queue until nothing is pending (or the budget is spent). */
  const drain = async () => {
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
  };
  try {
    await drain();
    // Lists still short of what they state after static paging: page them in Chromium, once.
    if (o.browser && !o.since && !ctx.budgetHit) {
      let more = 0;
      for (const v of ctx.lists.verdicts()) {
        // A list its adapter pages through its own requests (jcms ranges, API pages) has no pager to click.
        if (v.complete || !v.list.stated || v.list.stated.pagedBy) continue;
        try {
          more += await pageInBrowser(ctx, v.list);
        } catch (e) {
          o.log(`nianbao crawl: paging ${v.list.url} in Chromium failed: ${(e as Error).message}`);
        }
      }
      if (more > 0) await drain();
    }
  } finally {
    await ctx.browser.close();
    client.close();
  }
  if (!ctx.budgetHit) {
    summary.incompleteListings = ctx.lists.finish();
    for (const l of summary.incompleteListings) {
      o.log(`nianbao crawl: INCOMPLETE listing ${l.url}: ${incompleteText(l)}${l.failedPages ? `; pages that failed: ${l.failedPages.map((f) => `${f.url} (${f.kind})`).join(', ')}` : ''}${l.readBy ? `; read by ${l.readBy}` : ''}`);
    }
  }
  for (const v of ctx.lists.verdicts()) {
    const c = (summary.coverage[v.list.portal] ??= emptyCoverage());
    summary.listings.checked++;
    c.listingsChecked++;
    if (!v.complete) c.incompleteListings++;
    if (v.list.stated) {
      summary.listings.stated++;
      c.listingsStated++;
    }
    if (v.list.stated?.records !== undefined) {
      summary.listings.recordLists++;
      summary.listings.statedRecords += v.list.stated.records;
      summary.listings.foundRecords += v.found;
      c.listingsStatedRecords++;
      c.statedRecords += v.list.stated.records;
      c.foundRecords += v.found;
    } else if (v.list.stated?.pages !== undefined) {
      // States its pages, not its records: pages stated vs read, and the entries those pages gave.
      const entries = ctx.lists.found(v.list);
      summary.listings.pageLists++;
      summary.listings.statedPages += v.list.stated.pages;
      summary.listings.pagesRead += v.found;
      summary.listings.pageListEntries += entries;
      c.listingsStatedPages++;
      c.statedPages += v.list.stated.pages;
      c.pagesRead += v.found;
      c.pageListEntries += entries;
    }
  }
  if (!ctx.budgetHit) writeCoverage(db, frontier.runId, summary.coverage);
  // Skipped for their date here, yet queued anyway (listed again undated, or an article's attachment).
  summary.skipped.beforeSince = [...ctx.beforeSince].filter((u) => !frontier.queuedInRun(u)).length;
  summary.stoppedEarly = ctx.budgetHit;
  summary.requestsByHost = scheduler.requestsByHost();
  summary.browserRequests = ctx.browser.requests;
  summary.durationMs = Date.now() - started;
  if (!ctx.budgetHit) {
    frontier.finishRun(summary.failed > 0 || summary.incompleteListings.length > 0 ? 'partial' : 'ok', summaryCounts(summary), summary.failedUrls.slice(0, 1000));
  }
  return summary;
}

/** One crawl_coverage row per portal for this run (a resumed run's row is replaced by the finished one). */
function writeCoverage(db: DB, runId: number, coverage: Record<string, PortalCoverage>): void {
  const ins = db.prepare(
    `INSERT OR REPLACE INTO crawl_coverage (run_id, portal, listings_read, listings_stated, stated_records, found_records, incomplete_listings, report_articles, attachments, skipped_non_reports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const [portal, c] of Object.entries(coverage)) ins.run(runId, portal, c.listingsRead, c.listingsStated, c.statedRecords, c.foundRecords, c.incompleteListings, c.reportArticles, c.attachments, c.skippedNonReports);
  })();
}

function summaryCounts(s: CrawlSummary): Record<string, unknown> {
  const { failedUrls: _f, ...rest } = s;
  return rest;
}

function lowerKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
}

async function processItem(ctx: Ctx, row: QueueRow): Promise<void> {
  try {
    if (row.kind === 'listing' || row.kind === 'api') await processListing(ctx, row);
    else await processDocument(ctx, row);
  } catch (e) {
    fail(ctx, row, e);
    // A later page of a list that could not be read leaves the list incomplete.
    if (row.extra.list && !(e instanceof FetchError && e.kind === 'robots')) ctx.lists.failed(row.extra.list, row.portal ?? '', row.url, e instanceof FetchError ? e.kind : 'network');
  }
}

export type { QueueKind };
