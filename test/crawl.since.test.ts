/**
 * Done-when: `since` (nianbao run/crawl --since) stores only reports published on or after the
 * date, counts what it left out per platform kind (skipped.beforeSince), requests fewer listing
 * pages (counted from the server's request log against a crawl without it), still fetches
 * undated entries, and leaves stored documents alone. Real fixture portal, real SQLite, no mocks.
 *
 * The fixture's dates (content.ts), as the lists show them:
 *   trs     p0 2022-01-20R 2022-03-01n 2018-01-25R 2021-01-28R | p1 2021-12-10n 2022-01-25R… 2022-01-26R(robots) 2022-01-20R(again) | p2 2021-06-01n 2021-05-12…(not a report) 2020-01-20R
 *   jcms    in page 2022-01-20R 2022-03-02n 2022-01-21R 2022-01-22R 2022-02-01n 2021-01-20R | window 7-12 2022-01-15R 2021-01-22R 2022-01-21R(again) 2022-04-01n 2020-01-20R 2020-01-21R | window 13-14 2020-01-22R 2019-05-01n
 *   json    p1 2025-01-20R 2024-03-01n 2024-01-20R 2024-01-21R | p2 2023-12-01n 2024-01-22R 2023-01-20R 2023-06-01n | p3 2023-01-21R 2023-01-22R
 *   waf     2024-01-20R 2024-03-01n 2024-01-21R 2024-01-22R          script  2024-01-20R 2024-03-01n 2024-01-21R
 *   generic p1 2024-01-20R 2024-02-01n | p2 2024-01-21R 2023-01-21R | p3 2023-01-20R
 * (R report, n non-report, … a title cut short that is fetched to be checked.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startFixturePortal, type FixturePortal, type LogEntry } from './portal/server.ts';
import { buildContent, type ColumnId } from './portal/content.ts';
import { workspace, type Workspace } from './portal/harness.ts';
import { crawl, type CrawlSummary } from '../crawler/index.ts';
import { openDatabase } from '../store/db.ts';
import { FileRawStore } from '../store/raw.ts';
import { fieldDate, isBeforeSince, printedDate, urlDate } from '../crawler/discover.ts';
import { ConfigError, loadConfig } from '../pipeline/config.ts';

const COLUMNS: ColumnId[] = ['trs', 'jcms', 'json', 'waf', 'script', 'generic'];

/** Listing requests of one column (pages, dataproxy windows, API pages), answered 200. */
const LISTING: Record<ColumnId, RegExp> = {
  trs: /^\/trs\/zfxxgknb\/index(_\d+)?\.htm$/,
  jcms: /^\/col\/col1229486972\/index\.html$|^\/module\/web\/jpage\/dataproxy\.jsp/,
  json: /^\/json\/nb\/index\.html$|^\/api\/nb\/list/,
  waf: /^\/waf\/nb\/index\.html$/,
  script: /^\/script\/nb\/(index\.html|data\/list\.json)$/,
  generic: /^\/gk\/nb\/(index|list_\d+)\.html$/,
};

const listingRequests = (log: LogEntry[], col: ColumnId) => log.filter((e) => e.status === 200 && LISTING[col].test(e.path)).length;

let portal: FixturePortal;
let full: Workspace;
let fullSummary: CrawlSummary;
/** Listing requests per column of a crawl without `since`. */
const baseline = {} as Record<ColumnId, number>;
const content = buildContent();

beforeAll(async () => {
  portal = await startFixturePortal({});
  full = workspace(portal, 'nianbao-since-full-');
  const mark = portal.requestLog.length;
  fullSummary = await full.run(Object.values(portal.starts));
  const log = portal.requestLog.slice(mark);
  for (const c of COLUMNS) baseline[c] = listingRequests(log, c);
}, 120_000);

afterAll(async () => {
  full?.cleanup();
  await portal?.close();
});

