/**
 * Configuration: the config file, the portals file and the NIANBAO_* environment are validated,
 * and an error names the file (or "environment") and the key; every command finds the data
 * folder the same way (--data-dir, NIANBAO_DATA_DIR, dataDir of --config); export takes the lock.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTALS_FILE, loadPortals } from '../crawler/portals.ts';
import { ConfigError, loadConfig, PLATFORMS, resolveDataDir } from '../pipeline/config.ts';
import { defaultExtractLimits, onlyDefaults } from '../pipeline/extract-limits.ts';
import { acquireLock } from '../pipeline/lock.ts';
import { openDatabase } from '../store/db.ts';
import { repoRoot } from './helpers/expected.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-config-'));
const writeJson = (dir: string, name: string, data: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(data));
  return f;
};
const portal = (extra: Record<string, unknown> = {}) => ({ name: 'x', start: ['http://example.org/nb/'], ...extra });
/** The ConfigError message of loading a config, or a failure when it loads. */
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError, the config loaded');
};
const noEnv = {} as NodeJS.ProcessEnv;

describe('config validation', () => {
  it('the shipped portals file is valid, and its platforms are the adapters', () => {
    expect(PLATFORMS).toEqual(expect.arrayContaining(['trs', 'jcms', 'jsonapi', 'generic']));
    const list = loadPortals(DEFAULT_PORTALS_FILE, { platforms: PLATFORMS });
    expect(list.length).toBeGreaterThan(1);
    expect(loadConfig({}, noEnv).portals.every((p) => !p.sample)).toBe(true);
  });

  it('a mistyped platform is an error naming the file and the key, not a fallback to detection', () => {
    const d = tmp();
    const inline = writeJson(d, 'nianbao.json', { portals: [portal(), portal({ platform: 'jmcs' })] });
    const m = errorOf(() => loadConfig({ configFile: inline }, noEnv));
    expect(m).toContain(inline);
    expect(m).toContain('portals[1].platform');
    expect(m).toContain("'jmcs' is not a platform");
    // The same in a portals file named by the config file, and by NIANBAO_PORTALS.
    const pf = writeJson(d, 'portals.json', { portals: [portal({ platform: 'TRS' })] });
    const viaFile = errorOf(() => loadConfig({ configFile: writeJson(d, 'c2.json', { portals: 'portals.json' }) }, noEnv));
    expect(viaFile).toContain(pf);
    expect(viaFile).toContain('portals[0].platform');
    expect(errorOf(() => loadConfig({}, { NIANBAO_PORTALS: pf }))).toContain(pf);
    // A valid one loads.
    const ok = writeJson(d, 'ok.json', { portals: [portal({ platform: 'jcms' })] });
    expect(loadConfig({ configFile: ok }, noEnv).portals[0]!.platform).toBe('jcms');
  });

  it('unknown or mistyped keys are errors naming the key', () => {
    const d = tmp();
    const typo = writeJson(d, 'portals.json', [portal({ platfrom: 'trs' })]);
    expect(() => loadPortals(typo)).toThrow(/portals\.json: \[0\]: Unrecognized key: "platfrom"/);
    // `overrides` was documented and never read: it is refused, not silently ignored.
    const over = writeJson(d, 'over.json', { portals: [portal({ overrides: { perHostDelayMs: 5000 } })] });
    expect(errorOf(() => loadConfig({ configFile: over }, noEnv))).toMatch(/portals\[0\].*overrides/);
    const crawlTypo = writeJson(d, 'c.json', { crawl: { perHostDelay: 5000 } });
    expect(errorOf(() => loadConfig({ configFile: crawlTypo }, noEnv))).toMatch(new RegExp(`${crawlTypo.replace(/[.]/g, '\\.')}: crawl: Unrecognized key: "perHostDelay"`));
    const badType = writeJson(d, 'b.json', { extract: { workers: 'two' } });
    expect(errorOf(() => loadConfig({ configFile: badType }, noEnv))).toMatch(/b\.json: extract\.workers: .*number/);
    const badSince = writeJson(d, 's.json', { crawl: { since: '2024-02-30' } });
    expect(errorOf(() => loadConfig({ configFile: badSince }, noEnv))).toMatch(/crawl\.since: takes a date/);
    const missingStart = writeJson(d, 'm.json', { portals: [{ name: 'x', start: [] }] });
    expect(errorOf(() => loadConfig({ configFile: missingStart }, noEnv))).toMatch(/portals\[0\]\.start: needs at least one start URL/);
  });

  it('a bad NIANBAO_* value is an error naming the variable, not ignored', () => {
    expect(errorOf(() => loadConfig({}, { NIANBAO_DELAY_MS: 'abc' }))).toMatch(/^environment: NIANBAO_DELAY_MS: takes a whole number ≥ 0, not 'abc'/);
    expect(errorOf(() => loadConfig({}, { NIANBAO_WORKERS: '0' }))).toMatch(/NIANBAO_WORKERS/);
    expect(errorOf(() => loadConfig({}, { NIANBAO_PDF_ENGINE: 'pdfium' }))).toMatch(/NIANBAO_PDF_ENGINE: takes mupdf or pdfjs/);
    expect(errorOf(() => loadConfig({}, { NIANBAO_SINCE: '2024-13-01' }))).toMatch(/NIANBAO_SINCE/);
    const c = loadConfig({}, { NIANBAO_DELAY_MS: '250', NIANBAO_CONCURRENCY: '2', NIANBAO_WORKERS: '3', NIANBAO_IGNORE_ROBOTS: '1', NIANBAO_DELAY_UNUSED: 'x' });
    expect(c.crawl).toMatchObject({ perHostDelayMs: 250, perHostConcurrency: 2, respectRobots: false });
    expect(c.extract.workers).toBe(3);
  });

  it('nianbao extract skips the config loader only when it has nothing to read, and its defaults are the loader\'s', () => {
    expect(defaultExtractLimits()).toEqual(loadConfig({}, noEnv).extract);
    expect(onlyDefaults(undefined, noEnv)).toBe(true);
    expect(onlyDefaults(undefined, { PATH: '/bin', NIANBAO_WORKERS: '' })).toBe(true); // '' counts as unset, as in loadConfig
    expect(onlyDefaults(undefined, { NIANBAO_WORKERS: '0' })).toBe(false);
    expect(onlyDefaults(undefined, { NIANBAO_QUEUE: 'localhost:6379' })).toBe(false);
    expect(onlyDefaults('nianbao.json', noEnv)).toBe(false);
  });

  it('precedence: flag > environment > config file > default, the same for every command', () => {
    const d = tmp();
    const cfg = writeJson(d, 'nianbao.json', { dataDir: 'from-file', crawl: { perHostDelayMs: 3000 } });
    expect(loadConfig({ configFile: cfg }, noEnv).dataDir).toBe(path.join(d, 'from-file'));
    expect(loadConfig({ configFile: cfg }, noEnv).crawl.perHostDelayMs).toBe(3000);
    expect(loadConfig({ configFile: cfg }, { NIANBAO_DELAY_MS: '10' }).crawl.perHostDelayMs).toBe(10);
    expect(loadConfig({ configFile: cfg, delayMs: 5 }, { NIANBAO_DELAY_MS: '10' }).crawl.perHostDelayMs).toBe(5);
    const env = { NIANBAO_DATA_DIR: path.join(d, 'from-env') };
    for (const [over, e, want] of [
      [{ configFile: cfg }, noEnv, path.join(d, 'from-file')],
      [{ configFile: cfg }, env, path.join(d, 'from-env')],
      [{ configFile: cfg, dataDir: path.join(d, 'from-flag') }, env, path.join(d, 'from-flag')],
      [{}, noEnv, path.resolve('data')],
    ] as const) {
      expect(resolveDataDir(over, e)).toBe(want);
      expect(loadConfig(over, e).dataDir).toBe(want);
    }
  });

  it('the queue (distributed mode): unset by default; --queue > NIANBAO_QUEUE > config queue.url; bad URLs name the key', () => {
    const d = tmp();
    expect(loadConfig({ dataDir: d }, noEnv).queue).toBeUndefined();
    const cfg = writeJson(d, 'nianbao.json', { dataDir: d, queue: { url: 'redis://from-file:6379', inFlight: 8 } });
    expect(loadConfig({ configFile: cfg }, noEnv).queue).toEqual({ url: 'redis://from-file:6379', inFlight: 8, noWorkerMs: 120_000, backoffMs: 2000 });
    expect(loadConfig({ configFile: cfg }, { NIANBAO_QUEUE: 'redis://env:1', NIANBAO_QUEUE_NO_WORKER_MS: '5000' }).queue).toMatchObject({ url: 'redis://env:1', inFlight: 8, noWorkerMs: 5000 });
    expect(loadConfig({ configFile: cfg, queue: 'rediss://flag:2' }, { NIANBAO_QUEUE: 'redis://env:1' }).queue?.url).toBe('rediss://flag:2');
    expect(errorOf(() => loadConfig({ dataDir: d, queue: 'http://x:6379' }, noEnv))).toMatch(/^--queue: unknown queue scheme 'http:'/);
    expect(errorOf(() => loadConfig({ dataDir: d }, { NIANBAO_QUEUE: 'localhost:6379' }))).toMatch(/NIANBAO_QUEUE/);
    expect(errorOf(() => loadConfig({ dataDir: d }, { NIANBAO_QUEUE_IN_FLIGHT: '0' }))).toMatch(/NIANBAO_QUEUE_IN_FLIGHT/);
    const bad = writeJson(d, 'bad.json', { queue: { url: 'redis://h:1', inflight: 3 } });
    expect(errorOf(() => loadConfig({ configFile: bad }, noEnv))).toMatch(/queue.*inflight/s);
  });

  it('nianbao worker without a queue or without the coordinator\'s store is a usage error (exit 2), never a folder of its own', () => {
    const d = tmp();
    const env = { ...process.env, NIANBAO_QUEUE: '', NIANBAO_STORE: '', NIANBAO_DATA_DIR: d };
    const worker = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'worker', ...args], { cwd: d, env, encoding: 'utf8' });
    const noQueue = worker('--store', `file://${d}/raw`);
    expect(noQueue.status, noQueue.stderr).toBe(2);
    expect(noQueue.stderr).toMatch(/nianbao worker: no queue: give --queue redis:\/\/host:port/);
    const noStore = worker('--queue', 'redis://127.0.0.1:1');
    expect(noStore.status, noStore.stderr).toBe(2);
    expect(noStore.stderr).toMatch(/nianbao worker: no store: give the coordinator's --store/);
    expect(worker('--queue', 'redis://127.0.0.1:1', '--store', `file://${d}/raw`, '--concurrency', '0').stderr).toMatch(/--concurrency takes a whole number ≥ 1, not '0'/);
  });
});

