/**
 * The explorer page of a 100k-report snapshot in Debian's Chromium, opened from disk (file://):
 * type a name (Chinese, pinyin initials), see exactly that agency's rows, filter by province,
 * sort, page, see one agency's years, and click through to the source document (served on
 * 127.0.0.1). The snapshot is written by the real export from a database of synthetic reports
 * placed in real divisions. First paint and time to the first rows are printed for the closing
 * note (speed is asserted in bench, not here).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { exportSnapshot } from '../dataset/export.ts';
import { initials } from '../dataset/explore.ts';
import { tempDb } from './dataset-fixtures.ts';
import { reportPlan } from '../scripts/bench/synthetic.ts';

const launch = chromiumLaunchOptions();
const SCREENSHOT = path.resolve('test/.cache/dataset-explorer.png');
const REPORTS = 100_000;

if (!fs.existsSync(launch.executablePath) && process.env.CI) throw new Error(`Chromium not found at ${launch.executablePath}: install Debian's chromium (scripts/system-deps.sh)`);

/** 100k current reports of ~14k agencies in real counties, 2015-2024 with gaps, with received/granted numbers. */
function syntheticDb(port: number) {
  const t = tempDb();
  const { db } = t;
  const insAgency = db.prepare('INSERT INTO agencies (name, normalized_name, province, city, county, division_code) VALUES (?, ?, ?, ?, ?, ?)');
  const insReport = db.prepare(
    `INSERT INTO reports (sha256, document_url, source_url, portal, agency_id, agency, year, format, title, media_type, parser_version, extracted_at, is_current,
       division_code, province, city, county, agency_level, agency_kind) VALUES (?, ?, ?, 'synthetic', ?, ?, ?, ?, ?, 'application/pdf', '1.1.0', '2026-01-01', 1, ?, ?, ?, ?, 'county', ?)`,
  );
  db.prepare(`INSERT INTO fact_cells (tbl, row, col) VALUES ('applications', 'new_received', 'total'), ('applications', 'granted', 'total'), ('legacy_stats', 'applications_received', 'value')`).run();
  const cell = (tbl: string, row: string) => db.prepare('SELECT id FROM fact_cells WHERE tbl = ? AND row = ?').pluck().get(tbl, row) as number;
  const [received, granted, legacyReceived] = [cell('applications', 'new_received'), cell('applications', 'granted'), cell('legacy_stats', 'applications_received')];
  const insFact = db.prepare('INSERT INTO fact_values (report_id, cell_id, value, printed) VALUES (?, ?, ?, ?)');
  const agencyIds = new Map<number, number>();
  db.transaction(() => {
    for (const p of reportPlan(REPORTS)) {
      const { name, year, format, division: d, agency: a } = p;
      let agencyId = agencyIds.get(a);
      if (agencyId === undefined) {
        agencyId = Number(insAgency.run(name, `${name}#${a}`, d.province, d.city, d.county, d.code).lastInsertRowid);
        agencyIds.set(a, agencyId);
      }
      const id = Number(
        insReport.run(`${String(p.n).padStart(64, '0')}`, `http://127.0.0.1:${port}/doc/${agencyId}/${year}.pdf`, `http://127.0.0.1:${port}/page/${agencyId}/${year}.html`,
          agencyId, name, year, format, `${name}${year}年政府信息公开工作年度报告`, d.code, d.province, d.city, d.county, p.kind).lastInsertRowid,
      );
      const v = (a * 7 + year * 13) % 500;
      if (format === 'legacy') insFact.run(id, legacyReceived, v, String(v));
      else {
        insFact.run(id, received, v, String(v));
        insFact.run(id, granted, Math.floor(v / 2), String(Math.floor(v / 2)));
      }
    }
  })();
  return t;
}

