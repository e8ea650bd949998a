/**
 * Done-when: robots.txt disallow respected (overridden only by the explicit flag, which is
 * logged) and per-host rate limits never exceeded, measured from the server's request log:
 * smallest gap between request starts per host ≥ delay, at most `concurrency` in flight.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FaultRule, type FixturePortal } from './portal/server.ts';
import { politenessFromLog, workspace, type Workspace } from './portal/harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function setup(faults: FaultRule[] = []): Promise<{ portal: FixturePortal; ws: Workspace }> {
  const portal = await startFixturePortal({ faults });
  const ws = workspace(portal);
  cleanups.push(() => portal.close(), () => ws.cleanup());
  return { portal, ws };
}

describe('crawl: robots.txt', () => {
  it('never requests a disallowed path, and records the URL as skipped', async () => {
    const { portal, ws } = await setup();
    const s = await ws.run([portal.starts.trs]);
    const disallowed = portal.expected.reports.find((r) => r.disallowed)!;
    expect(portal.requestLog.filter((e) => e.path.startsWith('/private/'))).toEqual([]);
    expect(s.skipped.robots).toBe(1);
    expect(ws.db.prepare(`SELECT state, failure_kind FROM crawl_queue WHERE url = ?`).get(disallowed.url)).toEqual({ state: 'skipped', failure_kind: 'robots' });
    expect(portal.requestLog[0]!.path).toBe('/robots.txt');
    console.log(`[crawl figures] robots: requests to Disallow:/private/ with robots honoured: 0; skipped URLs: ${s.skipped.robots}`);
  });

  it('fetches it only with the explicit override, and logs the override', async () => {
    const { portal, ws } = await setup();
    const s = await ws.run([portal.starts.trs], { respectRobots: false });
    const disallowed = portal.expected.reports.find((r) => r.disallowed)!;
    expect(ws.documents().some((d) => d.url === disallowed.url)).toBe(true);
    expect(s.robotsOverridden).toBe(true);
    expect(ws.logs.some((l) => /robots\.txt is NOT honoured.*explicit override/.test(l))).toBe(true);
    expect(portal.requestLog.some((e) => e.path === '/robots.txt')).toBe(false);
  });
});

describe('crawl: per-host politeness', () => {
  for (const [concurrency, delay] of [
    [1, 300],
    [2, 150],
  ] as const) {
    it(`keeps ≥ ${delay} ms between request starts and ≤ ${concurrency} in flight per host, hosts in parallel`, async () => {
      // Slow article answers (400 ms) so that with concurrency 2 requests really overlap.
      const { portal, ws } = await setup(concurrency > 1 ? [{ kind: 'slow', path: /\/(art|gk\/nb\/content)_?/, delayMs: 400 }] : []);
      // The portal answers in this process: a stall of the event loop (a busy machine) delays the
      // time it logs for one request and not the next, so the gap it sees may fall short of the
      // crawler's by at most the longest stall, which is measured, not guessed.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = Date.now();
      const s = await ws.run([portal.starts.trs, portal.starts.jcms, portal.starts.generic], { perHostDelayMs: delay, perHostConcurrency: concurrency });
      const elapsed = Date.now() - t0;
      loop.disable();
      const stallMs = Math.ceil(loop.max / 1e6);
      const stats = politenessFromLog(portal.requestLog);
      console.log(`[crawl figures] politeness concurrency=${concurrency} delay=${delay}ms: ${JSON.stringify(stats)} in ${elapsed} ms; longest event-loop stall ${stallMs} ms`);
      expect(Object.keys(stats)).toHaveLength(2);
      for (const [host, st] of Object.entries(stats)) {
        expect(st.minGapMs, host).toBeGreaterThanOrEqual(delay - stallMs);
        expect(st.maxInFlight, host).toBeLessThanOrEqual(concurrency);
        expect(st.maxPerSecond, host).toBeLessThanOrEqual(Math.ceil(1000 / delay));
      }
      if (concurrency > 1) expect(Math.max(...Object.values(stats).map((st) => st.maxInFlight))).toBe(concurrency);
      // Two hosts were crawled side by side: the run is shorter than serialising them.
      const total = Object.values(stats).reduce((n, st) => n + st.requests, 0);
      expect(elapsed).toBeLessThan(total * delay);
      expect(s.requestsByHost).toEqual(Object.fromEntries(Object.entries(stats).map(([h, st]) => [h, st.requests])));
    }, 120_000);
  }

  it('sends the named User-Agent with the contact URL', async () => {
    const { portal, ws } = await setup();
    const seen: string[] = [];
    const http = await import('node:http');
    const srv = http.createServer((req, res) => {
      seen.push(String(req.headers['user-agent']));
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await ws.run([`http://127.0.0.1:${port}/x/index.html`], { contactUrl: 'https://example.org/nianbao-contact', maxAttempts: 1 });
    srv.close();
    expect(seen[0]).toBe('nianbao/0.1 (+https://example.org/nianbao-contact)');
    void portal;
  });
});
