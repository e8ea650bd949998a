/**
 * The snapshot page in a real Chromium (Debian's, never a downloaded one): it renders offline, the
 * charts draw one bar group per year, and every link resolves to a file of the snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReport } from '../dataset/load.ts';
import { runCrossReportChecks } from '../dataset/checks.ts';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { exportSnapshot } from '../dataset/export.ts';
import { corpus, tempDb, transportCorrected } from './dataset-fixtures.ts';
import { toolAvailable } from './helpers/tools.ts';

const launch = chromiumLaunchOptions();
const SCREENSHOT = path.resolve('test/.cache/dataset-snapshot-page.png');

const hasChromium = toolAvailable(`Chromium (${launch.executablePath})`, fs.existsSync(launch.executablePath), 'apt-get install chromium fonts-wqy-microhei (bash scripts/system-deps.sh), or set NIANBAO_CHROMIUM');

describe.skipIf(!hasChromium)('snapshot index.html in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let years: number[];
  /** Years with some outcome number (2012 has only narrative numbers: received, no outcomes). */
  let outcomeYears: number[];

  beforeAll(async () => {
    const t = tempDb();
    for (const item of corpus()) loadReport(t.db, item.result, item.ctx);
    const { result, ctx } = transportCorrected();
    loadReport(t.db, result, ctx);
    runCrossReportChecks(t.db);
    years = t.db.prepare('SELECT DISTINCT year FROM report_summary WHERE year IS NOT NULL ORDER BY year').pluck().all() as number[];
    outcomeYears = t.db
      .prepare('SELECT DISTINCT year FROM report_summary WHERE year IS NOT NULL AND (applications_granted > 0 OR applications_partially_granted > 0 OR applications_denied > 0) ORDER BY year')
      .pluck()
      .all() as number[];
    expect(outcomeYears.length).toBeLessThan(years.length);
    dir = (await exportSnapshot(t.db, { dataDir: t.dir, date: '2024-05-01' })).dir;
    browser = await chromium.launch(launch);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders offline, draws the charts, lists the findings, and every link resolves', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const external: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith('file:')) {
        external.push(url);
        return route.abort();
      }
      return route.continue();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);

    expect(await page.title()).toContain('2024-05-01');
    expect(await page.locator('h1').innerText()).toContain('政府信息公开工作年度报告数据集');

    for (const id of ['chart-received', 'chart-outcomes']) {
      const svg = page.locator(`svg#${id}`);
      const box = await svg.boundingBox();
      expect(box!.width, id).toBeGreaterThan(300);
      expect(box!.height, id).toBeGreaterThan(100);
      // One group per year from the first to the last; bars (of non-zero size) where there is data.
      const groups = svg.locator('g.year');
      const axis = Array.from({ length: years.at(-1)! - years[0]! + 1 }, (_, i) => years[0]! + i);
      expect(await groups.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-year'))))).toEqual(axis);
      const bars = await groups.evaluateAll((gs) =>
        gs.map((g) => Array.from(g.querySelectorAll('rect')).map((r) => { const b = r.getBoundingClientRect(); return b.width * b.height; })),
      );
      const drawn = id === 'chart-received' ? years : outcomeYears;
      expect(axis.filter((_, i) => bars[i]!.length > 0), id).toEqual(drawn);
      for (const b of bars) for (const area of b) expect(area, id).toBeGreaterThan(0);
    }
    // Stacked outcomes: granted / partially granted / denied.
    expect(await page.locator('#chart-outcomes rect[data-series="denied"]').count()).toBeGreaterThan(0);

    // Coverage tables and findings.
    expect(await page.locator('#coverage tbody tr').count()).toBe(years.length);
    expect(await page.locator('#regions').innerText()).toContain('江苏省');
    const findings = await page.locator('#findings').innerText();
    expect(findings).toContain('cross.carry_over_mismatch');
    expect(findings).toContain('cross.duplicate_report');

    // The explorer loaded every report from explore/*.js; each row links to its source document.
    await expect.poll(() => page.locator('#x-status').innerText()).toMatch(/matching reports of/);
    const current = (await page.locator('#x-status').innerText()).match(/of ([\d,]+)/)![1];
    const sources = await page.locator('#x-rows a.src').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(sources.length).toBe(Math.min(50, Number(current!.replace(/,/g, ''))));
    for (const s of sources) expect(s).toMatch(/^https:\/\/www\.(huaian|nhc)\.gov\.cn\//);
    // Province totals, and the changes of a first snapshot.
    expect(await page.locator('#province-totals').innerText()).toContain('江苏省');
    expect(await page.locator('#changes').innerText()).toMatch(/first snapshot/);

    // Every other link resolves to an existing file of the snapshot, and every file is linked.
    const hrefs = (await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))).filter((h) => !sources.includes(h) && !h.endsWith('#'));
    for (const href of hrefs) {
      expect(href.startsWith('file:'), href).toBe(true);
      expect(fs.existsSync(new URL(href)), href).toBe(true);
    }
    const linked = new Set(hrefs.map((h) => path.basename(new URL(h).pathname)));
    for (const f of fs.readdirSync(dir).filter((n) => n !== 'index.html' && n !== 'explore')) expect(linked.has(f), f).toBe(true);

    expect(external).toEqual([]);
    expect(errors).toEqual([]);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
  });
});
