/**
 * Done-when: every report is found on every platform kind (TRS, jcms, JSON API, challenge,
 * generic) and 0 non-reports are stored as reports. Real SQLite file, real Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { DEFAULT_DOCUMENTS_DIR, startFixturePortal, type FixturePortal } from './portal/server.ts';
import { workspace, type Workspace } from './portal/harness.ts';
import type { CrawlSummary } from '../crawler/index.ts';
import { classifyTitle } from '../text/title.ts';
import { trsPaging } from '../crawler/platforms/trs.ts';
import { jcms } from '../crawler/platforms/jcms.ts';
import { scriptEndpoints } from '../crawler/platforms/jsonapi.ts';
import { articleTitle, loadHtml } from '../crawler/discover.ts';
import { renderReports } from '../scripts/render-reports.ts';
import type { Page } from '../crawler/types.ts';

let portal: FixturePortal;
let ws: Workspace;
let summary: CrawlSummary;

beforeAll(async () => {
  portal = await startFixturePortal({});
  ws = workspace(portal);
  summary = await ws.run(Object.values(portal.starts));
}, 120_000);

afterAll(async () => {
  ws?.cleanup();
  await portal?.close();
});

describe('crawl: discovery on every platform kind', () => {
  it('finds every report and its attachments, per platform, and stores no non-report', () => {
    const docs = ws.documents();
    const byUrl = new Map(docs.flatMap((d) => [[d.url, d] as const, [d.final_url, d] as const]));
    const figures: Record<string, { expected: number; found: number; attachmentsExpected: number; attachmentsFound: number }> = {};
    for (const r of portal.expected.reports.filter((x) => !x.disallowed)) {
      const f = (figures[r.column] ??= { expected: 0, found: 0, attachmentsExpected: 0, attachmentsFound: 0 });
      f.expected++;
      const doc = byUrl.get(r.url);
      if (doc) {
        f.found++;
        expect(doc.kind).toBe('article');
        expect(doc.title).toBe(r.title);
      }
      for (const a of r.attachments) {
        f.attachmentsExpected++;
        const att = byUrl.get(a);
        if (att) {
          f.attachmentsFound++;
          expect(att.kind).toBe('attachment');
          // The normalize stage links an attachment to its article through referrer and title.
          expect(byUrl.get(att.referrer!)?.title).toBe(r.title);
          expect(att.title).toBe(r.title);
        }
      }
    }
    const nonReportsStored = portal.expected.nonReports.filter((u) => byUrl.has(u)).length;
    const articles = docs.filter((d) => d.kind === 'article');
    const notAReport = articles.filter((d) => classifyTitle(d.title) !== 'report');
    console.log('[crawl figures] reports found per platform:', JSON.stringify(figures));
    console.log('[crawl figures] non-reports stored as reports:', nonReportsStored + notAReport.length, '| documents:', docs.length, '| platforms seen:', JSON.stringify(summary.platforms));
    for (const [col, f] of Object.entries(figures)) {
      expect(f.found, `${col} reports`).toBe(f.expected);
      expect(f.attachmentsFound, `${col} attachments`).toBe(f.attachmentsExpected);
    }
    expect(Object.keys(figures).sort()).toEqual(['generic', 'jcms', 'json', 'script', 'trs', 'waf']);
    expect(nonReportsStored).toBe(0);
    expect(notAReport).toEqual([]);
    expect(summary.failed).toBe(0);
    // Every list of the portal reads completely (TRS createPageHTML, jcms totalRecord, JSON totals).
    console.log('[crawl figures] sample portal lists:', JSON.stringify(summary.listings), 'incomplete:', JSON.stringify(summary.incompleteListings));
    expect(summary.incompleteListings).toEqual([]);
  });

  it('stores each document once although listed twice, and never follows javascript: or off-host links', () => {
    const docs = ws.documents();
    expect(new Set(docs.map((d) => d.url)).size).toBe(docs.length);
    const articleShas = docs.filter((d) => d.kind === 'article').map((d) => d.sha256);
    expect(new Set(articleShas).size).toBe(articleShas.length);
    const hosts = new Set(portal.requestLog.map((e) => e.host.split(':')[0]));
    expect([...hosts].sort()).toEqual(['127.0.0.1', 'h2.portal.test']);
    expect(summary.skipped.offScope).toBeGreaterThan(0);
    expect(portal.requestLog.some((e) => /javascript|void\(0\)/.test(e.path))).toBe(false);
  });

  it('renders the script-drawn column in Chromium only because nothing static leads to its list', () => {
    const script = portal.requestLog.filter((e) => e.path.startsWith('/script/nb/'));
    expect(script.filter((e) => e.path === '/script/nb/index.html').map((e) => e.client)).toEqual(['plain', 'browser']);
    expect(script.filter((e) => e.path === '/script/nb/data/list.json').map((e) => e.client)).toEqual(['browser']);
    // Articles and attachments found through the DOM are fetched by plain HTTP again.
    expect(script.filter((e) => e.path.startsWith('/script/nb/art/')).every((e) => e.client === 'plain')).toBe(true);
    expect(summary.browserFetches).toBe(2); // the script column and the challenge column
  });

  it('pages jcms with POST windows and the JSON column through its script endpoint, not through Chromium', () => {
    const posts = portal.requestLog.filter((e) => e.path.startsWith('/module/web/jpage/dataproxy.jsp'));
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((e) => e.method === 'POST' && e.status === 200)).toBe(true);
    const api = portal.requestLog.filter((e) => e.path.startsWith('/api/nb/list'));
    expect(api.length).toBe(3);
    expect(api.every((e) => e.client === 'plain')).toBe(true);
    // TRS pages index_1, index_2 come only from the createPageHTML call (there are no links).
    expect(portal.requestLog.filter((e) => /\/trs\/zfxxgknb\/index_\d\.htm/.test(e.path)).length).toBe(2);
  });

  it('keeps file names from Content-Disposition inside the data folder', () => {
    const names = ws.documents().map((d) => d.filename).filter((n): n is string => !!n);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n).not.toMatch(/[\\/]|^\.\.?$/);
    expect(names).toContain('拱墅区投资促进局2021年报.docx');
  });

  it('reads the GBK TRS pages correctly (titles decoded from gb2312/GBK bytes)', () => {
    const trs = ws.documents().filter((d) => d.url.includes('/trs/') && d.kind === 'article');
    expect(trs.length).toBeGreaterThanOrEqual(4);
    for (const d of trs) expect(d.title).toMatch(/^余姚市.+报告$/);
  });
});

describe('crawl: zero-config from a portal home page', () => {
  it('finds the 年报 columns by their link text and every report in them', async () => {
    const home = workspace(portal);
    try {
      const s = await home.run([portal.url]);
      const urls = new Set(home.documents().flatMap((d) => [d.url, d.final_url]));
      const expected = portal.expected.reports.filter((r) => !r.disallowed && r.column !== 'generic');
      const missing = expected.filter((r) => !urls.has(r.url) || r.attachments.some((a) => !urls.has(a)));
      console.log(`[crawl figures] zero-config from ${portal.url}: ${expected.length - missing.length}/${expected.length} reports with attachments, ${s.listingsRead} listings read, non-reports stored ${portal.expected.nonReports.filter((u) => urls.has(u)).length}`);
      expect(missing).toEqual([]);
      expect(portal.expected.nonReports.filter((u) => urls.has(u))).toEqual([]);
    } finally {
      home.cleanup();
    }
  }, 120_000);
});

describe('crawl: with the seed renderings (scripts/render-reports.ts, made here when missing)', () => {
  it('finds the seed reports in portal-chrome pages and stores their PDF/DOC/DOCX bytes', async (ctx) => {
    // Decided when the test runs, not when the file loads: render what is missing (cached in
    // test/.cache), and when a rendering tool is absent fail under CI, skip visibly elsewhere.
    try {
      await renderReports({ outDir: DEFAULT_DOCUMENTS_DIR });
    } catch (e) {
      const why = `cannot render the seed reports into ${DEFAULT_DOCUMENTS_DIR}: ${(e as Error).message.split('\n')[0]} (scripts/system-deps.sh installs chromium and libreoffice)`;
      if (process.env.CI) throw new Error(why);
      console.log(`[crawl figures] SKIPPED with renderings: ${why}`);
      ctx.skip();
    }
    expect(fs.existsSync(`${DEFAULT_DOCUMENTS_DIR}/index.json`), 'renderings index').toBe(true);
    const real = await startFixturePortal({ documentsDir: DEFAULT_DOCUMENTS_DIR });
    const w = workspace(real);
    try {
      await w.run(Object.values(real.starts));
      const docs = w.documents();
      const urls = new Set(docs.flatMap((d) => [d.url, d.final_url]));
      const expected = real.expected.reports.filter((r) => !r.disallowed);
      expect(expected.filter((r) => !urls.has(r.url) || r.attachments.some((a) => !urls.has(a)))).toEqual([]);
      expect(real.expected.nonReports.filter((u) => urls.has(u))).toEqual([]);
      const big = docs.filter((d) => d.kind === 'attachment' && d.size > 10_000);
      console.log(`[crawl figures] with renderings: ${expected.length} reports, ${docs.length} documents, ${big.length} real seed attachments (${big.map((d) => d.filename).join(', ')})`);
      expect(big.length).toBeGreaterThanOrEqual(5);
    } finally {
      w.cleanup();
      await real.close();
    }
  }, 600_000);
});

describe('discovery rules (general evidence, not fitted to the fixture)', () => {
  it('recognises report titles and rejects look-alikes', () => {
    const yes = ['余姚市人民政府招商中心2021年度政府信息公开工作年度报告', '鄞州区投资促进中心 2024 年政府信息公开工作 年度报告', '拱墅区人民政府2021年政府信息公开年报', '2019年政务公开工作年度报告', '市统计局2018年信息公开年度报告'];
    const no = ['2022年政务公开工作要点', '关于做好2021年度政府信息公开工作年度报告编制发布工作的通知', '关于2020年政府信息公开工作年度报告整改落实情况的函', '2021年统计年报', '关于开展2021年度企业年报公示工作的通知', '政府信息公开指南', '2021年政府信息公开工作年度报告解读'];
    for (const t of yes) expect(classifyTitle(t), t).toBe('report');
    for (const t of no) expect(classifyTitle(t), t).toBe('no');
    expect(classifyTitle('余姚市农业农村局2021年政府信息公开工作年...')).toBe('maybe');
  });

  it('takes an article title from <title> without breaking a year range at its hyphen', () => {
    expect(articleTitle(loadHtml('<title>余姚市2020-2021年度政府信息公开工作年度报告-余姚市人民政府</title>'))).toBe('余姚市2020-2021年度政府信息公开工作年度报告');
    expect(articleTitle(loadHtml('<title>政府信息公开年报_某某局2022年政府信息公开工作年度报告_某某市人民政府门户网站</title>'))).toBe('某某局2022年政府信息公开工作年度报告');
  });

  it('reads TRS paging from the call shapes seen on real sites', () => {
    expect(trsPaging('createPageHTML(12, 0, "index", "htm");')).toMatchObject({ count: 12, current: 0, name: 'index', ext: 'htm' });
    expect(trsPaging("createPageHTML('page_div', 7, 1, 'index', 'shtml', 98);")).toMatchObject({ count: 7, current: 1, ext: 'shtml' });
    expect(trsPaging('var _nPageCount = 5; var _nCurrIndex = 0; var _sPageName = "index"; var _sPageExt = "html";')).toMatchObject({ count: 5, current: 0, ext: 'html' });
  });

  it('builds jcms dataproxy windows from the record count and page size in the page', () => {
    const text = `<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3105&path=/&columnid=1229486972&unitid=7486345&permissiontype=0"></a>]]></nextgroup><recordset>${'<record><![CDATA[<li><a href="/art/2022/1/20/art_1229486972_1.html">x</a></li>]]></record>'.repeat(45)}</recordset></datastore></script><script>$('#x').jpage({perPage:15,totalRecord:174});</script>`;
    const page: Page = { url: 'http://www.gongshu.gov.cn/col/col1229486972/index.html', finalUrl: 'http://www.gongshu.gov.cn/col/col1229486972/index.html', kind: 'listing', status: 200, contentType: 'text/html', text, $: () => loadHtml(text), extra: {}, rendered: false };
    expect(jcms.detect(page)).toBeGreaterThan(0.5);
    const r = jcms.list(page);
    expect(r.pages.map((p) => new URL(p.url).search)).toEqual([
      '?startrecord=46&endrecord=90&perpage=15&columnid=1229486972',
      '?startrecord=91&endrecord=135&perpage=15&columnid=1229486972',
      '?startrecord=136&endrecord=174&perpage=15&columnid=1229486972',
    ]);
    expect(new URLSearchParams(r.pages[0]!.extra!.body).get('unitid')).toBe('7486345');
  });

  it('finds JSON endpoints in page scripts', () => {
    const eps = scriptEndpoints("fetch('/api/list?col=5&pageSize=10&page=' + p); $.ajax({ url: '/interface/getList.do?channelId=12', type: 'get' }); axios.get(`/v1/docs?page=${page}&size=20`)", 'http://a.gov.cn/x/index.html');
    expect(eps).toEqual(['http://a.gov.cn/api/list?col=5&pageSize=10&page=1', 'http://a.gov.cn/v1/docs?page=1&size=20', 'http://a.gov.cn/interface/getList.do?channelId=12']);
  });
});
