/**
 * The crawl benchmark's portal: one node:http server on 127.0.0.1 playing H virtual hosts
 * (h00.bench.test … by the Host header, reached through the crawler's `hostOverrides`, the way
 * test/portal/server.ts plays h2.portal.test). Each host publishes a generic 下一页-paginated
 * 年报 column of `pages` listing pages × `perPage` report articles, each article with one
 * attachment. Every request is logged with its start and end, from the server's side.
 */
import http from 'node:http';

export interface BenchPortalOptions {
  hosts: number;
  pages: number;
  perPage: number;
  /** Attachment bodies (PDF/DOCX bytes), used round-robin; stand-ins when empty. */
  attachments?: { ext: 'pdf' | 'docx'; bytes: Buffer }[];
}

export interface BenchLogEntry {
  time: number;
  end: number;
  host: string;
  path: string;
  status: number;
  bytes: number;
}

export interface BenchPortal {
  port: number;
  starts: string[];
  hostOverrides: Record<string, string>;
  log: BenchLogEntry[];
  /** Requests a complete crawl makes per host: robots, listings, articles, attachments. */
  requestsPerHost: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { pdf: 'application/pdf', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' };

export async function startBenchPortal(o: BenchPortalOptions): Promise<BenchPortal> {
  const log: BenchLogEntry[] = [];
  const hostName = (i: number) => `h${String(i).padStart(2, '0')}.bench.test`;
  const atts = o.attachments?.length ? o.attachments : [{ ext: 'pdf' as const, bytes: Buffer.from('%PDF-1.4\n% bench stand-in\n%%EOF\n') }];
  const title = (h: number, k: number) => `示例市第${h + 1}局${2015 + (k % 10)}年政府信息公开工作年度报告（第${k + 1}号）`;
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    const entry: BenchLogEntry = { time: Date.now(), end: 0, host: String(req.headers.host ?? ''), path: req.url ?? '/', status: 0, bytes: 0 };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.end = Date.now();
    });
    const h = Number(/^h(\d+)\./.exec(entry.host)?.[1] ?? -1);
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, type: string, body: Buffer | string) => {
      const b = typeof body === 'string' ? Buffer.from(body) : body;
      entry.bytes = b.length;
      res.writeHead(status, { 'content-type': type, 'content-length': String(b.length), 'last-modified': 'Mon, 20 Jan 2025 08:00:00 GMT' });
      res.end(b);
    };
    if (h < 0 || h >= o.hosts) return send(404, 'text/plain', 'no such host');
    if (p === '/robots.txt') return send(200, 'text/plain', 'User-agent: *\nAllow: /\n');
    const list = /^\/gk\/nb\/(?:index|list_(\d+))\.html$/.exec(p);
    if (list) {
      const n = Number(list[1] ?? 1);
      if (n > o.pages) return send(404, 'text/html', 'not found');
      const items = Array.from({ length: o.perPage }, (_, j) => (n - 1) * o.perPage + j)
        .map((k) => `<li><a href="/gk/nb/art_${k}.html">${title(h, k)}</a> <span>2025-01-${String((k % 28) + 1).padStart(2, '0')}</span></li>`)
        .join('\n');
      const next = n < o.pages ? `<a href="list_${n + 1}.html">下一页</a>` : '';
      return send(200, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例市第${h + 1}局政府信息公开年报</title></head><body>
<div class="nav"><a href="/">首页</a></div><ul>${items}</ul><div class="pager">${next}</div></body></html>`);
    }
    const art = /^\/gk\/nb\/art_(\d+)\.html$/.exec(p);
    if (art) {
      const k = Number(art[1]);
      const a = atts[(h * 7 + k) % atts.length]!;
      return send(200, 'text/html; charset=utf-8', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title(h, k)}</title></head><body>
<h1 class="title">${title(h, k)}</h1><div id="zoom"><p>本年度报告根据《中华人民共和国政府信息公开条例》要求编制。</p></div>
<div class="attachments"><p>附件：<a href="/gk/nb/P${h}_${k}.${a.ext}">${title(h, k)}.${a.ext}</a></p></div></body></html>`);
    }
    const file = /^\/gk\/nb\/P(\d+)_(\d+)\.(pdf|docx)$/.exec(p);
    if (file) {
      const a = atts[(h * 7 + Number(file[2])) % atts.length]!;
      // Distinct bytes per document (the raw store is content-addressed).
      return send(200, TYPES[a.ext]!, Buffer.concat([a.bytes, Buffer.from(`\n% ${h}/${file[2]}\n`)]));
    }
    return send(404, 'text/html', 'not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const names = Array.from({ length: o.hosts }, (_, i) => hostName(i));
  return {
    port,
    starts: names.map((n) => `http://${n}:${port}/gk/nb/index.html`),
    hostOverrides: Object.fromEntries(names.map((n) => [n, '127.0.0.1'])),
    log,
    requestsPerHost: 1 + o.pages + 2 * o.pages * o.perPage,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Aggregate request rate over the steady part of a crawl: from the moment every host has been
 * asked for its first page to the moment the first host is done, requests started per second.
 */
export function steadyRate(log: BenchLogEntry[]): { requests: number; windowS: number; perSecond: number; wholeRunPerSecond: number; maxPerHostPerSecond: number; minGapMs: number; gapMs: { p50: number; p95: number; max: number }; slowGaps: string[] } {
  const byHost = new Map<string, number[]>();
  for (const e of log) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.time]);
  const firsts: number[] = [];
  const lasts: number[] = [];
  let minGap = Number.POSITIVE_INFINITY;
  let maxPerSecond = 0;
  const gaps: number[] = [];
  const slow: [number, string][] = [];
  const byHostEntries = new Map<string, BenchLogEntry[]>();
  for (const e of log) byHostEntries.set(e.host, [...(byHostEntries.get(e.host) ?? []), e]);
  for (const list of byHostEntries.values()) {
    list.sort((a, b) => a.time - b.time);
    for (let i = 1; i < list.length; i++) {
      const g = list[i]!.time - list[i - 1]!.time;
      gaps.push(g);
      slow.push([g, `${list[i - 1]!.path} (${list[i - 1]!.end - list[i - 1]!.time} ms) → ${list[i]!.path}: ${g} ms`]);
    }
  }
  gaps.sort((a, b) => a - b);
  slow.sort((a, b) => b[0] - a[0]);
  for (const starts of byHost.values()) {
    starts.sort((a, b) => a - b);
    firsts.push(starts[0]!);
    lasts.push(starts[starts.length - 1]!);
    for (let i = 1; i < starts.length; i++) minGap = Math.min(minGap, starts[i]! - starts[i - 1]!);
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i]! - starts[j]! >= 1000) j++;
      maxPerSecond = Math.max(maxPerSecond, i - j + 1);
    }
  }
  const all = log.map((e) => e.time).sort((a, b) => a - b);
  const whole = all.length > 1 ? (all.length - 1) / ((all[all.length - 1]! - all[0]!) / 1000) : 0;
  // Steady part: every host under way (after the last host's first request) and none finished
  // (before the first host's last request); within it, the middle of the request starts.
  const from = Math.max(...firsts);
  const to = Math.min(...lasts);
  let inner = all.filter((t) => t >= from && t <= to);
  if (inner.length < 10) inner = all;
  const lo = inner[Math.floor(inner.length * 0.1)]!;
  const hi = inner[Math.ceil(inner.length * 0.9) - 1]!;
  const inWindow = inner.filter((t) => t >= lo && t <= hi).length;
  const windowS = (hi - lo) / 1000;
  const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.max(0, Math.ceil(p * gaps.length) - 1))] ?? 0;
  return {
    requests: inWindow,
    windowS,
    // n starts span n - 1 intervals.
    perSecond: windowS > 0 ? (inWindow - 1) / windowS : 0,
    wholeRunPerSecond: whole,
    maxPerHostPerSecond: maxPerSecond,
    minGapMs: minGap,
    gapMs: { p50: q(0.5), p95: q(0.95), max: gaps[gaps.length - 1] ?? 0 },
    slowGaps: slow.slice(0, 8).map((x) => x[1]),
  };
}

/**
 * Out-of-process mode, so that the crawler's event loop and the server's do not delay each other
 * (the server would log late starts and see gaps shorter than the crawler kept):
 *   node bin/run-script.js scripts/bench/portal.ts '<json options>'   (with an IPC channel)
 * Sends { ready, port, starts, hostOverrides, requestsPerHost }; answers 'log' with { log };
 * 'close' stops it.
 */
if (process.argv[1] && process.argv[1].endsWith('scripts/bench/portal.ts') && process.send) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as BenchPortalOptions & { attachmentFiles?: string[] };
  const fs = await import('node:fs');
  const attachments = (opts.attachmentFiles ?? []).map((f) => ({ ext: (f.endsWith('.docx') ? 'docx' : 'pdf') as 'pdf' | 'docx', bytes: fs.readFileSync(f) }));
  const portal = await startBenchPortal({ ...opts, attachments });
  process.on('message', async (m) => {
    if (m === 'log') process.send!({ log: portal.log });
    if (m === 'close') {
      await portal.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, port: portal.port, starts: portal.starts, hostOverrides: portal.hostOverrides, requestsPerHost: portal.requestsPerHost });
}
