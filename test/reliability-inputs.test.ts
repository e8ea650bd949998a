/**
 * Reliability, part 1: the bad-input corpus (scripts/make-bad-inputs.ts). Each file gets its own
 * error code and message — in `nianbao extract --json` and, through the pipeline's extract and
 * normalize stages, in `extractions` and `reports` — in bounded time and memory, and the good
 * files in the same folder still give their facts.
 *
 * OCR is switched off (NIANBAO_OCR=0) so the scanned PDF takes the needs-ocr path it takes on a
 * machine without OCR; the OCR path itself is tested by the OCR suite.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUTS, makeBadInputs } from '../scripts/make-bad-inputs.ts';
import { runExtractStage } from '../pipeline/extract-stage.ts';
import { runNormalizeStage } from '../pipeline/normalize-stage.ts';
import { ExtractPool } from '../pipeline/pool.ts';
import { nowIso, openDatabase, type DB } from '../store/db.ts';
import { FileRawStore } from '../store/raw.ts';
import { repoRoot } from './helpers/expected.ts';

/** Generous per-file bound: every file must fail (or succeed) well within it. */
const PER_FILE_BOUND_MS = 60_000;
/** The pool's per-document limit in these tests. */
const DOC_TIMEOUT_MS = 45_000;

let dir: string;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-bad-'));

beforeAll(async () => {
  process.env.NIANBAO_OCR = '0';
  const t0 = Date.now();
  const r = await makeBadInputs();
  dir = r.dir;
  console.log(`[reliability figures] bad-input corpus: ${r.files.length} files in ${dir} (${r.cached ? 'cached' : 'generated'} in ${Date.now() - t0} ms)`);
}, 120_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('bad inputs: nianbao extract --json', () => {
  it('prints one line per file with its own error code and message, exit 1, the good files read', () => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'extract', '--json', dir], {
      encoding: 'utf8',
      cwd: repoRoot,
      timeout: PER_FILE_BOUND_MS * BAD_INPUTS.length,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NIANBAO_OCR: '0', NIANBAO_DOC_TIMEOUT_MS: String(DOC_TIMEOUT_MS), NIANBAO_WORKERS: '2' },
    });
    const wall = Date.now() - t0;
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; error?: { code: string; message: string }; facts: unknown[]; agency: string | null });
    const byName = new Map(lines.map((l) => [path.basename(l.file), l]));
    expect([...byName.keys()].sort()).toEqual(BAD_INPUTS.map((b) => b.file).sort());
    const table: string[] = [];
    for (const b of BAD_INPUTS) {
      const l = byName.get(b.file)!;
      table.push(`${b.file.padEnd(22)} ${(l.error?.code ?? 'ok').padEnd(17)} ${l.error?.message.slice(0, 110) ?? `${l.facts.length} facts, ${l.agency}`}`);
      if (b.codes === null) {
        expect(l.error, b.file).toBeUndefined();
        expect(l.facts.length, b.file).toBeGreaterThan(100);
      } else {
        expect(b.codes, `${b.file}: ${l.error?.code} ${l.error?.message}`).toContain(l.error?.code);
        // A message that says what is wrong, not a stack trace.
        expect(l.error!.message.length, b.file).toBeGreaterThan(15);
        expect(l.error!.message, b.file).not.toMatch(/\n\s+at /);
      }
    }
    console.log(`[reliability figures] nianbao extract --json over ${lines.length} files: ${wall} ms wall, exit ${r.status}\n  ${table.join('\n  ')}`);
    expect(wall).toBeLessThan(PER_FILE_BOUND_MS * 3);
  }, PER_FILE_BOUND_MS * BAD_INPUTS.length);

  it('the size cap is an option: --max-bytes refuses from the size, without reading', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'extract', '--json', '--max-bytes', '1000', path.join(dir, 'good-report.txt')], {
      encoding: 'utf8',
      cwd: repoRoot,
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    const l = JSON.parse(r.stdout);
    expect(l.error).toEqual({ code: 'too-large', message: expect.stringMatching(/over the 1000-byte limit/) });
  }, 120_000);
});