/** One column crawled alone with `since`, in a fresh data folder. */
async function sinceRun(col: ColumnId, since: string) {
  const ws = workspace(portal, 'nianbao-since-');
  try {
    const mark = portal.requestLog.length;
    const summary = await ws.run([portal.starts[col]], { since });
    const log = portal.requestLog.slice(mark);
    const docs = ws.documents();
    const stored = new Set(docs.flatMap((d) => [d.url, d.final_url]));
    const requested = new Set(log.map((e) => e.path));
    const reports = portal.expected.reports.filter((r) => r.column === col && !r.disallowed);
    const dateOf = (url: string) => content.find((i) => url.endsWith(i.path) && i.column === col)!.date;
    const newer = reports.filter((r) => dateOf(r.url) >= since);
    const older = reports.filter((r) => dateOf(r.url) < since);
    return { summary, log, docs, stored, requested, newer, older, listings: listingRequests(log, col) };
  } finally {
    ws.cleanup();
  }
}

const figures: string[] = [];

describe('crawl --since on every platform kind (fixture portal)', () => {
  // [column, since, reports stored, skipped.beforeSince, listing requests with since]
  const cases: [ColumnId, string, number, number, number][] = [
    // p0 holds only 2018–2022 entries: 3 reports skipped, index_1 and index_2 never requested.
    ['trs', '2024-01-01', 0, 3, 1],
    // p0 has the 2022-03-01 notice, so p1 is read; p1 is all older (its reports 2022-01-25/26 too): index_2 not requested.
    ['trs', '2022-02-01', 0, 5, 2],
    // p1's 2022-01-25 report is newer: stored; p2 is read (all older) and is the last page.
    ['trs', '2022-01-22', 1, 5, 3],
    // In-page records all 2022 or older: no dataproxy window is posted.
    ['jcms', '2024-01-01', 0, 4, 1],
    // Newer records on the page and in window 7-12: every window read; 2022-01-21/22 stored (the first one listed twice, counted once).
    ['jcms', '2022-01-21', 2, 7, 3],
    // p1 and p2 hold newer entries, p3 only older ones (the last page anyway).
    ['json', '2024-01-01', 4, 3, 4],
    // p2 is all older: p3 never requested.
    ['json', '2024-02-01', 1, 4, 3],
    // Nothing older on these one-page lists (the challenge column: Chromium's pass + the plain replay; the script column: plain, rendered, its list.json).
    ['waf', '2024-01-01', 3, 0, 2],
    ['script', '2024-01-01', 2, 0, 3],
    ['generic', '2024-01-01', 2, 2, 3],
    // p2 is all older: list_3 never requested.
    ['generic', '2024-02-01', 0, 3, 2],
  ];

  for (const [col, since, stored, skipped, listings] of cases) {
    it(`${col} since ${since}: ${stored} newer report(s) stored, ${skipped} skipped, ${listings} listing request(s)`, async () => {
      const r = await sinceRun(col, since);
      figures.push(`${col.padEnd(7)} since ${since}: reports stored ${r.newer.filter((x) => r.stored.has(x.url)).length}/${r.newer.length} newer, ${r.older.filter((x) => r.stored.has(x.url)).length}/${r.older.length} older; skipped.beforeSince ${r.summary.skipped.beforeSince}; listing requests ${r.listings} (without since ${baseline[col]})`);
      expect(r.newer.length).toBe(stored);
      // Every newer report and its attachments stored; no older one, and no request for it or its files.
      for (const rep of r.newer) {
        expect(r.stored.has(rep.url), rep.title).toBe(true);
        for (const a of rep.attachments) expect(r.stored.has(a), a).toBe(true);
      }
      for (const rep of r.older) {
        expect(r.stored.has(rep.url), rep.title).toBe(false);
        expect(r.requested.has(new URL(rep.url).pathname), rep.title).toBe(false);
        for (const a of rep.attachments) expect(r.requested.has(new URL(a).pathname + new URL(a).search), a).toBe(false);
      }
      expect(r.docs.filter((d) => d.kind === 'article').length).toBe(stored);
      expect(r.summary.reportsFound).toBe(stored);
      expect(r.summary.skipped.beforeSince).toBe(skipped);
      expect(r.listings).toBe(listings);
      expect(r.listings).toBeLessThanOrEqual(baseline[col]);
      expect(r.summary.failed).toBe(0);
    }, 60_000);
  }

  it('asks for fewer listing pages where a page is all older (trs, jcms, json, generic)', () => {
    console.log(`[crawl figures] listing requests without since: ${JSON.stringify(baseline)}`);
    for (const f of figures) console.log(`[crawl figures] ${f}`);
    expect(baseline).toEqual({ trs: 3, jcms: 3, json: 4, waf: 2, script: 3, generic: 3 });
  });

  it('leaves documents already stored as they are, and requests none of the older ones again', async () => {
    const before = full.documents();
    const mark = portal.requestLog.length;
    const s = await full.run(Object.values(portal.starts), { since: '2024-01-01' });
    const log = portal.requestLog.slice(mark);
    const olderStored = before.filter((d) => {
      const item = content.find((i) => d.url.endsWith(i.path) || i.attachments.some((a) => d.url.endsWith(a.path)));
      return item && item.date < '2024-01-01';
    });
    const requested = new Set(log.map((e) => e.path));
    const asked = olderStored.filter((d) => requested.has(new URL(d.url).pathname + new URL(d.url).search) || requested.has(new URL(d.url).pathname));
    console.log(`[crawl figures] re-run with since 2024-01-01 over ${before.length} stored documents (${olderStored.length} older): requests ${log.length} (full re-run ${fullSummary.fetched + fullSummary.listingsRead}+), older documents requested ${asked.length}, skipped.beforeSince ${s.skipped.beforeSince}, documents changed ${s.new + s.changed}`);
    expect(olderStored.length).toBeGreaterThan(10);
    expect(asked).toEqual([]);
    expect(full.documents()).toEqual(before);
    expect(s.new + s.changed).toBe(0);
    // The per-column skips of the cases above (3 + 4 + 3 + 0 + 0 + 2).
    expect(s.skipped.beforeSince).toBe(12);
  }, 120_000);
});

