/**
 * Reliability, part 4 at the pipeline level: `nianbao run --start … --json` (the CLI, as cron
 * runs it) against the fixture portal with injected faults.
 *
 * Night 1: transient faults (a 5xx burst, a 429 with Retry-After, a timeout, connection resets,
 * a truncated body) are retried until they succeed, so those URLs end fetched; permanent ones (a
 * 404 attachment, a redirect loop, a second portal host that is down for the whole run) are
 * recorded per URL in crawl_queue and named with their kind by the run summary, both the JSON
 * one (--json) and the human text; the run exits 1 (finished with per-document failures).
 * Night 2: the portal has recovered (faults off, the second host up): the recorded failures are
 * retried and fetched, and the run exits 0.
 *
 * The portal serves the real renderings of the seed reports (HTML, portal pages, DOCX: rendered
 * here without Chromium or LibreOffice), so extraction has nothing to fail on and the exit code
 * is the crawler's alone.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printSummary } from '../cli/run.ts';
import type { RunSummary } from '../pipeline/run.ts';
import { renderReports } from '../scripts/render-reports.ts';
import { repoRoot } from './helpers/expected.ts';
import { startFixturePortal, type FaultRule, type FixturePortal } from './portal/server.ts';

const MAX_ATTEMPTS = 4;
const DOWN_HOST = 'down.portal.test';

// Paths on the fixture portal (realOnly: the articles of the seed reports and their DOCX).
const P = {
  trs000: '/trs/zfxxgknb/202201/t20220120_1234567.htm',
  trs001: '/trs/zfxxgknb/201801/t20180125_1100001.htm',
  trs003: '/trs/zfxxgknb/202101/t20210128_1200002.htm',
  jcms002: '/art/2022/1/2/art_1229486972_59010001.html',
  jcms002docx: '/module/download/downfile.jsp?classid=0&filename=2201211234.docx',
  json004: '/json/nb/art/2025/0120-4001.html',
  generic6001: '/gk/nb/content_6001.html',
};

const transient: (FaultRule & { what: string })[] = [
  { what: '5xx burst (500 ×3)', kind: 'status', status: 500, path: P.trs001, times: 3 },
  { what: '429 + Retry-After 1 s', kind: 'status', status: 429, retryAfterSec: 1, path: P.json004, times: 1 },
  { what: 'timeout (answer after 6 s, client limit 3 s)', kind: 'slow', delayMs: 6000, path: P.generic6001, host: 'h2', times: 1 },
  { what: 'connection reset ×2', kind: 'reset', path: P.jcms002, times: 2 },
  { what: 'truncated body (Content-Length 4000, 1000 sent)', kind: 'truncate', path: P.trs000, times: 1 },
];
const permanent: (FaultRule & { what: string })[] = [
  { what: '404 attachment', kind: 'status', status: 404, path: 'filename=2201211234.docx' },
  // The article redirects into /redirect/loop-a ⇄ loop-b.
  { what: 'redirect loop', kind: 'redirect', path: 't20210128_1200002.htm', to: '/redirect/loop-a' },
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-faults-'));
const dataDir = path.join(work, 'data');
const config = path.join(work, 'config.json');
let portal: FixturePortal;
let downPort: number;
let downServer: http.Server | undefined;
let downUrl: string;
let starts: string[];
const env: NodeJS.ProcessEnv = { ...process.env, NIANBAO_WORKERS: '2', NIANBAO_OCR: '0' };
delete env.NIANBAO_SINCE;
delete env.NIANBAO_PORTALS;
delete env.NIANBAO_DATA_DIR;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function cli(args: string[]): Promise<CliRun> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 })));
}

const runArgs = () => ['run', ...starts.flatMap((s) => ['--start', s]), '--data-dir', dataDir, '--config', config, '--delay-ms', '0'];

function queueRow(url: string) {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    return db.prepare(`SELECT state, attempts, failure_kind, last_status FROM crawl_queue WHERE url = ?`).get(url) as
      | { state: string; attempts: number; failure_kind: string | null; last_status: number | null }
      | undefined;
  } finally {
    db.close();
  }
}

function documentUrls(): Set<string> {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    return new Set((db.prepare(`SELECT url FROM documents WHERE sha256 IS NOT NULL`).all() as { url: string }[]).map((r) => r.url));
  } finally {
    db.close();
  }
}

let night1: CliRun;
let summary1: RunSummary;
let logEnd1 = 0;

beforeAll(async () => {
  const documentsDir = path.join(work, 'renderings');
  await renderReports({ outDir: documentsDir, kinds: ['html', 'portal', 'docx'] });
  portal = await startFixturePortal({ documentsDir, realOnly: true, faults: [...transient, ...permanent] });
  // The second portal host: a port nobody listens on tonight (it comes up the next night).
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  downPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  downUrl = `http://${DOWN_HOST}:${downPort}/xxgk/nb/index.html`;
  starts = [portal.starts.trs, portal.starts.jcms, portal.starts.json, portal.starts.generic, downUrl];
  fs.writeFileSync(
    config,
    JSON.stringify({
      portals: [],
      crawl: { browser: false, hostOverrides: { ...portal.hostOverrides, [DOWN_HOST]: '127.0.0.1' }, timeoutMs: 3000, backoffBaseMs: 100, maxAttempts: MAX_ATTEMPTS },
    }),
  );
  night1 = await cli([...runArgs(), '--json']);
  logEnd1 = portal.requestLog.length;
  summary1 = JSON.parse(night1.stdout.trim().split('\n').at(-1)!) as RunSummary;
}, 10 * 60_000);

afterAll(async () => {
  await portal?.close();
  if (downServer) await new Promise<void>((r) => downServer!.close(() => r()));
  fs.rmSync(work, { recursive: true, force: true });
});

const abs = (p: string, host: 'main' | 'h2' = 'main') => `${host === 'h2' ? portal.h2Url.replace(/\/$/, '') : portal.url.replace(/\/$/, '')}${p}`;
const permanentUrls = () => [
  { url: abs(P.jcms002docx), kind: 'http-4xx' },
  { url: abs(P.trs003), kind: 'redirect-loop' },
  { url: downUrl, kind: 'refused' },
];

describe('pipeline under portal faults (nianbao run --json)', () => {
  it('night 1: transient faults are retried until the URLs are fetched', () => {
    expect(night1.code, night1.stderr.slice(-3000)).toBe(1);
    const urls = documentUrls();
    for (const u of [abs(P.trs000), abs(P.trs001), abs(P.jcms002), abs(P.json004), abs(P.generic6001, 'h2')]) {
      expect(urls.has(u), u).toBe(true);
      expect(queueRow(u)?.state, u).toBe('done');
    }
    const log = portal.requestLog.slice(0, logEnd1);
    const statuses = (p: string) => log.filter((e) => e.path === p).map((e) => e.status);
    expect(statuses(P.trs001)).toEqual([500, 500, 500, 200]);
    expect(statuses(P.jcms002)).toEqual([-1, -1, 200]);
    expect(statuses(P.trs000)).toEqual([-2, 200]);
    expect(statuses(P.json004)).toEqual([429, 200]);
    // Retry-After is honoured for the whole host.
    const i = log.findIndex((e) => e.status === 429);
    const next = log.slice(i + 1).find((e) => e.host === log[i]!.host)!;
    expect(next.time - log[i]!.time).toBeGreaterThanOrEqual(1000);
  });

  it('night 1: permanent failures are recorded per URL and named, with their kind, by the JSON summary and the text summary', () => {
    expect(summary1.status).toBe('partial');
    const failed = summary1.crawl!.failedUrls.map((f) => ({ url: f.url, kind: f.kind })).sort((a, b) => a.url.localeCompare(b.url));
    expect(failed).toEqual(permanentUrls().sort((a, b) => a.url.localeCompare(b.url)));
    expect(summary1.failuresByKind).toEqual({ 'crawl:http-4xx': 1, 'crawl:redirect-loop': 1, 'crawl:refused': 1 });
    expect(summary1.crawl!.failed).toBe(3);
    // The human summary (the same printSummary the CLI uses without --json).
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    try {
      printSummary(summary1, false);
    } finally {
      process.stdout.write = write;
    }
    const text = lines.join('');
    expect(text).toMatch(/^run #\d+ partial/);
    for (const f of permanentUrls()) expect(text).toContain(`crawl ${f.kind} ${f.url}`);
    for (const k of ['crawl:http-4xx: 1', 'crawl:redirect-loop: 1', 'crawl:refused: 1']) expect(text).toContain(k);
    // In the database, per URL.
    expect(queueRow(abs(P.jcms002docx))).toMatchObject({ state: 'failed', failure_kind: 'http-4xx', last_status: 404, attempts: 1 });
    expect(queueRow(abs(P.trs003))).toMatchObject({ state: 'failed', failure_kind: 'redirect-loop' });
    expect(queueRow(downUrl)).toMatchObject({ state: 'failed', failure_kind: 'refused', attempts: MAX_ATTEMPTS });
    // And in the run's row, for `nianbao status` and the morning after.
    const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
    const run = db.prepare(`SELECT status, errors FROM runs WHERE id = ?`).get(summary1.runId) as { status: string; errors: string };
    db.close();
    expect(run.status).toBe('partial');
    expect((JSON.parse(run.errors).crawl as { url: string }[]).map((f) => f.url).sort()).toEqual(permanentUrls().map((f) => f.url).sort());
  });

  it('night 2 (portal recovered): the recorded failures are retried and fetched, exit 0', async () => {
    portal.clearFaults();
    downServer = http.createServer((req, res) => {
      const body = Buffer.from(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>某区政府信息公开年报</title></head><body><ul></ul></body></html>`);
      res.writeHead(req.url === '/xxgk/nb/index.html' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((r) => downServer!.listen(downPort, '127.0.0.1', r));
    const night2 = await cli(runArgs());
    expect(night2.code, `${night2.stdout}\n${night2.stderr.slice(-3000)}`).toBe(0);
    expect(night2.stdout).toMatch(/^run #\d+ ok/);
    for (const f of permanentUrls()) expect(queueRow(f.url), f.url).toMatchObject({ state: 'done', failure_kind: null });
    const urls = documentUrls();
    expect(urls.has(abs(P.jcms002docx))).toBe(true);
    expect(urls.has(abs(P.trs003))).toBe(true);
    // The article behind the redirect loop brought its DOCX along.
    expect([...urls].some((u) => u.startsWith(abs('/trs/zfxxgknb/202101/')) && u.endsWith('.docx'))).toBe(true);
    const retriedLog = portal.requestLog.slice(logEnd1);
    expect(retriedLog.filter((e) => e.path === P.jcms002docx).map((e) => e.status)).toEqual([200]);

    // Figures: faults injected (requests the portal answered with a fault, plus connections the down host refused).
    const log = portal.requestLog.slice(0, logEnd1);
    const hits = (r: FaultRule) => Math.min(r.times ?? Infinity, log.filter((e) => (typeof r.path === 'string' ? e.path.includes(r.path) : r.path.test(e.path)) && (!r.host || e.host.startsWith('h2.') === (r.host === 'h2'))).length);
    const loops = log.filter((e) => e.path.startsWith('/redirect/')).length;
    const downAttempts = MAX_ATTEMPTS;
    const injectedTransient = transient.reduce((n, r) => n + hits(r), 0);
    const injectedPermanent = permanent.reduce((n, r) => n + hits(r), 0) + loops + downAttempts;
    console.log(
      `[reliability figures] portal faults (pipeline, nianbao run): ${injectedTransient + injectedPermanent} faults injected ` +
        `(transient ${injectedTransient}: ${transient.map((r) => `${r.what} → ${hits(r)}`).join('; ')}; ` +
        `permanent ${injectedPermanent}: 404 attachment ${hits(permanent[0]!)}, redirect loop ${hits(permanent[1]!)} + ${loops} loop hops, portal down ${downAttempts} refused connections); ` +
        `night 1 exit ${night1.code} in ${(night1.ms / 1000).toFixed(1)} s: 5 transient URLs fetched, 3 permanent failures named (${permanentUrls().map((f) => f.kind).join(', ')}); ` +
        `night 2 exit ${night2.code} in ${(night2.ms / 1000).toFixed(1)} s: all 3 retried and fetched`,
    );
  }, 10 * 60_000);
});
