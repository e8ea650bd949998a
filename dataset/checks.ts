/**
 * Checks across reports, stored as findings with rules `cross.*`. They depend on the set of current
 * reports of an agency (through agency_canonical, so a renamed agency is one agency here), so
 * runCrossReportChecks recomputes them (delete + insert): for every agency, or, after an
 * incremental load, for the agencies whose reports changed (the normalize stage passes the
 * agencies its load touched), so a nightly run's checks cost what its new reports cost.
 */
import type { DB } from '../store/db.ts';
import { defaultRenames, linkAgencyRenames, type AgencyRename } from './agency.ts';

export const CROSS_RULES = {
  carryOver: 'cross.carry_over_mismatch',
  duplicate: 'cross.duplicate_report',
  renamed: 'cross.agency_renamed',
  missingYear: 'cross.missing_year',
} as const;

// Current reports with a known agency and year, keyed by the agency's latest name: a temporary
// table indexed on (agency, year), so pairing reports is a lookup, not a scan per report.
const CURRENT_TABLE = `
  DROP TABLE IF EXISTS temp.cross_current;
  CREATE TEMP TABLE cross_current (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, sha256 TEXT NOT NULL, agency INTEGER NOT NULL);
  CREATE INDEX temp.cross_current_agency_year ON cross_current(agency, year);`;
const CURRENT_ALL = `
  INSERT INTO temp.cross_current
    SELECT r.id, r.year, r.sha256, COALESCE(ac.canonical_id, r.agency_id)
    FROM reports r LEFT JOIN agency_canonical ac ON ac.agency_id = r.agency_id
    WHERE r.is_current = 1 AND r.agency_id IS NOT NULL AND r.year IS NOT NULL;`;
// The same for the agencies in temp.cross_scope (agency → its latest name), through the reports' agency index.
const CURRENT_SCOPE = `
  INSERT INTO temp.cross_current
    SELECT r.id, r.year, r.sha256, s.canonical_id
    FROM temp.cross_scope s CROSS JOIN reports r ON r.agency_id = s.agency_id
    WHERE r.is_current = 1 AND r.year IS NOT NULL;`;

/**
 * The agencies given, with every agency that is one agency with them through renames (up the
 * renamed_to chain to the latest name, then down to every earlier name), each → its latest name.
 */
function renameGroups(db: DB, agencies: Iterable<number>): Map<number, number> {
  const up = db.prepare('SELECT renamed_to FROM agencies WHERE id = ?').pluck();
  const down = db.prepare('SELECT id FROM agencies WHERE renamed_to = ?').pluck();
  const out = new Map<number, number>();
  const canonicals = new Set<number>();
  for (const a of agencies) {
    let c = a;
    const seen = new Set<number>([a]);
    // A cycle in renamed_to has no latest name (agency_canonical yields no row): the agency stands alone.
    for (let next = up.get(c) as number | null; next !== null && next !== undefined; next = up.get(c) as number | null) {
      if (seen.has(next) || seen.size > 32) {
        c = a;
        break;
      }
      seen.add(next);
      c = next;
    }
    if (c === a && up.get(a) != null) out.set(a, a);
    else canonicals.add(c);
  }
  for (const c of canonicals) {
    const queue = [c];
    for (let k = 0; k < queue.length && k < 1024; k++) {
      const id = queue[k]!;
      if (out.has(id)) continue;
      out.set(id, c);
      for (const earlier of down.all(id) as number[]) queue.push(earlier);
    }
  }
  return out;
}

export interface CrossCheckCounts {
  renamesLinked: number;
  carryOverMismatches: number;
  duplicates: number;
  /** Years without a current report between an agency's first and last (one finding per year). */
  missingYears: number;
}

export interface CrossCheckOptions {
  renames?: AgencyRename[];
  /**
   * Check only these agencies (and the agencies one with them through renames): the agencies an
   * incremental load touched (LoadOutcome.agencies). Default: every agency. Renames are linked,
   * and their findings written, for the whole table either way (there are few).
   */
  agencies?: Iterable<number>;
}

