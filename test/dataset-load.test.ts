import { describe, expect, it } from 'vitest';
import { compareVersions, loadReport, loadReports } from '../dataset/load.ts';
import { normalizeAgencyName } from '../dataset/agency.ts';
import { runCrossReportChecks, CROSS_RULES } from '../dataset/checks.ts';
import { SUMMARY_COLUMNS } from '../dataset/resources.ts';
import { ReportResult } from '../schema/report.ts';
import { corpus, dump, IDS, statutory, tempDb, transportCorrected } from './dataset-fixtures.ts';

function loaded() {
  const t = tempDb();
  const ids: Record<string, number> = {};
  for (const item of corpus()) ids[item.name] = loadReport(t.db, item.result, item.ctx).reportId;
  return { ...t, ids };
}

const summaryOf = (db: ReturnType<typeof tempDb>['db'], id: number) =>
  db.prepare('SELECT * FROM report_summary WHERE report_id = ?').get(id) as Record<string, unknown> | undefined;

describe('loadReport', () => {
  it('refuses a result that is not a ReportResult, storing nothing of it or of its batch', () => {
    const { db } = tempDb();
    const [good, other] = corpus();
    // A year as text and a fact without a value: the loader's own validation, not the fixtures'.
    expect(() => loadReport(db, { ...good!.result, year: '2021' as unknown as number }, good!.ctx)).toThrow(/year/);
    const broken = { ...other!.result, facts: [{ table: 'applications', row: 'total', col: 'total' }] } as unknown as ReportResult;
    expect(() => loadReports(db, [{ result: good!.result, ctx: good!.ctx }, { result: broken, ctx: other!.ctx }])).toThrow(/value/);
    expect(db.prepare('SELECT COUNT(*) FROM reports').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM fact_values').pluck().get()).toBe(0);
    // The rolled-back batch took its report ids with it: loaded again, the reports get them again,
    // and the cells they share with the rolled-back rows (and with each other) are not "given twice".
    const items = corpus().map((i) => ({ result: i.result, ctx: i.ctx }));
    const outcomes = loadReports(db, items);
    expect(db.prepare(`SELECT COUNT(*) FROM findings WHERE rule = 'load.duplicate_fact'`).pluck().get()).toBe(0);
    outcomes.forEach((o, k) => {
      const given = new Set(items[k]!.result.facts.map((f) => `${f.table}.${f.row}.${f.col}`));
      expect(db.prepare('SELECT COUNT(*) FROM fact_values WHERE report_id = ?').pluck().get(o.reportId)).toBe(given.size);
    });
    // The fixtures use the real identifiers, so the rest of this file tests the real contract.
    for (const { result } of corpus()) for (const f of result.facts) expect(Object.keys(IDS.tables), f.table).toContain(f.table);
  });

  it('stores the place of every agency: division code, names, level and kind, in reports, agencies and report_summary', () => {
    const { db, ids } = loaded();
    const r = db.prepare('SELECT division_code, province, city, county, agency_level, agency_kind FROM reports WHERE id = ?');
    expect(r.get(ids['qingjiangpu-2017'])).toEqual({ division_code: '320812', province: '江苏省', city: '淮安市', county: '清江浦区', agency_level: 'county', agency_kind: 'government' });
    expect(r.get(ids['huaian-2021'])).toMatchObject({ division_code: '320800', county: null, agency_level: 'prefecture', agency_kind: 'government' });
    // Every local agency has a division; the central ones (国家卫生健康委员会) are national, without one.
    expect(db.prepare(`SELECT COUNT(*) FROM report_summary WHERE division_code IS NULL AND agency_level IS NOT 'national'`).pluck().get()).toBe(0);
    expect(db.prepare(`SELECT DISTINCT agency_level FROM report_summary WHERE agency LIKE '国家%'`).pluck().all()).toEqual(['national']);
    expect(db.prepare('SELECT division_code FROM agencies WHERE name = ?').pluck().get('淮安市清江浦区人民政府')).toBe('320812');
    // A name the gazetteer cannot place is stored without a place and with a finding, never guessed.
    const lost = loadReport(db, statutory('chaoyang', 'statutory-2021', '朝阳区财政局', 2021, { applications: {} }));
    expect(r.get(lost.reportId)).toMatchObject({ division_code: null, province: null });
    expect(db.prepare('SELECT message FROM findings WHERE report_id = ? AND rule = ?').pluck().get(lost.reportId, 'place.unresolved')).toMatch(/朝阳区 is 2 places/);
    // The portal's host places it (beijing.gov.cn → 北京).
    const found = loadReport(db, statutory('chaoyang2', 'statutory-2021', '朝阳区财政局', 2022, { applications: {} }), { sourceUrl: 'http://www.beijing.gov.cn/a.html' });
    expect(r.get(found.reportId)).toMatchObject({ division_code: '110105', province: '北京市' });
    expect(db.prepare('SELECT COUNT(*) FROM findings WHERE report_id = ? AND rule = ?').pluck().get(found.reportId, 'place.unresolved')).toBe(0);
  });

  it('loads new reports, and a second load of the same documents changes nothing', () => {
    const { db } = tempDb();
    const first = corpus().map((i) => loadReport(db, i.result, i.ctx));
    expect(first.map((o) => o.status)).toEqual(first.map(() => 'new'));
    const before = dump(db);
    const facts = corpus().reduce((n, i) => n + i.result.facts.length, 0);
    expect(before.facts).toHaveLength(facts);
    expect(before.bigram).toHaveLength(corpus().length);

    const second = corpus().map((i) => loadReport(db, i.result, i.ctx));
    expect(second.map((o) => o.status)).toEqual(first.map(() => 'unchanged'));
    expect(second.map((o) => o.reportId)).toEqual(first.map((o) => o.reportId));
    expect(dump(db)).toEqual(before);
    // The batch path too.
    loadReports(db, corpus().map((i) => ({ result: i.result, ctx: i.ctx })));
    expect(dump(db)).toEqual(before);
  });

  it('keeps facts with their provenance, null as null, and the extractor findings', () => {
    const { db, ids } = loaded();
    const f = db.prepare(`SELECT * FROM facts WHERE report_id = ? AND tbl = 'applications' AND row = 'new_received' AND col = 'total'`).get(ids['huaian-2021']) as Record<string, unknown>;
    expect(f).toMatchObject({ value: 120, block: 1, cell_row: 2, cell_col: 8, printed: '120', page: null });
    const r = loadReport(db, { ...statutory('blank', 'statutory-2021', '泗洪县人民政府', 2021, { applications: {} }), facts: [{ table: 'applications', row: 'total', col: 'total', value: null, source: { text: '/' } }, { table: 'applications', row: 'total', col: 'total', value: 3, source: { text: '3' } }] });
    expect(db.prepare('SELECT value, printed FROM facts WHERE report_id = ?').all(r.reportId)).toEqual([{ value: null, printed: '/' }]);
    expect(db.prepare('SELECT rule FROM findings WHERE report_id = ?').pluck().all(r.reportId)).toEqual(['load.duplicate_fact']);
    expect(db.prepare('SELECT rule, severity, cells, expected, printed FROM findings WHERE report_id = ?').get(ids['qingjiangpu-2017'])).toEqual({
      rule: 'legacy_stats.replies_total', severity: 'warning', cells: '["legacy_stats.replies_total.value"]', expected: 10, printed: 11,
    });
  });

  it('normalises agency names conservatively and records the region', () => {
    expect(normalizeAgencyName('淮安市政府办公室')).toBe('淮安市人民政府办公室');
    expect(normalizeAgencyName('淮安市人民政府办公室')).toBe('淮安市人民政府办公室');
    expect(normalizeAgencyName('淮安市政府')).toBe('淮安市人民政府');
    expect(normalizeAgencyName('涟水县政府办')).toBe('涟水县人民政府办公室');
    expect(normalizeAgencyName('江苏省人民政府办公厅')).toBe('江苏省人民政府办公厅');
    expect(normalizeAgencyName(' 淮安市　财政局（本级）')).toBe('淮安市财政局本级');
    expect(normalizeAgencyName('淮安市人民政府')).not.toBe(normalizeAgencyName('淮安市人民政府办公室'));
    const { db, ids } = loaded();
    const a = db.prepare('SELECT a.* FROM agencies a JOIN reports r ON r.agency_id = a.id WHERE r.id = ?');
    expect(a.get(ids['qingjiangpu-2017'])).toMatchObject({ name: '淮安市清江浦区人民政府', province: '江苏省', city: '淮安市', county: '清江浦区', portal: 'huaian' });
    // 淮 安 市 财 政 局 (spaced) and 淮安市财政局 are one agency.
    expect((a.get(ids['finance-2021-pdf']) as { id: number }).id).toBe((a.get(ids['finance-2021-html']) as { id: number }).id);
    expect(db.prepare('SELECT COUNT(*) FROM agencies').pluck().get()).toBe(7);
  });

  it('a corrected republication becomes current; the old report is kept as history', () => {
    const { db, ids } = loaded();
    const old = ids['transport-2021']!;
    const { result, ctx } = transportCorrected();
    const out = loadReport(db, result, ctx);
    expect(out.status).toBe('replaced');
    const rows = db.prepare('SELECT id, is_current, superseded_by, text IS NOT NULL AS has_text FROM reports WHERE id IN (?, ?) ORDER BY id').all(old, out.reportId);
    expect(rows).toEqual([
      { id: old, is_current: 0, superseded_by: out.reportId, has_text: 1 },
      { id: out.reportId, is_current: 1, superseded_by: null, has_text: 1 },
    ]);
    // Old facts stay, as history; the summary shows the corrected numbers only.
    expect(db.prepare(`SELECT value FROM facts WHERE report_id = ? AND tbl = 'applications' AND row = 'new_received' AND col = 'total'`).pluck().get(old)).toBe(11);
    expect(summaryOf(db, old)).toBeUndefined();
    expect(summaryOf(db, out.reportId)).toMatchObject({ applications_received: 12, applications_granted: 10 });
    // Loading the old file again (a re-run) does not bring it back.
    expect(loadReport(db, corpus().find((i) => i.name === 'transport-2021')!.result, ctx).status).toBe('unchanged');
    expect(db.prepare('SELECT is_current FROM reports WHERE id = ?').pluck().get(old)).toBe(0);
    // A different source page is not a republication.
    const other = loadReport(db, statutory('transport-2021-elsewhere', 'statutory-2021', '淮安市交通运输局', 2021, { applications: {} }), { ...ctx, sourceUrl: 'https://www.huaian.gov.cn/other.html' });
    expect(other.status).toBe('new');
    expect(db.prepare('SELECT is_current FROM reports WHERE id = ?').pluck().get(out.reportId)).toBe(1);
  });

  it('a parser-version bump re-normalises stored documents without their crawl context', () => {
    const { db, ids } = loaded();
    const { result: corrected, ctx } = transportCorrected();
    loadReport(db, corrected, ctx);
    const currentBefore = db.prepare('SELECT sha256 FROM reports WHERE is_current = 1 ORDER BY sha256').pluck().all();
    const all = [...corpus().map((i) => i.result), corrected];
    const v2 = all.map((r) => loadReport(db, { ...r, parserVersion: '1.10.0' }));
    // Reports that were current are replaced by their v2 rows; the superseded first transport file stays history.
    const statuses = Object.fromEntries(all.map((r, i) => [r.sha256, v2[i]!.status]));
    expect(statuses[corpus().find((i) => i.name === 'transport-2021')!.result.sha256]).toBe('new');
    expect(Object.values(statuses).filter((s) => s === 'replaced')).toHaveLength(all.length - 1);
    expect(db.prepare('SELECT sha256 FROM reports WHERE is_current = 1 ORDER BY sha256').pluck().all()).toEqual(currentBefore);
    expect(db.prepare(`SELECT COUNT(*) FROM reports WHERE is_current = 1 AND parser_version <> '1.10.0'`).pluck().get()).toBe(0);
    const old = db.prepare('SELECT * FROM reports WHERE id = ?').get(ids['huaian-2021']) as Record<string, unknown>;
    expect(old).toMatchObject({ is_current: 0, parser_version: '1.0.0', text: null });
    const successor = db.prepare('SELECT * FROM reports WHERE id = ?').get(old.superseded_by) as Record<string, unknown>;
    // Where it was found is inherited from the stored row.
    expect(successor).toMatchObject({ is_current: 1, parser_version: '1.10.0', source_url: old.source_url, document_url: old.document_url, portal: 'huaian' });
    expect(dump(db).bigram).toHaveLength(currentBefore.length);
    expect(dump(db).ftsPending).toEqual([]);
    // An older parser than the stored one never becomes current.
    expect(loadReport(db, { ...all[0]!, parserVersion: '1.9.0' }).status).toBe('new');
    expect(db.prepare('SELECT sha256 FROM reports WHERE is_current = 1 ORDER BY sha256').pluck().all()).toEqual(currentBefore);
    expect(compareVersions('1.10.0', '1.9.0')).toBe(1);
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
  });
});

describe('views', () => {
  it('report_summary fills the harmonised fields equally for statutory and legacy reports', () => {
    const { db, ids } = loaded();
    const cols = (db.prepare('SELECT * FROM report_summary LIMIT 1').columns() as Array<{ name: string }>).map((c) => c.name);
    expect(new Set(cols)).toEqual(new Set(SUMMARY_COLUMNS));
    for (const h of IDS.harmonised) expect(cols).toContain(h);

    expect(summaryOf(db, ids['huaian-2020']!)).toMatchObject({
      agency: '淮安市人民政府', region: '江苏省 淮安市', year: 2020, format: 'statutory-2019',
      proactive_items: 4000, applications_received: 100, applications_granted: 50, applications_partially_granted: 10,
      applications_denied: 3, review_cases: 4, litigation_cases: 3,
      source_url: 'https://www.huaian.gov.cn/col/2020.html', document_url: 'https://www.huaian.gov.cn/files/2020.pdf',
    });
    expect(summaryOf(db, ids['huaian-2021']!)).toMatchObject({ format: 'statutory-2021', applications_received: 120, applications_denied: 4, litigation_cases: 3, proactive_items: 5500 });
    expect(summaryOf(db, ids['qingjiangpu-2017']!)).toMatchObject({
      format: 'legacy', region: '江苏省 淮安市 清江浦区', proactive_items: 2100, applications_received: 40, applications_granted: 30,
      applications_partially_granted: 5, applications_denied: 3, review_cases: 2, litigation_cases: 1, findings_warning: 1,
    });
    expect(summaryOf(db, ids['archives-2012']!)).toMatchObject({
      format: 'legacy', proactive_items: 147, applications_received: 6, applications_granted: null, review_cases: null, litigation_cases: null,
    });
    expect(db.prepare('SELECT COUNT(*) FROM report_summary').pluck().get()).toBe(corpus().length);
  });

  it('applications_wide has one row per report and applications row with the seven columns', () => {
    const { db, ids } = loaded();
    const rows = db.prepare('SELECT * FROM applications_wide WHERE report_id = ?').all(ids['huaian-2021']) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(IDS.tables.applications.rows.length - 1); // 2021 has no single `other` row
    expect(Object.keys(rows[0]!)).toEqual(['report_id', 'agency', 'year', 'format', 'row', ...IDS.tables.applications.cols]);
    expect(rows.find((r) => r.row === 'new_received')).toMatchObject({ natural_person: 120, commercial_enterprise: 0, total: 120 });
    expect(db.prepare('SELECT COUNT(*) FROM applications_wide WHERE report_id = ?').pluck().get(ids['qingjiangpu-2017'])).toBe(0);
  });

  it('a typical summary query uses an index', () => {
    const { db } = loaded();
    const sql = `SELECT year, format, applications_received, applications_granted FROM report_summary WHERE agency = ? ORDER BY year`;
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('淮安市人民政府') as Array<{ detail: string }>).map((r) => r.detail);
    console.log(`EXPLAIN QUERY PLAN ${sql}\n  ${plan.join('\n  ')}`);
    expect(plan).toContain('SEARCH r USING INDEX reports_agency (agency=?)');
    // facts is a view: the cell key is looked up once, then the report's value by primary key.
    expect(plan.filter((d) => d.startsWith('SEARCH c USING COVERING INDEX sqlite_autoindex_fact_cells_1 (tbl=? AND row=? AND col=?)')).length).toBeGreaterThan(0);
    expect(plan.filter((d) => d.startsWith('SEARCH v USING PRIMARY KEY (report_id=? AND cell_id=?)')).length).toBeGreaterThan(0);
    expect(plan.some((d) => /SCAN (r|v|fact_values)\b/.test(d))).toBe(false);
    const byYear = (db.prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) FROM report_summary WHERE year = 2021 AND format = 'statutory-2021'`).all() as Array<{ detail: string }>).map((r) => r.detail);
    expect(byYear.some((d) => /SEARCH r USING INDEX reports_(year|format)/.test(d))).toBe(true);
    const cells = (db.prepare(`EXPLAIN QUERY PLAN SELECT report_id, value FROM facts WHERE tbl = 'applications' AND row = 'new_received' AND col = 'total'`).all() as Array<{ detail: string }>).map((r) => r.detail);
    expect(cells.join()).toMatch(/fact_values_cell/);
    expect(db.prepare(sql).all('淮安市人民政府')).toHaveLength(3);
  });
});

describe('cross-report checks', () => {
  it('a year missing inside an agency\'s range is an info finding on the report after the gap; agency_years and region_years count it', () => {
    const { db } = tempDb();
    const ids = [2018, 2019, 2022].map((y) => loadReport(db, statutory(`sihong-${y}`, 'statutory-2021', '泗洪县财政局', y, { applications: { new_received: y - 2000 } })).reportId);
    loadReport(db, statutory('sihong-gov', 'statutory-2021', '泗洪县人民政府', 2022, { applications: {} }));
    expect(runCrossReportChecks(db).missingYears).toBe(2);
    const found = db.prepare(`SELECT report_id, severity, message FROM findings WHERE rule = ? ORDER BY id`).all(CROSS_RULES.missingYear) as Array<{ report_id: number; severity: string; message: string }>;
    expect(found.map((f) => [f.report_id, f.severity, /no report for (\d+)/.exec(f.message)![1]])).toEqual([[ids[2], 'info', '2020'], [ids[2], 'info', '2021']]);
    expect(db.prepare('SELECT year, reports, formats, division_code FROM agency_years WHERE agency = ? ORDER BY year').all('泗洪县财政局')).toEqual(
      [2018, 2019, 2022].map((year) => ({ year, reports: 1, formats: 'statutory-2021', division_code: '321324' })),
    );
    expect(db.prepare('SELECT year, agencies FROM region_years WHERE division_code = ? ORDER BY year').all('321324')).toEqual([
      { year: 2018, agencies: 1 }, { year: 2019, agencies: 1 }, { year: 2022, agencies: 2 },
    ]);
  });


  it('finds carry-over mismatches and duplicates, links renames, and recomputes idempotently', () => {
    const { db, ids } = loaded();
    const counts = runCrossReportChecks(db);
    expect(counts).toEqual({ renamesLinked: 1, carryOverMismatches: 1, duplicates: 1, missingYears: 0 });
    const cross = () => db.prepare(`SELECT report_id, rule, severity, expected, printed FROM findings WHERE rule LIKE 'cross.%' ORDER BY rule, report_id`).all();
    expect(cross()).toEqual([
      { report_id: ids['nhc-2018'], rule: CROSS_RULES.renamed, severity: 'info', expected: null, printed: null },
      { report_id: ids['huaian-2022'], rule: CROSS_RULES.carryOver, severity: 'warning', expected: 5, printed: 7 },
      { report_id: ids['finance-2021-html'], rule: CROSS_RULES.duplicate, severity: 'warning', expected: null, printed: null },
    ]);
    const before = { findings: cross(), agencies: dump(db).agencies };
    runCrossReportChecks(db);
    expect(cross()).toEqual(before.findings);
    expect(dump(db).agencies).toEqual(before.agencies);

    // The renamed agency is one agency: same canonical id, counted once.
    const s = (id: number) => summaryOf(db, id)!;
    expect(s(ids['nhfpc-2017']!).canonical_agency_id).toBe(s(ids['nhc-2018']!).canonical_agency_id);
    expect(s(ids['nhfpc-2017']!).canonical_agency).toBe('国家卫生健康委员会');
    expect(db.prepare('SELECT COUNT(DISTINCT canonical_agency_id) FROM report_summary').pluck().get()).toBe(6);
    expect(db.prepare('SELECT COUNT(DISTINCT agency_id) FROM report_summary').pluck().get()).toBe(7);
    // The summary shows the findings on the report.
    expect(s(ids['huaian-2022']!).findings_warning).toBe(1);
  });

  it('checks carry-over across a rename, and a portal-restricted mapping needs both names on that portal', () => {
    const { db } = tempDb();
    const a = loadReport(db, statutory('old-2019', 'statutory-2019', '淮安市文化广电新闻出版局', 2019, { applications: { carried_forward: 4 } }), { portal: 'huaian' });
    const b = loadReport(db, statutory('new-2020', 'statutory-2019', '淮安市文化广电和旅游局', 2020, { applications: { carried_over: 1 } }), { portal: 'huaian' });
    const renames = [{ from: '淮安市文化广电新闻出版局', to: '淮安市文化广电和旅游局', portal: 'huaian' }];
    expect(runCrossReportChecks(db, { renames })).toMatchObject({ renamesLinked: 1, carryOverMismatches: 1 });
    expect(db.prepare(`SELECT report_id FROM findings WHERE rule = ?`).pluck().all(CROSS_RULES.carryOver)).toEqual([b.reportId]);
    expect(runCrossReportChecks(db, { renames: [{ ...renames[0]!, portal: 'elsewhere' }] })).toMatchObject({ renamesLinked: 0, carryOverMismatches: 0 });
    expect(db.prepare('SELECT COUNT(*) FROM agencies WHERE renamed_to IS NOT NULL').pluck().get()).toBe(0);
    expect(a.status).toBe('new');
  });
});

describe('cross-report checks of the agencies a load touched', () => {
  const crossRows = (db: ReturnType<typeof tempDb>['db']) =>
    db.prepare(`SELECT report_id, rule, severity, message, expected, printed FROM findings WHERE rule LIKE 'cross.%' ORDER BY rule, report_id, message`).all();

  it('give the findings a recomputation of every agency gives, load after load', () => {
    // Two databases fed the same loads: one checks every agency after each load, one only the agencies the load touched.
    const full = tempDb();
    const scoped = tempDb();
    const items = corpus();
    const steps = [items.slice(0, 3), items.slice(3), [transportCorrected()]];
    for (const step of steps) {
      loadReports(full.db, step);
      const outcomes = loadReports(scoped.db, step);
      const fullCounts = runCrossReportChecks(full.db);
      const touched = new Set(outcomes.flatMap((o) => o.agencies));
      expect(runCrossReportChecks(scoped.db, { agencies: touched })).toEqual(fullCounts);
      expect(crossRows(scoped.db)).toEqual(crossRows(full.db));
    }
    expect(crossRows(full.db).length).toBeGreaterThan(0);
    // A load that changes nothing touches no agency, and the findings stay.
    const again = loadReports(scoped.db, items);
    expect(again.flatMap((o) => o.agencies)).toEqual([]);
    runCrossReportChecks(scoped.db, { agencies: [] });
    expect(crossRows(scoped.db)).toEqual(crossRows(full.db));
  });

  it('a new year of one agency updates its carry-over and missing-year findings and leaves the others alone', () => {
    const { db } = tempDb();
    const other = loadReport(db, statutory('other-2019', 'statutory-2021', '泗洪县教育局', 2019, { applications: {} }));
    loadReport(db, statutory('other-2021', 'statutory-2021', '泗洪县教育局', 2021, { applications: {} }));
    loadReport(db, statutory('fin-2019', 'statutory-2021', '泗洪县财政局', 2019, { applications: { carried_forward: 3 } }));
    runCrossReportChecks(db);
    const missing = () => db.prepare(`SELECT message FROM findings WHERE rule = ? ORDER BY message`).pluck().all(CROSS_RULES.missingYear);
    expect(missing()).toHaveLength(1);
    const next = loadReport(db, statutory('fin-2020', 'statutory-2021', '泗洪县财政局', 2020, { applications: { carried_over: 5 } }));
    expect(next.agencies).toHaveLength(1);
    expect(next.agencies).not.toContain(other.agencies[0]);
    expect(runCrossReportChecks(db, { agencies: next.agencies })).toMatchObject({ carryOverMismatches: 1, missingYears: 1 });
    expect(db.prepare(`SELECT report_id FROM findings WHERE rule = ?`).pluck().all(CROSS_RULES.carryOver)).toEqual([next.reportId]);
  });
});

describe('load throughput', () => {
  it('inserts facts in batched transactions', () => {
    const { db } = tempDb();
    const items = Array.from({ length: 400 }, (_, i) => ({
      result: statutory(`bench-${i}`, 'statutory-2021', `第${i}县人民政府`, 2021, { applications: { new_received: i } }),
    }));
    const facts = items.reduce((n, i) => n + i.result.facts.length, 0);
    const t0 = performance.now();
    loadReports(db, items);
    const s = (performance.now() - t0) / 1000;
    console.log(`loaded ${items.length} reports, ${facts} facts in ${s.toFixed(2)} s: ${Math.round(facts / s)} facts/s`);
    expect(db.prepare('SELECT COUNT(*) FROM facts').pluck().get()).toBe(facts);
  });
});
