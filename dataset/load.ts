/**
 * Loads a normalised ReportResult into SQLite.
 *
 * A report row is identified by (sha256, parser_version):
 * - the same document through the same parser again changes nothing ('unchanged');
 * - the same document through a newer parser (re-normalisation without re-crawling) gets a new row
 *   that takes over the old row's place: current if the old one was ('replaced');
 * - a different document for the same agency + year + source page is a republication (corrected
 *   file): it becomes current and the previous one is kept as history ('replaced');
 * - anything else is a new current report ('new').
 * History rows keep is_current = 0 and superseded_by → the row that replaced them (follow the chain
 * to the current one). Only current reports are in the full-text index: the loader queues them
 * and indexes the queue in one pass at the end of the load (dataset/search.ts indexPending).
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { nowIso, type DB } from '../store/db.ts';
import { parseReportResult, type ReportResult, type Fact, type Finding } from '../schema/report.ts';
import { upsertAgency, type Region } from './agency.ts';
import { indexPending, indexReport, unindexReport } from './search.ts';
import { PLACE_UNRESOLVED, placeFinding, resolveAgency, type Placement } from '../places/gazetteer.ts';

export interface LoadContext {
  /** The file the facts came from. */
  documentUrl?: string | null;
  /** The article page that published it: with agency + year, what identifies a republication. */
  sourceUrl?: string | null;
  portal?: string | null;
  region?: Region | null;
}

/**
 * 'alternate': another rendering of a report already current (the same article's HTML page and
 * its PDF attachment, say) that carries no more information: stored, not current.
 */
export type LoadStatus = 'new' | 'unchanged' | 'replaced' | 'alternate';
export interface LoadOutcome {
  reportId: number;
  status: LoadStatus;
  /**
   * Agencies whose reports changed (the report's agency, and the agencies of the reports it
   * replaced): the scope of the cross-report checks after an incremental load. Empty when unchanged.
   */
  agencies: number[];
}

/**
 * Compares dotted numeric versions (1.10.0 > 1.9.2); non-numeric parts compare as strings. Build
 * metadata after '+' (the mapping hash of PARSER_VERSION) has no precedence, as in semver.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('+')[0].split('.');
  const pb = b.split('+')[0].split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

interface ReportRow {
  id: number;
  sha256: string;
  parser_version: string;
  is_current: number;
  superseded_by: number | null;
  source_url: string | null;
  document_url: string | null;
  portal: string | null;
}

interface Statements {
  bySha: (sha: string, pv: string) => ReportRow | undefined;
  versionsOfSha: (sha: string) => ReportRow[];
  currentInSlot: (agencyId: number, year: number, sourceUrl: string, sha: string) => number[];
  factLines: (reportId: number) => string[];
  documentUrlOf: (reportId: number) => string | null;
  agencyOf: (reportId: number) => number | null;
  insertReport: (...args: unknown[]) => number;
  supersede: (by: number, id: number) => void;
  dropText: (id: number) => void;
  /** Inserts a new report's facts; returns the table.row.col of those given more than once (the first is kept). */
  insertFacts: (reportId: number, facts: Fact[]) => string[];
  forgetCells: () => void;
  insertFinding: (...args: unknown[]) => void;
}

/** Facts per INSERT statement (9 parameters each; SQLite allows 32,766). */
const FACT_ROWS = 64;

const cache = new WeakMap<DB, Statements>();

