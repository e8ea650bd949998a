/**
 * Checks across reports, stored as findings with rules `cross.*`. They depend on the whole set of
 * current reports, so runCrossReportChecks recomputes them all (delete + insert) after a load.
 * Agencies are compared through agency_canonical, so a renamed agency is one agency here.
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
const CURRENT = `
  DROP TABLE IF EXISTS temp.cross_current;
  CREATE TEMP TABLE cross_current (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, sha256 TEXT NOT NULL, agency INTEGER NOT NULL);
  INSERT INTO temp.cross_current
    SELECT r.id, r.year, r.sha256, COALESCE(ac.canonical_id, r.agency_id)
    FROM reports r LEFT JOIN agency_canonical ac ON ac.agency_id = r.agency_id
    WHERE r.is_current = 1 AND r.agency_id IS NOT NULL AND r.year IS NOT NULL;
  CREATE INDEX temp.cross_current_agency_year ON cross_current(agency, year);`;

export interface CrossCheckCounts {
  renamesLinked: number;
  carryOverMismatches: number;
  duplicates: number;
  /** Years without a current report between an agency's first and last (one finding per year). */
  missingYears: number;
}

export function runCrossReportChecks(db: DB, opts: { renames?: AgencyRename[] } = {}): CrossCheckCounts {
  const renames = opts.renames ?? defaultRenames();
  const insert = db.prepare(
    'INSERT INTO findings (report_id, rule, severity, message, cells, expected, printed) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  return db
    .transaction((): CrossCheckCounts => {
      const links = linkAgencyRenames(db, renames);
      db.prepare(`DELETE FROM findings WHERE rule LIKE 'cross.%'`).run();
      db.exec(CURRENT);

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
      return { renamesLinked: links.length, carryOverMismatches: pairs.length, duplicates, missingYears };
    })
    .immediate();
}
