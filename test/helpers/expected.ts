/**
 * Expected-output fixtures: hand-written compact tables (row → values in official column order)
 * expanded to facts, and facts turned into comparable sorted lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedDir = process.env.NIANBAO_SHARED ?? path.resolve(repoRoot, '../shared');
const identifiers = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema/identifiers.json'), 'utf8'));

export interface ExpectedReport {
  format: string;
  year: number | null;
  agency: string | null;
  facts: { table: string; row: string; col: string; value: number | null }[];
}

export function loadCompactExpected(file: string): ExpectedReport {
  const e = JSON.parse(fs.readFileSync(file, 'utf8'));
  const facts: ExpectedReport['facts'] = [];
  for (const [table, rows] of Object.entries(e.tables as Record<string, Record<string, (number | null)[]>>)) {
    for (const [row, values] of Object.entries(rows)) {
      const cols = columnsFor(table, row, e.format, values.length);
      if (cols.length !== values.length) throw new Error(`${file}: ${table}.${row} has ${values.length} values, expected ${cols.length}`);
      cols.forEach((col, i) => facts.push({ table, row, col, value: values[i] }));
    }
  }
  return { format: e.format, year: e.year, agency: e.agency, facts };
}

function columnsFor(table: string, row: string, format: string, n: number): string[] {
  const t = identifiers.tables[table];
  if (table === 'proactive') return t.variants[format][row];
  if (table === 'legacy_stats') return n === 2 ? ['value', 'cumulative'] : ['value'];
  if (table === 'narrative') return ['value'];
  return t.cols;
}

export const factLines = (facts: { table: string; row: string; col: string; value: number | null }[]) =>
  facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort();

/** Seeds shipped in the repo (sample/seeds) or, failing that, ../shared/seeds. */
export function seedsDir(): string {
  const local = path.join(repoRoot, 'sample/seeds');
  return fs.existsSync(local) && fs.readdirSync(local).some((f) => f.endsWith('.txt')) ? local : path.join(sharedDir, 'seeds');
}

export function seedFile(id: string): string {
  const dir = seedsDir();
  const name = fs.readdirSync(dir).find((f) => f.startsWith(`${id}_`) && f.endsWith('.txt'));
  if (!name) throw new Error(`seed ${id} not found in ${dir}`);
  return path.join(dir, name);
}
