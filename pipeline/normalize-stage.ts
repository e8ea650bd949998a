/**
 * Normalize stage: extractions → reports, facts, findings (via dataset/load.ts). Incremental: a
 * document already normalized by this parser version is skipped; a new parser version
 * re-normalizes every stored extraction without re-crawling or re-extracting.
 */
import { LOAD_BATCH, loadReports, type LoadOutcome } from '../dataset/load.ts';
import { runCrossReportChecks } from '../dataset/checks.ts';
import { indexPending } from '../dataset/search.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { EXTRACTOR_VERSION, PARSER_VERSION, type ReportResult } from '../schema/report.ts';
import type { DB } from '../store/db.ts';
import { extractionsToNormalize } from '../store/extractions.ts';
import { unpackDocument, type StageCounts } from './extract-stage.ts';
import type { Progress } from './progress.ts';
import type { PortalSource } from '../crawler/portals.ts';
import { documentOriginReader } from '../crawler/frontier.ts';

export interface NormalizeCounts extends StageCounts {
  new: number;
  replaced: number;
  /** Other renderings of a current report (HTML page + PDF attachment), stored but not current. */
  alternate: number;
  unchanged: number;
  findings: number;
  /** Findings across reports (carry-over mismatches, two current reports for one agency-year, renames), recomputed each run. */
  crossFindings: number;
  byFormat: Record<string, number>;
}



export interface NormalizeStageOptions {
  progress?: Progress;
  /** Portal sources, for the region of each report's agency. */
  portals?: PortalSource[];
}

export async function runNormalizeStage(db: DB, opts: NormalizeStageOptions = {}): Promise<NormalizeCounts> {
  const { progress, portals = [] } = opts;
  const pending = extractionsToNormalize(db, EXTRACTOR_VERSION, PARSER_VERSION);
  const originOf = documentOriginReader(db);
  const counts: NormalizeCounts = { total: pending.length, done: 0, failed: 0, failures: [], new: 0, replaced: 0, alternate: 0, unchanged: 0, findings: 0, crossFindings: 0, byFormat: {} };
  progress?.start('normalize', pending.length);
  let batch: { result: ReportResult; ctx: Parameters<typeof loadReports>[1][number]['ctx'] }[] = [];
  // Agencies whose reports this run changed: the cross-report checks are recomputed for them only.
  const touched = new Set<number>();
  const flush = () => {
    if (!batch.length) return;
    // The full-text index is filled once, after the last batch: one pass over the run's text.
    const outcomes: LoadOutcome[] = loadReports(db, batch, { deferIndex: true });
    for (const o of outcomes) {
      counts[o.status]++;
      for (const a of o.agencies) touched.add(a);
    }
    batch = [];
  };
  for (const e of pending) {
    const d = originOf(e.sha256);
    const url = d ? d.final_url ?? d.url : e.sha256;
    let result: ReportResult;
    try {
      const extraction = e.blocks ? unpackDocument(e.blocks) : { code: e.error_code ?? 'failed', message: e.error_message ?? 'extraction failed' };
      result = reportFromExtraction(extraction, { file: url, sha256: e.sha256, withText: true });
    } catch (err) {
      result = reportFromExtraction({ code: 'internal', message: `normalize failed: ${(err as Error).message}` }, { file: url, sha256: e.sha256 });
    }
    counts.byFormat[result.format] = (counts.byFormat[result.format] ?? 0) + 1;
    counts.findings += result.findings.length;
    if (result.error) {
      counts.failed++;
      counts.failures.push({ sha256: e.sha256, url, code: result.error.code, message: result.error.message });
    } else counts.done++;
    batch.push({
      result,
      ctx: {
        documentUrl: url,
        sourceUrl: d ? (d.kind === 'attachment' ? d.referrer : d.url) : null,
        portal: d?.portal ?? null,
        region: portals.find((p) => p.name === d?.portal)?.region ?? null,
      },
    });
    progress?.tick('normalize', { ok: !result.error, item: url, reason: result.error && `${result.error.code}: ${result.error.message}` });
    if (batch.length >= LOAD_BATCH) flush();
  }
  flush();
  indexPending(db);
  const cross = runCrossReportChecks(db, { agencies: touched });
  counts.crossFindings = cross.carryOverMismatches + cross.duplicates + cross.renamesLinked + cross.missingYears;
  progress?.end('normalize');
  return counts;
}