describe('bad inputs: the pipeline stages store each error with its document', () => {
  let db: DB;
  const shaOf = new Map<string, string>();

  beforeAll(async () => {
    db = openDatabase(path.join(tmp, 'nianbao.sqlite'));
    const raw = new FileRawStore(path.join(tmp, 'raw'));
    const insert = db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename)
      VALUES (?, 'attachment', ?, 200, ?, ?, ?, ?, ?)`);
    for (const b of BAD_INPUTS) {
      const file = path.join(dir, b.file);
      const size = fs.statSync(file).size;
      let sha: string;
      if (size > 32 * 1024 * 1024) {
        // Like a download made with a larger crawl cap: hashed and copied in streaming fashion.
        const h = crypto.createHash('sha256');
        const fd = fs.openSync(file, 'r');
        const buf = Buffer.alloc(1 << 20);
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
        fs.closeSync(fd);
        sha = h.digest('hex');
        fs.mkdirSync(path.dirname(raw.pathFor(sha)), { recursive: true });
        fs.copyFileSync(file, raw.pathFor(sha));
      } else sha = await raw.put(fs.readFileSync(file));
      shaOf.set(b.file, sha);
      insert.run(`https://portal.example.gov.cn/bad/${b.file}`, b.what, sha, size, nowIso(), nowIso(), b.file);
    }
  });

  afterAll(() => db?.close());

  it('records every failure in extractions/reports (error_code, error_message), each within the bound; good files give facts', async () => {
    const pool = new ExtractPool({ workers: 2, timeoutMs: DOC_TIMEOUT_MS, maxHeapMb: 1024 });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const t0 = Date.now();
    let counts;
    try {
      counts = await runExtractStage(db, new FileRawStore(path.join(tmp, 'raw')), pool);
    } finally {
      clearInterval(sampler);
      await pool.close();
    }
    const extractMs = Date.now() - t0;
    const norm = await runNormalizeStage(db);
    expect(counts.total).toBe(BAD_INPUTS.length);
    expect(norm.total).toBe(BAD_INPUTS.length);

    const ext = db.prepare(`SELECT status, error_code, error_message, millis FROM extractions WHERE sha256 = ?`);
    const rep = db.prepare(`SELECT id, format, error_code, error_message FROM reports WHERE sha256 = ? AND is_current = 1`);
    const facts = db.prepare(`SELECT COUNT(*) n FROM facts WHERE report_id = ?`);
    const figures: string[] = [];
    for (const b of BAD_INPUTS) {
      const sha = shaOf.get(b.file)!;
      const e = ext.get(sha) as { status: string; error_code: string | null; error_message: string | null; millis: number };
      const r = rep.get(sha) as { id: number; format: string; error_code: string | null; error_message: string | null } | undefined;
      expect(r, b.file).toBeDefined();
      figures.push(`${b.file.padEnd(22)} extraction ${e.status.padEnd(9)} ${String(e.error_code ?? '-').padEnd(17)} report ${String(r!.error_code ?? '-').padEnd(17)} ${String(e.millis).padStart(6)} ms`);
      expect(e.millis, `${b.file} took ${e.millis} ms`).toBeLessThan(PER_FILE_BOUND_MS);
      if (b.codes === null) {
        expect(r!.error_code, b.file).toBeNull();
        expect((facts.get(r!.id) as { n: number }).n, b.file).toBeGreaterThan(100);
        continue;
      }
      expect(b.codes, `${b.file}: report error ${r!.error_code} ${r!.error_message}`).toContain(r!.error_code);
      expect(r!.error_message?.length ?? 0).toBeGreaterThan(15);
      // Failures of the extraction itself are in extractions too; needs-ocr and tables-missing are
      // read files whose numbers are not there, and a damaged file whose fragment could be read is
      // stored with what was read (status 'damaged'): only the report carries their code.
      if (e.status === 'failed') expect(e.error_code).toBe(r!.error_code);
      else if (e.status === 'damaged') expect(r!.error_code).toBe('damaged');
      else expect(['needs-ocr', 'tables-missing']).toContain(r!.error_code);
      // Never classified from a fragment: no format, no facts.
      if (r!.error_code === 'damaged') {
        expect(r!.format, b.file).toBe('unknown');
        expect((facts.get(r!.id) as { n: number }).n, b.file).toBe(0);
      }
    }
    const failed = BAD_INPUTS.filter((b) => b.codes !== null).length;
    console.log(`[reliability figures] extract stage over the corpus: ${counts.done} extracted, ${counts.failed} failed, ${extractMs} ms (2 workers, ${DOC_TIMEOUT_MS} ms limit per document), peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB; ${failed} inputs with their own error code, ${BAD_INPUTS.length - failed} read\n  ${figures.join('\n  ')}`);
    // The 100 MB file was never read whole nor copied to a worker.
    expect(peakRss).toBeLessThan(2.5 * 2 ** 30);
  }, PER_FILE_BOUND_MS * BAD_INPUTS.length);
});
