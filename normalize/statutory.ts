/**
 * Parsers for the statutory tables (2019 and 2021 formats): 主动公开政府信息情况 (proactive),
 * 收到和处理政府信息公开申请情况 (applications), 行政复议、行政诉讼情况 (review_litigation).
 *
 * Rows are read in document order across all table blocks, because extractors do not agree on
 * where one table ends: a PDF may give one block for three tables, a Word file three blocks for
 * one. Each row is classified by its labels; header rows set the columns that follow.
 */
import type { Fact, Finding } from '../schema/report.ts';
import { lowConfidenceFinding } from './ocr-confidence.ts';
import { parseCellValue } from '../text/number-cell.ts';
import { APPLICATION_COLS, identifiers, labels, PROACTIVE_ORDER, REVIEW_COLS, REVIEW_ROWS, type LabelEntry } from './labels.ts';
import { fitValues, hasValues, type SplitRow, type ValueCell } from './rows.ts';
import { snapFinding, snapRow } from './snap.ts';
import { rowsBetween } from './vocabulary.ts';

export { APPLICATION_COLS, REVIEW_COLS, REVIEW_ROWS };
const APPLICATION_ORDER = identifiers.tables.applications.rows;

export interface StatutoryParse {
  facts: Fact[];
  findings: Finding[];
  /** Evidence of the variant seen in the tables. */
  evidence: { v2021: string[]; v2019: string[] };
  tablesFound: Set<'proactive' | 'applications' | 'review_litigation'>;
}

type State = 'none' | 'proactive' | 'applications' | 'review';

