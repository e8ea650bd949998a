/**
 * The sample portal: one node:http server on 127.0.0.1 (random port) that plays a Chinese
 * government portal the way the real platforms behave (see content.ts for what it publishes).
 * `npm start` crawls it (startSamplePortal); the tests' fixture portal (test/portal/) is the same
 * server with its fault switches used:
 *
 * - TRS WCM column (GBK): /trs/zfxxgknb/index.htm, index_1.htm … drawn by createPageHTML
 * - Hanweb jcms column: /col/col1229486972/index.html with a <datastore> and POST paging through
 *   /module/web/jpage/dataproxy.jsp; attachments through /module/download/downfile.jsp
 * - JSON-API column: /json/nb/index.html whose list is built by page script from /api/nb/list
 * - challenge column: everything under /waf/ answers 412 (or 521) with a script that computes a
 *   cookie and reloads, until that cookie is presented
 * - a second virtual host (Host: h2.*) with a generic 下一页-paginated column
 * - robots.txt with Disallow: /private/; ETag/Last-Modified with 304 answers; a 301 redirect
 * - injected faults, off by default, switched on per rule (5xx, 429 + Retry-After, slow answers,
 *   resets, truncated bodies, redirects, redirect loop, 404)
 *
 * Every request is logged (start, end, host, path, status, client kind, cookie) so tests can
 * measure politeness and the browser path from the server's side.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { buildContent, PAGE_SIZE, type Item, type ColumnId } from './content.ts';

export interface FaultRule {
  /** Matches the request path (with query): a substring or a RegExp. */
  path: string | RegExp;
  /** Only this virtual host ('main' or 'h2'); default both. */
  host?: 'main' | 'h2';
  kind: 'status' | 'reset' | 'truncate' | 'slow' | 'redirect';
  /** For 'status': 500, 503, 429, 404 … */
  status?: number;
  retryAfterSec?: number;
  /** For 'slow': delay before answering. */
  delayMs?: number;
  /** For 'redirect': target path. */
  to?: string;
  /** How many matching requests the rule hits; default: all. */
  times?: number;
}

export interface FixturePortalOptions {
  port?: number;
  /** Renderings of the seed reports (`<seedId>.html|pdf|docx|doc`); stand-ins when absent. */
  documentsDir?: string;
  faults?: FaultRule[];
  /** Status of the challenge answer: 412 (瑞数-style) or 521 (加速乐-style). Default 412. */
  challengeStatus?: 412 | 521;
  /** Protect /waf/ with the JavaScript challenge. Default true. */
  challenge?: boolean;
  /** List a report whose link is a redirect loop (on h2). Default false. */
  redirectLoop?: boolean;
  /** Support ETag / If-Modified-Since (304). Default true. */
  conditional?: boolean;
  /** Serve only real renderings (the sample portal): see buildContent. Default false. */
  realOnly?: boolean;
  /**
   * The jcms proxy no longer serves the column's last N records (withdrawn, or a broken range)
   * while the column page's totalRecord still counts them. Default 0.
   */
  jcmsProxyShort?: number;
  /** The JSON API's `total` counts N records more than its pages give. Default 0. */
  jsonTotalExtra?: number;
}

export interface LogEntry {
  time: number;
  end: number;
  method: string;
  path: string;
  host: string;
  status: number;
  client: 'browser' | 'plain';
  cookie: string | undefined;
  conditional: boolean;
  bytes: number;
}

export interface ExpectedReport {
  url: string;
  title: string;
  column: ColumnId;
  attachments: string[];
  disallowed: boolean;
}

export interface FixturePortal {
  url: string;
  port: number;
  /** Base URL of the second virtual host (needs hostOverrides → 127.0.0.1 in the crawler). */
  h2Url: string;
  hostOverrides: Record<string, string>;
  /** Start URLs of the columns. */
  starts: { trs: string; jcms: string; json: string; waf: string; script: string; generic: string };
  requestLog: LogEntry[];
  expected: { reports: ExpectedReport[]; nonReports: string[] };
  /** Change a document's bytes (by path) so the next crawl sees a new version. */
  bump(pathname: string): void;
  /** Switch every injected fault off (the portal recovered overnight). */
  clearFaults(): void;
  close(): Promise<void>;
}

