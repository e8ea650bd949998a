/**
 * changes.csv: what changed since the previous snapshot. A report of the previous snapshot (its
 * summary.csv: sha256 + parser version) is followed through superseded_by to today's current
 * report: the same one (unchanged, not listed), a newer one ('replaced': new parser version, new
 * rendering, or republished file, with the facts that changed), or none ('withdrawn'). A report is
 * also withdrawn when its portal was crawled since (a finished crawl saw other documents of that
 * portal) and its page was not seen again: no longer listed. Today's current reports reached from
 * no previous one are 'added'.
 */
import type { DB } from '../store/db.ts';
import { readCsvRows } from './csv.ts';

export type ChangeKind = 'added' | 'replaced' | 'withdrawn';

export interface Change {
  change: ChangeKind;
  reason: string;
  reportId: number | null;
  previousReportId: number | null;
  agency: string | null;
  year: number | null;
  divisionCode: string | null;
  format: string | null;
  sha256: string | null;
  previousSha256: string | null;
  parserVersion: string | null;
  previousParserVersion: string | null;
  factsChanged: number | null;
  changedFacts: string | null;
  sourceUrl: string | null;
}

export interface ChangeSet {
  previous: string | null;
  counts: Record<ChangeKind, number>;
  /** Replaced and withdrawn reports, then the added ones (read again from the database as they are iterated: a first snapshot of a million reports adds a million). */
  changes: Iterable<Change>;
}

// The columns a change row needs (never the text: it is most of a report row's bytes).
const REPORT_COLUMNS = 'id, sha256, parser_version, agency, year, division_code, format, is_current, superseded_by, source_url, document_url, portal';

interface ReportRow {
  id: number;
  sha256: string;
  parser_version: string;
  agency: string | null;
  year: number | null;
  division_code: string | null;
  format: string;
  is_current: number;
  superseded_by: number | null;
  source_url: string | null;
  document_url: string | null;
  portal: string | null;
}

const FACTS_LISTED = 30;

