/** The extract stage stores what a document is; a run that had no worker for it leaves it pending. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pendingExtractions, runExtractStage } from '../pipeline/extract-stage.ts';
import { ExtractPool } from '../pipeline/pool.ts';
import { nowIso, openDatabase } from '../store/db.ts';
import { FileRawStore } from '../store/raw.ts';
import { seedFile } from './helpers/expected.ts';

describe('extract stage when no worker can start', () => {
  it('stores no failure for the document, counts it as failed in this run, and the next run extracts it', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-stage-'));
    const db = openDatabase(path.join(tmp, 'nianbao.sqlite'));
    const raw = new FileRawStore(path.join(tmp, 'raw'));
    const sha = await raw.put(fs.readFileSync(seedFile('000')));
    db.prepare(`INSERT INTO documents (url, kind, title, http_status, sha256, size, first_seen, last_seen, filename)
      VALUES ('https://portal.example.gov.cn/a.txt', 'attachment', 'report', 200, ?, 1, ?, ?, 'a.txt')`).run(sha, nowIso(), nowIso());
    try {
      // A 4 MB heap cannot load the worker: every start fails with out-of-memory.
      const starved = new ExtractPool({ workers: 1, maxHeapMb: 4 });
      const first = await runExtractStage(db, raw, starved).finally(() => starved.close());
      expect(first.failed).toBe(1);
      expect(first.failures[0]).toMatchObject({ sha256: sha, code: 'worker-unavailable' });
      expect(db.prepare('SELECT COUNT(*) FROM extractions').pluck().get()).toBe(0);
      expect(pendingExtractions(db).map((d) => d.sha256)).toEqual([sha]);

      const pool = new ExtractPool({ workers: 1 });
      const second = await runExtractStage(db, raw, pool).finally(() => pool.close());
      expect(second).toMatchObject({ total: 1, done: 1, failed: 0 });
      expect(db.prepare('SELECT status FROM extractions WHERE sha256 = ?').pluck().get(sha)).toBe('ok');
    } finally {
      db.close();
    }
  });
});
