/**
 * A small static site on 127.0.0.1 for the crawl-completeness fixtures: a map of paths to
 * answers, any number of virtual hosts (by Host header), and a request log per host. Each
 * fixture site (pagers.ts, walk.ts) builds its pages in its own markup, the way a different CMS
 * would; this file only serves them.
 */
import http from 'node:http';

export interface Answer {
  status?: number;
  type?: string;
  body: string | Buffer;
}

export interface SiteLogEntry {
  host: string;
  path: string;
  status: number;
  browser: boolean;
}

export interface Site {
  url: string;
  port: number;
  /** `http://<host>:<port>` of a virtual host (needs hostOverrides → 127.0.0.1). */
  hostUrl(host: string): string;
  hostOverrides: Record<string, string>;
  log: SiteLogEntry[];
  close(): Promise<void>;
}

/** pages: host ('' = the default host, 127.0.0.1) → path (with query, if any matters) → answer. */
export async function serveSite(pages: Map<string, Map<string, Answer>>): Promise<Site> {
  const log: SiteLogEntry[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const table = pages.get(host) ?? pages.get('')!;
    const full = req.url ?? '/';
    const bare = full.replace(/\?.*$/, '');
    // A page that ignores its query answers as if there were none (what most CMS do with ?page=2).
    const a = table.get(full) ?? table.get(bare) ?? (bare.endsWith('/') ? table.get(`${bare}index.html`) : undefined);
    const status = a ? (a.status ?? 200) : 404;
    log.push({ host, path: full, status, browser: /Chrome\//.test(req.headers['user-agent'] ?? '') });
    res.writeHead(status, { 'content-type': a?.type ?? 'text/html; charset=utf-8' });
    res.end(a ? a.body : '<html><body><h1>404 Not Found</h1><p>您访问的页面不存在</p></body></html>');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const hosts = [...pages.keys()].filter((h) => h);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hostUrl: (h) => `http://${h}:${port}`,
    hostOverrides: Object.fromEntries(hosts.map((h) => [h, '127.0.0.1'])),
    log,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** An article page as a county portal prints one: headline, date line, body, optional attachment. */
export function articlePage(o: { title: string; date: string; body: string; attachment?: { href: string; text: string }; chrome?: string }): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${o.title}-${o.chrome ?? '人民政府门户网站'}</title></head><body>
<div class="top-bar">${o.chrome ?? '人民政府门户网站'}</div>
<div class="detail"><div class="detail-tit">${o.title}</div><div class="detail-info">发布时间：${o.date}　来源：本站</div>
<div class="detail-con">${o.body}</div>
${o.attachment ? `<div class="fj">附件：<a href="${o.attachment.href}">${o.attachment.text}</a></div>` : ''}</div>
<div class="foot">主办单位：${o.chrome ?? '人民政府'}办公室</div></body></html>`;
}

export const REPORT_BODY = (org: string, year: number) =>
  `<p>根据《中华人民共和国政府信息公开条例》规定，现公布${org}${year}年度政府信息公开工作年度报告。</p><p>一、总体情况</p><p>${year}年，${org}坚持以人民为中心……</p><p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>`;

export const NOTICE_BODY = (year: number) =>
  `<p>各乡镇人民政府、街道办事处，县政府各部门：</p><p>根据《中华人民共和国政府信息公开条例》要求，现就做好${year}年度政府信息公开工作年度报告编制和发布工作通知如下：</p><p>一、请各单位于${year + 1}年1月20日前将年度报告报送县政务公开办。</p><p>二、报告按照国务院办公厅政府信息公开办公室印发的格式模板编制。</p><p>特此通知。</p>`;

/** A tiny PDF-looking attachment (bytes are not read by the crawler). */
export function pdfBytes(label: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${label}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`);
}
