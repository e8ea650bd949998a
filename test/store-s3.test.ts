/**
 * The raw store behind one interface (issue 16, part 1), against a real S3-compatible server on
 * loopback: s3rver (MinIO is not installable here), started on a free 127.0.0.1 port in its own
 * temporary folder. The S3 API is never mocked: every call goes over HTTP, signed with SigV4 and
 * checked by s3rver (its fixed account: S3RVER / S3RVER).
 *
 * - the interface (put / get / has / size, idempotent put, missing key) on both backends;
 * - the store URL and its config (--store, NIANBAO_STORE, config `store`), errors naming the key;
 * - a whole `nianbao run --sample` with `--store s3://…` gives the same facts as one with the
 *   default file store, and leaves no raw/ folder in its data folder.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../pipeline/config.ts';
import { STORE_UNAVAILABLE, pendingExtractions, runExtractStage } from '../pipeline/extract-stage.ts';
import { ExtractPool } from '../pipeline/pool.ts';
import { nowIso, openDatabase } from '../store/db.ts';
import { openRawStore } from '../store/open.ts';
import { FileRawStore, RawMissingError, sha256, type RawStore } from '../store/raw.ts';
import { parseStoreUrl } from '../store/store-url.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-store-s3-'));
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
const BUCKET = 'nianbao-raw';

let server: import('s3rver').default | undefined;
let endpoint = '';
let admin: S3Client;
/** PUTs the server received (s3rver emits an ObjectCreated event per stored object). */
let puts: string[] = [];
const storeUrl = (prefix: string) => `s3://${BUCKET}/${prefix}?endpoint=${endpoint}&region=us-east-1`;

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const r = await admin.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) keys.push(o.Key!);
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

