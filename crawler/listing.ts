/**
 * Reading a listing page: every adapter that recognises it (platforms/*) gives links and further
 * pages, the shared rules (discover.ts) decide what each link is, and the page's children go to
 * the frontier. A list built by script with nothing to read gets one Chromium render.
 */
import { readListing, classifyListedLink, entryDate, isBeforeSince, listEntries, loadHtml } from './discover.ts';
import { isReportMenuTitle } from '../text/title.ts';
import { merge as mergeStated, statedSize, type StatedSize } from './stated.ts';
import { FetchError, type HttpResponse } from './http.ts';
import type { Discovered, Page, PlatformAdapter, QueueExtra } from './types.ts';
import type { Frontier, QueueRow } from './frontier.ts';
import { hostOf } from './url.ts';
import { decodeText } from '../text/charset.ts';
import { fetchWithRetry, httpError } from './fetch.ts';
import { BudgetExhausted, tally, type Ctx } from './context.ts';
import type { ListState } from './completeness.ts';
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
  const read = await readListingAnswer(ctx, row, resp, attempts);
  if (read) await completeList(ctx, row, read);
}

interface ListRead {
  page: Page;
  result: ReturnType<typeof readListing>;
  entries: string[];
  stated: StatedSize | null;
  /** The list this page belongs to (its first page URL), when it is checked for completeness. */
  list: string | null;
}

/** Reads one listing answer: its links and pages go to the frontier, its entries to the list's tally. */
async function readListingAnswer(ctx: Ctx, row: QueueRow, resp: HttpResponse & { finalUrl: string }, attempts: number): Promise<ListRead> {
  ctx.summary.listingsRead++;
  tally(ctx, row.portal, 'listingsRead');
  const contentType = String(resp.headers['content-type'] ?? '');
  let page = makePage(row, resp.finalUrl, resp.status, contentType, decodeText(resp.body, contentType), false);
  let result = readListing(page, ADAPTERS);
  // A later page of a list answered with what its adapter cannot read: a failed page (the list is
  // left incomplete and the page is fetched again next run), never an empty one.
  if (result.unreadable && row.extra.list) throw new FetchError('unreadable-answer', `${result.unreadable} (HTTP ${resp.status}, ${contentType || 'no content type'})`, resp.status);
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
  const html = !result.entries && /html|^$/i.test(contentType) && !page.extra.platform;
  const entries = entries0(result, page, html);
  // An adapter's reading (a TRS page count, a JSON total) and the page's own text/settings together.
  const general = html || (!page.extra.platform && /html/i.test(contentType)) ? statedSize(page.$()) : null;
  const stated = result.stated && general ? mergeStated(result.stated, general) : (result.stated ?? general);
  // A page belongs to a checked list when it continues one, or when it lists reports itself or
  // was reached as a 年报 column: a menu page or a site-wide directory is not checked (nor paged).
  // A start page is a list when reports make up a fair share of its entries (not a home page's
  // news box that happens to hold one); a hub walked to never is.
  // A list an adapter reads as records (a jcms datastore with its proxy ranges, a JSON API's
  // first answer) is a list by its structure: checked as soon as it lists a report.
  const reports = children.filter((c) => c.kind === 'article' || c.kind === 'attachment').length;
  const reportish = reports > 0 && !row.extra.walk && reports * 3 >= Math.min(entries0(result, page).length, 30);
  const adapterList = reports > 0 && !row.extra.walk && result.entries !== undefined && (!page.extra.platform || !!page.extra.paging?.first);
  const list = row.extra.list ?? (reportish || adapterList || row.extra.column ? row.url : null);
  if (list) {
    // A `since` crawl stops paging on purpose: its lists are judged only by pages that failed.
    ctx.lists.read(list, row.portal ?? '', row.url, ctx.o.since ? null : stated, entries, result.readBy);
    for (const c of children) if ((c.kind === 'listing' || c.kind === 'api') && !c.extra?.list && isContinuation(c, result)) c.extra = { ...c.extra, list };
  }
  ctx.frontier.complete(row.url, attempts, resp.status, children);
  return { page, result, entries, stated, list };
}

/** The list's entries on a page: the adapter's records, else the HTML rows. */
function entries0(result: ReturnType<typeof readListing>, page: Page, html = !page.extra.platform): string[] {
  return result.entries ?? (html ? listEntries(page.$(), page.finalUrl) : []);
}

/** A further page of this list (not a column or an endpoint opening a list of its own). */
function isContinuation(c: { url: string }, result: ReturnType<typeof readListing>): boolean {
  return result.pages.some((p) => p.url === c.url && !p.opensList);
}

/**
 * The first page of a list that states more pages than its pager led to: derive the page URLs
 * from the platforms' static-paging conventions, probing page 2 (a bounded number of tries), and
 * queue the rest the way the convention that answered names them.
 */
