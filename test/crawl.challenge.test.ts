/**
 * Done-when: the challenge column is crawled only through the browser path. Measured on the
 * server: the plain client gets 412/521, Chromium (real, /usr/bin/chromium) passes the script
 * challenge, and later plain requests carry the cookie it earned.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FixturePortal } from './portal/server.ts';
import { workspace, type Workspace } from './portal/harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function crawlChallenge(status: 412 | 521, browser = true): Promise<{ portal: FixturePortal; ws: Workspace; summary: Awaited<ReturnType<Workspace['run']>> }> {
  const portal = await startFixturePortal({ challengeStatus: status });
  const ws = workspace(portal);
  cleanups.push(() => portal.close(), () => ws.cleanup());
  const summary = await ws.run([portal.starts.waf], { browser });
  return { portal, ws, summary };
}

describe('crawl: JavaScript cookie challenge', () => {
  for (const status of [412, 521] as const) {
    it(`passes a ${status} challenge only through Chromium, then reuses its cookie over plain HTTP`, async () => {
      const { portal, ws, summary } = await crawlChallenge(status);
      const waf = portal.requestLog.filter((e) => e.path.startsWith('/waf/'));
      const firstPlain = waf.find((e) => e.client === 'plain')!;
      expect(firstPlain.status).toBe(status);
      const browser = waf.filter((e) => e.client === 'browser');
      expect(browser.map((e) => e.status)).toEqual([status, 200]);
      expect(browser[1]!.cookie).toMatch(/nbwaf=/);
      const afterBrowser = waf.filter((e) => e.client === 'plain' && e.time >= browser[1]!.time);
      expect(afterBrowser.length).toBeGreaterThan(0);
      expect(afterBrowser.every((e) => /nbwaf=/.test(e.cookie ?? '') && e.status === 200)).toBe(true);
      // No plain request ever got a 200 without the browser-earned cookie.
      expect(waf.filter((e) => e.client === 'plain' && e.status === 200 && !/nbwaf=/.test(e.cookie ?? ''))).toEqual([]);
      const expected = portal.expected.reports.filter((r) => r.column === 'waf');
      const urls = new Set(ws.documents().map((d) => d.url));
      expect(expected.every((r) => urls.has(r.url) && r.attachments.every((a) => urls.has(a)))).toBe(true);
      expect(summary.browserFetches).toBe(1);
      console.log(`[crawl figures] challenge ${status}: plain requests before browser ${waf.filter((e) => e.client === 'plain' && e.time < browser[0]!.time).length} (all ${status}), browser requests ${browser.length}, plain requests with cookie afterwards ${afterBrowser.length} (all 200), reports ${expected.length}/${expected.length}`);
    }, 120_000);
  }

  it('records the column as failed (challenge) when the browser path is off', async () => {
    const { portal, summary, ws } = await crawlChallenge(412, false);
    expect(summary.failures.challenge).toBe(1);
    expect(ws.documents()).toEqual([]);
    expect(portal.requestLog.every((e) => e.client === 'plain')).toBe(true);
    const row = ws.db.prepare(`SELECT state, failure_kind, last_status FROM crawl_queue WHERE url = ?`).get(portal.starts.waf);
    expect(row).toEqual({ state: 'failed', failure_kind: 'challenge', last_status: 412 });
  });
});