// ---------------------------------------------------------------- undated entries, URL dates

/**
 * A small generic portal (下一页 pagination) whose lists print no dates: entries are dated by
 * their URL or not at all.
 *   index.html   undated report · jcms /art/2020/1/20/ · TRS t20200120 · TRS t20200121 with a printed 2024-03-01 · /202401/ folder
 *   list_2.html  only undated entries (paging goes on)
 *   list_3.html  only entries whose URLs say 2019 (paging stops: list_4 is never requested)
 */
interface MiniPortal {
  url: string;
  log: string[];
  close(): Promise<void>;
}

const MINI_ARTICLES: Record<string, { title: string; attachment?: string }> = {
  '/gk/content_1.html': { title: '某区人民政府2023年政府信息公开工作年度报告', attachment: '/gk/201901/P020190120000001.pdf' },
  '/art/2020/1/20/art_1_2.html': { title: '某区民政局2019年政府信息公开工作年度报告' },
  '/gk/202001/t20200120_3.htm': { title: '某区财政局2019年政府信息公开工作年度报告' },
  '/gk/202001/t20200121_4.htm': { title: '某区司法局2023年政府信息公开工作年度报告' },
  '/gk/202401/content_5.html': { title: '某区审计局2023年政府信息公开工作年度报告' },
  '/gk/content_6.html': { title: '某区水利局2022年政府信息公开工作年度报告' },
  '/gk/content_7.html': { title: '某区林业局2022年政府信息公开工作年度报告' },
  '/gk/201901/t20190120_8.htm': { title: '某区商务局2018年政府信息公开工作年度报告' },
  '/art/2019/1/21/art_1_9.html': { title: '某区统计局2018年政府信息公开工作年度报告' },
  '/gk/content_10.html': { title: '某区档案馆2017年政府信息公开工作年度报告' },
};

