/**
 * Reliability, part 3: concurrency. A separate reader process queries the database in a loop
 * (report_summary, facts, documents, extractions) during a full `nianbao run --sample`, from the
 * moment the first stage starts to the end of the run: it must see no error at all (no
 * SQLITE_BUSY), and the run must not fail because of it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/expected.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-readers-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('concurrency: a reader during a full run', () => {
  it('queries in a loop during the whole run and sees 0 errors', async () => {
    const dataDir = path.join(work, 'data');
    const config = path.join(work, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ crawl: { browser: false } }));
    const t0 = Date.now();
    const runner = spawn(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'run', '--sample', '--data-dir', dataDir, '--config', config, '--delay-ms', '0', '--json'], {
      cwd: repoRoot,
      env: { ...process.env, NIANBAO_SAMPLE_KINDS: 'html,portal,docx', NIANBAO_WORKERS: '2', NIANBAO_OCR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let reader: ReturnType<typeof spawn> | undefined;
    let readerOut = '';
    let stdout = '';
    let stderr = '';
    runner.stdout.on('data', (c) => (stdout += c));
    runner.stderr.on('data', (c: Buffer) => {
      stderr += c;
      // Migrations are done once a stage starts: from then on the schema is there to query.
      if (!reader && stderr.includes('"stage-start"')) {
        reader = spawn(process.execPath, [path.join(repoRoot, 'bin/run-script.js'), 'test/helpers/reliability-reader.ts', path.join(dataDir, 'nianbao.sqlite')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
        reader.stdout!.on('data', (d) => (readerOut += d));
      }
    });
    const code = await new Promise<number | null>((r) => runner.on('exit', r));
    expect(reader, stderr.slice(-2000)).toBeDefined();
    const readerDone = new Promise((r) => reader!.on('exit', r));
    reader!.kill('SIGTERM');
    await readerDone;
    const wall = Date.now() - t0;
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const stats = JSON.parse(readerOut.trim()) as { queries: number; errors: number; messages: string[] };
    console.log(`[reliability figures] concurrency: reader ran ${stats.queries} queries during a ${wall} ms run (${summary.status}); reader errors ${stats.errors}${stats.messages.length ? `: ${stats.messages.join(' | ')}` : ''}`);
    expect(code).toBeLessThanOrEqual(1); // 1: the challenge column is a recorded per-URL failure without Chromium
    expect(summary.status).not.toBe('failed');
    expect(stats.errors, stats.messages.join('\n')).toBe(0);
    expect(stats.queries).toBeGreaterThan(100);
    expect(stderr).not.toMatch(/SQLITE_BUSY|database is locked/);
    // The run's summary counts the findings across reports that the run left in the database.
    const db = new Database(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
    const cross = db.prepare(`SELECT COUNT(*) FROM findings WHERE rule LIKE 'cross.%'`).pluck().get();
    db.close();
    expect(summary.normalize.crossFindings).toBe(cross);
  }, 15 * 60_000);
});