async function completeList(ctx: Ctx, row: QueueRow, read: ListRead): Promise<void> {
  const { list, stated, entries, result, page } = read;
  if (!list || list !== row.url || !stated || page.extra.platform || stated.pagedBy || ctx.o.since) return;
  // Everything it states is on this page already (a jcms column whose records all sit in its datastore).
  if (stated.records !== undefined && entries.length >= stated.records) return;
  const perPage = stated.pageSize ?? (entries.length || undefined);
  const pages = Math.min(ctx.o.maxListingPages, stated.pages ?? (stated.records !== undefined && perPage ? Math.ceil(stated.records / perPage) : 1));
  const known = result.pages.filter((p) => !p.opensList).map((p) => p.url);
  // A pager an adapter already follows (links, createPageHTML, jcms windows, API pages) is left to it.
  if (pages <= 1 || known.length > 0) return;
  const staticPages = stated.staticPages ? Math.min(stated.staticPages, pages) : pages;
  const conventions = pagingConventions(page.finalUrl);
  let chosen: ((k: number) => string) | null = null;
  {
    const firstEntries = new Set(entries);
    for (const c of conventions.slice(0, 6)) {
      const url = c(2);
      if (ctx.frontier.queuedInRun(url) || ctx.scope.check(url) !== null) continue;
      const probe: QueueRow = { ...row, url, referrer: row.url, extra: { pageNo: 1, list } } as QueueRow;
      let got: Awaited<ReturnType<typeof fetchWithRetry>>;
      try {
        got = await fetchWithRetry(ctx, probe, { headers: { referer: row.url } });
      } catch (e) {
        if (e instanceof BudgetExhausted) throw e;
        continue;
      }
      ctx.summary.pagingProbes++;
      if (got.resp.status !== 200) continue;
      // Read like page 1 was read: a page that ignores the name and answers page 1 again is no page 2.
      const ct = String(got.resp.headers['content-type'] ?? '');
      const probePage = makePage(probe, got.resp.finalUrl, 200, ct, decodeText(got.resp.body, ct), false);
      const found = entries0(readListing(probePage, ADAPTERS), probePage);
      if (!found.some((e) => !firstEntries.has(e))) continue;
      ctx.o.log(`nianbao crawl: ${list} states ${stated.records ?? '?'} records / ${pages} pages (${stated.evidence.join(', ')}); its pages are named like ${url}`);
      chosen = c;
      ctx.frontier.enqueue({ url, kind: 'listing', portal: row.portal, referrer: row.url, depth: row.depth, extra: { pageNo: 1, list } });
      await readListingAnswer(ctx, { ...probe, extra: { pageNo: 1, list } }, got.resp, got.attempts);
      break;
    }
  }
  if (!chosen) {
    ctx.o.log(`nianbao crawl: ${list} states ${stated.records ?? '?'} records / ${pages} pages (${stated.evidence.join(', ')}) but no static page name answered; paging it in Chromium later`);
    return;
  }
  const more: Child[] = [];
  for (let k = 3; k <= staticPages; k++) {
    const url = chosen(k);
    more.push({ url, kind: 'listing', portal: row.portal, referrer: row.url, depth: row.depth, extra: { pageNo: k - 1, list } });
  }
  ctx.frontier.enqueueMany(more);
}

/**
 * Page k (k ≥ 2) of a list by the static-paging conventions in use: TRS index_1.htm for page 2,
 * index_2.html, list_2.html, the same with the other HTML extension, and ?page=2.
 */
