import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { registerBigrams } from './bigrams.ts';
import { MIGRATIONS } from './migrations.ts';

export type DB = Database.Database;

/**
 * Opens (creating if needed) the nianbao database: WAL so readers can query during a nightly
 * write, a busy timeout so concurrent access waits instead of failing with SQLITE_BUSY, and all
 * pending migrations applied.
 */
export function openDatabase(file: string, opts: { readonly?: boolean } = {}): DB {
  if (!opts.readonly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma('busy_timeout = 30000');
  if (!opts.readonly) {
    // 16 KB pages (SQLite's default is 4 KB), for a new file only: SQLite keeps an existing
    // database's page size (changing it in WAL mode takes a VACUUM), so older databases load as
    // before. A report's full text (~15 KB of UTF-8 in real reports) then spans one or two
    // overflow pages instead of four, and each commit writes fewer, larger WAL frames: the load
    // with full text took ~15% less CPU (bench/README.md, "Where the load's time goes"). The
    // price: a small commit (a nightly run's few reports) rewrites index pages four times larger.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // 64 MB of page cache (the default is 2 MB): a run's facts go into two B-trees (fact_values'
    // primary key and fact_values_cell) at as many places as a report has cells; with the default cache
    // those pages spill and are re-read, and loading runs at about half the speed.
    db.pragma('cache_size = -65536');
    migrate(db);
  }
  return db;
}

export function migrate(db: DB): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  // Migrations that rebuild the search index call it.
  if (current < MIGRATIONS[MIGRATIONS.length - 1]!.version) registerBigrams(db);
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

export function nowIso(): string {
  return new Date().toISOString();
}
