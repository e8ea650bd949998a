/**
 * Reliability, part 5 (safety): what test/crawl.safety.test.ts did not already show.
 *
 * - A redirect to a loopback host that is only allowlisted reaches nothing: a server listening
 *   there counts 0 requests (crawl.safety redirects to a closed port, so "no request" was not seen).
 * - An IPv4-mapped IPv6 literal (the URL parser writes [::ffff:127.0.0.1] as [::ffff:7f00:1]) is a
 *   loopback address too: refused at the HTTP client and in a crawl, 0 requests.
 * - A redirect to a non-http(s) scheme (file:, ftp:) is not followed and nothing is read.
 * - File names from Content-Disposition (the fixture sends ../../etc/….docx) never reach the file
 *   system: the data folder holds only the database and content-addressed blobs.
 * (Size caps on downloads and decompression: crawl.safety.test.ts; on extraction, the DOCX bomb
 * of reliability-inputs.test.ts.)
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../crawler/http.ts';
import { isPrivateAddress } from '../crawler/url.ts';
import { workspace } from './portal/harness.ts';
import { startFixturePortal } from './portal/server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A server on loopback that must never be reached: it counts what arrives. */
async function trap(host = '127.0.0.1'): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(String(req.url));
    res.end('secret');
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
  return { port: (srv.address() as { port: number }).port, hits };
}

const ARTICLE = '/gk/nb/content_6001.html';

describe('safety (reliability issue)', () => {
  it('a redirect to an allowlisted loopback name sends it no request', async () => {
    const t = await trap();
    const portal = await startFixturePortal({ faults: [{ kind: 'redirect', path: ARTICLE, to: `http://localhost:${t.port}/steal` }] });
    cleanups.push(() => portal.close());
    const ws = workspace(portal);
    cleanups.push(() => ws.cleanup());
    await ws.run([portal.starts.generic], { allowHosts: ['localhost'], maxAttempts: 1 });
    expect(ws.db.prepare(`SELECT state, failure_kind FROM crawl_queue WHERE url = ?`).get(`${portal.h2Url}${ARTICLE.slice(1)}`)).toEqual({ state: 'failed', failure_kind: 'blocked-address' });
    expect(t.hits).toEqual([]);
  });

  it('an IPv4-mapped IPv6 literal of loopback/link-local is refused, at the client and in a crawl', async () => {
    for (const u of ['http://[::ffff:127.0.0.1]/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:10.0.0.1]/', 'http://[::ffff:192.168.1.1]/']) {
      const h = new URL(u).hostname.replace(/^\[|\]$/g, '');
      expect(isPrivateAddress(h), `${u} (${h})`).toBe(true);
    }
    expect(isPrivateAddress(new URL('http://[::ffff:8.8.8.8]/').hostname.replace(/^\[|\]$/g, ''))).toBe(false);
    const t = await trap('::');
    const client = new HttpClient({ timeoutMs: 2000, maxBytes: 1000, hostOverrides: {}, localOk: new Set() });
    cleanups.push(() => client.close());
    await expect(client.request({ url: `http://[::ffff:127.0.0.1]:${t.port}/client` })).rejects.toMatchObject({ kind: 'blocked-address' });
    // In a crawl, even with the literal allowlisted.
    const portal = await startFixturePortal({ faults: [{ kind: 'redirect', path: ARTICLE, to: `http://[::ffff:127.0.0.1]:${t.port}/steal` }] });
    cleanups.push(() => portal.close());
    const ws = workspace(portal);
    cleanups.push(() => ws.cleanup());
    await ws.run([portal.starts.generic], { allowHosts: ['::ffff:7f00:1'], maxAttempts: 1 });
    expect(ws.db.prepare(`SELECT state, failure_kind FROM crawl_queue WHERE url = ?`).get(`${portal.h2Url}${ARTICLE.slice(1)}`)).toEqual({ state: 'failed', failure_kind: 'blocked-address' });
    expect(t.hits).toEqual([]);
  });

  it('does not follow a redirect to file: or ftp:, and stores nothing from it', async () => {
    const portal = await startFixturePortal({
      faults: [
        { kind: 'redirect', path: ARTICLE, to: 'file:///etc/passwd' },
        { kind: 'redirect', path: '/gk/nb/content_6003.html', to: 'ftp://127.0.0.1/pub/report.pdf' },
      ],
    });
    cleanups.push(() => portal.close());
    const ws = workspace(portal);
    cleanups.push(() => ws.cleanup());
    await ws.run([portal.starts.generic], { maxAttempts: 1 });
    const passwd = fs.readFileSync('/etc/passwd');
    for (const p of [ARTICLE, '/gk/nb/content_6003.html']) {
      const url = `${portal.h2Url}${p.slice(1)}`;
      // Recorded per URL as a failed answer (the 302 itself), retried next run; no document stored.
      expect(ws.db.prepare(`SELECT state, last_status FROM crawl_queue WHERE url = ?`).get(url)).toEqual({ state: 'failed', last_status: 302 });
      expect(ws.documents().find((d) => d.url === url)).toBeUndefined();
    }
    for (const d of ws.documents()) {
      expect(d.final_url).toMatch(/^https?:/);
      expect((await ws.raw.get(d.sha256)).equals(passwd)).toBe(false);
    }
    expect(portal.requestLog.filter((e) => e.path.includes('passwd') || e.path.includes('/pub/'))).toEqual([]);
  });

  it('file names from Content-Disposition never reach the file system: the data folder holds only the database and sha256-named blobs', async () => {
    const portal = await startFixturePortal();
    cleanups.push(() => portal.close());
    const ws = workspace(portal);
    cleanups.push(() => ws.cleanup());
    await ws.run([portal.starts.jcms]);
    // The fixture sends: attachment; filename="../../etc/拱墅区投资促进局2021年报.docx".
    const names = ws.documents().map((d) => d.filename).filter(Boolean);
    expect(names).toContain('拱墅区投资促进局2021年报.docx');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(ws.dir, p));
      }
    };
    walk(ws.dir);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(f).toMatch(/^(nianbao\.sqlite(-wal|-shm|-journal)?|raw\/[0-9a-f]{2}\/[0-9a-f]{64})$/);
    for (const up of ['../etc', '../../etc', 'etc']) expect(fs.existsSync(path.resolve(ws.dir, up, '拱墅区投资促进局2021年报.docx'))).toBe(false);
  });
});
