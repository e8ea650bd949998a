/** The `runs` table's SQL (store/runs.ts) on a real SQLite database. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/db.ts';
import { finishRun, markInterruptedRuns, recentRuns, startRun } from '../store/runs.ts';

describe('store/runs', () => {
  it('starts, finishes and lists runs; runs left running are marked interrupted', () => {
    const db = openDatabase(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-runs-')), 'nianbao.sqlite'));
    try {
      const a = startRun(db, 'run', '2025-01-01T00:00:00.000Z');
      const b = startRun(db, 'crawl', '2025-01-02T00:00:00.000Z');
      finishRun(db, '2025-01-02T00:05:00.000Z', 'partial', JSON.stringify({ crawl: { new: 3 } }), JSON.stringify({ byKind: { 'crawl:http': 1 } }), b);
      const c = startRun(db, 'run', '2025-01-03T00:00:00.000Z');
      // Under the lock, a and c are still 'running': killed runs.
      expect(markInterruptedRuns(db)).toEqual([a, c]);
      expect(markInterruptedRuns(db)).toEqual([]);
      const runs = recentRuns(db, 2);
      expect(runs.map((r) => r.id)).toEqual([c, b]);
      expect(runs[0]).toMatchObject({ command: 'run', status: 'interrupted', ended_at: null });
      expect(runs[1]).toMatchObject({ command: 'crawl', status: 'partial', ended_at: '2025-01-02T00:05:00.000Z' });
      expect(JSON.parse(runs[1]!.counts!)).toEqual({ crawl: { new: 3 } });
      expect(JSON.parse(runs[1]!.errors!).byKind).toEqual({ 'crawl:http': 1 });
    } finally {
      db.close();
    }
  });
});
