/**
 * The identities the tables promise (FORMATS.md, "Identities"), checked as findings. Numbers are
 * never changed: a broken identity is reported with the cells, the expected and printed values.
 * A check whose cells are all null (not reported) is skipped; one with some nulls is reported as
 * 'info' because publishers leave zeros blank.
 */
import type { Fact, Finding } from '../schema/report.ts';
import { APPLICATION_COLS, REVIEW_COLS, REVIEW_ROWS } from './labels.ts';

type Lookup = (table: string, row: string, col: string) => number | null | undefined;

/** One identity applied to one scope: its cells, and whether it holds (the finding when not). */
export interface IdentityCheck {
  rule: string;
  cells: string[];
  ok: boolean;
  finding?: Finding;
}

export function validateFacts(facts: Fact[]): Finding[] {
  const findings = identityChecks(facts).flatMap((c) => (c.finding ? [c.finding] : []));
  const get = lookup(facts);
  for (const [narrativeRow, table, row, col] of NARRATIVE_CHECKS) {
    const said = get('narrative', narrativeRow, 'value');
    const printed = get(table, row, col);
    if (said == null || printed == null || said === printed) continue;
    findings.push({
      rule: 'narrative.contradicts_table',
      severity: 'warning',
      message: `the text says ${narrativeRow} = ${said}, the table prints ${printed}; both are kept`,
      cells: [`narrative.${narrativeRow}.value`, `${table}.${row}.${col}`],
      expected: said,
      printed,
    });
  }
  return findings;
}

function lookup(facts: Fact[]): Lookup {
  const index = new Map<string, number | null>();
  for (const f of facts) index.set(`${f.table}.${f.row}.${f.col}`, f.value);
  return (t, r, c) => index.get(`${t}.${r}.${c}`);
}

/** Every identity that applies to the facts (all its cells printed), holding or not. */
export function identityChecks(facts: Fact[]): IdentityCheck[] {
  const get = lookup(facts);
  const has = (t: string) => facts.some((f) => f.table === t);
  const findings: IdentityCheck[] = [];
  const applicantCols = APPLICATION_COLS.filter((c) => c !== 'total');

  if (has('applications')) {
    const rows = [...new Set(facts.filter((f) => f.table === 'applications').map((f) => f.row))];
    const outcomeRows = rows.filter((r) => /^(granted|partially_granted|denied_|unavailable_|rejected_|other)/.test(r));
    for (const col of APPLICATION_COLS) {
      check(findings, 'applications.balance', 'new_received + carried_over = total + carried_forward', get, col,
        [['applications', 'new_received', col], ['applications', 'carried_over', col]],
        [['applications', 'total', col], ['applications', 'carried_forward', col]]);
      check(findings, 'applications.outcomes_sum', 'total row = sum of the outcome rows', get, col,
        outcomeRows.map((r) => ['applications', r, col] as Cell),
        [['applications', 'total', col]]);
    }
    for (const row of rows) {
      check(findings, 'applications.row_sum', 'total column = sum of the six applicant columns', get, row,
        applicantCols.map((c) => ['applications', row, c] as Cell),
        [['applications', row, 'total']]);
    }
  }
  if (has('review_litigation')) {
    for (const row of REVIEW_ROWS) {
      check(findings, 'review_litigation.row_sum', 'total = upheld + corrected + other + pending', get, row,
        REVIEW_COLS.filter((c) => c !== 'total').map((c) => ['review_litigation', row, c] as Cell),
        [['review_litigation', row, 'total']]);
    }
  }
  if (has('legacy_stats')) {
    const L = (r: string): Cell => ['legacy_stats', r, 'value'];
    check(findings, 'legacy_stats.replies_sum', 'replies_total = sum of its items 1–8', get, 'value',
      ['replies_already_public', 'replies_granted', 'replies_partially_granted', 'replies_denied', 'replies_not_this_agency', 'replies_not_exist', 'replies_correction_requested', 'replies_other_channel'].map(L),
      [L('replies_total')]);
    check(findings, 'legacy_stats.denied_sum', 'replies_denied = sum of its 其中 items', get, 'value',
      ['denied_state_secret', 'denied_trade_secret', 'denied_privacy', 'denied_security_stability', 'denied_not_government_information', 'denied_other_legal'].map(L),
      [L('replies_denied')]);
    check(findings, 'legacy_stats.staff_sum', 'staff_total = full-time + part-time', get, 'value',
      [L('staff_full_time'), L('staff_part_time')], [L('staff_total')]);
  }
  return findings;
}

/** Sentences and tables that state the same number. */
const NARRATIVE_CHECKS: [string, string, string, string][] = [
  ['applications_received', 'applications', 'new_received', 'total'],
  ['applications_received', 'legacy_stats', 'applications_received', 'value'],
  ['proactive_items', 'legacy_stats', 'proactive_items', 'value'],
];

type Cell = [string, string, string];

/** Checks sum(left) = sum(right). Missing cells (not printed at all) make the check not apply. */
function check(out: IdentityCheck[], rule: string, what: string, get: Lookup, scope: string, left: Cell[], right: Cell[]) {
  const all = [...left, ...right];
  const values = all.map(([t, r, c]) => get(t, r, c));
  if (values.some((v) => v === undefined)) return;
  if (values.every((v) => v === null)) return;
  const sum = (cells: Cell[]) => cells.reduce((s, [t, r, c]) => s + (get(t, r, c) ?? 0), 0);
  const l = round(sum(left));
  const rr = round(sum(right));
  const cells = all.map((c) => c.join('.'));
  if (l === rr) {
    out.push({ rule, cells, ok: true });
    return;
  }
  const nulls = values.filter((v) => v === null).length;
  const printed = right.length === 1 ? (get(...right[0]) ?? null) : rr;
  const expected = l;
  out.push({ rule, cells, ok: false, finding: {
    rule,
    severity: nulls ? 'info' : 'error',
    message: `${what} fails for ${scope}: ${l} ≠ ${rr}${nulls ? ` (${nulls} cell(s) printed blank, counted as 0)` : ''}`,
    cells,
    expected,
    printed,
  } });
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
