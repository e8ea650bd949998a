/**
 * Reading a listing page: every adapter that recognises it (platforms/*) gives links and further
 * pages, the shared rules (discover.ts) decide what each link is, and the page's children go to
 * the frontier. A list built by script with nothing to read gets one Chromium render.
 */
import { readListing, classifyListedLink, entryDate, isBeforeSince, loadHtml } from './discover.ts';
import type { Discovered, Page, PlatformAdapter, QueueExtra } from './types.ts';
import type { Frontier, QueueRow } from './frontier.ts';
import { hostOf } from './url.ts';
import { decodeText } from './decode.ts';
import { fetchWithRetry, httpError } from './fetch.ts';
import type { Ctx } from './context.ts';
import { trs } from './platforms/trs.ts';
import { jcms } from './platforms/jcms.ts';
import { jsonapi } from './platforms/jsonapi.ts';
import { generic } from './platforms/generic.ts';

export const ADAPTERS: PlatformAdapter[] = [trs, jcms, jsonapi, generic];

export function makePage(row: QueueRow, finalUrl: string, status: number, contentType: string, text: string, rendered: boolean): Page {
  let $: ReturnType<typeof loadHtml> | null = null;
  return { url: row.url, finalUrl, kind: row.kind, status, contentType, text, extra: row.extra, rendered, $: () => ($ ??= loadHtml(text)) };
}

/** A list page built by script with nothing to read: worth one Chromium render. */
function needsRender(page: Page, found: number): boolean {
  if (page.rendered || page.kind !== 'listing' || found > 0) return false;
  return /<script/i.test(page.text) && /(innerHTML|appendChild|insertAdjacentHTML|\.html\(|\.append\(|v-for|ng-repeat|\{\{\s*\w)/.test(page.text);
}

export async function processListing(ctx: Ctx, row: QueueRow): Promise<void> {
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