/** Recomputes the cross-report findings; returns the counts of the whole table. */
export function runCrossReportChecks(db: DB, opts: CrossCheckOptions = {}): CrossCheckCounts {
  const renames = opts.renames ?? defaultRenames();
  const insert = db.prepare(
    'INSERT INTO findings (report_id, rule, severity, message, cells, expected, printed) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return db
    .transaction((): CrossCheckCounts => {
      const linkedBefore = opts.agencies ? (db.prepare('SELECT id, renamed_to FROM agencies WHERE renamed_to IS NOT NULL').raw().all() as number[][]).flat() : [];
      const links = linkAgencyRenames(db, renames);
      db.exec(CURRENT_TABLE);
      if (opts.agencies) {
        // A link made or undone changes its agencies' checks too.
        const scope = renameGroups(db, new Set([...opts.agencies, ...linkedBefore, ...links.flatMap((l) => [l.fromId, l.toId])]));
        db.exec('DROP TABLE IF EXISTS temp.cross_scope; CREATE TEMP TABLE cross_scope (agency_id INTEGER PRIMARY KEY, canonical_id INTEGER NOT NULL)');
        const add = db.prepare('INSERT INTO temp.cross_scope VALUES (?, ?)');
        for (const [a, c] of scope) add.run(a, c);
        db.prepare(
          `DELETE FROM findings WHERE rule IN ('${CROSS_RULES.carryOver}', '${CROSS_RULES.duplicate}', '${CROSS_RULES.missingYear}')
             AND report_id IN (SELECT r.id FROM temp.cross_scope s CROSS JOIN reports r ON r.agency_id = s.agency_id)`,
        ).run();
        db.prepare(`DELETE FROM findings WHERE rule = '${CROSS_RULES.renamed}'`).run();
        db.exec(CURRENT_SCOPE);
        db.exec('DROP TABLE temp.cross_scope');
      } else {
        db.prepare(`DELETE FROM findings WHERE rule LIKE 'cross.%'`).run();
        db.exec(CURRENT_ALL);
      }

      // What an agency carried forward at the end of year N is what it carried over into N+1
      // (FORMATS.md, applications 四、 vs 二、). Reported on the later report.
      const pairs = db
        .prepare(
          // CROSS JOIN fixes the order: pairs through the (agency, year) index, then each fact by primary key.
          `SELECT p.id AS prev_id, p.year AS prev_year, n.id AS next_id, n.year AS next_year,
                  fp.value AS carried_forward, fn.value AS carried_over
           FROM temp.cross_current p
           CROSS JOIN temp.cross_current n ON n.agency = p.agency AND n.year = p.year + 1
           CROSS JOIN facts fp ON fp.report_id = p.id AND fp.tbl = 'applications' AND fp.row = 'carried_forward' AND fp.col = 'total'
           CROSS JOIN facts fn ON fn.report_id = n.id AND fn.tbl = 'applications' AND fn.row = 'carried_over' AND fn.col = 'total'
           WHERE fp.value IS NOT NULL AND fn.value IS NOT NULL AND fp.value <> fn.value
           ORDER BY n.id, p.id`,
        )
        .all() as Array<{ prev_id: number; prev_year: number; next_id: number; next_year: number; carried_forward: number; carried_over: number }>;
      for (const p of pairs) {
        insert.run(
          p.next_id,
          CROSS_RULES.carryOver,
          'warning',
          `applications.carried_over.total of ${p.next_year} is ${p.carried_over}, but report ${p.prev_id} (${p.prev_year}) carried forward ${p.carried_forward}`,
          JSON.stringify(['applications.carried_over.total']),
          p.carried_forward,
          p.carried_over,
        );
      }

      // More than one current report for one agency and year: the same report published twice
      // (HTML page and PDF attachment, two portals) or a wrong year/agency. Reported on each later one.
      const groups = db
        .prepare(
          `SELECT agency, year, json_group_array(json_array(id, sha256)) AS reports
           FROM (SELECT * FROM temp.cross_current ORDER BY id) GROUP BY agency, year HAVING COUNT(*) > 1`,
        )
        .all() as Array<{ agency: number; year: number; reports: string }>;
      let duplicates = 0;
      for (const g of groups) {
        const reports = JSON.parse(g.reports) as Array<[number, string]>;
        const [first] = reports;
        for (const [id] of reports.slice(1)) {
          insert.run(
            id,
            CROSS_RULES.duplicate,
            'warning',
            `another current report exists for the same agency and year ${g.year}: report ${first![0]} (sha256 ${first![1].slice(0, 12)})`,
            '[]',
            null,
            null,
          );
          duplicates++;
        }
      }

      // A rename is information, attached to the first current report under the new name.
      const names = db.prepare('SELECT name FROM agencies WHERE id = ?').pluck();
      const firstUnder = db.prepare('SELECT id FROM reports WHERE agency_id = ? AND is_current = 1 ORDER BY year, id LIMIT 1').pluck();
      for (const l of links) {
        insert.run(
          (firstUnder.get(l.toId) as number | undefined) ?? null,
          CROSS_RULES.renamed,
          'info',
          `agency ${names.get(l.fromId)} was renamed ${names.get(l.toId)}; their reports are counted as one agency`,
          '[]',
          null,
          null,
        );
      }
      // A year missing inside an agency's range: information (the report may exist unpublished or
      // unfound), attached to the first report after the gap.
      const spans = db
        .prepare(`SELECT agency, json_group_array(json_array(year, id)) AS years FROM (SELECT agency, year, MIN(id) AS id FROM temp.cross_current GROUP BY agency, year ORDER BY agency, year) GROUP BY agency`)
        .all() as Array<{ agency: number; years: string }>;
      let missingYears = 0;
      for (const s of spans) {
        const ys = JSON.parse(s.years) as Array<[number, number]>;
        for (let k = 1; k < ys.length; k++) {
          const [prev] = ys[k - 1]!;
          const [year, id] = ys[k]!;
          for (let y = prev + 1; y < year; y++) {
            insert.run(id, CROSS_RULES.missingYear, 'info', `no report for ${y}: the agency has reports for ${prev} and ${year} (${names.get(s.agency)})`, '[]', null, null);
            missingYears++;
          }
        }
      }
      db.exec('DROP TABLE temp.cross_current');
      if (!opts.agencies) return { renamesLinked: links.length, carryOverMismatches: pairs.length, duplicates, missingYears };
      // Counts of the whole table (findings_rule index ranges), as a full run returns them.
      const count = db.prepare('SELECT COUNT(*) FROM findings WHERE rule = ?').pluck();
      return {
        renamesLinked: links.length,
        carryOverMismatches: count.get(CROSS_RULES.carryOver) as number,
        duplicates: count.get(CROSS_RULES.duplicate) as number,
        missingYears: count.get(CROSS_RULES.missingYear) as number,
      };
    })
    .immediate();
}