const H2_HOST = 'h2.portal.test';
const LAST_MODIFIED = 'Mon, 20 Jan 2025 08:00:00 GMT';
const WAF_COOKIE = 'nbwaf';

/** What the challenge script computes; a client that does not run JavaScript cannot know it. */
function wafToken(): string {
  const a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
  let s = 7;
  for (const x of a) s = (s * 31 + x * 7) % 1000003;
  return s.toString(16);
}

const WAF_SCRIPT = `<!DOCTYPE html><html><head><meta charset="utf-8"><script>
(function(){var a=[3,1,4,1,5,9,2,6,5,3,5],s=7;for(var i=0;i<a.length;i++){s=(s*31+a[i]*7)%1000003;}
document.cookie="${WAF_COOKIE}="+s.toString(16)+"; path=/";location.reload();})();
</script></head><body></body></html>`;

export async function startFixturePortal(opts: FixturePortalOptions = {}): Promise<FixturePortal> {
  const items = buildContent(opts.documentsDir, { redirectLoop: opts.redirectLoop, realOnly: opts.realOnly });
  const faults = (opts.faults ?? []).map((f) => ({ ...f, left: f.times ?? Number.POSITIVE_INFINITY }));
  const requestLog: LogEntry[] = [];
  const bumps = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const challengeOn = opts.challenge ?? true;
  const conditional = opts.conditional ?? true;

  const byPath = new Map<string, { item: Item; host: 'main' | 'h2' }>();
  const attachments = new Map<string, { att: Item['attachments'][number]; item: Item }>();
  for (const it of items) {
    byPath.set(`${it.host}${it.path}`, { item: it, host: it.host });
    for (const a of it.attachments) attachments.set(`${it.host}${a.path}`, { att: a, item: it });
  }
  const column = (c: ColumnId) => items.filter((i) => i.column === c);

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const hostHeader = String(req.headers.host ?? '');
    const vhost: 'main' | 'h2' = hostHeader.startsWith('h2.') ? 'h2' : 'main';
    const ua = String(req.headers['user-agent'] ?? '');
    const entry: LogEntry = {
      time: started,
      end: started,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      host: hostHeader,
      status: 0,
      client: /Chrome\//.test(ua) ? 'browser' : 'plain',
      cookie: req.headers.cookie,
      conditional: !!(req.headers['if-none-match'] || req.headers['if-modified-since']),
      bytes: 0,
    };
    requestLog.push(entry);
    const origWrite = res.write.bind(res);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.end = Date.now();
    });
    res.on('close', () => {
      if (!entry.end || entry.end === started) entry.end = Date.now();
    });
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      void handle(req, res, vhost, body, entry, origWrite).catch((e) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(e));
        }
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, vhost: 'main' | 'h2', body: string, entry: LogEntry, _w: unknown): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const full = `${p}${url.search}`;

    // Injected faults come first, as a flaky front proxy would.
    for (const f of faults) {
      if (f.left <= 0) continue;
      if (f.host && f.host !== vhost) continue;
      const hit = typeof f.path === 'string' ? full.includes(f.path) : f.path.test(full);
      if (!hit) continue;
      f.left--;
      if (f.kind === 'slow') {
        await new Promise((r) => setTimeout(r, f.delayMs ?? 5000));
        if (res.destroyed) return;
        break;
      }
      if (f.kind === 'reset') {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
      if (f.kind === 'truncate') {
        const payload = Buffer.alloc(4000, 0x41);
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(payload.length) });
        res.write(payload.subarray(0, 1000));
        entry.status = -2;
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      if (f.kind === 'redirect') {
        res.writeHead(302, { location: f.to ?? '/' });
        res.end();
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
      if (f.retryAfterSec !== undefined) headers['retry-after'] = String(f.retryAfterSec);
      res.writeHead(f.status ?? 500, headers);
      res.end(`<html><body>error ${f.status ?? 500}</body></html>`);
      return;
    }

    if (p === '/robots.txt') {
      const text = vhost === 'main' ? 'User-agent: *\nDisallow: /private/\n' : 'User-agent: *\nAllow: /\n';
      return send(res, 200, 'text/plain', Buffer.from(text));
    }
    if (p === '/redirect/loop-a') return redirect(res, 302, '/redirect/loop-b');
    if (p === '/redirect/loop-b') return redirect(res, 302, '/redirect/loop-a');

    if (vhost === 'main' && p.startsWith('/waf/') && challengeOn) {
      const cookies = Object.fromEntries(String(req.headers.cookie ?? '').split(/;\s*/).filter(Boolean).map((c) => c.split('=') as [string, string]));
      if (cookies[WAF_COOKIE] !== wafToken()) {
        res.setHeader('set-cookie', `${WAF_COOKIE}_s=${crypto.randomBytes(6).toString('hex')}; path=/; HttpOnly`);
        return send(res, opts.challengeStatus ?? 412, 'text/html; charset=utf-8', Buffer.from(WAF_SCRIPT));
      }
    }

    if (vhost === 'main') {
      if (p === '/' || p === '/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(homePage()));
      if (p === '/old/yyjy2019.htm') return redirect(res, 301, '/trs/zfxxgknb/202001/t20200120_1150001.htm');
      const trsPage = /^\/trs\/zfxxgknb\/index(?:_(\d+))?\.htm$/.exec(p);
      if (trsPage) {
        const html = trsListing(Number(trsPage[1] ?? 0));
        if (html === null) return send(res, 404, 'text/html', Buffer.from('not found'));
        // No charset in the header on purpose: only the meta tag says gb2312.
        return send(res, 200, 'text/html', iconv.encode(html, 'gbk'));
      }
      if (p === '/col/col1229486972/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(jcmsColumn()));
      if (p === '/module/web/jpage/dataproxy.jsp') {
        if (req.method !== 'POST') return send(res, 405, 'text/plain', Buffer.from('POST only'));
        const form = new URLSearchParams(body);
        if (form.get('columnid') !== '1229486972' || !form.get('unitid') || !form.get('webid')) return send(res, 200, 'text/xml; charset=utf-8', Buffer.from('<datastore><recordset></recordset></datastore>'));
        const start = Number(url.searchParams.get('startrecord'));
        const end = Number(url.searchParams.get('endrecord'));
        return send(res, 200, 'text/xml; charset=utf-8', Buffer.from(jcmsXml(start, end)));
      }
      if (p === '/json/nb/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(jsonColumnPage()));
      if (p === '/api/nb/list') {
        const page = Number(url.searchParams.get('page') ?? '1');
        const size = Number(url.searchParams.get('pageSize') ?? String(PAGE_SIZE.json));
        const all = column('json');
        const list = all.slice((page - 1) * size, page * size).map((i) => ({ id: i.path, title: i.title, url: i.path, pubDate: i.date }));
        return send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify({ code: 0, msg: 'ok', data: { total: all.length + (opts.jsonTotalExtra ?? 0), page, pageSize: size, list } })));
      }
      if (p === '/script/nb/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(scriptColumnPage()));
      if (p === '/script/nb/data/list.json') {
        const list = column('script').map((i) => ({ t: i.title, u: i.path, d: i.date }));
        return send(res, 200, 'application/json; charset=utf-8', Buffer.from(JSON.stringify({ rows: list })));
      }
      if (p === '/waf/nb/index.html') return send(res, 200, 'text/html; charset=utf-8', Buffer.from(simpleList('泗洪县政府信息公开年报', column('waf'), null)));
    } else {
      const g = /^\/gk\/nb\/(?:index|list_(\d+))\.html$/.exec(p);
      if (g) {
        const n = Number(g[1] ?? 1);
        const all = column('generic');
        const size = PAGE_SIZE.generic;
        const pages = Math.ceil(all.length / size);
        if (n > pages) return send(res, 404, 'text/html', Buffer.from('not found'));
        const next = n < pages ? `list_${n + 1}.html` : null;
        return send(res, 200, 'text/html; charset=utf-8', Buffer.from(simpleList('淮安市政府信息公开年报', all.slice((n - 1) * size, n * size), next)));
      }
    }

    const art = byPath.get(`${vhost}${p}`);
    if (art?.item.portalPage) {
      // The rendered portal page, with the attachment links a real article would carry.
      const { bytes, charset } = art.item.portalPage;
      const links = iconv.encode(attachmentLinks(art.item), charset);
      const at = bytes.lastIndexOf('</body>');
      const page = at >= 0 ? Buffer.concat([bytes.subarray(0, at), links, bytes.subarray(at)]) : Buffer.concat([bytes, links]);
      return sendDoc(req, res, `text/html; charset=${charset}`, page, `${vhost}${p}`);
    }
    if (art) {
      const gbk = art.item.column === 'trs';
      const html = articlePage(art.item);
      return sendDoc(req, res, gbk ? 'text/html; charset=GBK' : 'text/html; charset=utf-8', gbk ? iconv.encode(html, 'gbk') : Buffer.from(html), `${vhost}${p}`);
    }
    const att = attachments.get(`${vhost}${full}`) ?? attachments.get(`${vhost}${p}`);
    if (att) {
      const types: Record<string, string> = { pdf: 'application/pdf', doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', xls: 'application/vnd.ms-excel', wps: 'application/octet-stream' };
      const jcmsDownload = p.startsWith('/module/download/');
      if (att.att.dispositionName) res.setHeader('content-disposition', `attachment; filename="${Buffer.from(att.att.dispositionName, 'utf8').toString('latin1')}"`);
      return sendDoc(req, res, jcmsDownload ? 'application/octet-stream' : types[att.att.ext]!, att.att.bytes, `${vhost}${full}`);
    }
    return send(res, 404, 'text/html; charset=utf-8', Buffer.from('<html><body>404 页面不存在</body></html>'));
  }

  function send(res: http.ServerResponse, status: number, type: string, bytes: Buffer): void {
    res.writeHead(status, { 'content-type': type, 'content-length': String(bytes.length) });
    res.end(bytes);
  }

  function redirect(res: http.ServerResponse, status: number, to: string): void {
    res.writeHead(status, { location: to, 'content-length': '0' });
    res.end();
  }

  function sendDoc(req: http.IncomingMessage, res: http.ServerResponse, type: string, bytes: Buffer, key: string): void {
    const n = bumps.get(key) ?? 0;
    const payload = n ? Buffer.concat([bytes, Buffer.from(`\n<!-- revision ${n} -->\n`)]) : bytes;
    const etag = `"${crypto.createHash('sha1').update(payload).digest('hex').slice(0, 16)}"`;
    if (conditional) {
      res.setHeader('etag', etag);
      res.setHeader('last-modified', n ? new Date(Date.parse(LAST_MODIFIED) + n * 86400_000).toUTCString() : LAST_MODIFIED);
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      if ((inm && inm === etag) || (!inm && !n && ims === LAST_MODIFIED)) {
        res.writeHead(304);
        res.end();
        return;
      }
    }
    send(res, 200, type, payload);
  }

  // ---------------------------------------------------------------- pages

  const OFF_HOST = '<a href="http://www.gov.cn/zhengce/xxgk/">中国政府网 政府信息公开</a> <a href="https://www.zj.gov.cn/col/col1229005922/index.html" title="浙江省人民政府2021年政府信息公开工作年度报告">浙江省人民政府2021年政府信息公开工作年度报告</a> <a href="javascript:void(0)" onclick="print()">打印本页</a> <a href="javascript:window.close()">关闭</a> <a href="#top">返回顶部</a>';

  function homePage(): string {
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>泗洪县人民政府门户网站</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/private/">内部</a> ${OFF_HOST}</div>
<ul class="columns">
<li><a href="/trs/zfxxgknb/index.htm">政府信息公开年报</a></li>
<li><a href="/col/col1229486972/index.html">政府信息公开工作年度报告</a></li>
<li><a href="/json/nb/index.html">政务公开年报</a></li>
<li><a href="/waf/nb/index.html">信息公开年报</a></li>
<li><a href="/script/nb/index.html">政府信息公开年报</a></li>
</ul></body></html>`;
  }

  /** The TRS column, page k; the first report is listed on page 0 and again on page 1. */
  function trsListing(k: number): string | null {
    const all = column('trs');
    const size = PAGE_SIZE.trs;
    const pages = Math.ceil(all.length / size);
    if (k >= pages) return null;
    const slice = all.slice(k * size, (k + 1) * size);
    if (k === 1) slice.push(all[0]!);
    const lis = slice
      .map((i) => {
        const href = i.href ?? i.path;
        const text = i.listText ?? i.title;
        const attr = i.listTitleAttr ? ` title="${i.title}"` : '';
        return `<li><a href="${k > 0 && href.startsWith('./') ? href : href}"${attr} target="_blank">${text}</a><span>${i.date}</span></li>`;
      })
      .join('\n');
    return `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>政府信息公开年报_余姚市人民政府</title>
<meta name="SiteName" content="余姚市人民政府"><meta name="ColumnName" content="政府信息公开年报">
</head><body><div class="nav"><a href="../../">首页</a> &gt; <a href="../">政府信息公开</a> &gt; 政府信息公开年报 ${OFF_HOST}</div>
<ul class="list">
${lis}
</ul>
<div class="page"><script type="text/javascript">
var currentPage = ${k};//所在页从0开始
var prePage = currentPage-1;
var nextPage = currentPage+1;
var countPage = ${pages};//共多少页
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){ /* TRS pager: draws 首页 上一页 下一页 尾页 */ }
createPageHTML(${pages}, ${k}, "index", "htm");
</script></div></body></html>`;
  }

  function jcmsRecord(i: Item): string {
    return `<record><![CDATA[<li><a href="${i.path}" title="${i.title}" target="_blank">${i.title}</a><span>${i.date}</span></li>]]></record>`;
  }

  /** jcms list order: the column's items, with one report listed twice (records 3 and 9). */
  function jcmsRecords(): Item[] {
    const all = column('jcms');
    const list = [...all];
    list.splice(8, 0, all[2]!);
    return list;
  }

  function jcmsColumn(): string {
    const recs = jcmsRecords();
    const inPage = recs.slice(0, PAGE_SIZE.jcmsInPage).map(jcmsRecord).join('\n');
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报 拱墅区人民政府</title>
<meta name="ColumnName" content="政府信息公开年报"></head><body>
<div class="nav"><a href="/">首页</a> ${OFF_HOST}</div>
<div id="14223"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3329&path=/&columnid=1229486972&unitid=7401234&webname=%E6%8B%B1%E5%A2%85%E5%8C%BA&permissiontype=0"></a>]]></nextgroup>
<recordset>
${inPage}
</recordset></datastore></script></div>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>
<script>$(document).ready(function(){ $('#14223').jpage({ dataStore: dataStore, perPage: ${PAGE_SIZE.jcmsPerPage}, groupSize: 3, totalRecord: ${recs.length}, proxyUrl: '/module/web/jpage/dataproxy.jsp', barPosition: 'bottom' }); });</script>
</body></html>`;
  }

  function jcmsXml(start: number, end: number): string {
    const served = jcmsRecords().length - (opts.jcmsProxyShort ?? 0);
    const recs = jcmsRecords().slice(Math.max(0, start - 1), Math.max(0, Math.min(end, served)));
    return `<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>${jcmsRecords().length}</totalrecord><recordset>${recs.map(jcmsRecord).join('')}</recordset></datastore>`;
  }

  function jsonColumnPage(): string {
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报 鄞州区人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> ${OFF_HOST}</div>
<ul id="list"></ul><div id="pager"></div>
<script>
function load(p) {
  fetch('/api/nb/list?columnId=88&pageSize=${PAGE_SIZE.json}&page=' + p)
    .then(function (r) { return r.json(); })
    .then(function (d) {
      document.getElementById('list').innerHTML = d.data.list.map(function (x) {
        return '<li><a href="' + x.url + '" target="_blank">' + x.title + '</a><span>' + x.pubDate + '</span></li>';
      }).join('');
      var pages = Math.ceil(d.data.total / d.data.pageSize), h = '';
      for (var i = 1; i <= pages; i++) h += '<span onclick="load(' + i + ')">' + i + '</span>';
      document.getElementById('pager').innerHTML = h;
    });
}
load(1);
</script></body></html>`;
  }

  function scriptColumnPage(): string {
    // The endpoint is assembled from pieces and the records use short keys: nothing a static
    // reader can follow. A browser runs it and the DOM has the links.
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报 洪泽区</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<div id="app"></div>
<script>
(function () {
  var parts = ['', 'script', 'nb', 'data', 'list' + '.json'];
  var xhr = new XMLHttpRequest();
  xhr.open('GET', parts.join('/'));
  xhr.onload = function () {
    var rows = JSON.parse(xhr.responseText).rows, html = '<ul>';
    for (var i = 0; i < rows.length; i++) html += '<li><a href="' + rows[i].u + '">' + rows[i].t + '</a> ' + rows[i].d + '</li>';
    document.getElementById('app').innerHTML = html + '</ul>';
  };
  xhr.send();
})();
</script></body></html>`;
  }

  function simpleList(title: string, list: Item[], next: string | null): string {
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>
<div class="nav"><a href="/">首页</a> ${OFF_HOST}</div>
<ul>${list.map((i) => `<li><a href="${i.path}">${i.title}</a> <span>${i.date}</span></li>`).join('\n')}</ul>
<div class="pager">${next ? `<a href="${next}">下一页</a>` : ''}</div></body></html>`;
  }

  function attachmentLinks(i: Item): string {
    const trs = i.column === 'trs';
    const rel = (p: string) => (trs ? `./${p.split('/').pop()}` : p);
    return i.attachments.map((a, k) => `<p>附件${k + 1}：<a href="${rel(a.path)}">${i.title}.${a.ext}</a></p>`).join('\n');
  }

  function articlePage(i: Item): string {
    const trs = i.column === 'trs';
    const atts = attachmentLinks(i);
    const container = trs ? `<div class="TRS_Editor">${i.bodyHtml}</div>` : `<div id="zoom">${i.bodyHtml}</div>`;
    return `<!DOCTYPE html><html><head><meta ${trs ? 'http-equiv="Content-Type" content="text/html; charset=gbk"' : 'charset="utf-8"'}>
<meta name="ArticleTitle" content="${i.title}"><title>${i.title}_泗洪县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> ${OFF_HOST}</div>
<h1 class="title">${i.title}</h1><div class="info">发布日期：${i.date}</div>
${container}
<div class="attachments">${atts}</div>
<div class="related"><a href="/">返回首页</a></div></body></html>`;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const h2Base = `http://${H2_HOST}:${port}`;
  const abs = (i: Item, p: string) => `${i.host === 'h2' ? h2Base : base}${p}`;
  const expected = {
    reports: items
      .filter((i) => i.report)
      .map((i) => ({ url: abs(i, i.path), title: i.title, column: i.column, attachments: i.attachments.map((a) => abs(i, a.path)), disallowed: !!i.disallowed })),
    nonReports: items.filter((i) => !i.report).map((i) => abs(i, i.path)),
  };
  return {
    url: `${base}/`,
    port,
    h2Url: `${h2Base}/`,
    hostOverrides: { [H2_HOST]: '127.0.0.1' },
    starts: {
      trs: `${base}/trs/zfxxgknb/index.htm`,
      jcms: `${base}/col/col1229486972/index.html`,
      json: `${base}/json/nb/index.html`,
      waf: `${base}/waf/nb/index.html`,
      script: `${base}/script/nb/index.html`,
      generic: `${h2Base}/gk/nb/index.html`,
    },
    requestLog,
    expected,
    bump(pathname: string) {
      for (const v of ['main', 'h2']) bumps.set(`${v}${pathname}`, (bumps.get(`${v}${pathname}`) ?? 0) + 1);
    },
    clearFaults() {
      for (const f of faults) f.left = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The embedded sample portal `npm start` serves: the same material with the seed renderings
 * (sample/render.ts) from `documentsDir`, no faults, and a fixed port if asked.
 */
export function startSamplePortal(opts: { port?: number; documentsDir: string }): Promise<FixturePortal> {
  return startFixturePortal({ port: opts.port, documentsDir: opts.documentsDir, realOnly: true });
}