beforeAll(async () => {
  Object.assign(process.env, CREDS);
  let S3rver;
  try {
    S3rver = (await import('s3rver')).default;
  } catch (e) {
    throw new Error(`the S3 store tests need the dev dependency s3rver (npm install): ${(e as Error).message}`);
  }
  const dir = path.join(work, 's3rver');
  fs.mkdirSync(dir);
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
  server.on('event', (e: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
    for (const r of e.Records) if (r.eventName.startsWith('ObjectCreated')) puts.push(r.s3.object.key);
  });
  admin = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  admin?.destroy();
  await server?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const backends: [string, () => Promise<RawStore>][] = [
  ['file', async () => openRawStore(`file://${path.join(work, 'file-store')}`)],
  ['s3', async () => openRawStore(storeUrl('unit'))],
];

describe.each(backends)('raw store interface: %s backend', (name, open) => {
  it('put gives the sha256 and stores the bytes; get, has and size read them back; a second put is a no-op', async () => {
    const store = await open();
    try {
      const seed = fs.readFileSync(path.join(repoRoot, 'sample/seeds', fs.readdirSync(path.join(repoRoot, 'sample/seeds')).sort()[0]!));
      const bytes = Buffer.concat([seed, Buffer.from(`\n${name}`)]);
      const empty = Buffer.alloc(0);
      puts = [];
      const hash = await store.put(bytes);
      expect(hash).toBe(sha256(bytes));
      expect(await store.has(hash)).toBe(true);
      expect(await store.size(hash)).toBe(bytes.length);
      expect((await store.get(hash)).equals(bytes)).toBe(true);
      // Idempotent: the same bytes give the same key and nothing is uploaded again.
      expect(await store.put(Buffer.from(bytes))).toBe(hash);
      const emptyHash = await store.put(empty);
      expect(emptyHash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect((await store.get(emptyHash)).length).toBe(0);
      if (name === 's3') {
        expect(puts).toEqual([`unit/${hash}`, `unit/${emptyHash}`]);
        // Content-addressed keys: <prefix>/<sha256>.
        expect(await listKeys('unit/')).toEqual([`unit/${hash}`, `unit/${emptyHash}`].sort());
      } else {
        expect(fs.existsSync(path.join(work, 'file-store', hash.slice(0, 2), hash))).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it('a missing key: has false, size undefined, get rejects with RawMissingError; a bad key is refused', async () => {
    const store = await open();
    try {
      const absent = sha256(Buffer.from(`never stored ${name} ${Date.now()}`));
      expect(await store.has(absent)).toBe(false);
      expect(await store.size(absent)).toBeUndefined();
      const err = await store.get(absent).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RawMissingError);
      expect((err as RawMissingError).hash).toBe(absent);
      await expect(store.get('../../etc/passwd')).rejects.toThrow(/not a sha256/);
    } finally {
      await store.close();
    }
  });
});

describe('S3 store errors', () => {
  it('an unknown access key is an error, not a missing key', async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = 'NOBODY';
    const store = await openRawStore(storeUrl('unit'));
    try {
      const err = await store.get(sha256(Buffer.from('x'))).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(RawMissingError);
      expect((err as Error).message).toMatch(/GET unit\/[0-9a-f]{64} failed \(HTTP 403\): InvalidAccessKeyId/);
      await expect(store.put(Buffer.from('y'))).rejects.toThrow(/HEAD unit\/[0-9a-f]{64} failed \(HTTP 403\)/);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
      await store.close();
    }
  });
});

describe('extract stage on the S3 store', () => {
  it('reads the bytes from the bucket; an unreachable store leaves the document pending, a missing key is its failure', async () => {
    const dir = path.join(work, 'stage');
    fs.mkdirSync(dir);
    const db = openDatabase(path.join(dir, 'nianbao.sqlite'));
    const good = await openRawStore(storeUrl('stage'));
    // An endpoint where nothing listens: a port that was free a moment ago.
    const deadPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dead = await openRawStore(`s3://${BUCKET}/stage?endpoint=http://127.0.0.1:${deadPort}`);
    const seeds = path.join(repoRoot, 'sample/seeds');
    const seed = path.join(seeds, fs.readdirSync(seeds).sort()[0]!);
    const sha = await good.put(fs.readFileSync(seed));
    const absent = sha256(Buffer.from('bytes that were never uploaded'));
    const add = db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename)
      VALUES (?, 'attachment', 'report', 200, ?, 1, ?, ?, ?)`);
    add.run('https://portal.example.gov.cn/a.txt', sha, nowIso(), nowIso(), path.basename(seed));
    add.run('https://portal.example.gov.cn/b.txt', absent, nowIso(), nowIso(), 'b.txt');
    const pool = new ExtractPool({ workers: 1 });
    try {
      const down = await runExtractStage(db, dead, pool);
      expect(down.failures.map((f) => f.code).sort()).toEqual([STORE_UNAVAILABLE, STORE_UNAVAILABLE]);
      expect(down.failures[0]!.message).toMatch(/raw store s3:\/\/nianbao-raw\/stage .*HEAD stage\//);
      expect(db.prepare('SELECT COUNT(*) FROM extractions').pluck().get()).toBe(0);
      expect(pendingExtractions(db).map((d) => d.sha256).sort()).toEqual([sha, absent].sort());

      const up = await runExtractStage(db, good, pool);
      expect(up).toMatchObject({ total: 2, done: 1, failed: 1 });
      expect(up.failures[0]).toMatchObject({ sha256: absent, code: 'missing-raw' });
      expect(db.prepare('SELECT sha256, status, error_code FROM extractions ORDER BY status').all()).toEqual(
        [{ sha256: absent, status: 'failed', error_code: 'missing-raw' }, { sha256: sha, status: 'ok', error_code: null }],
      );
    } finally {
      await pool.close();
      await good.close();
      await dead.close();
      db.close();
    }
  }, 120_000);
});

describe('store URL and config', () => {
  it('parses file and s3 URLs; path-style with an endpoint, virtual-hosted without or with style=virtual', () => {
    expect(parseStoreUrl('file:///srv/nianbao/raw')).toEqual({ kind: 'file', root: '/srv/nianbao/raw' });
    expect(parseStoreUrl('shared/raw', '/mnt')).toEqual({ kind: 'file', root: '/mnt/shared/raw' });
    expect(parseStoreUrl('s3://nb-raw/a/b/?endpoint=http://127.0.0.1:9000&region=cn-north-1')).toEqual({
      kind: 's3', bucket: 'nb-raw', prefix: 'a/b', endpoint: 'http://127.0.0.1:9000', region: 'cn-north-1', forcePathStyle: true,
    });
    expect(parseStoreUrl('s3://nb-raw')).toMatchObject({ kind: 's3', prefix: '', forcePathStyle: false });
    expect(parseStoreUrl('s3://nb-raw/x?endpoint=https://oss-cn-hangzhou.aliyuncs.com&style=virtual')).toMatchObject({ forcePathStyle: false, prefix: 'x' });
    expect(() => parseStoreUrl('ftp://x/y')).toThrow(/unknown store scheme 'ftp:'/);
    expect(() => parseStoreUrl('s3://B_ad/x')).toThrow(/not a valid bucket name/);
    expect(() => parseStoreUrl('s3://nb-raw/x?endpoint=127.0.0.1:9000')).toThrow(/endpoint/);
    expect(() => parseStoreUrl('s3://nb-raw/x?bucket=y')).toThrow(/unknown parameter\(s\) bucket/);
    expect(() => parseStoreUrl('file://host/x')).toThrow(/absolute path/);
  });

  it('--store > NIANBAO_STORE > config store > <dataDir>/raw; bad values are errors naming the key', () => {
    const dataDir = path.join(work, 'cfg-data');
    const cfg = path.join(work, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify({ dataDir, portals: [], store: 'blobs' }));
    expect(loadConfig({ dataDir }, {}).store).toEqual({ kind: 'file', root: path.join(dataDir, 'raw') });
    expect(loadConfig({ configFile: cfg }, {}).store).toEqual({ kind: 'file', root: path.join(work, 'blobs') });
    expect(loadConfig({ configFile: cfg }, { NIANBAO_STORE: 's3://env-bucket/p' }).store).toMatchObject({ kind: 's3', bucket: 'env-bucket', prefix: 'p' });
    expect(loadConfig({ configFile: cfg, store: 'file:///flag' }, { NIANBAO_STORE: 's3://env-bucket/p' }).store).toEqual({ kind: 'file', root: '/flag' });
    expect(() => loadConfig({ dataDir }, { NIANBAO_STORE: 'gs://b/p' })).toThrow(ConfigError);
    expect(() => loadConfig({ dataDir }, { NIANBAO_STORE: 'gs://b/p' })).toThrow(/NIANBAO_STORE/);
    fs.writeFileSync(cfg, JSON.stringify({ dataDir, portals: [], store: 's3://nb-x/y?nope=1' }));
    expect(() => loadConfig({ configFile: cfg }, {})).toThrow(/store.*unknown parameter/s);
    expect(() => loadConfig({ dataDir, store: 'gs://b' }, {})).toThrow(/--store/);
  });
});

/** One `nianbao run --sample` as a separate process; its summary (JSON) and wall time. */
function runSample(dataDir: string, extra: string[]): Promise<{ code: number | null; summary: Record<string, unknown> | undefined; ms: number; stderr: string }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'run', '--sample', '--data-dir', dataDir, '--json', ...extra], {
    cwd: repoRoot,
    env: { ...process.env, ...CREDS, NIANBAO_SAMPLE_PORT: '48900', NIANBAO_SINCE: '', NIANBAO_STORE: '', NIANBAO_WORKERS: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      let summary;
      try {
        summary = JSON.parse(stdout.trim().split('\n').pop()!);
      } catch {
        summary = undefined;
      }
      resolve({ code, summary, ms: Date.now() - t0, stderr });
    }),
  );
}

/** The current reports' facts, keyed by the document's bytes (not by row ids). */
function facts(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT r.sha256, r.agency, r.year, f.tbl, f.row, f.col, f.value, f.page, f.printed FROM facts f JOIN reports r ON r.id = f.report_id WHERE r.is_current = 1`,
        )
        .raw()
        .all() as unknown[][]
    )
      .map((r) => JSON.stringify(r))
      .sort();
  } finally {
    db.close();
  }
}

function distinctShas(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    return (db.prepare(`SELECT DISTINCT sha256 FROM documents WHERE sha256 IS NOT NULL ORDER BY sha256`).all() as { sha256: string }[]).map((r) => r.sha256);
  } finally {
    db.close();
  }
}

describe('nianbao run --sample with --store s3://…', () => {
  it('gives the same facts as the default file store, with every document in the bucket and no raw/ folder', async () => {
    const fileDir = path.join(work, 'run-file');
    const s3Dir = path.join(work, 'run-s3');
    // Default store first; it renders the sample documents, which the S3 run serves too (same bytes).
    const render = await runSample(path.join(work, 'run-render'), []);
    expect(render.code, render.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    for (const d of [fileDir, s3Dir]) {
      fs.mkdirSync(d);
      fs.cpSync(path.join(work, 'run-render', 'sample'), path.join(d, 'sample'), { recursive: true });
    }
    const a = await runSample(fileDir, []);
    expect(a.code, a.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    puts = [];
    const b = await runSample(s3Dir, ['--store', storeUrl('sample-run')]);
    expect(b.code, b.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    expect(b.code).toBe(a.code);
    expect((b.summary?.outputs as { store?: string }).store).toBe(`s3://${BUCKET}/sample-run (${endpoint})`);
    expect((a.summary?.outputs as { store?: string }).store).toBe(`file://${path.join(fileDir, 'raw')}`);

    const want = facts(fileDir);
    const got = facts(s3Dir);
    expect(want.length).toBeGreaterThan(100);
    expect(got).toEqual(want);
    // Every stored document is in the bucket under its sha256, and only there.
    const shas = distinctShas(s3Dir);
    expect(shas).toEqual(distinctShas(fileDir));
    expect(await listKeys('sample-run/')).toEqual(shas.map((h) => `sample-run/${h}`));
    expect(puts.length).toBe(shas.length);
    expect(fs.existsSync(path.join(s3Dir, 'raw'))).toBe(false);
    // The snapshot's facts file is the same too.
    const csv = (d: string) => fs.readFileSync(path.join(d, 'snapshots', 'latest', 'facts.csv'), 'utf8');
    expect(csv(s3Dir)).toBe(csv(fileDir));

    // A second run on the S3 store is incremental: nothing uploaded again, nothing to extract.
    puts = [];
    const c = await runSample(s3Dir, ['--store', storeUrl('sample-run')]);
    expect(c.code, c.stderr.slice(-3000)).toBeLessThanOrEqual(1);
    expect(puts).toEqual([]);
    expect((c.summary?.extract as { total: number } | undefined)?.total).toBe(0);
    expect(facts(s3Dir)).toEqual(want);

    const bytes = shas.reduce((n, h) => n + fs.statSync(path.join(fileDir, 'raw', h.slice(0, 2), h)).size, 0);
    console.log(
      `[store figures] sample run (documents rendered beforehand): file store ${(a.ms / 1000).toFixed(1)} s, s3 store (s3rver on loopback) ${(b.ms / 1000).toFixed(1)} s, second s3 run ${(c.ms / 1000).toFixed(1)} s; ` +
        `${shas.length} objects (${(bytes / 1024).toFixed(0)} KiB) in the bucket; ${want.length} facts equal`,
    );
  }, 900_000);
});
