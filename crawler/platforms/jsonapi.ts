/**
 * Lists built in the browser from a JSON API. Rather than render the page, do what the page's
 * script does: find the endpoint in the script (fetch/axios/$.ajax/$.get/XHR open/url: '…'),
 * call it with plain HTTP, read the records (any array of objects with a title-like and a
 * URL-like field), and page through it using the total/pages numbers in the answer. Only when no
 * endpoint is recognisable does the core fall back to rendering the page with Chromium.
 */
import type { Discovered, ListedLink, Page, PlatformAdapter } from '../types.ts';
import { normalizeUrl } from '../url.ts';
import { fieldDate } from '../discover.ts';
import { statedSizeJson } from '../stated.ts';

const CALL_RE = /(?:fetch|axios(?:\.get|\.post)?|\$\.(?:get|post|getJSON|ajax)|jQuery\.(?:get|post|getJSON|ajax)|\.open\s*\(\s*['"](?:GET|POST)['"]\s*,)\s*\(?\s*(['"`])([^'"`]+)\1/g;
const URL_PROP_RE = /\burl\s*:\s*(['"`])([^'"`]+)\1/g;
const PAGE_PARAMS = ['page', 'pageNo', 'pageNum', 'pageIndex', 'currentPage', 'current', 'pn', 'p', 'curPage', 'pageNumber'];
const SIZE_PARAMS = ['pageSize', 'size', 'rows', 'limit', 'perPage', 'ps', 'pagesize', 'per_page'];
const TITLE_KEYS = ['title', 'doctitle', 'docTitle', 'name', 'subject', 'fileName', 'wzbt', 'bt', 'Title', 'DOCTITLE', 'articleTitle'];
const URL_KEYS = ['url', 'link', 'href', 'docUrl', 'docpuburl', 'DOCPUBURL', 'detailUrl', 'pageUrl', 'fileUrl', 'wzurl', 'Url', 'path', 'articleUrl'];
const TOTAL_KEYS = ['total', 'totalCount', 'totalRecord', 'totalElements', 'recordCount', 'totalNum', 'count', 'totalSize', 'totalRecords'];
const PAGES_KEYS = ['pages', 'totalPage', 'totalPages', 'pageCount', 'pageTotal', 'totalPageNum'];
/** Publication date fields of a record (for `since`), most specific first. */
const DATE_KEYS = ['pubDate', 'publishTime', 'publishDate', 'pubTime', 'releaseTime', 'releaseDate', 'docreltime', 'DOCRELTIME', 'fbrq', 'fbsj', 'date', 'publishedAt', 'time', 'createTime', 'createDate', 'ctime'];

function scriptText(page: Page): string {
  const $ = page.$();
  return $('script:not([src])')
    .map((_, el) => $(el).text())
    .get()
    .join('\n');
}

/** Endpoints the page's own script calls, with the page parameter filled for page 1. */
export function scriptEndpoints(scripts: string, base: string): string[] {
  const found = new Set<string>();
  for (const re of [CALL_RE, URL_PROP_RE]) {
    re.lastIndex = 0;
    for (let m; (m = re.exec(scripts)); ) {
      let lit = m[2]!.trim();
      // Template literals: ${page} → 1, anything else unknowable → drop the parameter.
      lit = lit.replace(/\$\{[^}]*\}/g, (expr) => (/page|pn|cur/i.test(expr) ? '1' : ''));
      // A literal cut before a concatenated page number: "...&page=" + p.
      const tail = /[?&]([\w]+)=$/.exec(lit);
      if (tail) lit = PAGE_PARAMS.includes(tail[1]!) ? `${lit}1` : lit.slice(0, -1);
      if (/\.(js|css|png|jpe?g|gif|svg|ico|woff2?)(\?|$)/i.test(lit)) continue;
      const url = normalizeUrl(lit, base);
      if (url) found.add(url);
    }
  }
  return [...found];
}

function pick(o: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  const lower = new Map(Object.keys(o).map((k) => [k.toLowerCase(), k]));
  for (const k of keys) {
    const real = lower.get(k.toLowerCase());
    if (real && o[real] !== undefined && o[real] !== null && o[real] !== '') return o[real];
  }
  return undefined;
}

/** Records: objects anywhere in the answer that carry both a title and a link. */
export function jsonRecords(data: unknown, base: string): ListedLink[] {
  const out: ListedLink[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const title = pick(o, TITLE_KEYS);
    const link = pick(o, URL_KEYS);
    if (typeof title === 'string' && typeof link === 'string') {
      const url = normalizeUrl(link, base);
      if (url) {
        const rec: ListedLink = { url, title: title.replace(/<[^>]+>/g, '').trim() };
        const date = fieldDate(pick(o, DATE_KEYS));
        if (date) rec.date = date;
        out.push(rec);
      }
    }
    for (const x of Object.values(o)) if (typeof x === 'object') walk(x, depth + 1);
  };
  walk(data, 0);
  return out;
}

function findNumber(data: unknown, keys: string[], depth = 0): number | undefined {
  if (depth > 4 || data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const o = data as Record<string, unknown>;
  const v = pick(o, keys);
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) return Number(v);
  for (const x of Object.values(o)) {
    const r = findNumber(x, keys, depth + 1);
    if (r !== undefined) return r;
  }
  return undefined;
}

function pageParam(u: URL): string | undefined {
  return PAGE_PARAMS.find((p) => u.searchParams.has(p));
}

function withPage(url: string, param: string, n: number): string {
  const u = new URL(url);
  u.searchParams.set(param, String(n));
  return u.href;
}

function apiRequest(url: string, referer: string, paging: Record<string, unknown>): Discovered {
  return { url, kind: 'api', extra: { platform: 'jsonapi', headers: { accept: 'application/json, text/javascript, */*', 'x-requested-with': 'XMLHttpRequest', referer }, paging } };
}

export const jsonapi: PlatformAdapter = {
  name: 'jsonapi',
  detect(page) {
    if (page.extra.platform === 'jsonapi') return 1;
    if (page.kind === 'api' || page.rendered) return 0;
    return /(fetch|axios|\$\.(ajax|get|post|getJSON)|XMLHttpRequest)\s*[.(]/.test(page.text) ? 0.5 : 0;
  },
  list(page) {
    if (page.extra.platform !== 'jsonapi') {
      const eps = scriptEndpoints(scriptText(page), page.finalUrl);
      return {
        links: [],
        // Each endpoint opens a list of its own: not a further page of this page's list.
        pages: eps.map((url) => ({ ...apiRequest(url, page.finalUrl, { first: true, column: page.finalUrl }), opensList: true })),
        evidence: eps.length ? [`script endpoint(s): ${eps.join(' ')}`] : [],
      };
    }
    let data: unknown;
    try {
      // JSONP-tolerant: strip a callback wrapper.
      const t = page.text.trim().replace(/^[\w$.]+\s*\(([\s\S]*)\)\s*;?$/, '$1');
      data = JSON.parse(t);
    } catch {
      return { links: [], pages: [], evidence: ['answer is not JSON'], unreadable: 'answer is not JSON' };
    }
    const column = (page.extra.paging?.column as string | undefined) ?? page.finalUrl;
    const links = jsonRecords(data, column);
    const pages: Discovered[] = [];
    const evidence = [`${links.length} record(s)`];
    const json = page.extra.paging?.first ? statedSizeJson(data) : null;
    // The API pages itself (page=2, 3 …): a short answer is not made up by clicking in Chromium.
    const stated = json ? { ...json, pagedBy: 'jsonapi' } : null;
    const u = new URL(page.url);
    const param = pageParam(u);
    if (param && links.length > 0) {
      const current = Number(u.searchParams.get(param) ?? '1');
      const sizeParam = SIZE_PARAMS.find((p) => u.searchParams.has(p));
      const size = sizeParam ? Number(u.searchParams.get(sizeParam)) : links.length;
      const total = findNumber(data, TOTAL_KEYS);
      const pagesTotal = findNumber(data, PAGES_KEYS) ?? (total !== undefined && size > 0 ? Math.ceil(total / size) : undefined);
      if (page.extra.paging?.first && pagesTotal !== undefined) {
        // Zero-based APIs start at 0; the count is the same.
        for (let k = 1; k < pagesTotal; k++) pages.push(apiRequest(withPage(page.url, param, current + k), column, { column }));
        evidence.push(`pages=${pagesTotal} via ${param}`);
      } else if (pagesTotal === undefined) {
        // No count in the answer: walk on until a page comes back empty.
        pages.push(apiRequest(withPage(page.url, param, current + 1), column, { column }));
      }
    }
    return { links, pages, evidence, entries: links.map((l) => l.url), stated };
  },
};
