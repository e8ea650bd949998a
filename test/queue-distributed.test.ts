/**
 * Past one machine (issue 16): extraction on `nianbao worker` processes through BullMQ, against
 * real servers on loopback: Debian's redis-server on a free port (test/helpers/redis.ts) and, for
 * the S3 backend, s3rver. The coordinator and the workers are separate processes with separate
 * data folders; they share only Redis and the raw store.
 *
 * - in one process: a document failing on every attempt is stored once as its failure after 3
 *   attempts; a result that arrives twice is stored once;
 * - the sample portal with a file:// store: a worker SIGKILLed while it holds a job, and Redis
 *   killed and restarted during the run: the same facts as a single-machine run, nothing lost or
 *   duplicated;
 * - the sample portal with an s3:// store: with no worker alive the run says so and exits 1, the
 *   documents stay pending; the next run, with two workers, gives the same facts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pendingExtractions, unpackDocument } from '../pipeline/extract-stage.ts';
import { runQueuedExtractStage } from '../pipeline/queue/coordinator.ts';
import { QUEUE_NAME, jobIdFor } from '../pipeline/queue/jobs.ts';
import { startQueueWorker } from '../pipeline/queue/worker.ts';
import { nowIso, openDatabase } from '../store/db.ts';
import { FileRawStore, sha256 } from '../store/raw.ts';
import { EXTRACTOR_VERSION } from '../schema/report.ts';
import { REDIS_INSTALL, RedisServer, freePort, redisServerPresent } from './helpers/redis.ts';
import { toolAvailable } from './helpers/tools.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-queue-'));
const CREDS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
const BIN = path.join(repoRoot, 'bin/nianbao.js');

const present = toolAvailable('redis-server', redisServerPresent, REDIS_INSTALL);

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

/** A nianbao process in its own folder (its cwd and data folder), sharing nothing else but what its flags name. */
function nianbao(name: string, args: string[], env: Record<string, string> = {}): Proc {
  const home = path.join(work, name);
  fs.mkdirSync(home, { recursive: true });
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: {
      ...process.env, ...CREDS, NIANBAO_DATA_DIR: home, NIANBAO_SINCE: '', NIANBAO_STORE: '', NIANBAO_QUEUE: '', NIANBAO_WORKERS: '2',
      NIANBAO_QUEUE_BACKOFF_MS: '200', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = { child, out: '', err: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d) => (p.out += d));
  child.stderr!.on('data', (d) => (p.err += d));
  return p;
}

function summaryOf(p: Proc): Record<string, any> {
  return JSON.parse(p.out.trim().split('\n').pop()!);
}

/** A worker process: --concurrency 1 and a quick stalled check, so a dead worker's job is back within seconds. */
function worker(name: string, queueUrl: string, storeUrl: string): Proc {
  return nianbao(name, ['worker', '--queue', queueUrl, '--store', storeUrl, '--concurrency', '1', '--stalled-ms', '1500', '--json']);
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 60_000, every = 50): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Every fact of every report, keyed by the document's bytes (not by row ids), with whether its report is current. */
function facts(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    return (db.prepare(`SELECT r.sha256, r.agency, r.year, r.is_current, f.tbl, f.row, f.col, f.value, f.page, f.printed FROM facts f JOIN reports r ON r.id = f.report_id`).raw().all() as unknown[][])
      .map((r) => JSON.stringify(r))
      .sort();
  } finally {
    db.close();
  }
}

function dbCounts(dataDir: string) {
  const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
  try {
    const n = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      shas: n(`SELECT COUNT(DISTINCT sha256) FROM documents WHERE sha256 IS NOT NULL`),
      extractions: n(`SELECT COUNT(*) FROM extractions`),
      ok: n(`SELECT COUNT(*) FROM extractions WHERE status != 'failed'`),
      reports: n(`SELECT COUNT(*) FROM reports`),
      pending: pendingExtractions(openDatabaseReadonly(db)).length,
    };
  } finally {
    db.close();
  }
}
const openDatabaseReadonly = (db: Database.Database) => db as unknown as Parameters<typeof pendingExtractions>[0];

const snapshotFacts = (dataDir: string) => fs.readFileSync(path.join(dataDir, 'snapshots', 'latest', 'facts.csv'), 'utf8');

/** A data folder of its own for a test that drives the coordinator in this process: database and file store. */
function unitStore(name: string) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  return { db: openDatabase(path.join(dir, 'nianbao.sqlite')), raw: new FileRawStore(path.join(dir, 'raw')) };
}