export function pagingConventions(url: string): ((k: number) => string)[] {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  const m = /^(.*\/)([^/]*?)(?:\.(s?html?|jsp|php|aspx?))?$/.exec(u.pathname)!;
  const dir = m[1]!;
  const name = (m[2] || 'index').replace(/_\d+$/, '');
  const ext = m[3] ?? 'html';
  const alt = ext === 'htm' ? 'html' : ext === 'html' ? 'htm' : ext === 'shtml' ? 'html' : ext;
  const at = (path: string) => new URL(path, u.origin).href;
  const out: ((k: number) => string)[] = [
    (k) => at(`${dir}${name}_${k - 1}.${ext}`),
    (k) => at(`${dir}${name}_${k}.${ext}`),
    (k) => at(`${dir}list_${k}.${ext}`),
  ];
  if (alt !== ext) out.push((k) => at(`${dir}${name}_${k - 1}.${alt}`), (k) => at(`${dir}${name}_${k}.${alt}`));
  out.push((k) => {
    const q = new URL(url);
    q.searchParams.set('page', String(k));
    return q.href;
  });
  return out;
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
  // Menus are walked from a start page and from the hubs walked to, never from a 年报 column.
  const walkNo = row.extra.walk ?? 0;
  const decisions = new Map(result.links.map((l) => [l, classifyListedLink(l)] as const));
  const listsReports = [...decisions.values()].some((d) => d.action === 'fetch' && d.item.kind !== 'listing');
  const walks = row.extra.walk !== undefined || (row.depth === 0 && !row.extra.list && !row.extra.column && !row.extra.platform && !listsReports);
  // `since`: the page's entries (rows with a printed date, and report candidates) and how many are older.
  let entries = 0;
  let older = 0;
  let skippedBeforeSince = 0;
  for (const link of result.links) {
    const decision = decisions.get(link)!;
    const candidate = decision.action === 'fetch' && decision.item.kind !== 'listing';
    const date = since ? entryDate(link) : null;
    const old = !!(since && date && isBeforeSince(date, since));
    if (since && (link.date || candidate) && link.url !== row.url && ctx.scope.check(link.url) === null) {
      entries++;
      if (old) older++;
    }
    if (decision.action === 'skip') {
      // Started on a home or 政务公开 page: walk its menus toward the 年报 columns, a few hops only.
      if (walks && isReportMenuTitle(link.title) && walkNo < ctx.o.maxWalkHops) {
        add({ url: link.url, kind: 'listing', title: link.title, extra: { pageNo: 0, walk: walkNo + 1 } }, row.depth);
        continue;
      }
      ctx.summary.skipped.nonReport++;
      tally(ctx, row.portal, 'skippedNonReports');
      continue;
    }
    const d = decision.item;
    if (d.kind === 'listing') {
      if (row.depth + 1 > ctx.o.maxListingDepth) continue;
      add({ ...d, extra: { pageNo: 0, column: true } }, row.depth + 1);
    } else if (old && ctx.scope.check(d.url) === null) {
      skippedBeforeSince++;
      ctx.beforeSince.add(d.url);
    } else add(d, row.depth);
  }
  // Further pages of this list (and, from a `since` chain, the ones still to come).
  const continuations: Discovered[] = [];
  const known = new Set<string>();
  for (const p of [...result.pages, ...(row.extra.sinceNext ?? [])]) {
    // A hub walked to (政务公开, a site-wide directory) is read for its links, not paged through.
    if (row.extra.walk && !p.opensList) continue;
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

/**
 * A list still short of what it states after static paging: page it in Chromium (clicking its
 * pager) until the stated count is reached, reading each page like any other. Returns how many
 * new entries were found.
 */
export async function pageInBrowser(ctx: Ctx, state: ListState): Promise<number> {
  const stated = state.stated;
  if (!stated) return 0;
  const before = ctx.lists.found(state);
  const perPage = stated.pageSize ?? (Math.max(...state.pages.values(), 1) || 1);
  const maxPages = Math.min(ctx.o.maxListingPages, (stated.pages ?? Math.ceil((stated.records ?? 0) / perPage)) + 1);
  const target = stated.records;
  ctx.o.log(`nianbao crawl: ${state.url} states ${stated.records ?? '?'} records / ${stated.pages ?? '?'} pages, ${before} found: paging it in Chromium`);
  const seen = new Set(state.entries);
  const pages = await ctx.browser.paginate(state.url, maxPages, (got) => {
    for (const p of got.slice(-1)) for (const e of listEntries(loadHtml(p.html), p.url)) seen.add(e);
    return target !== undefined ? seen.size >= target : got.length >= maxPages - 1;
  });
  ctx.summary.browserFetches++;
  const portal = state.portal;
  pages.forEach((p, i) => {
    // A page already read by plain HTTP adds nothing; one drawn by script in place of page 1 gets its own key.
    if (p.url !== state.url && state.pages.has(p.url)) return;
    const key = p.url === state.url ? `${state.url}#browser-page-${i + 2}` : p.url;
    if (p.status >= 400) {
      ctx.lists.failed(state.url, portal, key, `http-${p.status >= 500 ? '5xx' : '4xx'}`);
      return;
    }
    const row: QueueRow = { url: key, portal, kind: 'listing', referrer: state.url, title: null, depth: ctx.o.maxListingDepth, state: 'done', attempts: 1, extra: { list: state.url, pageNo: i + 1 } };
    const page = makePage(row, p.url, 200, 'text/html', p.html, true);
    const result = readListing(page, ADAPTERS);
    const children = childrenOf(ctx, row, page, result).children.filter((c) => c.kind === 'article' || c.kind === 'attachment');
    ctx.lists.read(state.url, portal, key, null, result.entries ?? listEntries(page.$(), p.url), `${result.readBy} in Chromium`);
    ctx.summary.listingsRead++;
    tally(ctx, portal, 'listingsRead');
    ctx.frontier.enqueueMany(children);
  });
  return ctx.lists.found(state) - before;
}
