/**
 * Safety (reliability issue, part 5): only http(s) on the portal's own hosts or an explicit
 * allowlist; no request to loopback/link-local/private addresses unless the configured portal is
 * there; file names from Content-Disposition or URLs never escape the data folder; size caps on
 * downloads and on decompression.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startFixturePortal } from './portal/server.ts';
import { workspace } from './portal/harness.ts';
import { HttpClient, FetchError } from '../crawler/http.ts';
import { Scope, contentDispositionFileName, isPrivateAddress, safeFileName } from '../crawler/url.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('crawl: safety', () => {
  it('does not follow a redirect to a loopback host that is only allowlisted, and sends it no request', async () => {
    const portal = await startFixturePortal({ faults: [{ kind: 'redirect', path: '/gk/nb/content_6001.html', to: 'http://localhost:1/steal' }] });
    cleanups.push(() => portal.close());
    const ws = workspace(portal);
    cleanups.push(() => ws.cleanup());
    await ws.run([portal.starts.generic], { allowHosts: ['localhost'], maxAttempts: 1 });
    const row = ws.db.prepare(`SELECT state, failure_kind FROM crawl_queue WHERE url = ?`).get(`${portal.h2Url}gk/nb/content_6001.html`);
    expect(row).toEqual({ state: 'failed', failure_kind: 'blocked-address' });
    // Not allowlisted (a cloud metadata address): refused on scope before any lookup.
    const portal2 = await startFixturePortal({ faults: [{ kind: 'redirect', path: '/gk/nb/content_6001.html', to: 'http://169.254.169.254/latest/meta-data/' }] });
    cleanups.push(() => portal2.close());
    const ws3 = workspace(portal2);
    cleanups.push(() => ws3.cleanup());
    await ws3.run([portal2.starts.generic], { maxAttempts: 1 });
    expect(ws3.db.prepare(`SELECT failure_kind FROM crawl_queue WHERE url = ?`).get(`${portal2.h2Url}gk/nb/content_6001.html`)).toEqual({ failure_kind: 'off-scope-redirect' });
  });

  it('refuses private addresses that were not configured, at the HTTP client', async () => {
    const client = new HttpClient({ timeoutMs: 2000, maxBytes: 1000, hostOverrides: {}, localOk: new Set() });
    cleanups.push(() => client.close());
    await expect(client.request({ url: 'http://127.0.0.1:9/' })).rejects.toMatchObject({ kind: 'blocked-address' });
    await expect(client.request({ url: 'http://169.254.169.254/' })).rejects.toMatchObject({ kind: 'blocked-address' });
    await expect(client.request({ url: 'http://localhost:9/' })).rejects.toMatchObject({ kind: 'blocked-address' });
    for (const ip of ['127.0.0.1', '127.0.0.2', '10.1.2.3', '192.168.0.1', '172.16.0.1', '169.254.169.254', '::1', 'fe80::1', '::ffff:127.0.0.1']) expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['202.96.128.86', '8.8.8.8', '2400:3200::1']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('keeps scope to the portal site and the allowlist, http(s) only', () => {
    const s = new Scope();
    s.addPortalUrl('http://www.yy.gov.cn/col/col1/index.html');
    s.addAllowHost('*.zj.gov.cn');
    expect(s.check('http://xxgk.yy.gov.cn/a.html')).toBeNull();
    expect(s.check('https://zjjcmspublic.oss-cn-hangzhou-zwynet-d01-a.internet.cloud.zj.gov.cn/x.pdf')).toBeNull();
    expect(s.check('http://www.nbyz.gov.cn/')).toBe('off-scope');
    expect(s.check('ftp://www.yy.gov.cn/a.pdf')).toBe('bad-scheme');
    expect(s.check('file:///etc/passwd')).toBe('bad-scheme');
  });

  it('reduces file names to a safe base name', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..\\..\\win.ini')).toBe('win.ini');
    expect(safeFileName('%2e%2e%2f%2e%2e%2fsecret.pdf')).toBe('secret.pdf');
    expect(safeFileName('..')).toBeNull();
    expect(safeFileName('.hidden.pdf')).toBe('hidden.pdf');
    expect(contentDispositionFileName(`attachment; filename="${Buffer.from('../../年报.pdf').toString('latin1')}"`)).toBe('年报.pdf');
    expect(contentDispositionFileName("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5%2F..%2F.docx")).toBe('docx');
  });

  it('caps download size, declared or streamed, and decompressed size', async () => {
    const big = Buffer.alloc(200_000, 0x20);
    const bomb = zlib.gzipSync(Buffer.alloc(5_000_000, 0x41));
    const srv = http.createServer((req, res) => {
      if (req.url === '/declared') res.writeHead(200, { 'content-length': String(big.length) }).end(big);
      else if (req.url === '/chunked') {
        res.writeHead(200);
        res.end(big);
      } else res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    const port = (srv.address() as { port: number }).port;
    const client = new HttpClient({ timeoutMs: 5000, maxBytes: 100_000, hostOverrides: {}, localOk: new Set(['127.0.0.1']) });
    cleanups.push(() => client.close());
    for (const p of ['/declared', '/chunked', '/bomb']) {
      const err = await client.request({ url: `http://127.0.0.1:${port}${p}` }).catch((e: unknown) => e);
      expect(err, p).toBeInstanceOf(FetchError);
      expect((err as FetchError).kind, p).toBe('too-large');
    }
    console.log(`[crawl figures] size caps: 200 kB body and a ${bomb.length}-byte gzip of 5 MB refused at a 100 kB cap`);
  });
});
