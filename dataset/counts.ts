/**
 * Dataset counts as stored: current reports, those with facts, their facts, and findings. For
 * `nianbao status` and the run summary.
 */
import type { DB } from '../store/db.ts';

export function datasetCounts(db: DB): { reports: number; reportsWithFacts: number; facts: number; findings: number } {
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM reports WHERE is_current = 1) AS reports,
              (SELECT COUNT(*) FROM reports r WHERE is_current = 1 AND EXISTS (SELECT 1 FROM facts f WHERE f.report_id = r.id)) AS reportsWithFacts,
              (SELECT COUNT(*) FROM facts f JOIN reports r ON r.id = f.report_id WHERE r.is_current = 1) AS facts,
              (SELECT COUNT(*) FROM findings) AS findings`,
    )
    .get() as { reports: number; reportsWithFacts: number; facts: number; findings: number };
}
