/**
 * Done-when (issue 11, part 2): started from a home page, the crawl walks 政务公开 → 政府信息公开
 * → 年报 (depth-bounded, on the same site, never the whole site), finds every report of the
 * column (also those of other agencies it lists), and stores no notice about reports, even one
 * posted under a report's name. A department site whose column is linked only from its
 * 政府信息公开 directory works the same. Fixture: test/portal/sites/walk.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWalkSite, type WalkSite } from './portal/sites/walk.ts';
import { workspace } from './portal/harness.ts';
import type { FixturePortal } from './portal/server.ts';
import { isNoticeAboutReports } from '../text/title.ts';
import { isReportMenuTitle as isWalkLink } from '../text/title.ts';

let site: WalkSite;
beforeAll(async () => {
  site = await startWalkSite();
});
afterAll(async () => {
  await site?.close();
});

describe('crawl: start anywhere on the site', () => {
  for (const start of ['county home page', 'department home page'] as const) {
    it(`from the ${start}: walks the menus to the 年报 column and finds every report, no notice`, async () => {
      const ws = workspace({ hostOverrides: site.hostOverrides } as unknown as FixturePortal, 'nianbao-walk-');
      try {
        const url = start === 'county home page' ? site.home : site.deptHome;
        const expected = start === 'county home page' ? [...site.countyReports, ...site.countyAttachments] : site.deptReports;
        const before = site.log.length;
        const t0 = Date.now();
        const s = await ws.run([url]);
        const ms = Date.now() - t0;
        const log = site.log.slice(before);
        const urls = new Set(ws.documents().map((d) => d.url));
        const found = expected.filter((u) => urls.has(u));
        const stored = site.nonReports.filter((u) => urls.has(u));
        const listing = ws.db.prepare(`SELECT list_url, stated_records, found FROM crawl_listings ORDER BY list_url`).all() as { list_url: string; stated_records: number | null; found: number }[];
        console.log(
          `[crawl figures] walk from ${start}: reports+attachments ${found.length}/${expected.length}, notices stored ${stored.length}; lists ${listing.map((l) => `${new URL(l.list_url).pathname} stated ${l.stated_records ?? '-'} found ${l.found}`).join(', ')}; requests ${log.length} (${s.listingsRead} listing pages); ${ms} ms`,
        );
        expect(expected.filter((u) => !urls.has(u))).toEqual([]);
        expect(stored).toEqual([]);
        expect(s.reportsFound).toBe(expected.filter((u) => !u.endsWith('.pdf')).length);
        expect(s.incompleteListings).toEqual([]);
        expect(s.failed).toBe(0);
        // Never the whole site: no news, service hall, search, or columns that are not on the way.
        expect(log.filter((e) => site.offLimits.test(e.path)).map((e) => e.path)).toEqual([]);
        expect(log.every((e) => e.host === 'www.qy.gov.cn' || e.host === 'jtj.qy.gov.cn')).toBe(true);
        for (const l of listing.filter((x) => x.stated_records !== null)) expect(l.found, l.list_url).toBe(l.stated_records);
        // Coverage per portal and run, in the database and the summary alike.
        const cov = ws.db.prepare(`SELECT * FROM crawl_coverage WHERE run_id = ?`).all(s.runId) as Record<string, number | string>[];
        const portal = new URL(url).host;
        expect(cov).toEqual([
          expect.objectContaining({ portal, listings_read: s.listingsRead, report_articles: s.reportsFound, attachments: s.attachmentsFound, listings_stated: 1, incomplete_listings: 0, stated_records: listing[0]!.stated_records, found_records: listing[0]!.found }),
        ]);
        // Notices are counted as skipped non-reports (at least the ones the list itself shows).
        expect(Number(cov[0]!.skipped_non_reports)).toBeGreaterThanOrEqual(stored.length + (start === 'county home page' ? 4 : 1));
        expect(s.coverage[portal]).toMatchObject({ reportArticles: s.reportsFound, incompleteListings: 0 });
        expect(ws.db.prepare(`SELECT * FROM coverage_years`).all()).toEqual([]); // no report normalized yet; the view answers
      } finally {
        ws.cleanup();
      }
    }, 120_000);
  }
});

describe('walk and notice rules', () => {
  it('walks menu texts toward 年报, not every link with 公开 in it', () => {
    for (const t of ['政务公开', '政府信息公开', '信息公开目录', '政府信息公开专栏', '部门信息公开', ' 政府 信息公开 ', '法定主动公开内容']) expect(isWalkLink(t), t).toBe(true);
    for (const t of ['重点领域信息公开', '政府信息公开指南', '依申请公开', '政策解读', '首页', '政府信息公开年报']) expect(isWalkLink(t), t).toBe(false);
  });

  it('tells a notice about reports from a report by its content', () => {
    expect(isNoticeAboutReports('各乡镇人民政府、县政府各部门：现就做好2023年度政府信息公开工作年度报告编制发布工作通知如下：请于1月20日前报送。特此通知。')).toBe(true);
    expect(isNoticeAboutReports('一、总体情况 …… 二、主动公开政府信息情况 …… 三、收到和处理政府信息公开申请情况 …… 特此通知')).toBe(false);
    expect(isNoticeAboutReports('本机关2023年政府信息公开工作年度报告全文见附件。')).toBe(false);
  });
});
