/**
 * Snapping a printed label that matched no mapping to the official row it must be: the rows its
 * position allows (between the rows that did match, in the official order), then the closest
 * label by confusion-weighted edit distance (vocabulary.ts). The table's identities confirm or
 * question the choice afterwards (confirmSnaps). A label no rule can place stays unknown.
 */
import type { Fact, Finding } from '../schema/report.ts';
import type { SplitRow } from './rows.ts';
import { identityChecks } from './validate.ts';
import { rowsBetween, snapLabel, type Snap, type SnapCandidate } from './vocabulary.ts';

export const SNAP_RULE = 'normalize.label_snapped';

/**
 * `candidates`: every row of the table that has an official label, in official order; `order`:
 * the official order; `before`/`after`: the rows matched just before and after this one (null at
 * the ends); `taken`: rows already matched elsewhere in the table.
 */
export function snapRow(
  label: string,
  candidates: SnapCandidate[],
  order: string[],
  before: string | null,
  after: string | null,
  taken: Set<string>,
): Snap | null {
  const between = new Set(rowsBetween(order, before, after, taken));
  const placed = candidates.filter((c) => between.has(c.id));
  // The position bounds the choice when it leaves a real choice out: with no matched row on either
  // side it says nothing, and the spelling alone must be much closer.
  if (placed.length && (before !== null || after !== null)) {
    const s = snapLabel(label, placed, true);
    if (s) return s;
  }
  return snapLabel(label, candidates.filter((c) => !taken.has(c.id)), false);
}

export function snapFinding(table: string, printed: string, snap: Snap, cells: string[], r: Pick<SplitRow, 'block' | 'row'>): Finding {
  return {
    rule: SNAP_RULE,
    severity: 'info',
    message: `${table}: printed label "${printed.replace(/\s+/g, '')}" (table ${r.block + 1}, row ${r.row + 1}) read as ${snap.id}`
      + ` (distance ${snap.distance.toFixed(2)}, next closest ${snap.runnerUp.toFixed(2)}${snap.placed ? ', between the rows that matched' : ''})`,
    cells,
  };
}

/**
 * The identities decide on each snap: one whose row takes part in an identity that holds is
 * confirmed (said in its finding); one whose row breaks an identity becomes a warning naming
 * the identity, so the cell is flagged rather than trusted.
 */
export function confirmSnaps(facts: Fact[], findings: Finding[]): void {
  const snaps = findings.filter((f) => f.rule === SNAP_RULE);
  if (!snaps.length) return;
  const checks = identityChecks(facts);
  for (const s of snaps) {
    const rows = new Set(s.cells.map(rowOf));
    // Only identities that tie the row to other rows say anything about which row it is.
    const involved = checks.filter((c) => c.cells.some((cell) => rows.has(rowOf(cell))) && new Set(c.cells.map(rowOf)).size > 1);
    // A failure with blank cells (reported as info) is inconclusive.
    const broken = involved.filter((c) => !c.ok && c.finding?.severity === 'error');
    const holding = involved.filter((c) => c.ok);
    if (broken.length) {
      s.severity = 'warning';
      s.message += `; not confirmed: ${[...new Set(broken.map((c) => c.rule))].join(', ')} fails with it`;
    } else if (holding.length) s.message += `; confirmed by ${[...new Set(holding.map((c) => c.rule))].join(', ')}`;
    else s.message += '; no identity checks this row';
  }
}

const rowOf = (cell: string) => cell.split('.').slice(0, 2).join('.');