let redis: RedisServer;
const running: Proc[] = [];
let baseline: { dir: string; facts: string[]; ms: number };

describe.runIf(present)('distributed extraction (BullMQ on a loopback redis-server)', () => {
  beforeAll(async () => {
    const dir = path.join(work, 'redis');
    fs.mkdirSync(dir);
    redis = await RedisServer.start(dir);
  });

  // A test that fails leaves no process behind: a worker still alive would take the next test's jobs.
  afterEach(async () => {
    const alive = running.splice(0).filter((p) => p.child.exitCode === null);
    for (const p of alive) p.child.kill('SIGKILL');
    await Promise.all(alive.map((p) => p.exited));
  });

  afterAll(async () => {
    await redis?.kill();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('in one process: a document failing on every attempt is its failure after 3 attempts; a result that arrives twice is stored once', async () => {
    const { db, raw } = unitStore('unit');
    const seeds = path.join(repoRoot, 'sample/seeds');
    const good = await raw.put(fs.readFileSync(path.join(seeds, fs.readdirSync(seeds).sort()[0]!)));
    // A PDF cut after its header: nothing can be read from it, on any worker.
    const bad = await raw.put(Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n% cut here'));
    const add = db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename) VALUES (?, 'attachment', 'report', 200, ?, 1, ?, ?, ?)`);
    add.run('http://portal.test/good.txt', good, nowIso(), nowIso(), 'good.txt');
    add.run('http://portal.test/bad.pdf', bad, nowIso(), nowIso(), 'bad.pdf');
    const lines: string[] = [];
    const w = await startQueueWorker({ queueUrl: redis.url, raw, concurrency: 1, stalledMs: 1500, log: (m) => lines.push(m) });
    try {
      const first = await runQueuedExtractStage(db, raw, { url: redis.url, backoffMs: 50, noWorkerMs: 30_000 }, undefined, { maxBytes: 1 << 20 });
      expect(first).toMatchObject({ total: 2, done: 1, failed: 1 });
      const failure = first.failures[0]!;
      expect(failure.sha256).toBe(bad);
      expect(failure.code).not.toMatch(/queue|worker|internal/);
      // Tried on 3 attempts, each failing the same way, then stored once as the document's failure.
      expect(lines.filter((l) => l.startsWith(`failed ${bad.slice(0, 12)}`)).map((l) => l.replace(/attempt \d/, 'attempt n'))).toEqual(Array(3).fill(lines.find((l) => l.startsWith(`failed ${bad.slice(0, 12)}`))!.replace(/attempt \d/, 'attempt n')));
      expect(db.prepare(`SELECT sha256, status, error_code FROM extractions ORDER BY status`).all()).toEqual([
        { sha256: bad, status: 'failed', error_code: failure.code },
        { sha256: good, status: 'ok', error_code: null },
      ]);
      const okRow = db.prepare(`SELECT blocks, extracted_at FROM extractions WHERE sha256 = ?`).get(good) as { blocks: Buffer; extracted_at: string };

      // The same document extracted again (a result arriving twice): a job with its id, done by
      // the worker, sits in Redis when the next run starts. It is collected, not stored again.
      const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue(QUEUE_NAME, { connection: conn });
      await queue.add('extract', { sha256: good, extractorVersion: EXTRACTOR_VERSION, mediaType: null, url: 'http://portal.test/good.txt', filename: 'good.txt', maxBytes: 1 << 20 }, { jobId: jobIdFor(good) });
      await until('the repeated job to complete', async () => (await queue.getJobState(jobIdFor(good))) === 'completed', 30_000);
      const third = await raw.put(Buffer.from(fs.readFileSync(path.join(seeds, fs.readdirSync(seeds).sort()[1]!))));
      add.run('http://portal.test/third.txt', third, nowIso(), nowIso(), 'third.txt');
      const second = await runQueuedExtractStage(db, raw, { url: redis.url, backoffMs: 50, noWorkerMs: 30_000 }, undefined, { maxBytes: 1 << 20 });
      expect(second).toMatchObject({ total: 1, done: 1, failed: 0 });
      expect(second.queue.duplicates).toBe(1);
      expect(db.prepare(`SELECT COUNT(*) FROM extractions`).pluck().get()).toBe(3);
      expect(db.prepare(`SELECT blocks, extracted_at FROM extractions WHERE sha256 = ?`).get(good)).toEqual(okRow);
      // Nothing of ours is left in Redis: every collected job was removed.
      expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: 0, failed: 0, waiting: 0, active: 0 });
      await queue.close();
      await conn.quit();
    } finally {
      await w.stop();
      db.close();
    }
  }, 120_000);

  it('a Redis that does not answer: the stage gives up after noWorkerMs saying why, stores nothing, and the documents stay pending', async () => {
    const { db, raw } = unitStore('unit-no-redis');
    const sha = await raw.put(Buffer.from('<html><body>一份年报</body></html>'));
    db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename) VALUES (?, 'attachment', 'report', 200, ?, 1, ?, ?, ?)`).run('http://portal.test/y.html', sha, nowIso(), nowIso(), 'y.html');
    const nobody = await freePort();
    const t0 = Date.now();
    const counts = await runQueuedExtractStage(db, raw, { url: `redis://127.0.0.1:${nobody}`, noWorkerMs: 1500 }, undefined, { maxBytes: 1 << 20 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(counts).toMatchObject({ total: 1, done: 0, failed: 1 });
    expect(counts.queue.gaveUp).toMatch(new RegExp(`^Redis unreachable for 2 s \\(no answer from Redis for \\d+ s: connect ECONNREFUSED 127.0.0.1:${nobody}\\)$`));
    expect(counts.failures[0]).toMatchObject({ sha256: sha, code: 'queue-unavailable' });
    expect(db.prepare(`SELECT COUNT(*) FROM extractions`).pluck().get()).toBe(0);
    expect(pendingExtractions(db).map((d) => d.sha256)).toEqual([sha]);
    db.close();
  }, 60_000);

  it('sample portal, file:// store, 2 workers: a worker SIGKILLed mid-job and Redis killed and restarted lose nothing and duplicate nothing; facts equal a single-machine run', async () => {
    // The single-machine run: the reference, and it renders the sample documents the others serve.
    const t0 = Date.now();
    const local = nianbao('local', ['run', '--sample', '--json'], { NIANBAO_SAMPLE_PORT: '48951' });
    running.push(local);
    expect(await local.exited, local.err.slice(-3000)).toBe(0);
    baseline = { dir: path.join(work, 'local'), facts: facts(path.join(work, 'local')), ms: Date.now() - t0 };
    expect(baseline.facts.length).toBeGreaterThan(1000);

    const shared = `file://${path.join(work, 'shared-raw')}`;
    const a = worker('worker-a', redis.url, shared);
    const b = worker('worker-b', redis.url, shared);
    running.push(a, b);
    await until('both workers ready', () => /worker ready/.test(a.err) && /worker ready/.test(b.err), 60_000);
    fs.mkdirSync(path.join(work, 'coord'));
    fs.cpSync(path.join(work, 'local', 'sample'), path.join(work, 'coord', 'sample'), { recursive: true });
    const t1 = Date.now();
    const coord = nianbao('coord', ['run', '--sample', '--json', '--queue', redis.url, '--store', shared], { NIANBAO_SAMPLE_PORT: '48952', NIANBAO_QUEUE_NO_WORKER_MS: '60000' });
    running.push(coord);

    // Worker A holds a job (BullMQ records the worker's name, host:pid, on the job it processes): SIGKILL it.
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    const nameA = `${os.hostname()}:${a.child.pid}`;
    let killedJob: { id: string; sha256: string } | undefined;
    // Once the coordinator has seen both workers (it counts them once a second), so that it can say so.
    await until('worker A to hold a job', async () => {
      if (!/2 workers alive/.test(coord.err) && coord.child.exitCode === null) return false;
      for (const job of await queue.getJobs(['active'])) if (job?.processedBy === nameA) killedJob = { id: job.id!, sha256: job.data.sha256 };
      return !!killedJob || coord.child.exitCode !== null;
    }, 120_000, 20);
    expect(killedJob, coord.err.slice(-3000)).toBeDefined();
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    await queue.close();
    await conn.quit();

    // Then Redis crashes (SIGKILL: what its append-only file had not written is gone) and comes back on the same port.
    const left = (coord.err.match(/done (\d+) of (\d+)/g) ?? []).pop();
    await redis.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();

    const code = await coord.exited;
    expect(code, coord.err.slice(-4000)).toBe(0);
    const ms = Date.now() - t1;
    const s = summaryOf(coord);
    const coordDir = path.join(work, 'coord');
    const counts = dbCounts(coordDir);
    // Nothing lost: every document extracted, none pending; nothing duplicated: one row each, same facts.
    expect(s.extract).toMatchObject({ total: counts.shas, done: counts.shas, failed: 0 });
    expect(counts).toEqual(dbCounts(baseline.dir));
    expect(counts.pending).toBe(0);
    expect(facts(coordDir)).toEqual(baseline.facts);
    expect(snapshotFacts(coordDir)).toBe(snapshotFacts(baseline.dir));
    expect(s.queue.workersSeen).toBe(2);
    // The killed job was done by the other worker (or, if Redis lost it, added again by the coordinator).
    const db = new Database(path.join(coordDir, 'nianbao.sqlite'), { readonly: true });
    expect(db.prepare(`SELECT status FROM extractions WHERE sha256 = ?`).pluck().get(killedJob!.sha256)).toBe('ok');
    db.close();
    const recovered = b.err.includes(`job ${killedJob!.id} stalled`) ? 'stalled check of worker B' : coord.err.includes(`job ${killedJob!.id} was lost by Redis`) ? 'coordinator re-added it' : 'retried';
    expect(b.err).toContain(killedJob!.sha256.slice(0, 12));
    // The coordinator saw Redis go and come back, and carried on.
    expect(coord.err).toMatch(/queue: Redis unreachable/);
    expect(coord.err).toMatch(/queue: Redis is back/);

    // SIGTERM: the worker finishes (nothing in hand now) and exits 0.
    b.child.kill('SIGTERM');
    expect(await b.exited, b.err.slice(-2000)).toBe(0);
    expect(b.err).toMatch(/worker stopped/);
    console.log(
      `[queue trial] single machine ${(baseline.ms / 1000).toFixed(1)} s (renders the sample); coordinator + 2 workers ${(ms / 1000).toFixed(1)} s; ` +
        `worker A SIGKILLed holding ${killedJob!.id.slice(0, 20)}… (recovered by: ${recovered}); Redis SIGKILLed and restarted at ${left ?? 'start'}; ` +
        `${s.queue.enqueued} jobs added, ${s.queue.readded} re-added after the Redis loss, ${s.queue.duplicates} duplicate results; ${baseline.facts.length} facts equal`,
    );
  }, 600_000);

  it('in one process: a job Redis lost (flushed, as a restart without its append-only file) is added again; a stopped worker hands its job back', async () => {
    const { db, raw } = unitStore('unit-lost');
    const seeds = path.join(repoRoot, 'sample/seeds');
    const sha = await raw.put(fs.readFileSync(path.join(seeds, fs.readdirSync(seeds).sort()[2]!)));
    db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename) VALUES (?, 'attachment', 'report', 200, ?, 1, ?, ?, ?)`).run('http://portal.test/x.txt', sha, nowIso(), nowIso(), 'x.txt');
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    const lines: string[] = [];
    const stage = runQueuedExtractStage(db, raw, { url: redis.url, backoffMs: 50, noWorkerMs: 30_000 }, { start() {}, retotal() {}, tick() {}, end() {}, log: (m: string) => lines.push(m) }, { maxBytes: 1 << 20 });
    // No worker yet: the job waits in Redis; then Redis loses everything.
    await until('the job to be queued', async () => (await queue.getJobState(jobIdFor(sha))) === 'waiting', 30_000);
    await conn.flushall();
    expect(await queue.getJobState(jobIdFor(sha))).toBe('unknown');
    // inlineMax 1: the result goes back through the store (as a large one would), not through Redis.
    const w = await startQueueWorker({ queueUrl: redis.url, raw, concurrency: 1, stalledMs: 1500, inlineMax: 1 });
    try {
      const counts = await stage;
      expect(counts).toMatchObject({ total: 1, done: 1, failed: 0 });
      expect(counts.queue.readded).toBe(1);
      expect(lines.some((l) => l.includes(`job ${jobIdFor(sha)} was lost by Redis; added again`))).toBe(true);
      const row = db.prepare(`SELECT status, blocks FROM extractions WHERE sha256 = ?`).get(sha) as { status: string; blocks: Buffer };
      expect(row.status).toBe('ok');
      expect(unpackDocument(row.blocks).blocks.length).toBeGreaterThan(10);
      expect(await raw.has(sha256(row.blocks))).toBe(true);
    } finally {
      await w.stop();
    }

    // A worker stopped with no grace while it holds a job hands the job back to the queue.
    // A rendering that takes a while to read (the DOC goes through LibreOffice; else a PDF), from the trial's sample.
    const slow = ['000.doc', '000.pdf'].map((f) => path.join(work, 'local', 'sample', 'documents', f)).find((f) => fs.existsSync(f));
    expect(slow, 'the file-store trial renders the sample first').toBeDefined();
    const slowSha = await raw.put(fs.readFileSync(slow!));
    const w2 = await startQueueWorker({ queueUrl: redis.url, raw, concurrency: 1, stalledMs: 1500, graceMs: 0 });
    await queue.add('extract', { sha256: slowSha, extractorVersion: EXTRACTOR_VERSION, mediaType: null, url: `http://portal.test/${path.basename(slow!)}`, filename: path.basename(slow!), maxBytes: 64 << 20 }, { jobId: jobIdFor(slowSha) });
    await until('worker 2 to take the job', async () => (await queue.getJobState(jobIdFor(slowSha))) === 'active', 30_000, 10);
    await w2.stop();
    expect(w2.stats).toMatchObject({ handedBack: 1, done: 0 });
    expect(['waiting', 'prioritized']).toContain(await queue.getJobState(jobIdFor(slowSha)));
    await queue.obliterate({ force: true });
    await queue.close();
    await conn.quit();
    db.close();
  }, 120_000);

  it('sample portal, s3:// store: with no worker alive the run says so, exits 1 and leaves the documents pending; the next run with 2 workers gives the same facts', async () => {
    expect(baseline, 'the file-store trial renders the sample first').toBeDefined();
    let S3rver;
    try {
      S3rver = (await import('s3rver')).default;
    } catch (e) {
      throw new Error(`the S3 tests need the dev dependency s3rver (npm install): ${(e as Error).message}`);
    }
    fs.mkdirSync(path.join(work, 's3rver'));
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3rver') });
    const addr = await s3.run();
    const endpoint = `http://127.0.0.1:${addr.port}`;
    try {
      const admin = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      await admin.send(new CreateBucketCommand({ Bucket: 'nianbao-raw' }));
      admin.destroy();
      const store = `s3://nianbao-raw/dist?endpoint=${endpoint}&region=us-east-1`;
      const dir = path.join(work, 'coord-s3');
      fs.mkdirSync(dir);
      fs.cpSync(path.join(baseline.dir, 'sample'), path.join(dir, 'sample'), { recursive: true });

      const alone = nianbao('coord-s3', ['run', '--sample', '--queue', redis.url, '--store', store], { NIANBAO_SAMPLE_PORT: '48953', NIANBAO_QUEUE_NO_WORKER_MS: '3000' });
      running.push(alone);
      expect(await alone.exited, alone.err.slice(-3000)).toBe(1);
      expect(alone.out).toMatch(/QUEUE: no worker alive for 3 s; the documents not extracted stay pending for the next run/);
      const before = dbCounts(dir);
      expect(alone.err).toContain(`queue: no worker alive for 3 s; ${before.shas} document(s) left pending for the next run`);
      expect(before).toMatchObject({ extractions: 0, pending: before.shas });
      expect(before.shas).toBe(dbCounts(baseline.dir).shas);

      const w1 = worker('worker-s3-1', redis.url, store);
      const w2 = worker('worker-s3-2', redis.url, store);
      running.push(w1, w2);
      const again = nianbao('coord-s3', ['run', '--sample', '--json', '--queue', redis.url, '--store', store], { NIANBAO_SAMPLE_PORT: '48953', NIANBAO_QUEUE_NO_WORKER_MS: '60000' });
      running.push(again);
      expect(await again.exited, again.err.slice(-3000)).toBe(0);
      const s = summaryOf(again);
      expect(s.extract).toMatchObject({ total: before.shas, done: before.shas, failed: 0 });
      expect(dbCounts(dir)).toEqual(dbCounts(baseline.dir));
      expect(facts(dir)).toEqual(baseline.facts);
      expect(snapshotFacts(dir)).toBe(snapshotFacts(baseline.dir));
      // Both workers took jobs, reading the bytes from the bucket.
      for (const w of [w1, w2]) expect(w.err).toMatch(/"msg":"extracted /);
      for (const w of [w1, w2]) w.child.kill('SIGTERM');
      for (const w of [w1, w2]) expect(await w.exited).toBe(0);
    } finally {
      await s3.close();
    }
  }, 600_000);
});
