/**
 * Done-when: a second run downloads no unchanged document. Counted in bytes: the client's body
 * bytes for article/attachment answers, and the server's log of conditional requests and 304s.
 * Listings are re-read (that is how new items are found); a changed document is re-fetched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FixturePortal } from './portal/server.ts';
import { workspace, type Workspace } from './portal/harness.ts';
import type { CrawlSummary } from '../crawler/index.ts';

let portal: FixturePortal;
let ws: Workspace;
let first: CrawlSummary;

beforeAll(async () => {
  portal = await startFixturePortal({});
  ws = workspace(portal);
  first = await ws.run(Object.values(portal.starts));
}, 120_000);

afterAll(async () => {
  ws?.cleanup();
  await portal?.close();
});

describe('crawl: incremental re-runs', () => {
  it('re-reads listings but downloads 0 bytes of unchanged documents (conditional requests answered 304)', async () => {
    const docsBefore = ws.documents();
    const mark = portal.requestLog.length;
    const second = await ws.run(Object.values(portal.starts));
    const log = portal.requestLog.slice(mark);
    const docUrls = new Set(docsBefore.map((d) => new URL(d.final_url).pathname + new URL(d.final_url).search));
    const docRequests = log.filter((e) => docUrls.has(e.path));
    console.log(`[crawl figures] run 1: ${first.fetched} documents, ${first.documentBytes} document bytes; run 2: ${second.fetched} documents checked, ${second.notModified} answered 304, ${second.documentBytes} document body bytes re-downloaded, ${second.bytesDownloaded} bytes in total (listings re-read: ${second.listingsRead})`);
    expect(first.new).toBe(docsBefore.length);
    expect(second.fetched).toBe(docsBefore.length);
    expect(second.documentBytes).toBe(0);
    expect(second.new + second.changed).toBe(0);
    expect(second.unchanged).toBe(docsBefore.length);
    expect(second.notModified).toBe(docsBefore.length);
    expect(docRequests.length).toBeGreaterThanOrEqual(docsBefore.length);
    expect(docRequests.filter((e) => e.status === 200)).toEqual([]);
    expect(docRequests.every((e) => e.conditional && e.status === 304)).toBe(true);
    expect(second.listingsRead).toBe(first.listingsRead);
    expect(ws.documents()).toEqual(docsBefore);
  }, 120_000);

  it('re-downloads exactly the document that changed', async () => {
    const target = portal.expected.reports.find((r) => r.column === 'jcms' && r.attachments.length)!;
    const attPath = new URL(target.attachments[0]!).pathname + new URL(target.attachments[0]!).search;
    const before = ws.documents().find((d) => d.url === target.attachments[0])!;
    portal.bump(attPath);
    const third = await ws.run(Object.values(portal.starts));
    const after = ws.documents().find((d) => d.url === target.attachments[0])!;
    expect(third.changed).toBe(1);
    expect(third.new).toBe(0);
    expect(after.sha256).not.toBe(before.sha256);
    expect(await ws.raw.has(before.sha256)).toBe(true); // the old version's bytes are kept
    expect(third.documentBytes).toBe(after.size);
  }, 120_000);
});
