/**
 * Portal faults (reliability issue, part 4): transient faults are retried until they succeed
 * (5xx bursts, 429 + Retry-After, timeouts, resets, truncated bodies); permanent ones (404,
 * redirect loop, a 5xx that never ends, a portal down for the whole run) are recorded per URL in
 * crawl_queue and retried by the next run.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FaultRule, type FixturePortal } from './portal/server.ts';
import { workspace, type Workspace } from './portal/harness.ts';
import type { CrawlSummary } from '../crawler/index.ts';

const MAX_ATTEMPTS = 4;
const faults: FaultRule[] = [
  { kind: 'status', status: 500, path: '/trs/zfxxgknb/index_1.htm', times: 2 },
  { kind: 'status', status: 503, path: 'filename=2201231234.pdf', times: 3 },
  { kind: 'status', status: 429, retryAfterSec: 1, path: '/json/nb/art/2024/0120-4003.html', times: 1 },
  { kind: 'slow', delayMs: 3000, path: '/gk/nb/content_6003.html', times: 1 },
  { kind: 'reset', path: '/art/2022/1/4/art_1229486972_59010003.html', times: 2 },
  { kind: 'truncate', path: 'filename=2201241234.pdf', times: 1 },
  // permanent for this run
  { kind: 'status', status: 404, path: '/gk/nb/P02023012100000124.pdf' },
  { kind: 'status', status: 500, path: '/json/nb/art/2023/0122-4010.html' },
];

let portal: FixturePortal;
let ws: Workspace;
let downUrl: string;
let run1: CrawlSummary;

beforeAll(async () => {
  portal = await startFixturePortal({ faults, redirectLoop: true });
  ws = workspace(portal);
  // A portal that is down for the whole run: a port nobody listens on.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  downUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/nb/index.html`;
  await new Promise<void>((r) => probe.close(() => r()));
  run1 = await ws.run([...Object.values(portal.starts), downUrl], { timeoutMs: 1000, maxAttempts: MAX_ATTEMPTS });
}, 120_000);

afterAll(async () => {
  ws?.cleanup();
  await portal?.close();
});

const queue = (url: string) => ws.db.prepare(`SELECT state, attempts, failure_kind, last_status FROM crawl_queue WHERE url = ?`).get(url) as { state: string; attempts: number; failure_kind: string | null; last_status: number | null };

describe('crawl: portal faults', () => {
  it('retries transient faults until they succeed', () => {
    const urls = new Set(ws.documents().map((d) => d.url));
    const base = portal.url.replace(/\/$/, '');
    for (const u of [`${base}/json/nb/art/2024/0120-4003.html`, `${base}/art/2022/1/4/art_1229486972_59010003.html`, `${base}/module/download/downfile.jsp?classid=0&filename=2201231234.pdf`, `${base}/module/download/downfile.jsp?classid=0&filename=2201241234.pdf`, `${portal.h2Url}gk/nb/content_6003.html`]) {
      expect(urls.has(u), u).toBe(true);
      expect(queue(u).state).toBe('done');
    }
    // Page 1 of the TRS column survived two 500s: its items are there.
    expect(urls.has(`${base}/trs/zfxxgknb/202201/t20220125_1234800.htm`)).toBe(true);
    expect(run1.retried).toMatchObject({ 'http-5xx': 2, 'http-429': 1, timeout: 1, reset: 1, truncated: 1 });
    const reqs = (p: string) => portal.requestLog.filter((e) => e.path.includes(p));
    expect(reqs('filename=2201231234.pdf').map((e) => e.status)).toEqual([503, 503, 503, 200]);
    expect(reqs('/art/2022/1/4/art_1229486972_59010003.html').map((e) => e.status)).toEqual([-1, -1, 200]);
  });

  it('honours Retry-After for the whole host', () => {
    const i = portal.requestLog.findIndex((e) => e.status === 429);
    const hit = portal.requestLog[i]!;
    const next = portal.requestLog.slice(i + 1).find((e) => e.host === hit.host)!;
    console.log(`[crawl figures] Retry-After: 1 s asked, next request to ${hit.host} after ${next.time - hit.time} ms`);
    expect(next.time - hit.time).toBeGreaterThanOrEqual(1000);
  });

  it('records permanent faults per URL, with bounded attempts', () => {
    const base = portal.url.replace(/\/$/, '');
    expect(queue(`${portal.h2Url}gk/nb/P02023012100000124.pdf`)).toMatchObject({ state: 'failed', failure_kind: 'http-4xx', last_status: 404, attempts: 1 });
    expect(queue(`${base}/json/nb/art/2023/0122-4010.html`)).toMatchObject({ state: 'failed', failure_kind: 'http-5xx', last_status: 500, attempts: MAX_ATTEMPTS });
    expect(portal.requestLog.filter((e) => e.path === '/json/nb/art/2023/0122-4010.html')).toHaveLength(MAX_ATTEMPTS);
    expect(queue(`${portal.h2Url}redirect/loop-a`)).toMatchObject({ state: 'failed', failure_kind: 'redirect-loop' });
    expect(portal.requestLog.filter((e) => e.path.startsWith('/redirect/')).length).toBe(2);
    expect(queue(downUrl)).toMatchObject({ state: 'failed', failure_kind: 'refused' });
    expect(run1.failures).toEqual({ 'http-4xx': 1, 'http-5xx': 1, 'redirect-loop': 1, refused: 1 });
    console.log(`[crawl figures] faults: injected ${faults.length + 2} kinds; retried ${JSON.stringify(run1.retried)}; permanent ${JSON.stringify(run1.failures)}`);
  });

  it('retries the recorded failures on the next run, which succeed once the portal recovered', async () => {
    portal.clearFaults();
    const run2 = await ws.run([...Object.values(portal.starts), downUrl], { timeoutMs: 1000, maxAttempts: 2 });
    const base = portal.url.replace(/\/$/, '');
    expect(queue(`${portal.h2Url}gk/nb/P02023012100000124.pdf`).state).toBe('done');
    expect(queue(`${base}/json/nb/art/2023/0122-4010.html`).state).toBe('done');
    const urls = new Set(ws.documents().flatMap((d) => [d.url, d.final_url]));
    const expected = portal.expected.reports.filter((r) => !r.disallowed && !r.url.includes('/redirect/'));
    expect(expected.filter((r) => !urls.has(r.url) || r.attachments.some((a) => !urls.has(a)))).toEqual([]);
    expect(run2.failures).toEqual({ 'redirect-loop': 1, refused: 1 });
  }, 120_000);
});
