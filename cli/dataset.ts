/**
 * Dataset subcommands: `nianbao export` (dated snapshot) and `nianbao search` (full text).
 * The database is <data-dir>/nianbao.sqlite, as written by `nianbao run`; the data folder comes
 * from --data-dir, NIANBAO_DATA_DIR or the dataDir of --config, like every command. `export`
 * takes the run lock, so it never writes a snapshot while a run changes the database.
 */
import type { Command } from 'commander';
import { acquireLock, LockedError } from '../pipeline/lock.ts';
import { existingDatabase } from './run.ts';

// SQLite, the checks and the exporters are imported when a command runs, so registering the
// commands (and --help) loads none of them.

export function register(program: Command): void {
  program
    .command('export')
    .description('write a dated snapshot data/snapshots/YYYY-MM-DD/ (CSV, Parquet, datapackage.json, index.html, manifest.json)')
    .option('--data-dir <dir>', 'data folder; env NIANBAO_DATA_DIR')
    .option('--config <file>', 'config file (JSON): its dataDir')
    .option('--date <YYYY-MM-DD>', 'snapshot date (default: today)')
    .option('--no-checks', 'do not recompute the cross-report findings first')
    .action(async (opts: { dataDir?: string; config?: string; date?: string; checks: boolean }) => {
      const found = await existingDatabase(opts, 'export');
      if (!found) return;
      const { dataDir, database } = found;
      let lock;
      try {
        lock = acquireLock(dataDir);
      } catch (e) {
        if (!(e instanceof LockedError)) throw e;
        console.error(`nianbao export: ${e.message}`);
        process.exitCode = 2;
        return;
      }
      const { openDatabase } = await import('../store/db.ts');
      const { runCrossReportChecks } = await import('../dataset/checks.ts');
      const { exportSnapshot } = await import('../dataset/export.ts');
      const db = openDatabase(database);
      try {
        if (opts.checks) {
          const c = runCrossReportChecks(db);
          process.stderr.write(
            `cross-report checks: ${c.carryOverMismatches} carry-over mismatches, ${c.duplicates} duplicates, ${c.renamesLinked} renames linked, ${c.missingYears} missing years\n`,
          );
        }
        const started = Date.now();
        const { dir, files } = await exportSnapshot(db, {
          dataDir,
          date: opts.date,
          onFile: (f) => process.stderr.write(`  wrote ${f}\n`),
        });
        for (const f of files) {
          console.log(`${f.path.padEnd(22)} ${String(f.rows ?? '').padStart(10)} rows ${String(f.bytes).padStart(12)} bytes  ${f.sha256}`);
        }
        console.log(`snapshot ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } finally {
        db.close();
        lock.release();
      }
    });

  program
    .command('search')
    .description('full-text search of the current reports (Chinese: any 1+ character term)')
    .argument('<query...>', 'terms; a report must contain all of them')
    .option('--data-dir <dir>', 'data folder; env NIANBAO_DATA_DIR')
    .option('--config <file>', 'config file (JSON): its dataDir')
    .option('-n, --limit <n>', 'maximum results', '20')
    .option('--json', 'print JSON')
    .action(async (query: string[], opts: { dataDir?: string; config?: string; limit: string; json?: boolean }) => {
      const found = await existingDatabase(opts, 'search');
      if (!found) return;
      const { openDatabase } = await import('../store/db.ts');
      const { searchReports } = await import('../dataset/search.ts');
      const db = openDatabase(found.database, { readonly: true });
      try {
        const hits = searchReports(db, query.join(' '), { limit: Number(opts.limit) });
        if (opts.json) {
          console.log(JSON.stringify(hits, null, 2));
          return;
        }
        if (hits.length === 0) {
          console.log('no matching reports');
          process.exitCode = 1;
          return;
        }
        for (const h of hits) {
          console.log(`#${h.reportId}  ${h.agency ?? '(agency unknown)'}  ${h.year ?? ''}  ${h.title ?? ''}`);
          console.log(`    ${h.snippet}`);
        }
      } finally {
        db.close();
      }
    });
}
