/**
 * Discovery logic shared by every platform: what is a report, which links are attachments,
 * columns or further pages, and the article-page reading. Platform adapters only extract raw
 * links and pagination requests from their markup; everything that decides what gets stored
 * lives here so all platforms apply the same rules.
 */
import * as cheerio from 'cheerio';
import type { CheerioAPI } from 'cheerio';
import type { AnyNode } from 'domhandler';
import type { Discovered, ListedLink, ListingResult, Page, PlatformAdapter } from './types.ts';
import { normalizeUrl } from './url.ts';
import { classifyTitle, cleanPageTitle, compactTitle, isReportColumnTitle } from '../text/title.ts';

const ATTACHMENT_EXT = /\.(pdf|docx?|xlsx?|wps|et|ofd)$/i;

/** Attachment extension of a URL: in the path, or in a filename= style query (jcms downfile.jsp). */
export function attachmentExt(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const m = ATTACHMENT_EXT.exec(decodeSafe(u.pathname));
  if (m) return m[1]!.toLowerCase();
  for (const [k, v] of u.searchParams) {
    if (/^(filename|file|fileName|name|fn|path|url)$/i.test(k)) {
      const q = ATTACHMENT_EXT.exec(v);
      if (q) return q[1]!.toLowerCase();
    }
  }
  return null;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Column/list pages: jcms /col/colN/, TRS index_N.htm, directory URLs, list.jsp-style pages. */
export function looksLikeListingUrl(url: string): boolean {
  const p = new URL(url).pathname;
  return /\/col\/col\d+\//.test(p) || /\/index(_\d+)?\.s?html?$/i.test(p) || p.endsWith('/') || /(^|\/)(list|column|col|channel)[\w-]*\.(s?html?|jsp|aspx?|php)$/i.test(p);
}

/**
 * Anchors of a document: absolute URL and the best title (title attribute holds the untruncated
 * one). With `dates`, each anchor also gets the date printed beside it in its list row
 * (listingDate), for `since`.
 */
export function anchors($: CheerioAPI, base: string, opts: { dates?: boolean } = {}): ListedLink[] {
  const baseHref = $('base[href]').attr('href');
  const effective = baseHref ? (normalizeUrl(baseHref, base) ?? base) : base;
  const out: ListedLink[] = [];
  $('a[href]').each((_, el) => {
    const a = $(el);
    const url = normalizeUrl(a.attr('href') ?? '', effective);
    if (!url) return;
    const text = a.text().replace(/\s+/g, ' ').trim();
    const attr = (a.attr('title') ?? '').trim();
    const link: ListedLink = { url, title: attr.length > text.length ? attr : text };
    if (opts.dates) {
      const date = listingDate($, el);
      if (date) link.date = date;
    }
    out.push(link);
  });
  return out;
}

// ---------------------------------------------------------------- dates (for `since`)

/** A full date as lists print it: 2024-01-20, 2024/1/20, 2024.01.20, 2024年1月20日 (time after it ignored). */
const PRINTED_DATE = /(?<!\d)((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?!\d)/g;

function isoDay(y: string | number, m: string | number, d: string | number): string | null {
  const Y = Number(y), M = Number(m), D = Number(d);
  if (!(Y >= 1990 && Y <= 2100 && M >= 1 && M <= 12 && D >= 1)) return null;
  if (D > new Date(Date.UTC(Y, M, 0)).getUTCDate()) return null;
  return `${Y}-${String(M).padStart(2, '0')}-${String(D).padStart(2, '0')}`;
}

/** The latest full date printed in a text (the latest: never skip on a 成文日期 beside a later 发布日期). */
export function printedDate(text: string): string | null {
  let best: string | null = null;
  PRINTED_DATE.lastIndex = 0;
  for (let m; (m = PRINTED_DATE.exec(text)); ) {
    const d = isoDay(m[1]!, m[2]!, m[3]!);
    if (d && (!best || d > best)) best = d;
  }
  return best;
}

/**
 * The date printed next to an anchor in its list row: the text of the nearest enclosing element
 * (up to 4 levels: li, tr, dd, div …) that holds no other link, minus the link text itself.
 * `<li><a>…</a><span>2022-01-20</span></li>`, `<tr><td><a>…</a></td><td>2022-01-20</td></tr>`.
 */
export function listingDate($: CheerioAPI, el: AnyNode): string | null {
  const a = $(el);
  const own = a.text();
  let node = a.parent();
  for (let up = 0; up < 4 && node.length && !node.is('body, html, ul, ol, table, tbody'); up++) {
    if (node.find('a[href]').length > 1) return null;
    const text = node.text();
    const at = text.indexOf(own);
    const d = printedDate(at >= 0 ? text.slice(0, at) + ' ' + text.slice(at + own.length) : text);
    if (d) return d;
    node = node.parent();
  }
  return null;
}

/**
 * A date read from a JSON record field (pubDate, publishTime, date …): a printed date, or epoch
 * seconds/milliseconds (read in China time).
 */
export function fieldDate(v: unknown): string | null {
  if (typeof v === 'number' || (typeof v === 'string' && /^\d{10}(\d{3})?$/.test(v.trim()))) {
    const n = Number(v);
    const ms = n > 1e12 ? n : n > 1e9 ? n * 1000 : NaN;
    if (!Number.isFinite(ms)) return null;
    const t = new Date(ms + 8 * 3600_000);
    return isoDay(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
  }
  if (typeof v === 'string') {
    const compact = /^((?:19|20)\d{2})(\d{2})(\d{2})(?:\d{4,6})?$/.exec(v.trim());
    if (compact) return isoDay(compact[1]!, compact[2]!, compact[3]!);
    return printedDate(v);
  }
  return null;
}

/**
 * The publication date an article URL carries: TRS `t20220120_123.htm` and jcms
 * `/art/2022/1/20/art_…` to the day, `/20220120/` or `/2022-01-20/` folders to the day,
 * `/202201/` folders to the month (returned as `YYYY-MM`). Null when the URL says nothing.
 */
export function urlDate(url: string): string | null {
  let p: string;
  try {
    p = new URL(url).pathname;
  } catch {
    return null;
  }
  let m = /\/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+[^/]*$/.exec(p);
  if (m) return isoDay(m[1]!, m[2]!, m[3]!);
  m = /\/art\/((?:19|20)\d{2})\/(\d{1,2})\/(\d{1,2})\/art_/.exec(p);
  if (m) return isoDay(m[1]!, m[2]!, m[3]!);
  m = /\/((?:19|20)\d{2})-?(\d{2})-?(\d{2})\//.exec(p);
  if (m) return isoDay(m[1]!, m[2]!, m[3]!);
  m = /\/((?:19|20)\d{2})(\d{2})\//.exec(p);
  if (m && isoDay(m[1]!, m[2]!, 1)) return `${m[1]}-${m[2]}`;
  return null;
}

/**
 * True when a date (YYYY-MM-DD, or YYYY-MM: the whole month) lies before `since` (YYYY-MM-DD).
 * A month is before only when all of it is: 2024-01 is not before 2024-01-15.
 */
export function isBeforeSince(date: string, since: string): boolean {
  return date.length === 7 ? date < since.slice(0, 7) : date < since;
}

/** Where an entry's date comes from, in order: printed beside the link on the list, else its URL. */
export function entryDate(link: ListedLink): string | null {
  return link.date ?? urlDate(link.url);
}

const NEXT_TEXT = /^(下一页|下页|后一页|next|>|›|»|>>)$/i;
const LAST_TEXT = /^(尾页|末页|最后一页)$/;

/**
 * Pagination by links: 下一页/尾页 and numbered links to sibling list pages. In reading order:
 * the next page first, then numbered pages ascending, then the last page (a `since` crawl walks
 * them one at a time and stops at the first page older than `since`).
 */
export function paginationLinks($: CheerioAPI, base: string): string[] {
  const next: string[] = [];
  const numbered: { url: string; n: number }[] = [];
  const last: string[] = [];
  const baseDir = base.replace(/[^/]*$/, '');
  for (const l of anchors($, base)) {
    const text = compactTitle(l.title);
    if (NEXT_TEXT.test(text)) next.push(l.url);
    else if (LAST_TEXT.test(text)) last.push(l.url);
    else if (/^\d{1,4}$/.test(text) && l.url.startsWith(baseDir) && looksLikeListingUrl(l.url)) numbered.push({ url: l.url, n: Number(text) });
  }
  const out = new Set([...next, ...numbered.sort((a, b) => a.n - b.n).map((x) => x.url), ...last]);
  out.delete(base);
  return [...out];
}

/** Title of an article page: CMS meta first (TRS and jcms both write ArticleTitle), then headings. */
export function articleTitle($: CheerioAPI): string {
  const meta = $('meta[name="ArticleTitle"], meta[name="articletitle"], meta[property="og:title"]').attr('content');
  if (meta && meta.trim()) return meta.trim();
  for (const sel of ['h1', '.title', '.article-title', '#title', 'h2']) {
    const t = $(sel).first().text().replace(/\s+/g, ' ').trim();
    if (t && t.length >= 6 && t.length < 200) return t;
  }
  // The extract stage's rule: the part naming a report, a '-' between digits (2020-2021) kept.
  return cleanPageTitle($('title').text());
}

/** Attachments linked from an article: by extension or download endpoint, plus embedded viewers. */
export function articleAttachments($: CheerioAPI, base: string): ListedLink[] {
  const seen = new Map<string, ListedLink>();
  for (const l of anchors($, base)) {
    if (attachmentExt(l.url) || /\/module\/download\/downfile\.jsp/i.test(l.url)) {
      if (!seen.has(l.url)) seen.set(l.url, l);
    }
  }
  $('iframe[src], embed[src], object[data]').each((_, el) => {
    const src = $(el).attr('src') ?? $(el).attr('data') ?? '';
    const url = normalizeUrl(src, base);
    if (url && attachmentExt(url) && !seen.has(url)) seen.set(url, { url, title: '' });
    // pdf.js viewers: viewer.html?file=/a/b.pdf
    if (url) {
      const file = new URL(url).searchParams.get('file');
      const inner = file ? normalizeUrl(file, url) : null;
      if (inner && attachmentExt(inner) && !seen.has(inner)) seen.set(inner, { url: inner, title: '' });
    }
  });
  return [...seen.values()];
}

export function loadHtml(text: string): CheerioAPI {
  return cheerio.load(text);
}

/** The outcome of classifying one listed link. */
export type LinkDecision =
  | { action: 'fetch'; item: Discovered }
  | { action: 'skip'; reason: 'non-report' | 'duplicate' };

/**
 * What to do with a link found on a listing. Reports become articles (or attachments when the
 * list links the file directly); a link titled like a 年报 column leads to another listing;
 * everything else is skipped without a request.
 */
export function classifyListedLink(link: ListedLink): LinkDecision {
  const verdict = classifyTitle(link.title);
  const t = compactTitle(link.title);
  if (attachmentExt(link.url) && verdict !== 'no') {
    return { action: 'fetch', item: { url: link.url, kind: 'attachment', title: t, extra: { linkText: t } } };
  }
  if (verdict === 'report' && looksLikeListingUrl(link.url) && !/\d{4}/.test(t)) {
    // "政府信息公开年报" with no year: a column, not an article.
    return { action: 'fetch', item: { url: link.url, kind: 'listing', title: t } };
  }
  if (verdict === 'report') return { action: 'fetch', item: { url: link.url, kind: 'article', title: t } };
  if (verdict === 'maybe') return { action: 'fetch', item: { url: link.url, kind: 'article', title: t, extra: { verify: true } } };
  if (isReportColumnTitle(t)) {
    return { action: 'fetch', item: { url: link.url, kind: 'listing', title: t } };
  }
  return { action: 'skip', reason: 'non-report' };
}

/**
 * Runs every adapter that recognises the page (plus the generic one, which always reads plain
 * anchors and 下一页 links) and merges their findings: links deduplicated by URL keeping the
 * longest title, pages deduplicated by URL; `readBy` names the adapters with the evidence each
 * relied on ('trs (paging count=3 current=0 index.htm), generic'), recorded with the list.
 */
export function readListing(page: Page, adapters: PlatformAdapter[]): Omit<ListingResult, 'evidence'> & { platforms: string[]; readBy: string } {
  const links = new Map<string, ListedLink>();
  const pages = new Map<string, Discovered>();
  const readBy: string[] = [];
  const platforms: string[] = [];
  let entries: string[] | undefined;
  let stated: ListingResult['stated'];
  let unreadable: string | undefined;
  const owner = page.extra.platform;
  for (const a of adapters) {
    // Answers to an adapter's own requests (XML windows, JSON pages) go to that adapter only.
    if (owner && a.name !== owner) continue;
    if (!owner && a.detect(page) <= 0 && page.extra.hint !== a.name) continue;
    platforms.push(a.name);
    const r = a.list(page);
    for (const l of r.links) {
      const prev = links.get(l.url);
      if (!prev || l.title.length > prev.title.length) links.set(l.url, { ...l, date: latest(l.date, prev?.date) });
      else if (l.date && (!prev.date || l.date > prev.date)) links.set(l.url, { ...prev, date: l.date });
    }
    for (const p of r.pages) if (p.url !== page.url && !pages.has(p.url)) pages.set(p.url, p);
    readBy.push(r.evidence.length ? `${a.name} (${r.evidence.join('; ')})` : a.name);
    // One adapter's records as listed (a list that shows a record twice states it twice); a
    // second adapter's reading adds only what the first did not list.
    if (r.entries) entries = entries ? [...entries, ...r.entries.filter((e) => !entries!.includes(e))] : [...r.entries];
    if (r.stated && !stated) stated = r.stated;
    unreadable ??= r.unreadable;
  }
  return { links: [...links.values()], pages: [...pages.values()], platforms, readBy: readBy.join(', '), ...(entries ? { entries } : {}), ...(stated ? { stated } : {}), ...(unreadable ? { unreadable } : {}) };
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? (a > b ? a : b) : (a ?? b);
}

/**
 * The entries of a list page (its rows, not its menus): anchors grouped by where they sit (the
 * tag and class of their ancestors), and the group that looks most like list rows wins: rows
 * carry dates and long titles, menus neither. Pager and javascript: anchors never count.
 */
export function listEntries($: CheerioAPI, base: string): string[] {
  const groups = new Map<string, { urls: Set<string>; score: number }>();
  $('a[href]').each((_, el) => {
    const a = $(el);
    const href = a.attr('href') ?? '';
    if (/^\s*(javascript:|#)/i.test(href)) return;
    const url = normalizeUrl(href, base);
    if (!url) return;
    const text = compactTitle(a.attr('title') || a.text());
    if (!text || NEXT_TEXT.test(text) || LAST_TEXT.test(text) || /^(\d{1,4}|首页|上一页|上页|前一页)$/.test(text)) return;
    const sig: string[] = [];
    let node = a.parent();
    for (let up = 0; up < 4 && node.length && !node.is('body, html'); up++) {
      const el0 = node.get(0) as { tagName?: string } | undefined;
      sig.push(`${el0?.tagName ?? ''}.${(node.attr('class') ?? '').split(/\s+/)[0] ?? ''}`);
      node = node.parent();
    }
    const key = sig.join('<');
    const g = groups.get(key) ?? { urls: new Set<string>(), score: 0 };
    if (!g.urls.has(url)) {
      g.urls.add(url);
      g.score += (listingDate($, el) ? 2 : 0) + (text.length >= 8 ? 1 : 0);
    }
    groups.set(key, g);
  });
  let best: { urls: Set<string>; score: number } | null = null;
  for (const g of groups.values()) if (!best || g.score > best.score) best = g;
  return best && best.score > 0 ? [...best.urls] : [];
}
