/**
 * The `runs` table: one row per whole command (`nianbao run`, `crawl`, `extract --stored`,
 * `normalize`), written by the pipeline under the run lock. Its SQL lives here, with the store.
 */
import type { DB } from './db.ts';

export type RunStatus = 'running' | 'ok' | 'partial' | 'failed' | 'interrupted';

export interface RunRow {
  id: number;
  command: string;
  started_at: string;
  ended_at: string | null;
  status: string;
  /** JSON per stage. */
  counts: string | null;
  /** JSON: fatal error, failures by kind, failed URLs and documents. */
  errors: string | null;
}

/**
 * Runs still 'running' when a new one starts under the lock were killed: mark them 'interrupted'
 * and return their ids (oldest first).
 */
export function markInterruptedRuns(db: DB): number[] {
  return db.transaction(() => {
    const ids = (db.prepare(`SELECT id FROM runs WHERE status = 'running' ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
    if (ids.length) db.prepare(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`).run();
    return ids;
  })();
}

/** A new run row, 'running'; returns its id. */
export function startRun(db: DB, command: string, startedAt: string): number {
  return Number(db.prepare(`INSERT INTO runs (command, started_at, status) VALUES (?, ?, 'running')`).run(command, startedAt).lastInsertRowid);
}

/** Close a run row: end time, final status, counts and errors (JSON texts), in the columns' order. */
export function finishRun(db: DB, endedAt: string, status: RunStatus, counts: string, errors: string, id: number): void {
  db.prepare(`UPDATE runs SET ended_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?`).run(endedAt, status, counts, errors, id);
}

/** The last runs, newest first, for `nianbao status`. */
export function recentRuns(db: DB, limit = 10): RunRow[] {
  return db.prepare(`SELECT id, command, started_at, ended_at, status, counts, errors FROM runs ORDER BY id DESC LIMIT ?`).all(limit) as RunRow[];
}