describe('every command finds the data folder alike; export takes the lock', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), ...args], {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      timeout: 120_000,
      env: { ...process.env, NIANBAO_DATA_DIR: '', ...env },
    });

  it('search, status and export read the database of --config, of NIANBAO_DATA_DIR and of --data-dir', () => {
    const d = tmp();
    const dataDir = path.join(d, 'store');
    openDatabase(path.join(dataDir, 'nianbao.sqlite')).close();
    const cfg = writeJson(d, 'nianbao.json', { dataDir: 'store' });
    // An empty database: search runs and finds nothing (exit 1); a wrong folder would be exit 2 "no database".
    const s1 = cli(['search', '--config', cfg, '依申请']);
    expect(s1.stdout + s1.stderr).toContain('no matching reports');
    expect(s1.status).toBe(1);
    const s2 = cli(['status', '--json'], { NIANBAO_DATA_DIR: dataDir });
    expect(s2.status, s2.stderr).toBe(0);
    expect(JSON.parse(s2.stdout).dataDir).toBe(dataDir);
    const e1 = cli(['export', '--config', cfg, '--date', '2025-01-02', '--no-checks']);
    expect(e1.status, e1.stderr).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'snapshots', '2025-01-02', 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'nianbao.lock'))).toBe(false);
    // A bad config is a usage error naming the key, for these commands too.
    const bad = writeJson(d, 'bad.json', { dataDir: 'store', datadir: 'x' });
    const s3 = cli(['search', '--config', bad, 'x']);
    expect(s3.status).toBe(2);
    expect(s3.stderr).toContain('Unrecognized key: "datadir"');
  });

  it('export refuses while a run holds the lock of the data folder', () => {
    const d = tmp();
    openDatabase(path.join(d, 'nianbao.sqlite')).close();
    const lock = acquireLock(d);
    try {
      const r = cli(['export', '--data-dir', d, '--date', '2025-01-03', '--no-checks']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/another nianbao run .* holds/);
      expect(fs.existsSync(path.join(d, 'snapshots', '2025-01-03'))).toBe(false);
    } finally {
      lock.release();
    }
  });
});