export function parseStatutoryTables(rows: SplitRow[]): StatutoryParse {
  const out: StatutoryParse = { facts: [], findings: [], evidence: { v2021: [], v2019: [] }, tablesFound: new Set() };
  const seen = new Set<string>();
  let state: State = 'none';
  let proactiveCols: LabelEntry[] = [];
  let appSection = '';
  const lastRow: Record<'applications' | 'proactive', string | null> = { applications: null, proactive: null };
  // Rows each table's labels match exactly anywhere: a snapped label cannot be one of them.
  const exactApp = (r: SplitRow) => matchLast(r.normLabels, (l) => labels.applicationsRows.find(l));
  const exactPro = (r: SplitRow) => matchLast(r.normLabels, (l) => labels.proactiveRows.find(l));
  const taken = {
    applications: new Set(rows.flatMap((r) => exactApp(r)?.id ?? [])),
    proactive: new Set(rows.flatMap((r) => exactPro(r)?.id ?? [])),
  };

  const emit = (table: string, row: string, cols: string[], cells: ValueCell[], r: SplitRow, unit?: (col: string) => '10k_yuan' | undefined) => {
    const key = `${table}.${row}`;
    if (seen.has(key)) {
      duplicates.push({ table, key, r, before: table === 'applications' || table === 'proactive' ? lastRow[table] : null, after: null });
      return;
    }
    seen.add(key);
    if (table === 'applications' || table === 'proactive') {
      lastRow[table] = row;
      for (const d of duplicates) if (d.table === table && d.after === null) d.after = row;
    }
    cols.forEach((col, i) => {
      const cell = cells[i];
      const text = cell?.text ?? '';
      const v = parseCellValue(text, { unit: unit?.(col) });
      if (v.kind === 'text') {
        out.findings.push({
          rule: 'parse.not_a_number',
          severity: 'warning',
          message: `${table}.${row}.${col}: cell "${text}" is not a number; kept as null`,
          cells: [`${table}.${row}.${col}`],
        });
      }
      out.facts.push({
        table,
        row,
        col,
        value: v.kind === 'number' ? v.value : null,
        source: { block: r.block, cellRow: r.row, cellCol: cell?.col, page: r.page, text },
        ...(cell?.confidence !== undefined ? { confidence: cell.confidence } : {}),
      });
      const low = lowConfidenceFinding(`${table}.${row}.${col}`, text, cell?.confidence);
      if (low) out.findings.push(low);
    });
  };

  /** The rows of a table read so far. */
  const rowsRead = (table: string) => new Set([...seen].filter((k) => k.startsWith(`${table}.`)).map((k) => k.slice(table.length + 1)));
  // Rows printed twice, with the rows read just before and after them (named once all are read).
  const duplicates: { table: string; key: string; r: SplitRow; before: string | null; after: string | null }[] = [];

  // OCR'd grids: the grid column of each header column (applications; proactive per section), so a
  // row's values are taken from under their header, not by order: a cell lost or merged by the
  // grid, or a value misread as a word, does not shift the later values into other columns.
  const headerCols: Record<'applications' | 'proactive', { block: number; col: Map<string, number> } | undefined> = { applications: undefined, proactive: undefined };
  const noteHeader = (table: 'applications' | 'proactive', r: SplitRow, find: (l: string) => LabelEntry | undefined, fresh: boolean) => {
    if (!r.ocr) return;
    const h = headerCols[table]?.block === r.block && !fresh ? headerCols[table]! : { block: r.block, col: new Map<string, number>() };
    r.normLabels.forEach((l, k) => {
      const id = find(l)?.id;
      // A lower header row is the more specific one (商业企业 under 法人或其他组织).
      if (id) h.col.set(id, r.labelCols[k]);
    });
    headerCols[table] = h;
  };
  /** The row's value cells under the header's columns, or undefined where that cannot be done. */
  const byColumns = (table: 'applications' | 'proactive', id: string, r: SplitRow, cols: string[]): ValueCell[] | undefined => {
    const h = headerCols[table];
    if (!r.ocr || !h || h.block !== r.block) return undefined;
    const at = cols.map((c) => h.col.get(c));
    if (at.some((c) => c === undefined) || new Set(at).size !== cols.length) return undefined;
    const lost = cols.filter((_, i) => !r.values.some((v) => v.col === at[i]));
    if (lost.length)
      out.findings.push({
        rule: 'parse.short_row',
        severity: 'warning',
        message:
          `${table}.${id}: no cell read under the header's column${lost.length > 1 ? 's' : ''} ${lost.join(', ')} (table ${r.block + 1}, row ${r.row + 1}); ` +
          'kept as null, the other values stay under their own columns',
        cells: lost.map((c) => `${table}.${id}.${c}`),
      });
    return at.map((c) => r.values.find((v) => v.col === c) ?? { text: '', col: c! });
  };

  const fitOrPad = (r: SplitRow, n: number, align: 'left' | 'right', what: string): ValueCell[] => {
    const fitted = fitValues(r.values, n, align);
    if (fitted) return fitted;
    out.findings.push({
      rule: 'parse.short_row',
      severity: 'warning',
      message: `${what}: ${r.values.length} cells where ${n} were expected (table ${r.block + 1}, row ${r.row + 1}); missing cells are null`,
      cells: [what],
    });
    return r.values.slice();
  };

  const emitApplications = (id: string, r: SplitRow) => {
    state = 'applications';
    out.tablesFound.add('applications');
    if (id.startsWith('other_')) out.evidence.v2021.push(id);
    if (id === 'other') out.evidence.v2019.push('other');
    const cells = byColumns('applications', id, r, APPLICATION_COLS) ?? fitOrPad(r, APPLICATION_COLS.length, 'right', `applications.${id}`);
    emit('applications', id, APPLICATION_COLS, cells, r);
  };
  const emitProactive = (id: string, r: SplitRow) => {
    const cols = proactiveCols.map((c) => c.id);
    out.tablesFound.add('proactive');
    if (id === 'procurement' || id === 'other_services') out.evidence.v2019.push(id);
    emit('proactive', id, cols, byColumns('proactive', id, r, cols) ?? fitOrPad(r, cols.length, 'left', `proactive.${id}`), r, (col) =>
      col === 'amount_10k_yuan' ? '10k_yuan' : undefined,
    );
  };
  /** An unmatched row of the applications or proactive table, snapped by position and spelling. */
  const trySnap = (i: number, table: 'applications' | 'proactive'): string | null => {
    const r = rows[i];
    const exact = table === 'applications' ? exactApp : exactPro;
    const order = table === 'applications' ? APPLICATION_ORDER : PROACTIVE_ORDER;
    const list = table === 'applications' ? labels.applicationsRows : labels.proactiveRows;
    const after = rows.slice(i + 1).map(exact).find((e) => e)?.id ?? null;
    const done = new Set([...taken[table], ...rowsRead(table)]);
    const label = r.normLabels[r.normLabels.length - 1];
    const snap = snapRow(label, list.candidates(order, appSection), order, lastRow[table], after, done);
    if (!snap) return null;
    const cols = table === 'applications' ? APPLICATION_COLS : proactiveCols.map((c) => c.id);
    out.findings.push(snapFinding(table, r.labels[r.labels.length - 1], snap, cols.map((c) => `${table}.${snap.id}.${c}`), r));
    return snap.id;
  };

  for (const [i, r] of rows.entries()) {
    const labelsHere = r.normLabels;
    if (labelsHere.length === 0 && !hasValues(r)) continue;

    // Header rows: they switch the table and set the columns.
    const pCols = labelsHere.map((l) => labels.proactiveCols.find(l)).filter((e): e is LabelEntry => !!e);
    const appColHits = labelsHere.filter((l) => {
      const e = labels.applicationsCols.find(l);
      return e && e.id !== 'other_org' && e.id !== 'total';
    }).length;
    const reviewColHits = labelsHere.filter((l) => labels.reviewHeader.cols.test(l)).length;
    const reviewHeader = labelsHere.some((l) => labels.reviewHeader.review.test(l)) && labelsHere.some((l) => labels.reviewHeader.litigation.test(l));
    if (pCols.length > 0 && !hasValues(r)) {
      state = 'proactive';
      proactiveCols = pCols;
      noteHeader('proactive', r, (l) => labels.proactiveCols.find(l), true);
      for (const c of pCols) if (c.variant === 'statutory-2021') out.evidence.v2021.push(c.id);
      else if (c.variant === 'statutory-2019') out.evidence.v2019.push(c.id);
      continue;
    }
    if (appColHits >= 2 && !hasValues(r)) {
      state = 'applications';
      noteHeader('applications', r, (l) => labels.applicationsCols.find(l), false);
      continue;
    }
    if ((reviewColHits >= 2 || reviewHeader) && !hasValues(r)) {
      state = 'review';
      continue;
    }

    // Applications rows (their labels are distinctive wherever they stand).
    const appRow = matchLast(labelsHere, (l) => labels.applicationsRows.find(l, appSection));
    for (const l of labelsHere) if (labels.applicationsSections.some((p) => p.test(l))) appSection = l;
    if (appRow && (state === 'applications' || appRow.id !== 'total') && !(state === 'review' && appRow.id === 'total')) {
      const sectionFromRow = labelsHere.find((l) => labels.applicationsOtherSection.test(l));
      if (appRow.id === 'other_other' && !sectionFromRow && !labels.applicationsOtherSection.test(appSection)) continue;
      emitApplications(appRow.id, r);
      continue;
    }

    // Review / litigation: one data row of 15 cells, or three rows of 5 (transposed layouts).
    const reviewRow = matchLast(labelsHere, (l) => labels.reviewRows.find(l));
    if (reviewRow && hasValues(r) && r.values.length <= REVIEW_COLS.length + 1) {
      out.tablesFound.add('review_litigation');
      emit('review_litigation', reviewRow.id, REVIEW_COLS, fitOrPad(r, REVIEW_COLS.length, 'right', `review_litigation.${reviewRow.id}`), r);
      continue;
    }
    if (state === 'review' && hasValues(r) && !appRow) {
      out.tablesFound.add('review_litigation');
      const n = REVIEW_COLS.length;
      const cells = fitOrPad(r, REVIEW_ROWS.length * n, 'right', 'review_litigation');
      REVIEW_ROWS.forEach((row, k) => emit('review_litigation', row, REVIEW_COLS, cells.slice(k * n, k * n + n), r));
      state = 'none';
      continue;
    }

    // Proactive rows: columns from the header above.
    const pRow = matchLast(labelsHere, (l) => labels.proactiveRows.find(l));
    if (pRow && (state === 'proactive' || proactiveCols.length)) {
      emitProactive(pRow.id, r);
      continue;
    }

    if (hasValues(r) && labelsHere.length && state !== 'none') {
      if (state === 'applications' || (state === 'proactive' && proactiveCols.length)) {
        const snapped = trySnap(i, state);
        if (snapped) {
          if (state === 'applications') emitApplications(snapped, r);
          else emitProactive(snapped, r);
          continue;
        }
      }
      out.findings.push({
        rule: 'parse.unknown_row',
        severity: 'info',
        message: `row "${r.labels.join(' ')}" in the ${state} table matches no known label; not parsed`,
        cells: [],
      });
    }
  }
  for (const d of duplicates) {
    // A row of an official table printed twice is most often a neighbour misread as it: the rows
    // of the table not found between the rows read around it are named too, so their cells are flagged.
    const order = d.table === 'applications' ? APPLICATION_ORDER : d.table === 'proactive' ? PROACTIVE_ORDER : null;
    const near = order ? rowsBetween(order, d.before, d.after, rowsRead(d.table)).map((n) => `${d.table}.${n}`) : [];
    out.findings.push({
      rule: 'parse.duplicate_row',
      severity: 'warning',
      message: `${d.key} printed twice; the first is kept (second at table ${d.r.block + 1}, row ${d.r.row + 1})`
        + (near.length ? `; it may be a misread of ${near.join(', ')}, not found` : ''),
      cells: [d.key, ...near],
    });
  }
  return out;
}

/** Matches the most specific (rightmost) label first, then the ones to its left. */
function matchLast<T>(ls: string[], find: (l: string) => T | undefined): T | undefined {
  for (let i = ls.length - 1; i >= 0; i--) {
    const hit = find(ls[i]);
    if (hit) return hit;
  }
  return undefined;
}