function statements(db: DB): Statements {
  let s = cache.get(db);
  if (s) return s;
  const bySha = db.prepare('SELECT * FROM reports WHERE sha256 = ? AND parser_version = ?');
  const versions = db.prepare('SELECT * FROM reports WHERE sha256 = ? ORDER BY id'); // ties keep load order
  const slot = db
    .prepare('SELECT id FROM reports WHERE agency_id = ? AND year = ? AND source_url = ? AND is_current = 1 AND sha256 <> ?')
    .pluck();
  const insReport = db.prepare(
    `INSERT INTO reports (sha256, document_url, source_url, portal, agency_id, agency, year, format, format_reason, title,
       media_type, parser_version, extracted_at, is_current, superseded_by, error_code, error_message, text,
       division_code, province, city, county, agency_level, agency_kind)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const supersede = db.prepare('UPDATE reports SET is_current = 0, superseded_by = ? WHERE id = ?');
  const factRows = db.prepare('SELECT tbl, row, col, value FROM facts WHERE report_id = ?');
  const documentUrlOf = db.prepare('SELECT document_url FROM reports WHERE id = ?').pluck();
  const agencyOf = db.prepare('SELECT agency_id FROM reports WHERE id = ?').pluck();
  const dropText = db.prepare('UPDATE reports SET text = NULL WHERE id = ?');
  // Facts go in FACT_ROWS to a statement: a call per fact cost about as much again as SQLite's own
  // insert (binding, stepping and resetting a statement from JS), and a report has ~170 facts.
  // (Migration 14 took the foreign key off fact_values: with it, SQLite journals every page a
  // many-row INSERT touches, and these were slower than one row at a time.) A statement per row
  // count, prepared on first use (at most FACT_ROWS of them per connection). OR IGNORE, as ON
  // CONFLICT DO NOTHING was: no row is a conflict (repeated cells are skipped below).
  const factCols = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
  const insFacts = new Map<number, Database.Statement<unknown[]>>();
  const factsStatement = (rows: number) => {
    let st = insFacts.get(rows);
    if (!st) {
      st = db.prepare(
        `INSERT OR IGNORE INTO fact_values (report_id, cell_id, value, page, block, cell_row, cell_col, printed, confidence)
         VALUES ${Array(rows).fill(factCols).join(', ')}`,
      );
      insFacts.set(rows, st);
    }
    return st;
  };
  const insCell = db.prepare('INSERT INTO fact_cells (tbl, row, col) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const cellId = db.prepare('SELECT id FROM fact_cells WHERE tbl = ? AND row = ? AND col = ?').pluck();
  const insFinding = db.prepare(
    'INSERT INTO findings (report_id, rule, severity, message, cells, expected, printed) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // (table, row, col) → fact_cells.id, within one transaction: a rollback (ours or a caller's)
  // would take the ids it inserted with it. Nested by table, row and column rather than keyed by
  // a joined string: a report's ~170 lookups then build no string each.
  const cellIds = new Map<string, Map<string, Map<string, number>>>();
  const cellIdOf = (table: string, row: string, col: string): number => {
    let rows = cellIds.get(table);
    if (!rows) cellIds.set(table, (rows = new Map()));
    let cols = rows.get(row);
    if (!cols) rows.set(row, (cols = new Map()));
    let id = cols.get(col);
    if (id === undefined) {
      insCell.run(table, row, col);
      id = cellId.get(table, row, col) as number;
      cols.set(col, id);
    }
    return id;
  };
  // The report whose facts last used each cell id: a cell met again for the same report is one
  // given twice (a Set per report cost as much as the lookups).
  // -1: no report (report ids start at 1).
  let lastReportOfCell = new Float64Array(1024).fill(-1);
  // The parameters of a full statement, reused: FACT_ROWS facts, 9 parameters each.
  const full: unknown[] = new Array(FACT_ROWS * 9);

  s = {
    bySha: (sha, pv) => bySha.get(sha, pv) as ReportRow | undefined,
    versionsOfSha: (sha) => versions.all(sha) as ReportRow[],
    currentInSlot: (a, y, u, sha) => slot.all(a, y, u, sha) as number[],
    factLines: (id) => (factRows.all(id) as { tbl: string; row: string; col: string; value: number | null }[]).map((f) => factLine(f.tbl, f.row, f.col, f.value)),
    documentUrlOf: (id) => (documentUrlOf.get(id) as string | null) ?? null,
    agencyOf: (id) => (agencyOf.get(id) as number | null) ?? null,
    insertReport: (...args) => Number(insReport.run(...args).lastInsertRowid),
    supersede: (by, id) => void supersede.run(by, id),
    dropText: (id) => void dropText.run(id),
    insertFacts: (reportId, facts) => {
      const duplicates: string[] = [];
      // Filled in place and run as individual arguments (better-sqlite3 binds an argument list
      // faster than one array); the last, partial statement gets a copy of its length.
      const params = full;
      let p = 0;
      for (const f of facts) {
        const id = cellIdOf(f.table, f.row, f.col);
        if (id >= lastReportOfCell.length) {
          const grown = new Float64Array(Math.max(id + 1, lastReportOfCell.length * 2)).fill(-1);
          grown.set(lastReportOfCell);
          lastReportOfCell = grown;
        }
        // The report is new: a cell it already has is one given twice in this result.
        if (lastReportOfCell[id] === reportId) {
          duplicates.push(`${f.table}.${f.row}.${f.col}`);
          continue;
        }
        lastReportOfCell[id] = reportId;
        const src = f.source;
        params[p] = reportId;
        params[p + 1] = id;
        params[p + 2] = f.value;
        if (src) {
          params[p + 3] = src.page ?? null;
          params[p + 4] = src.block ?? null;
          params[p + 5] = src.cellRow ?? null;
          params[p + 6] = src.cellCol ?? null;
          params[p + 7] = src.text;
        } else {
          params[p + 3] = params[p + 4] = params[p + 5] = params[p + 6] = params[p + 7] = null;
        }
        params[p + 8] = f.confidence ?? null;
        p += 9;
        if (p === params.length) {
          const st = factsStatement(FACT_ROWS);
          st.run.apply(st, params);
          p = 0;
        }
      }
      if (p > 0) {
        const st = factsStatement(p / 9);
        st.run.apply(st, params.slice(0, p));
      }
      return duplicates;
    },
    forgetCells: () => {
      cellIds.clear();
      lastReportOfCell.fill(-1);
    },
    insertFinding: (...args) => void insFinding.run(...args),
  };
  cache.set(db, s);
  return s;
}

function insertFindings(st: Statements, reportId: number, findings: Finding[]): void {
  for (const f of findings) {
    st.insertFinding(reportId, f.rule, f.severity, f.message, JSON.stringify(f.cells ?? []), f.expected ?? null, f.printed ?? null);
  }
}

function load(db: DB, result: ReportResult, ctx: LoadContext): LoadOutcome {
  const st = statements(db);
  const existing = st.bySha(result.sha256, result.parserVersion);
  if (existing) return { reportId: existing.id, status: 'unchanged', agencies: [] };

  // Other parser versions of the same document: a re-normalisation. Where it was found is
  // inherited, so stored documents can be re-normalised without the crawl context.
  const versions = st.versionsOfSha(result.sha256).sort((a, b) => compareVersions(a.parser_version, b.parser_version));
  const prior = versions[versions.length - 1];
  const sourceUrl = ctx.sourceUrl ?? prior?.source_url ?? null;
  const documentUrl = ctx.documentUrl ?? prior?.document_url ?? null;
  const portal = ctx.portal ?? prior?.portal ?? null;
  const place = placeReport(result, ctx, sourceUrl, documentUrl);
  const region = place.region ? { province: place.region.province, city: place.region.city, county: place.region.county } : ctx.region;
  const agencyId = result.agency ? upsertAgency(db, result.agency, region, portal, place.region?.code) : null;

  let isCurrent = true;
  let supersededBy: number | null = null;
  let replaces: number[] = [];
  let parserUpgrade = false;
  let alternate = false;
  if (prior) {
    // Same precedence, other mapping hash: a mapping edit, and this run's mappings are the current ones.
    if (compareVersions(result.parserVersion, prior.parser_version) >= 0) {
      if (prior.is_current) {
        replaces = [prior.id];
        parserUpgrade = true;
      } else {
        // The document itself was superseded by a republication: stays history under any parser.
        isCurrent = false;
        supersededBy = prior.superseded_by;
      }
    } else {
      // An older parser than one already loaded (a rollback run): stored, never current.
      isCurrent = false;
      supersededBy = prior.id;
    }
  } else if (sourceUrl && agencyId !== null && result.year !== null) {
    replaces = st.currentInSlot(agencyId, result.year, sourceUrl, result.sha256);
    // The same page may publish one report twice (HTML text and a PDF attachment). New bytes at
    // the same document URL are a republication; a different document of the same page is an
    // alternate rendering, current only if it tells more (more printed numbers) or differs (a
    // corrected file under a new name).
    const alternateOf = replaces.find((id) => st.documentUrlOf(id) !== documentUrl);
    if (alternateOf !== undefined && !tellsMore(result.facts, st.factLines(alternateOf))) {
      replaces = [];
      isCurrent = false;
      supersededBy = alternateOf;
      alternate = true;
    }
  }

  const reportId = st.insertReport(
    result.sha256,
    documentUrl,
    sourceUrl,
    portal,
    agencyId,
    result.agency,
    result.year,
    result.format,
    result.formatReason ?? null,
    result.title,
    result.mediaType,
    result.parserVersion,
    nowIso(),
    isCurrent ? 1 : 0,
    supersededBy,
    result.error?.code ?? null,
    result.error?.message ?? null,
    result.text ?? null,
    place.region?.code ?? null,
    place.region?.province ?? null,
    place.region?.city ?? null,
    place.region?.county ?? null,
    place.level,
    place.kind,
  );

  for (const old of replaces) {
    unindexReport(db, old);
    st.supersede(reportId, old);
    // Same bytes, newer parser: the raw document stays in data/raw, so the old copy of the text
    // is redundant and would double the database on every parser bump.
    if (parserUpgrade) st.dropText(old);
  }

  const duplicates = st.insertFacts(reportId, result.facts);
  // The loader knows the host and the portal: a place found through them replaces the
  // document-only answer, and its place.unresolved finding goes with it.
  const findings = result.findings.filter((f) => f.rule !== PLACE_UNRESOLVED);
  const unplaced = placeFinding(place, result.agency);
  if (unplaced) findings.push(unplaced);
  if (duplicates.length > 0) {
    findings.push({
      rule: 'load.duplicate_fact',
      severity: 'warning',
      message: `${duplicates.length} cell(s) given more than once; the first value was kept: ${duplicates.slice(0, 10).join(', ')}`,
      cells: duplicates,
    });
  }
  insertFindings(st, reportId, findings);
  if (isCurrent) indexReport(db, reportId);
  const agencies = new Set<number>(agencyId === null ? [] : [agencyId]);
  for (const old of replaces) {
    const a = st.agencyOf(old);
    if (a !== null) agencies.add(a);
  }
  return { reportId, status: alternate ? 'alternate' : replaces.length > 0 ? 'replaced' : 'new', agencies: [...agencies] };
}

/**
 * The agency's place: the normalize stage's answer when it found one, else resolved again with
 * what only the loader knows (the host of the page and document, the portal's declared region).
 */
function placeReport(result: ReportResult, ctx: LoadContext, sourceUrl: string | null, documentUrl: string | null): Placement {
  if (result.region) return { region: result.region, level: result.agencyLevel ?? null, kind: result.agencyKind ?? null, evidence: 'document' };
  const host = [sourceUrl, documentUrl].map((u) => {
    try {
      return u ? new URL(u).hostname : null;
    } catch {
      return null;
    }
  }).find((h) => h && !/^(\d+\.){3}\d+$|^localhost$/.test(h));
  return resolveAgency({ agency: result.agency, title: result.title, paragraphs: result.text?.split('\n'), host, portal: ctx.region });
}

/** A new rendering replaces the current one when it prints more numbers, or the same number of different ones. */
const factLine = (table: string, row: string, col: string, value: number | null) => `${table}.${row}.${col}=${value ?? 'null'}`;

function tellsMore(facts: Fact[], currentLines: string[]): boolean {
  const lines = facts.map((f) => factLine(f.table, f.row, f.col, f.value));
  const printed = (ls: string[]) => ls.filter((l) => !l.endsWith('=null')).length;
  if (printed(lines) !== printed(currentLines)) return printed(lines) > printed(currentLines);
  const current = new Set(currentLines);
  return lines.length !== currentLines.length || lines.some((l) => !current.has(l));
}

export type ReportInput = z.input<typeof ReportResult>;

/** Loads one report in its own transaction (a savepoint inside a caller's transaction), indexed for search. */
export function loadReport(db: DB, result: ReportInput, ctx: LoadContext = {}): LoadOutcome {
  const parsed = parseReportResult(result);
  return inTransaction(db, () => {
    const outcome = load(db, parsed, ctx);
    indexPending(db);
    return outcome;
  });
}

/**
 * Reports per loadReports call in a run. Every commit rewrites the index pages the batch touched
 * (a report touches one page per cell key), so larger batches write less: 500 loads ~20% faster
 * than 100, and a killed run redoes at most one batch from the stored extractions.
 */
export const LOAD_BATCH = 500;

export interface LoadOptions {
  /**
   * Leave the new current reports queued for the full-text index (fts_pending) instead of
   * indexing them before returning; the caller runs indexPending() once after its last batch (the
   * normalize stage does). Default false: searchable on return.
   */
  deferIndex?: boolean;
}

/** Loads many reports in one transaction: the fast path for a whole run. */
export function loadReports(db: DB, items: Array<{ result: ReportInput; ctx?: LoadContext }>, opts: LoadOptions = {}): LoadOutcome[] {
  // Each report is validated just before it is loaded (a failure rolls the whole batch back):
  // the validated copy of its ~200 facts dies young instead of living through the batch.
  return inTransaction(db, () => {
    const outcomes = items.map((i) => load(db, parseReportResult(i.result), i.ctx ?? {}));
    if (!opts.deferIndex) indexPending(db);
    return outcomes;
  });
}

function inTransaction<T>(db: DB, f: () => T): T {
  const st = statements(db);
  try {
    return db.transaction(f).immediate();
  } finally {
    st.forgetCells();
  }
}