const MINI_PAGES: Record<string, { rows: string[]; next?: string }> = {
  '/gk/index.html': {
    rows: [
      '<li><a href="/gk/content_1.html">某区人民政府2023年政府信息公开工作年度报告</a></li>',
      '<li><a href="/art/2020/1/20/art_1_2.html">某区民政局2019年政府信息公开工作年度报告</a></li>',
      '<li><a href="/gk/202001/t20200120_3.htm">某区财政局2019年政府信息公开工作年度报告</a></li>',
      '<li><a href="/gk/202001/t20200121_4.htm">某区司法局2023年政府信息公开工作年度报告</a><span>2024-03-01</span></li>',
      '<li><a href="/gk/202401/content_5.html">某区审计局2023年政府信息公开工作年度报告</a></li>',
    ],
    next: 'list_2.html',
  },
  '/gk/list_2.html': {
    rows: ['<li><a href="/gk/content_6.html">某区水利局2022年政府信息公开工作年度报告</a></li>', '<li><a href="/gk/content_7.html">某区林业局2022年政府信息公开工作年度报告</a></li>'],
    next: 'list_3.html',
  },
  '/gk/list_3.html': {
    rows: ['<li><a href="/gk/201901/t20190120_8.htm">某区商务局2018年政府信息公开工作年度报告</a></li>', '<li><a href="/art/2019/1/21/art_1_9.html">某区统计局2018年政府信息公开工作年度报告</a></li>'],
    next: 'list_4.html',
  },
  '/gk/list_4.html': { rows: ['<li><a href="/gk/content_10.html">某区档案馆2017年政府信息公开工作年度报告</a></li>'] },
};

