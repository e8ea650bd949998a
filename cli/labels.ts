/**
 * `nianbao labels [--unknown] [--json]`: the printed row labels seen across the current reports,
 * with counts, the identifier each maps to (or how it was snapped, or that it is unknown) and an
 * example report. Map frequent unknown labels in schema/labels.json; the next run re-normalises.
 */
import path from 'node:path';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('labels')
    .description('printed row labels seen across the database: count, identifier each maps to, an example report')
    .option('--data-dir <dir>', 'data folder (default: $NIANBAO_DATA_DIR or data)')
    .option('--unknown', 'only labels no mapping places')
    .option('--json', 'print JSON')
    .action(async (opts: { dataDir?: string; unknown?: boolean; json?: boolean }) => {
      // Imported when the command runs: registering it (and --help) loads neither.
      const { labelsSeen } = await import('../dataset/labels.ts');
      const { openDatabase } = await import('../store/db.ts');
      const dataDir = opts.dataDir ?? process.env.NIANBAO_DATA_DIR ?? 'data';
      const db = openDatabase(path.join(dataDir, 'nianbao.sqlite'), { readonly: true });
      try {
        const rows = labelsSeen(db, { unknownOnly: opts.unknown });
        if (opts.json) {
          console.log(JSON.stringify(rows, null, 2));
          return;
        }
        if (rows.length === 0) {
          console.log(opts.unknown ? 'no unknown labels' : 'no labels (no current reports with tables)');
          return;
        }
        console.log(['reports', 'table', 'status', 'identifier', 'label', 'example'].join('\t'));
        for (const r of rows)
          console.log([r.reports, r.table, r.status, r.identifier ?? '-', r.label, `#${r.example.reportId} ${r.example.url ?? ''}`.trim()].join('\t'));
      } finally {
        db.close();
      }
    });
}
