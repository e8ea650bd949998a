/**
 * Done-when (issue 11, part 1): every list reads what it states about its size, in the shapes
 * real portals use, derives its further pages from it (or pages it in Chromium), and a list that
 * cannot be completed makes the run say so: crawl.incompleteListings in the JSON summary, the
 * text summary and `nianbao status` name it, exit status 1. Real SQLite, real Chromium, fixture
 * sites on 127.0.0.1 whose markup and pager scripts are their own (test/portal/sites/pagers.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startPagersSite, type PagersSite } from './portal/sites/pagers.ts';
import { workspace } from './portal/harness.ts';
import { startFixturePortal, type FaultRule, type FixturePortal, type FixturePortalOptions } from './portal/server.ts';
import { listingsText, printSummary } from '../cli/run.ts';
import type { RunSummary } from '../pipeline/run.ts';
import { keyRole, statedSize, textSize } from '../crawler/stated.ts';
import { listEntries, loadHtml } from '../crawler/discover.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let site: PagersSite;

beforeAll(async () => {
  site = await startPagersSite();
});
afterAll(async () => {
  await site?.close();
});

describe('crawl: every list checks what it states against what it found', () => {
  it('reads the stated size in each pager shape, finds every entry, and flags the list whose page 3 is gone', async () => {
    for (const c of site.cases) {
      const ws = workspace({ hostOverrides: site.hostOverrides } as unknown as FixturePortal, `nianbao-complete-${c.id}-`);
      try {
        const before = site.log.length;
        const t0 = Date.now();
        const s = await ws.run([c.start]);
        const ms = Date.now() - t0;
        const log = site.log.slice(before);
        const docs = ws.documents();
        const urls = new Set(docs.map((d) => d.url));
        const found = c.reports.filter((u) => urls.has(u)).length;
        const listing = s.incompleteListings.find((l) => l.url === c.start);
        const checked = ws.db.prepare(`SELECT stated_records, found FROM crawl_listings WHERE list_url = ?`).get(c.start) as { stated_records: number; found: number } | undefined;
        console.log(
          `[crawl figures] ${c.id}: stated ${checked?.stated_records ?? '-'} entries, found ${checked?.found ?? '-'} (reachable ${c.reachable}); reports ${found}/${c.reports.length}, attachments ${c.attachments.filter((u) => urls.has(u)).length}/${c.attachments.length}; ` +
            `requests ${log.length} (${log.filter((e) => e.browser).length} from Chromium, ${s.pagingProbes} paging probes); ${ms} ms; incomplete ${listing ? `${listing.found}/${listing.stated}` : 'no'}`,
        );
        expect(checked?.stated_records, `${c.id}: stated size read`).toBe(c.stated);
        expect(checked?.found, `${c.id}: entries found`).toBe(c.reachable);
        expect(c.reports.filter((u) => !urls.has(u)), `${c.id}: reports missing`).toEqual([]);
        expect(c.attachments.filter((u) => !urls.has(u)), `${c.id}: attachments missing`).toEqual([]);
        expect(docs.filter((d) => c.nonReports.includes(d.url)), `${c.id}: notices stored`).toEqual([]);
        if (c.incomplete) {
          expect(s.incompleteListings).toEqual([expect.objectContaining({ url: c.start, stated: c.stated, found: c.reachable, unit: 'records' })]);
          expect(listing!.failedPages?.map((f) => f.kind)).toEqual(expect.arrayContaining(['http-4xx']));
        } else {
          expect(s.incompleteListings, c.id).toEqual([]);
          expect(s.failed, c.id).toBe(0);
        }
      } finally {
        ws.cleanup();
      }
    }
  }, 300_000);

  it('nianbao crawl exits 1 on an incomplete list and names it in the JSON and text summaries and in nianbao status', async () => {
    const gone = site.cases.find((c) => c.id === 'gone')!;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-incomplete-cli-'));
    // Asynchronous: the fixture site answers from this process's event loop.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), ...args], { cwd: repoRoot, env: { ...process.env, NIANBAO_DATA_DIR: dataDir } });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    try {
      const json = await cli('crawl', '--start', gone.start, '--delay-ms', '0', '--json');
      expect(json.status, json.stderr.slice(-2000)).toBe(1);
      const summary = JSON.parse(json.stdout.trim().split('\n').pop()!) as { status: string; crawl: { incompleteListings: { url: string; stated: number; found: number }[] } };
      expect(summary.status).toBe('partial');
      expect(summary.crawl.incompleteListings).toEqual([expect.objectContaining({ url: gone.start, stated: 25, found: 20 })]);
      expect(Object.values((summary.crawl as unknown as { coverage: Record<string, unknown> }).coverage)).toEqual([expect.objectContaining({ statedRecords: 25, foundRecords: 20, incompleteListings: 1, reportArticles: 19 })]);
      const text = await cli('crawl', '--start', gone.start, '--delay-ms', '0', '--quiet');
      expect(text.status).toBe(1);
      expect(text.stdout).toContain(`INCOMPLETE listing ${gone.start}: states 25 records, found 20`);
      const status = await cli('status');
      expect(status.status).toBe(0);
      expect(status.stdout).toContain(`incomplete listing ${gone.start}: states 25 records, found 20`);
      expect(status.stdout).toContain('listings: 1 list checked: 1 states its records (20 of 25 stated records found)');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('crawl: lists read through an adapter (jcms proxy ranges, JSON API pages) are checked too', () => {
  // The sample portal's own jcms column (datastore + dataproxy.jsp ranges, totalRecord/perPage in
  // its jpage call) and JSON-API column (/api/nb/list answers with data.total), with the faults
  // real sites show: a range or page that fails, a statement larger than what the pages give.
  const cases: { id: string; column: 'jcms' | 'json'; opts: FixturePortalOptions; stated: number; found: number; failed?: RegExp }[] = [
    { id: 'jcms complete', column: 'jcms', opts: {}, stated: 14, found: 14 },
    { id: 'jcms last range 404', column: 'jcms', opts: { faults: [{ path: 'startrecord=13', kind: 'status', status: 404 }] }, stated: 14, found: 12, failed: /dataproxy\.jsp\?startrecord=13&endrecord=14/ },
    { id: 'jcms proxy short of totalRecord', column: 'jcms', opts: { jcmsProxyShort: 3 }, stated: 14, found: 11 },
    // The sample portal's own columns (`nianbao run --sample`): one report among notices, the
    // jcms column's records all in its datastore (one listed twice), one API page.
    { id: 'jcms sample column, mostly notices', column: 'jcms', opts: { realOnly: true }, stated: 6, found: 6 },
    { id: 'json sample column, mostly notices', column: 'json', opts: { realOnly: true }, stated: 4, found: 4 },
    { id: 'json complete', column: 'json', opts: {}, stated: 10, found: 10 },
    { id: 'json page 3 404', column: 'json', opts: { faults: [{ path: /^\/api\/nb\/list\?.*&page=3$/, kind: 'status', status: 404 }] }, stated: 10, found: 8, failed: /\/api\/nb\/list\?.*page=3$/ },
    { id: 'json total beyond its pages', column: 'json', opts: { jsonTotalExtra: 3 }, stated: 13, found: 10 },
    // A busy page where the adapter asked for its data (HTTP 200, HTML): a failed page, not an empty one.
    { id: 'json page 3 a 200 HTML page', column: 'json', opts: { faults: [{ path: /^\/api\/nb\/list\?.*&page=3$/, kind: 'status', status: 200 }] }, stated: 10, found: 8, failed: /\/api\/nb\/list\?.*page=3$/ },
    { id: 'jcms last range a 200 HTML page', column: 'jcms', opts: { faults: [{ path: 'startrecord=13', kind: 'status', status: 200 }] }, stated: 14, found: 12, failed: /dataproxy\.jsp\?startrecord=13&endrecord=14/ },
  ];
  for (const c of cases) {
    it(`${c.id}: stated ${c.stated} vs found ${c.found}`, async () => {
      const portal = await startFixturePortal(c.opts);
      const ws = workspace(portal, 'nianbao-adapter-list-');
      try {
        const t0 = Date.now();
        const s = await ws.run([portal.starts[c.column]]);
        const rows = ws.db.prepare(`SELECT list_url, stated_records, found, pages_read, pages_failed, complete, evidence, read_by FROM crawl_listings`).all() as {
          list_url: string; stated_records: number | null; found: number; pages_read: number; pages_failed: number; complete: number; evidence: string | null; read_by: string | null;
        }[];
        console.log(`[crawl figures] ${c.id}: ${JSON.stringify(rows)}; requests ${portal.requestLog.length}; ${Date.now() - t0} ms; incomplete ${JSON.stringify(s.incompleteListings)}`);
        // The list is recorded: under the column page (jcms) or the API's first page (JSON).
        const listUrl = c.column === 'jcms' ? portal.starts.jcms : `${portal.url.replace(/\/$/, '')}/api/nb/list?columnId=88&pageSize=4&page=1`;
        expect(rows.map((r) => r.list_url)).toEqual([listUrl]);
        const row = rows[0]!;
        expect(row.stated_records, 'stated by the adapter').toBe(c.stated);
        expect(row.evidence).toMatch(c.column === 'jcms' ? new RegExp(`jcms totalRecord=${c.stated} perPage=2`) : new RegExp(`json total=${c.stated}`));
        // How the list was read: the adapter and what it relied on, on the list and on each page read.
        const readBy = c.column === 'jcms' ? new RegExp(`^jcms \\(\\d+ record link\\(s\\); dataproxy columnid=\\S+ perpage=2 total=${c.stated} `) : /^jsonapi \(\d+ record\(s\)/;
        expect(row.read_by).toMatch(readBy);
        const pageRows = ws.db.prepare(`SELECT page_url, read_by FROM crawl_list_pages WHERE failed IS NULL`).all() as { page_url: string; read_by: string | null }[];
        for (const p of pageRows) expect(p.read_by, p.page_url).toMatch(c.column === 'jcms' ? /^jcms/ : /^jsonapi/);
        expect(row.found).toBe(c.found);
        if (c.stated === c.found && !c.failed) {
          expect(row.complete).toBe(1);
          expect(s.incompleteListings).toEqual([]);
          expect(s.listings).toMatchObject({ checked: 1, stated: 1, statedRecords: c.stated, foundRecords: c.found });
        } else {
          expect(row.complete).toBe(0);
          expect(s.incompleteListings).toEqual([expect.objectContaining({ url: listUrl, stated: c.stated, found: c.found, unit: 'records', readBy: row.read_by })]);
          if (c.failed) expect(s.incompleteListings[0]!.failedPages?.map((f) => f.url)).toEqual([expect.stringMatching(c.failed)]);
          else expect(s.incompleteListings[0]!.failedPages).toBeUndefined();
        }
        // Chromium cannot add to what the adapter's own requests did not deliver: no browser paging.
        expect(portal.requestLog.filter((e) => e.client === 'browser')).toEqual([]);
      } finally {
        ws.cleanup();
        await portal.close();
      }
    }, 120_000);
  }
});

describe('run summary: a list that states its pages, not its records, is reported in pages', () => {
  // The TRS column's createPageHTML(3, …) states 3 pages and no record count.
  for (const c of [
    { id: 'all pages read', faults: [] as FaultRule[], pagesRead: 3, incomplete: false },
    { id: 'page 3 gone', faults: [{ path: '/trs/zfxxgknb/index_2.htm', kind: 'status', status: 404 }] as FaultRule[], pagesRead: 2, incomplete: true },
  ]) {
    it(c.id, async () => {
      const portal = await startFixturePortal({ faults: c.faults });
      const ws = workspace(portal, 'nianbao-pages-summary-');
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      let text = '';
      try {
        const s = await ws.run([portal.starts.trs]);
        printSummary({ runId: 1, status: s.incompleteListings.length ? 'partial' : 'ok', startedAt: 'a', endedAt: 'b', crawl: s, failuresByKind: {}, outputs: { database: 'db' } } as unknown as RunSummary, false);
        text = write.mock.calls.map((a) => String(a[0])).join('');
        write.mockRestore();
        const row = ws.db.prepare(`SELECT stated_records, stated_pages, found, pages_read FROM crawl_listings WHERE list_url = ?`).get(portal.starts.trs) as { stated_records: number | null; stated_pages: number; found: number; pages_read: number };
        console.log(`[crawl figures] TRS pages-only list, ${c.id}: ${JSON.stringify(row)}\n${text}`);
        expect(row).toMatchObject({ stated_records: null, stated_pages: 3, pages_read: c.pagesRead });
        const entries = row.found;
        expect(entries).toBeGreaterThan(c.pagesRead);
        // The JSON counts in the list's own unit.
        expect(s.listings).toMatchObject({ checked: 1, stated: 1, recordLists: 0, statedRecords: 0, foundRecords: 0, pageLists: 1, statedPages: 3, pagesRead: c.pagesRead, pageListEntries: entries });
        expect(Object.values(s.coverage)[0]).toMatchObject({ listingsChecked: 1, listingsStatedPages: 1, statedPages: 3, pagesRead: c.pagesRead, pageListEntries: entries });
        expect(text).toContain(`listings: ${s.listingsRead} pages read, 1 list checked: 1 states only its pages (${c.pagesRead} of 3 stated pages read, ${entries} entries)`);
        expect(text).toContain(`: ${s.listingsRead} listing pages, 1 list checked: 1 states only its pages (${c.pagesRead} of 3 stated pages read, ${entries} entries)`);
        expect(text).not.toMatch(/0 of 0|0\/0/);
        if (c.incomplete) {
          expect(s.incompleteListings).toEqual([expect.objectContaining({ url: portal.starts.trs, stated: 3, found: 2, unit: 'pages', entries })]);
          expect(text).toContain(`INCOMPLETE listing ${portal.starts.trs}: states 3 pages, read 2 (${entries} entries)`);
        } else expect(s.incompleteListings).toEqual([]);
      } finally {
        write.mockRestore();
        ws.cleanup();
        await portal.close();
      }
    }, 120_000);
  }

  it('states records and pages of several lists side by side', () => {
    expect(listingsText({ checked: 5, stated: 4, recordLists: 3, statedRecords: 20, foundRecords: 20, pageLists: 1, statedPages: 2, pagesRead: 2, pageListEntries: 8 })).toBe(
      '5 lists checked: 3 state their records (20 of 20 stated records found), 1 states only its pages (2 of 2 stated pages read, 8 entries), 1 states nothing',
    );
    expect(listingsText({ checked: 2, stated: 0, recordLists: 0, statedRecords: 0, foundRecords: 0, pageLists: 0, statedPages: 0, pagesRead: 0, pageListEntries: 0 })).toBe('2 lists checked: 2 state nothing');
  });
});

describe('stated size: a vocabulary of names, not a list of platforms', () => {
  it('reads record count, page size and page count under naming schemes it was not written for', () => {
    const roles = Object.fromEntries(
      ['totalRecord', 'recordCount', 'total_count', 'TotalCount', 'totalData', 'iTotalRecords', 'recordTotal', 'pageSize', 'perPage', 'per_page', 'showData', 'limit', 'rows', 'pageCount', 'totalPage', 'total_pages', '_nPageCount', 'staticPages', 'static_pages', 'pageIndex', 'curr', 'clickCount', 'tabIndex', 'width'].map((k) => [k, keyRole(k)]),
    );
    expect(roles).toEqual({
      totalRecord: 'records', recordCount: 'records', total_count: 'records', TotalCount: 'records', totalData: 'records', iTotalRecords: 'records', recordTotal: 'records',
      pageSize: 'pageSize', perPage: 'pageSize', per_page: 'pageSize', showData: 'pageSize', limit: 'pageSize', rows: 'pageSize',
      pageCount: 'pages', totalPage: 'pages', total_pages: 'pages', _nPageCount: 'pages', staticPages: 'staticPages', static_pages: 'staticPages',
      pageIndex: 'current', curr: 'current', clickCount: null, tabIndex: null, width: null,
    });
  });

  it('reads printed text, script objects and JSON settings; a lone count without pager settings is not a statement', () => {
    expect(textSize('共 23 条记录　每页 10 条　第 1/3 页')).toMatchObject({ records: 23, pageSize: 10, pages: 3 });
    expect(textSize('总记录数：174 页次：1/12')).toMatchObject({ records: 174, pages: 12 });
    expect(statedSize(loadHtml('<div id=p></div><script>$("#p").jpage({ perPage: 15, totalRecord: 174, groupSize: 3 });</script>'))).toMatchObject({ records: 174, pageSize: 15, pages: 12 });
    expect(statedSize(loadHtml('<script type="application/json">{"paging":{"total_count":12,"per_page":5}}</script>'))).toMatchObject({ records: 12, pageSize: 5, pages: 3 });
    expect(statedSize(loadHtml('<script>var count = 5; var visitCount = 300;</script>'))).toBeNull();
    expect(statedSize(loadHtml('<p>欢迎访问</p>'))).toBeNull();
  });

  it('counts the rows of a list, not its menus', () => {
    const $ = loadHtml(`<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/a/">互动交流</a><a href="/b/">办事服务</a></div>
<ul class="l"><li><a href="/1.html">某县2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li><li><a href="/2.html">关于报送2022年度政府信息公开工作年度报告的通知</a><span>2023-01-02</span></li></ul>
<div class="page"><a href="index_1.html">2</a><a href="index_1.html">下一页</a></div>`);
    expect(listEntries($, 'http://x.gov.cn/nb/')).toEqual(['http://x.gov.cn/1.html', 'http://x.gov.cn/2.html']);
  });
});