async function startMiniPortal(): Promise<MiniPortal> {
  const log: string[] = [];
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(p);
    const html = (body: string, title = '某区政府信息公开年报') =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ArticleTitle" content="${title}"><title>${title}</title></head><body><div class="nav"><a href="/">首页</a> <a href="/gk/index.html">政府信息公开</a></div>${body}</body></html>`);
    const page = MINI_PAGES[p];
    if (page) return html(`<ul class="list">${page.rows.join('\n')}</ul><div class="pager">${page.next ? `<a href="${page.next}">下一页</a>` : ''}</div>`);
    const art = MINI_ARTICLES[p];
    if (art) return html(`<h1>${art.title}</h1><p>本年度主动公开政府信息121条。</p>${art.attachment ? `<p>附件：<a href="${art.attachment}">${art.title}.pdf</a></p>` : ''}`, art.title);
    if (Object.values(MINI_ARTICLES).some((a) => a.attachment === p)) return res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF-1.4\n% stand-in\n%%EOF\n');
    if (p === '/robots.txt') return res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/gk/index.html`, log, close: () => new Promise((r) => server.close(() => r())) };
}

describe('crawl --since with undated lists (dates from URLs, or none)', () => {
  it('fetches undated entries, skips entries whose URL is older, prefers the printed date, and stops at an all-older page', async () => {
    const mini = await startMiniPortal();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-since-mini-'));
    const db = openDatabase(path.join(dir, 'nianbao.sqlite'));
    try {
      const s = await crawl(db, new FileRawStore(path.join(dir, 'raw')), { starts: [mini.url], options: { since: '2024-01-15', perHostDelayMs: 0, browser: false, log: () => undefined } });
      const stored = (db.prepare(`SELECT url, kind FROM documents ORDER BY url`).all() as { url: string; kind: string }[]).map((d) => new URL(d.url).pathname);
      console.log(`[crawl figures] undated list, since 2024-01-15: stored ${stored.length} documents, skipped.beforeSince ${s.skipped.beforeSince}, listing pages ${mini.log.filter((p) => MINI_PAGES[p]).length}/4 requested`);
      expect(stored).toEqual([
        '/gk/201901/P020190120000001.pdf', // the attachment follows its (undated) article, whatever its URL says
        '/gk/202001/t20200121_4.htm', // URL says 2020, the list prints 2024-03-01: the printed date wins
        '/gk/202401/content_5.html', // a /202401/ folder is not wholly before 2024-01-15
        '/gk/content_1.html', // undated
        '/gk/content_6.html', // undated, on page 2
        '/gk/content_7.html',
      ]);
      // jcms /art/2020/1/20/ and TRS t20200120 on page 1, t20190120 and /art/2019/1/21/ on page 3.
      expect(s.skipped.beforeSince).toBe(4);
      for (const p of ['/art/2020/1/20/art_1_2.html', '/gk/202001/t20200120_3.htm', '/gk/201901/t20190120_8.htm', '/art/2019/1/21/art_1_9.html']) expect(mini.log).not.toContain(p);
      // Page 2 had only undated entries: paging went on; page 3 was all older: list_4 never asked for.
      expect(mini.log.filter((p) => MINI_PAGES[p])).toEqual(['/gk/index.html', '/gk/list_2.html', '/gk/list_3.html']);
      expect(s.failed).toBe(0);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await mini.close();
    }
  }, 60_000);
});

describe('since: dates and configuration', () => {
  it('reads dates from lists, URLs and JSON fields', () => {
    expect(printedDate('[2024-01-20]')).toBe('2024-01-20');
    expect(printedDate('发布日期：2023年5月6日 10:00')).toBe('2023-05-06');
    expect(printedDate('2019/2/3 · 2021.12.01')).toBe('2021-12-01'); // the latest of two
    expect(printedDate('2021年政府信息公开工作年度报告')).toBeNull();
    expect(printedDate('2023-02-30')).toBeNull();
    expect(urlDate('http://a.gov.cn/col/202201/t20220120_1234567.htm')).toBe('2022-01-20');
    expect(urlDate('http://a.gov.cn/art/2022/1/20/art_1229486972_59010001.html')).toBe('2022-01-20');
    expect(urlDate('http://a.gov.cn/zfxxgk/202201/P020220120.pdf')).toBe('2022-01');
    expect(urlDate('http://a.gov.cn/gk/content_6001.html')).toBeNull();
    expect(fieldDate('2024-01-20 09:30:00')).toBe('2024-01-20');
    expect(fieldDate(1705708800000)).toBe('2024-01-20');
    expect(fieldDate('20240120')).toBe('2024-01-20');
    expect(isBeforeSince('2023-12-31', '2024-01-01')).toBe(true);
    expect(isBeforeSince('2024-01-01', '2024-01-01')).toBe(false);
    expect(isBeforeSince('2024-01', '2024-01-15')).toBe(false);
    expect(isBeforeSince('2023-12', '2024-01-15')).toBe(true);
  });

  it('takes since from --since, then NIANBAO_SINCE, then the config file, and refuses a bad date', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-since-config-'));
    try {
      const file = path.join(dir, 'nianbao.json');
      fs.writeFileSync(file, JSON.stringify({ portals: [], crawl: { since: '2020-01-01' } }));
      expect(loadConfig({ configFile: file }, {}).crawl.since).toBe('2020-01-01');
      expect(loadConfig({ configFile: file }, { NIANBAO_SINCE: '2022-01-01' }).crawl.since).toBe('2022-01-01');
      expect(loadConfig({ configFile: file, since: '2024-01-01' }, { NIANBAO_SINCE: '2022-01-01' }).crawl.since).toBe('2024-01-01');
      expect(loadConfig({ configFile: writeEmpty(dir) }, {}).crawl.since).toBeUndefined();
      expect(() => loadConfig({ configFile: file }, { NIANBAO_SINCE: '2022-13-01' })).toThrow(ConfigError);
      expect(() => loadConfig({ configFile: file, since: '20240101' }, {})).toThrow(ConfigError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nianbao crawl --since with a bad date is a usage error (exit 2), before any crawling', () => {
    const r = spawnSync(process.execPath, ['bin/nianbao.js', 'crawl', '--since', '2024-02-30', '--start', 'http://127.0.0.1:9/', '--data-dir', path.join(os.tmpdir(), 'nianbao-since-cli-unused')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toMatch(/--since takes a date YYYY-MM-DD/);
    expect(r.status).toBe(2);
    expect(fs.existsSync(path.join(os.tmpdir(), 'nianbao-since-cli-unused', 'nianbao.sqlite'))).toBe(false);
  }, 60_000);
});

function writeEmpty(dir: string): string {
  const f = path.join(dir, 'empty.json');
  fs.writeFileSync(f, JSON.stringify({ portals: [] }));
  return f;
}
