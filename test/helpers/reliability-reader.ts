/**
 * A reader process for the concurrency test: opens the database read-only the way a user's tool
 * would (store/db.ts, busy timeout) and queries it in a loop until it gets SIGTERM, then prints
 * {queries, errors, messages} as JSON.
 *   node bin/run-script.js test/helpers/reliability-reader.ts <database file>
 */
import { openDatabase } from '../../store/db.ts';

const file = process.argv[2]!;
let queries = 0;
let errors = 0;
const messages: string[] = [];
let stop = false;
process.on('SIGTERM', () => (stop = true));

const db = openDatabase(file, { readonly: true });
const sql = [
  `SELECT year, format, COUNT(*) AS reports, SUM(applications_received) AS received FROM report_summary GROUP BY year, format`,
  `SELECT COUNT(*) AS n FROM facts f JOIN reports r ON r.id = f.report_id WHERE r.is_current = 1`,
  `SELECT COUNT(*) AS n FROM documents`,
  `SELECT status, COUNT(*) AS n FROM extractions GROUP BY status`,
];
while (!stop) {
  for (const q of sql) {
    try {
      db.prepare(q).all();
      queries++;
    } catch (e) {
      errors++;
      if (messages.length < 20) messages.push(`${(e as { code?: string }).code ?? ''} ${(e as Error).message}`);
    }
  }
  // Yield so SIGTERM is seen; a tight loop is the point (as many reads as possible during the run).
  await new Promise((r) => setImmediate(r));
}
db.close();
process.stdout.write(JSON.stringify({ queries, errors, messages }) + '\n');
