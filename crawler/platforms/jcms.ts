/**
 * Hanweb (大汉) jcms columns. The first records sit in the page inside
 *   <script type="text/xml"><datastore><nextgroup>…dataproxy.jsp?…columnid=…&unitid=…&webid=…</nextgroup>
 *   <recordset><record><![CDATA[<li><a href="/art/…">…</a></li>]]></record>…
 * (script text, so plain anchor scanning never sees them). Further records come from a POST to
 *   /module/web/jpage/dataproxy.jsp?startrecord=N&endrecord=M&perpage=P
 * with the column parameters as a form body; the answer is the same XML. The record count and
 * page size are written into the page's script (totalRecord, perPage); when the count is missing
 * the windows are chained until one comes back short.
 */
import * as cheerio from 'cheerio';
import type { Discovered, ListedLink, PlatformAdapter } from '../types.ts';
import { normalizeUrl } from '../url.ts';
import { anchors, printedDate } from '../discover.ts';
import type { StatedSize } from '../stated.ts';

const PROXY_PATH = '/module/web/jpage/dataproxy.jsp';

export function jcmsRecords(text: string, base: string): ListedLink[] {
  const out: ListedLink[] = [];
  const re = /<record>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/gi;
  for (let m; (m = re.exec(text)); ) {
    const html = m[1] ?? m[2] ?? '';
    const $ = cheerio.load(html);
    const links = anchors($, base, { dates: true });
    // A bare record (no row element around its anchor and date) is read whole for its date.
    if (links.length === 1 && !links[0]!.date) {
      const date = printedDate($.root().text().replace($('a[href]').first().text(), ' '));
      if (date) links[0]!.date = date;
    }
    out.push(...links);
  }
  return out;
}

function countRecords(text: string): number {
  return (text.match(/<record>/gi) ?? []).length;
}

/** Column parameters for the POST body, from the nextgroup link or the page's jpage call. */
function columnParams(text: string): URLSearchParams | null {
  const next = /dataproxy\.jsp\?([^"'<>\]\s]+)/i.exec(text);
  const params = new URLSearchParams();
  if (next) {
    for (const [k, v] of new URLSearchParams(next[1]!.replace(/&amp;/g, '&'))) {
      if (!/^(page|startrecord|endrecord|perpage)$/i.test(k)) params.set(k, v);
    }
  }
  for (const key of ['columnid', 'unitid', 'webid', 'appid', 'col', 'path', 'webname', 'permissiontype', 'sourceContentType']) {
    if (params.has(key)) continue;
    const m = new RegExp(`['"]?${key}['"]?\\s*[:=]\\s*['"]?([^'",}\\s&]+)`, 'i').exec(text);
    if (m) params.set(key, m[1]!);
  }
  if (!params.has('columnid')) return null;
  if (!params.has('col')) params.set('col', '1');
  if (!params.has('appid')) params.set('appid', '1');
  return params;
}

function num(text: string, re: RegExp): number | undefined {
  const m = re.exec(text);
  return m ? Number(m[1]) : undefined;
}

function windowRequest(column: string, start: number, end: number, perpage: number, body: string, chain: boolean): Discovered {
  const base = new URL(PROXY_PATH, column);
  // columnid also goes into the query: the frontier keys requests by URL, and two columns of one
  // site would otherwise ask for the same window URL.
  const columnid = new URLSearchParams(body).get('columnid') ?? '';
  base.search = `startrecord=${start}&endrecord=${end}&perpage=${perpage}&columnid=${encodeURIComponent(columnid)}`;
  return {
    url: base.href,
    kind: 'api',
    extra: {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest', referer: column },
      platform: 'jcms',
      paging: { start, end, perpage, chain, body, column },
    },
  };
}

export const jcms: PlatformAdapter = {
  name: 'jcms',
  detect(page) {
    if (page.extra.platform === 'jcms') return 1;
    let score = 0;
    if (/<datastore>/i.test(page.text)) score += 0.6;
    if (/dataproxy\.jsp/i.test(page.text)) score += 0.4;
    if (/\/col\/col\d+\/|art_\d+_\d+\.html|jcms/i.test(page.text)) score += 0.1;
    // jcms URL shapes alone (a link to another jcms site) are not evidence enough.
    return score < 0.4 || (page.kind === 'api' && score < 0.6) ? 0 : Math.min(1, score);
  },
  list(page) {
    const text = page.text;
    const column = (page.extra.paging?.column as string | undefined) ?? page.finalUrl;
    const links = jcmsRecords(text, column);
    const evidence = [`${links.length} record link(s)`];
    const pages: Discovered[] = [];
    const n = countRecords(text);
    const total = num(text, /totalRecord\s*['"]?\s*[:=]\s*['"]?(\d+)/i) ?? num(text, /<totalrecord>\s*(\d+)/i);
    if (page.extra.platform === 'jcms') {
      // An answer to our own window request: chain on when the window came back full.
      // A window answered by anything but the proxy's XML (a busy page) is not an empty window.
      if (!/<datastore[\s>]/i.test(text) && n === 0) return { links, pages, evidence, unreadable: 'answer is not a jcms datastore' };
      const p = page.extra.paging as { start: number; end: number; perpage: number; chain: boolean; body: string };
      const size = p.end - p.start + 1;
      if (p.chain && n >= size && (total === undefined || p.end < total)) {
        pages.push(windowRequest(column, p.end + 1, p.end + size, p.perpage, p.body, true));
      }
      return { links, pages, evidence, entries: links.map((l) => l.url) };
    }
    const entries = n > 0 ? links.map((l) => l.url) : undefined;
    const params = columnParams(text);
    if (!params) return { links, pages, evidence, ...(entries ? { entries } : {}) };
    const perpage = num(text, /perpage\s*['"]?\s*[:=]\s*['"]?(\d+)/i) ?? 15;
    const group = num(text, /groupSize\s*['"]?\s*[:=]\s*['"]?(\d+)/i) ?? 3;
    const window = perpage * group;
    const body = params.toString();
    evidence.push(`dataproxy columnid=${params.get('columnid')} perpage=${perpage} total=${total ?? '?'} in-page=${n}`);
    // The column's own statement: totalRecord records, perPage a page; the proxy ranges deliver them.
    const stated: StatedSize | null =
      total !== undefined ? { records: total, pageSize: perpage, pages: Math.max(1, Math.ceil(total / perpage)), evidence: [`jcms totalRecord=${total} perPage=${perpage}`], pagedBy: 'jcms' } : null;
    if (total !== undefined) {
      for (let s = n + 1; s <= total; s += window) pages.push(windowRequest(column, s, Math.min(total, s + window - 1), perpage, body, false));
    } else if (n >= perpage) {
      pages.push(windowRequest(column, n + 1, n + window, perpage, body, true));
    }
    return { links, pages, evidence, ...(entries ? { entries } : {}), stated };
  },
};
