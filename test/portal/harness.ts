/** Test helpers: a temp data folder with a real SQLite file, and one crawl against the fixture. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DB } from '../../store/db.ts';
import { FileRawStore } from '../../store/raw.ts';
import { crawl, type CrawlSummary } from '../../crawler/index.ts';
import type { CrawlOptions } from '../../crawler/options.ts';
import type { FixturePortal, LogEntry } from './server.ts';

export interface Workspace {
  dir: string;
  dbFile: string;
  db: DB;
  raw: FileRawStore;
  logs: string[];
  run(starts: string[], options?: CrawlOptions): Promise<CrawlSummary>;
  documents(): DocRow[];
  cleanup(): void;
}

export interface DocRow {
  url: string;
  final_url: string;
  kind: string;
  title: string;
  referrer: string | null;
  sha256: string;
  size: number;
  filename: string | null;
  http_status: number;
}

export function workspace(portal: FixturePortal, prefix = 'nianbao-crawl-'): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const dbFile = path.join(dir, 'nianbao.sqlite');
  const db = openDatabase(dbFile);
  const raw = new FileRawStore(path.join(dir, 'raw'));
  const logs: string[] = [];
  return {
    dir,
    dbFile,
    db,
    raw,
    logs,
    run: (starts, options = {}) =>
      crawl(db, raw, { starts, options: { perHostDelayMs: 20, hostOverrides: portal.hostOverrides, backoffBaseMs: 50, log: (l) => logs.push(l), ...options } }),
    documents: () => db.prepare(`SELECT url, final_url, kind, title, referrer, sha256, size, filename, http_status FROM documents ORDER BY url`).all() as DocRow[],
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Per host: smallest gap between request starts, and most requests in flight at once. */
export function politenessFromLog(log: LogEntry[]): Record<string, { requests: number; minGapMs: number; maxInFlight: number; maxPerSecond: number }> {
  const byHost = new Map<string, LogEntry[]>();
  for (const e of log) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
  const out: Record<string, { requests: number; minGapMs: number; maxInFlight: number; maxPerSecond: number }> = {};
  for (const [host, list] of byHost) {
    const starts = list.map((e) => e.time).sort((a, b) => a - b);
    let minGap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < starts.length; i++) minGap = Math.min(minGap, starts[i]! - starts[i - 1]!);
    const events = list.flatMap((e) => [
      [e.time, 1],
      [Math.max(e.end, e.time), -1],
    ]) as [number, number][];
    // Ends before starts at the same millisecond: a request that ended is not in flight.
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let maxIn = 0;
    for (const [, d] of events) {
      cur += d;
      maxIn = Math.max(maxIn, cur);
    }
    let maxPerSecond = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i]! - starts[j]! >= 1000) j++;
      maxPerSecond = Math.max(maxPerSecond, i - j + 1);
    }
    out[host] = { requests: list.length, minGapMs: minGap, maxInFlight: maxIn, maxPerSecond };
  }
  return out;
}
