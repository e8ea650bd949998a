/**
 * Scoring of OCR'd reports against their expected facts, shared by test/ocr.test.ts and
 * scripts/bench-ocr.ts: the table facts of the plain-text seed (or the real PDF's expected JSON),
 * cell by cell, with the wrong cells listed and whether a finding names each of them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../../test/helpers/build-report.ts';
import type { Fact, Finding } from '../../schema/report.ts';
import { REAL_ID, REAL_PDF } from '../make-scans.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SEEDS = path.join(repoRoot, 'sample/seeds');

export const TABLES = new Set(['applications', 'review_litigation', 'proactive', 'legacy_stats']);
/** Findings that cover a cell: its own low confidence, a broken identity, a parse problem. */
export const FLAG_RULES = /^(ocr\.|applications\.|review_litigation\.|legacy_stats\.|parse\.)/;

export type ExpectedFact = Pick<Fact, 'table' | 'row' | 'col' | 'value'>;

export interface Expected {
  format: string;
  year: number | null | undefined;
  facts: ExpectedFact[];
}

export const cellKey = (f: Pick<Fact, 'table' | 'row' | 'col'>) => `${f.table}.${f.row}.${f.col}`;

/** What a scan of `source` (a seed id or REAL_ID) must read as. */
export async function expectedFor(source: string): Promise<Expected> {
  if (source === REAL_ID) {
    const j = JSON.parse(fs.readFileSync(REAL_PDF.replace(/\.pdf$/, '.json'), 'utf8')) as { format: string; year: number; facts: ExpectedFact[] };
    return { format: j.format, year: j.year, facts: j.facts };
  }
  const name = fs.readdirSync(SEEDS).find((n) => n.startsWith(`${source}_`));
  if (!name) throw new Error(`no seed ${source} in ${SEEDS}`);
  const r = await buildReport(new Uint8Array(fs.readFileSync(path.join(SEEDS, name))), { file: `${source}.txt` });
  return { format: r.format, year: r.year, facts: r.facts };
}

export interface WrongCell {
  cell: string;
  expected: number | null;
  got: number | null | undefined;
  /** The text as printed (read), when the cell was found. */
  printed?: string;
  flagged: boolean;
  /** Named by a finding other than ocr.low_confidence (a broken identity, a parse finding). */
  flaggedOtherwise: boolean;
  confidence?: number;
}

export interface CellScore {
  total: number;
  right: number;
  wrong: WrongCell[];
  /** Table facts read that the expected output does not have. */
  extra: string[];
  /** OCR confidence of every cell read right (for calibration). */
  rightConfidences: number[];
  /** Cells read right that an ocr.low_confidence finding names (false alarms). */
  falseAlarms: number;
}

export function scoreFacts(expected: ExpectedFact[], actual: Fact[], findings: Finding[]): CellScore {
  const got = new Map(actual.filter((f) => TABLES.has(f.table)).map((f) => [cellKey(f), f]));
  const flaggedCells = new Set(findings.filter((f) => FLAG_RULES.test(f.rule)).flatMap((f) => f.cells ?? []));
  const otherCells = new Set(findings.filter((f) => FLAG_RULES.test(f.rule) && f.rule !== 'ocr.low_confidence').flatMap((f) => f.cells ?? []));
  const lowCells = new Set(findings.filter((f) => f.rule === 'ocr.low_confidence').flatMap((f) => f.cells ?? []));
  const flaggedRows = new Set(findings.filter((f) => /^parse\./.test(f.rule)).flatMap((f) => f.cells ?? []));
  const out: CellScore = { total: 0, right: 0, wrong: [], extra: [], rightConfidences: [], falseAlarms: 0 };
  const want = expected.filter((f) => TABLES.has(f.table));
  for (const f of want) {
    out.total++;
    const a = got.get(cellKey(f));
    if (a && a.value === f.value) {
      out.right++;
      if (a.confidence !== undefined) out.rightConfidences.push(a.confidence);
      if (lowCells.has(cellKey(f))) out.falseAlarms++;
    } else {
      // A cell whose row is missing altogether is covered by a parse finding on that row or table.
      const row = flaggedRows.has(`${f.table}.${f.row}`) || flaggedRows.has(f.table);
      const flagged = flaggedCells.has(cellKey(f)) || row;
      const flaggedOtherwise = otherCells.has(cellKey(f)) || row;
      out.wrong.push({ cell: cellKey(f), expected: f.value, got: a?.value, printed: a?.source?.text, flagged, flaggedOtherwise, confidence: a?.confidence });
    }
  }
  const wanted = new Set(want.map(cellKey));
  out.extra = [...got.keys()].filter((k) => !wanted.has(k));
  return out;
}

/** CPU seconds of this process and its waited-for children (pdftoppm, tesseract), from /proc. */
export function cpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14-17 of stat (1-based) = utime, stime, cutime, cstime; here offset by the 2 skipped
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}
