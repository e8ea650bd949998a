/**
 * The printed labels seen across the database, for `nianbao labels`: what each row label of the
 * current reports maps to, how often it was seen, and one report that prints it. A maintainer maps
 * the most frequent unknown ones in schema/labels.json or schema/vocabulary.json.
 *
 * The label of a stored fact is read back from its provenance (block, cell row, first value
 * column) in the stored extraction; rows no mapping could parse are in the findings.
 */
import type { DB } from '../store/db.ts';
import { storedExtractionReader } from '../store/extractions.ts';
import { mapping } from '../schema/mappings.ts';

export type LabelStatus = 'mapped' | 'snapped' | 'unknown';

export interface LabelSeen {
  table: string;
  /** The printed label (the row's most specific label cell, whitespace removed). */
  label: string;
  /** The identifier it maps to; null when unknown. */
  identifier: string | null;
  status: LabelStatus;
  /** Current reports printing it. */
  reports: number;
  /** One of them: its id and document URL. */
  example: { reportId: number; url: string | null };
}

interface FactRow {
  report_id: number;
  sha256: string;
  url: string | null;
  tbl: string;
  row: string;
  block: number;
  cell_row: number;
  min_col: number | null;
}

interface TableBlockLike {
  kind: string;
  rows?: string[][];
}

const labelsFile = mapping<{ legacy_stats: { units: string } }>('labels.json');
const UNIT = new RegExp(labelsFile.legacy_stats.units, 'u');
const identifiers = mapping<{ tables: Record<string, { rows?: string[]; variants?: Record<string, Record<string, string[]>> }> }>('identifiers.json').tables;
const knownRows = new Map<string, Set<string>>(
  Object.entries(identifiers).map(([t, v]) => [t, new Set([...(v.rows ?? []), ...Object.values(v.variants ?? {}).flatMap((x) => Object.keys(x))])]),
);

const squeeze = (s: string) => s.replace(/[\s\u3000\u00a0]+/gu, '');

export function labelsSeen(db: DB, opts: { unknownOnly?: boolean } = {}): LabelSeen[] {
  const seen = new Map<string, LabelSeen & { reportIds: Set<number> }>();
  const add = (table: string, label: string, identifier: string | null, status: LabelStatus, reportId: number, url: string | null) => {
    if (!label) return;
    const key = `${table}\u0000${label}\u0000${identifier ?? ''}\u0000${status}`;
    let s = seen.get(key);
    if (!s) seen.set(key, (s = { table, label, identifier, status, reports: 0, example: { reportId, url }, reportIds: new Set() }));
    s.reportIds.add(reportId);
  };

  // Snapped rows, per report: their facts are under the identifier, the finding says they were snapped.
  const snapped = new Set<string>();
  const findings = db
    .prepare(
      `SELECT f.report_id, f.rule, f.message, f.cells, r.document_url AS url FROM findings f JOIN reports r ON r.id = f.report_id
       WHERE r.is_current = 1 AND f.rule IN ('normalize.label_snapped', 'parse.unknown_row')`,
    )
    .all() as { report_id: number; rule: string; message: string; cells: string | null; url: string | null }[];
  for (const f of findings) {
    if (f.rule === 'normalize.label_snapped') {
      for (const c of JSON.parse(f.cells ?? '[]') as string[]) snapped.add(`${f.report_id}.${c.split('.').slice(0, 2).join('.')}`);
    } else {
      // Rows no mapping placed: not parsed, so they have no facts; the finding keeps their labels.
      const m = /^row "(.*)" in the (\w+) table/u.exec(f.message);
      if (m) add(m[2], squeeze(m[1].split(' ').pop() ?? ''), null, 'unknown', f.report_id, f.url);
    }
  }

  const facts = db
    .prepare(
      `SELECT f.report_id, r.sha256, r.document_url AS url, f.tbl, f.row, f.block, f.cell_row, MIN(f.cell_col) AS min_col
       FROM facts f JOIN reports r ON r.id = f.report_id
       WHERE r.is_current = 1 AND f.block IS NOT NULL AND f.cell_row IS NOT NULL
       GROUP BY f.report_id, f.tbl, f.row
       ORDER BY f.report_id`,
    )
    .all() as FactRow[];
  const extraction = storedExtractionReader<{ blocks: TableBlockLike[] }>(db);
  let doc: { id: number; blocks: TableBlockLike[] | null } = { id: -1, blocks: null };
  for (const f of facts) {
    if (doc.id !== f.report_id) {
      doc = { id: f.report_id, blocks: extraction(f.sha256)?.blocks ?? null };
    }
    const cells = doc.blocks?.[f.block]?.rows?.[f.cell_row];
    if (!cells) continue;
    const before = cells.slice(0, f.min_col ?? cells.length).map(squeeze).filter((c) => c && !UNIT.test(c));
    const label = before[before.length - 1] ?? '';
    const known = knownRows.get(f.tbl)?.has(f.row) ?? false;
    const status: LabelStatus = !known ? 'unknown' : snapped.has(`${f.report_id}.${f.tbl}.${f.row}`) ? 'snapped' : 'mapped';
    add(f.tbl, label, known ? f.row : null, status, f.report_id, f.url);
  }

  return [...seen.values()]
    .map(({ reportIds, ...s }) => ({ ...s, reports: reportIds.size }))
    .filter((s) => !opts.unknownOnly || s.status === 'unknown')
    .sort((a, b) => b.reports - a.reports || a.table.localeCompare(b.table) || a.label.localeCompare(b.label));
}
