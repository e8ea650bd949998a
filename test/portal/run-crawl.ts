/**
 * Runs one crawl in its own process (the kill/resume test SIGKILLs it midway):
 *   node bin/run-script.js test/portal/run-crawl.ts '<json: {db, dataDir, starts, options}>'
 * Prints the CrawlSummary as JSON on the last line.
 */
import path from 'node:path';
import { openDatabase } from '../../store/db.ts';
import { FileRawStore } from '../../store/raw.ts';
import { crawl } from '../../crawler/index.ts';
import type { CrawlOptions } from '../../crawler/options.ts';

const arg = JSON.parse(process.argv[2] ?? '{}') as { db: string; dataDir: string; starts: string[]; options?: CrawlOptions };
const db = openDatabase(arg.db);
const summary = await crawl(db, new FileRawStore(path.join(arg.dataDir, 'raw')), { starts: arg.starts, options: { ...arg.options, log: (l) => process.stderr.write(`${l}\n`) } });
db.close();
process.stdout.write(`${JSON.stringify(summary)}\n`);