describe('explorer page with 100k reports, in Chromium from disk', () => {
  let browser: Browser;
  let server: http.Server;
  let dir: string;
  let db: ReturnType<typeof tempDb>['db'];
  const served: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      served.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>source ${req.url}</title><h1 id="doc">${req.url}</h1>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const t = syntheticDb((server.address() as AddressInfo).port);
    db = t.db;
    expect(db.prepare('SELECT COUNT(*) FROM report_summary').pluck().get()).toBe(REPORTS);
    dir = (await exportSnapshot(db, { dataDir: t.dir, date: '2026-01-02' })).dir;
    browser = await chromium.launch(launch);
  }, 10 * 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const open = async (): Promise<{ page: Page; fcp: number; rows: number; all: number }> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const t0 = Date.now();
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    await page.locator('#x-rows tr').first().waitFor();
    const rows = Date.now() - t0;
    await expect.poll(() => page.locator('#x-status').innerText(), { timeout: 120_000 }).toMatch(/of 100,000/);
    const all = Date.now() - t0;
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    expect(errors).toEqual([]);
    return { page, fcp, rows, all };
  };

  it('types a name, sees exactly its rows, filters, sorts, pages, charts one agency and clicks through to the source', async () => {
    const { page, fcp, rows, all } = await open();
    console.log(`[explorer figures] 100k reports: first contentful paint ${fcp.toFixed(0)} ms, first rows ${rows} ms, all ${REPORTS} loaded ${all} ms; explore/ ${(fs.readdirSync(path.join(dir, 'explore')).reduce((s, f) => s + fs.statSync(path.join(dir, 'explore', f)).size, 0) / 1e6).toFixed(1)} MB`);
    expect(fcp).toBeGreaterThan(0);

    // An agency by name: exactly its reports, newest first.
    const target = db.prepare(`SELECT agency, division_code, province, county, COUNT(*) AS n FROM reports WHERE agency LIKE '%财政局' GROUP BY agency_id HAVING COUNT(*) = 9 AND MIN(year) = 2015 ORDER BY agency_id DESC LIMIT 1`).get() as { agency: string; division_code: string; province: string; county: string; n: number };
    const sameName = db.prepare('SELECT COUNT(*) FROM reports WHERE agency = ?').pluck().get(target.agency) as number;
    await page.fill('#q', target.agency);
    await expect.poll(() => page.locator('#x-status').innerText()).toMatch(new RegExp(`^${sameName} `));
    const names = await page.locator('#x-rows tr td:first-child').allInnerTexts();
    expect(names).toHaveLength(Math.min(sameName, 50));
    for (const n of names) expect(n).toContain(target.agency);
    const years = (await page.locator('#x-rows tr td:nth-child(3)').allInnerTexts()).map(Number);
    expect(years).toEqual([...years].sort((a, b) => b - a));
    expect(await page.locator('#x-rows tr td:nth-child(2)').first().innerText()).toContain(target.division_code);

    // One agency matched: its years as a chart, the missing year marked.
    if (sameName === target.n) {
      const bars = await page.locator('#agency-chart g.cy').evaluateAll((gs) => gs.map((g) => [Number(g.getAttribute('data-year')), g.classList.contains('missing')]));
      const stored = db.prepare('SELECT year FROM reports WHERE agency = ? ORDER BY year').pluck().all(target.agency) as number[];
      expect(bars.filter(([, m]) => !m).map(([y]) => y)).toEqual(stored);
      expect(bars.filter(([, m]) => m).map(([y]) => y)).toEqual(Array.from({ length: stored.at(-1)! - stored[0]! + 1 }, (_, i) => stored[0]! + i).filter((y) => !stored.includes(y)));
    }

    // Click through to the source document.
    const link = page.locator('#x-rows tr').first().locator('a.src');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/doc\/\d+\/\d{4}\.pdf$/);
    const id = await page.locator('#x-rows tr').first().getAttribute('data-report');
    expect(db.prepare('SELECT document_url FROM reports WHERE id = ?').pluck().get(Number(id))).toBe(href);
    await Promise.all([page.waitForURL(href!), link.click()]);
    expect(await page.locator('#doc').innerText()).toBe(new URL(href!).pathname);
    await page.goBack();
    await page.locator('#x-rows tr').first().waitFor();
    await expect.poll(() => page.locator('#x-status').innerText(), { timeout: 120_000 }).toMatch(/of 100,000/);

    // Pinyin initials of the county: every agency of that county (and no other place's).
    const ini = initials(target.county);
    await page.fill('#q', `${ini} ${target.division_code}`);
    const inCounty = db.prepare('SELECT COUNT(*) FROM reports WHERE division_code = ?').pluck().get(target.division_code) as number;
    await expect.poll(() => page.locator('#x-status').innerText()).toMatch(new RegExp(`^${inCounty.toLocaleString('en-US')} `));
    for (const p of await page.locator('#x-rows tr td:nth-child(2)').allInnerTexts()) expect(p).toContain(target.county);

    // Province and year filters: the count the database gives.
    await page.fill('#q', '');
    await page.selectOption('#f-province', { label: target.province });
    await page.selectOption('#f-year', '2019');
    const expected = db.prepare('SELECT COUNT(*) FROM reports WHERE province = ? AND year = 2019').pluck().get(target.province) as number;
    await expect.poll(() => page.locator('#x-status').innerText()).toMatch(new RegExp(`^${expected.toLocaleString('en-US')} `));
    for (const p of await page.locator('#x-rows tr td:nth-child(2)').allInnerTexts()) expect(p.startsWith(target.province)).toBe(true);

    // Sort by applications received, largest first, then page on.
    await page.click('#x-table th[data-key="received"]');
    const received = (await page.locator('#x-rows tr td:nth-child(5)').allInnerTexts()).map((s) => Number(s.replace(/,/g, '')));
    expect(received).toEqual([...received].sort((a, b) => b - a));
    const max = db.prepare('SELECT MAX(applications_received) FROM report_summary WHERE province = ? AND year = 2019').pluck().get(target.province);
    expect(received[0]).toBe(max);
    if (expected > 50) {
      await page.click('#x-next');
      expect(await page.locator('#x-page').innerText()).toMatch(/^2 \//);
      const next = (await page.locator('#x-rows tr td:nth-child(5)').allInnerTexts()).map((s) => Number(s.replace(/,/g, '')));
      expect(next[0]).toBeLessThanOrEqual(received.at(-1)!);
    }

    // Per-province totals: one row per province with the database's counts.
    const perProvince = db.prepare('SELECT province, COUNT(*) AS n FROM report_summary GROUP BY province').all() as Array<{ province: string; n: number }>;
    const shown = await page.locator('#province-totals tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.children[2]!.textContent] as [string, string]));
    expect(new Map(shown)).toEqual(new Map(perProvince.map((p) => [p.province, p.n.toLocaleString('en-US')])));

    await page.selectOption('#f-year', '');
    await page.fill('#q', target.agency);
    await expect.poll(() => page.locator('#x-status').innerText()).toMatch(new RegExp(`^${sameName} `));
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    await page.close();
  }, 5 * 60_000);
});
