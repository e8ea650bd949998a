/**
 * Done-when: a crawl killed with SIGKILL midway and restarted ends with the same documents and
 * no duplicates. The crawl runs as a child process (node bin/run-script.js
 * test/portal/run-crawl.ts) against the fixture portal; the test kills it after N requests seen
 * in the server's log, restarts it, and compares with an uninterrupted crawl.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePortal, type FixturePortal } from './portal/server.ts';
import { workspace, type Workspace } from './portal/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
let portal: FixturePortal;
let reference: Workspace;
let killed: Workspace;

beforeAll(async () => {
  portal = await startFixturePortal({});
  reference = workspace(portal, 'nianbao-ref-');
  await reference.run(Object.values(portal.starts), { perHostDelayMs: 10 });
  killed = workspace(portal, 'nianbao-kill-');
}, 120_000);

afterAll(async () => {
  reference?.cleanup();
  killed?.cleanup();
  await portal?.close();
});

/** Runs the crawl in a child; kills it with SIGKILL once the portal has seen `killAfter` more requests. */
function child(killAfter: number | null): Promise<{ signal: NodeJS.Signals | null; code: number | null; requests: number; stdout: string }> {
  const mark = portal.requestLog.length;
  const arg = JSON.stringify({ db: killed.dbFile, dataDir: killed.dir, starts: Object.values(portal.starts), options: { perHostDelayMs: 25, hostOverrides: portal.hostOverrides } });
  const proc = spawn(process.execPath, ['bin/run-script.js', 'test/portal/run-crawl.ts', arg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => process.env.NIANBAO_TEST_DEBUG && process.stdout.write(`[${Date.now()}] ${c}`));
  const timer =
    killAfter === null
      ? null
      : setInterval(() => {
          if (portal.requestLog.length - mark >= killAfter) {
            proc.kill('SIGKILL');
            clearInterval(timer!);
          }
        }, 2);
  return new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, requests: portal.requestLog.length - mark, stdout });
    });
  });
}

describe('crawl: kill and resume', () => {
  it('ends with the same documents and no duplicates after SIGKILLs midway', async () => {
    const kills: number[] = [];
    for (const n of [8, 20, 35]) {
      const r = await child(n);
      expect(r.signal, `kill after ${n} requests`).toBe('SIGKILL');
      kills.push(r.requests);
    }
    const last = await child(null);
    expect(last.code).toBe(0);
    const summary = JSON.parse(last.stdout.trim().split('\n').pop()!);
    expect(summary.resumed).toBe(true);

    const db = killed.db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = (w: Workspace) => w.documents().map((d) => ({ url: d.url, final_url: d.final_url, kind: d.kind, title: d.title, referrer: d.referrer, sha256: d.sha256, size: d.size, filename: d.filename }));
    const got = rows(killed);
    const want = rows(reference);
    const dupUrls = got.length - new Set(got.map((d) => d.url)).size;
    const dupArticles = got.filter((d) => d.kind === 'article').length - new Set(got.filter((d) => d.kind === 'article').map((d) => d.sha256)).size;
    const crawlRuns = db.prepare(`SELECT id, status, resumed FROM crawl_runs`).all();
    const pending = db.prepare(`SELECT COUNT(*) n FROM crawl_queue WHERE state = 'pending'`).get() as { n: number };
    console.log(`[crawl figures] kill/resume: killed after ${kills.join(', ')} requests, then finished (${last.requests} more requests); documents ${got.length} vs ${want.length} uninterrupted; duplicate URLs ${dupUrls}, duplicate articles ${dupArticles}; crawl_runs ${JSON.stringify(crawlRuns)}; integrity ok`);
    expect(got).toEqual(want);
    expect(dupUrls).toBe(0);
    expect(dupArticles).toBe(0);
    expect(pending.n).toBe(0);
    expect(crawlRuns).toEqual([{ id: 1, status: 'ok', resumed: 3 }]);
    // Every blob the documents point at exists.
    expect((await Promise.all(got.map((d) => killed.raw.has(d.sha256)))).every(Boolean)).toBe(true);
    // The lists were judged, and say how they were read, as the uninterrupted crawl's did (pages read before a kill included).
    const listings = (w: Workspace) => w.db.prepare(`SELECT list_url, found, complete, evidence, read_by FROM crawl_listings ORDER BY list_url`).all();
    expect(listings(killed)).toEqual(listings(reference));
    expect((listings(killed) as { read_by: string | null }[]).every((l) => l.read_by)).toBe(true);
  }, 180_000);
});