/** `previousSummary`: the path of the previous snapshot's summary.csv, or null for the first snapshot. */
export function computeChanges(db: DB, previousSummary: string | null, previousName: string | null = null): ChangeSet {
  const byKey = db.prepare(`SELECT ${REPORT_COLUMNS} FROM reports WHERE sha256 = ? AND parser_version = ?`);
  const byId = db.prepare(`SELECT ${REPORT_COLUMNS} FROM reports WHERE id = ?`);
  const facts = db.prepare('SELECT tbl, row, col, value FROM facts WHERE report_id = ?');
  const changes: Change[] = [];
  const reached = new Set<number>();

  // The last finished crawl, and per portal whether it saw anything: a portal it did not visit says nothing of its reports.
  const crawl = db.prepare(`SELECT started_at FROM crawl_runs WHERE status IN ('ok', 'partial') ORDER BY id DESC LIMIT 1`).pluck().get() as string | undefined;
  const portalSeen = db.prepare('SELECT 1 FROM documents WHERE portal = ? AND last_seen >= ? LIMIT 1').pluck();
  const pageSeen = db.prepare('SELECT MAX(last_seen) FROM documents WHERE url = ? OR final_url = ?').pluck();
  const unlisted = (r: ReportRow): boolean => {
    if (!crawl || !r.portal || !r.source_url || !portalSeen.get(r.portal, crawl)) return false;
    const seen = pageSeen.get(r.source_url, r.source_url) as string | null;
    return seen !== null && seen < crawl;
  };

  const row = (r: ReportRow | undefined, prev: ReportRow | { sha256: string; parser_version: string; id: number | null; agency: string | null; year: number | null } | null, change: ChangeKind, reason: string, diff?: { n: number; text: string }): Change => ({
    change,
    reason,
    reportId: r?.id ?? null,
    previousReportId: prev?.id ?? null,
    agency: r?.agency ?? prev?.agency ?? null,
    year: r?.year ?? prev?.year ?? null,
    divisionCode: r?.division_code ?? (prev && 'division_code' in prev ? prev.division_code : null),
    format: r?.format ?? (prev && 'format' in prev ? prev.format : null),
    sha256: change === 'withdrawn' ? null : r?.sha256 ?? null,
    previousSha256: prev?.sha256 ?? null,
    parserVersion: change === 'withdrawn' ? null : r?.parser_version ?? null,
    previousParserVersion: prev?.parser_version ?? null,
    factsChanged: diff?.n ?? null,
    changedFacts: diff?.text ?? null,
    sourceUrl: r?.source_url ?? (prev && 'source_url' in prev ? prev.source_url : null),
  });

  if (previousSummary) {
    const rows = readCsvRows(previousSummary);
    const head = rows.next().value as string[] | undefined;
    const col = (name: string) => head!.indexOf(name);
    const [iId, iSha, iPv, iAgency, iYear] = ['report_id', 'sha256', 'parser_version', 'agency', 'year'].map(col);
    for (const l of head ? rows : []) {
      if (l.length < head!.length) continue;
      const prev = byKey.get(l[iSha!], l[iPv!]) as ReportRow | undefined;
      if (!prev) {
        const p = { sha256: l[iSha!]!, parser_version: l[iPv!]!, id: Number(l[iId!]) || null, agency: l[iAgency!] || null, year: Number(l[iYear!]) || null };
        changes.push(row(undefined, p, 'withdrawn', 'not in this database'));
        continue;
      }
      let cur = prev;
      for (let guard = 0; !cur.is_current && cur.superseded_by !== null && guard < 64; guard++) cur = byId.get(cur.superseded_by) as ReportRow;
      if (!cur.is_current) {
        changes.push(row(undefined, prev, 'withdrawn', 'no current report replaces it'));
        continue;
      }
      reached.add(cur.id);
      if (unlisted(cur)) {
        changes.push(row(undefined, prev, 'withdrawn', 'no longer listed: its page was not seen by the last crawl of its portal'));
        continue;
      }
      if (cur.id === prev.id) continue;
      const reason = cur.sha256 === prev.sha256 ? `new parser version ${prev.parser_version} → ${cur.parser_version}` : cur.document_url === prev.document_url ? 'republished: new file at the same address' : 'new rendering: another file of the report tells more';
      changes.push(row(cur, prev, 'replaced', reason, diffFacts(facts.all(prev.id) as FactRow[], facts.all(cur.id) as FactRow[])));
    }
  }
  const unmatched = previousSummary ? 'new since the previous snapshot' : 'first snapshot';
  const counts = { added: 0, replaced: 0, withdrawn: 0 };
  for (const c of changes) counts[c.change]++;
  // Every report reached is current: the others are the added ones.
  counts.added = (db.prepare('SELECT COUNT(*) FROM reports WHERE is_current = 1').pluck().get() as number) - reached.size;
  const current = db.prepare(`SELECT ${REPORT_COLUMNS} FROM reports WHERE is_current = 1 ORDER BY id`);
  function* all(): Generator<Change> {
    yield* changes;
    for (const r of current.iterate() as Iterable<ReportRow>) if (!reached.has(r.id)) yield row(r, null, 'added', unmatched);
  }
  return { previous: previousName, counts, changes: { [Symbol.iterator]: all } };
}

interface FactRow {
  tbl: string;
  row: string;
  col: string;
  value: number | null;
}

function diffFacts(before: FactRow[], after: FactRow[]): { n: number; text: string } {
  const key = (f: FactRow) => `${f.tbl}.${f.row}.${f.col}`;
  const old = new Map(before.map((f) => [key(f), f.value]));
  const now = new Map(after.map((f) => [key(f), f.value]));
  const out: string[] = [];
  for (const [k, v] of now) if (!old.has(k) || old.get(k) !== v) out.push(`${k}: ${old.has(k) ? old.get(k) ?? 'blank' : 'absent'} → ${v ?? 'blank'}`);
  for (const [k, v] of old) if (!now.has(k)) out.push(`${k}: ${v ?? 'blank'} → absent`);
  return { n: out.length, text: out.slice(0, FACTS_LISTED).join('; ') + (out.length > FACTS_LISTED ? `; … ${out.length - FACTS_LISTED} more` : '') };
}
