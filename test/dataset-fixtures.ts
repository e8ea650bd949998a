/**
 * ReportResult fixtures for the dataset tests, built from the real identifiers
 * (../shared/identifiers.json): every cell of the statutory tables, the legacy statistics table,
 * narrative-only legacy reports.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fact, ReportResult } from '../schema/report.ts';
import { openDatabase, type DB } from '../store/db.ts';
import type { LoadContext } from '../dataset/load.ts';

const identifiersFile = ['../../shared/identifiers.json', '../schema/identifiers.json']
  .map((p) => new URL(p, import.meta.url))
  .find((u) => fs.existsSync(u))!;
export const IDS = JSON.parse(fs.readFileSync(identifiersFile, 'utf8')) as {
  tables: {
    applications: { rows: string[]; cols: string[] };
    review_litigation: { rows: string[]; cols: string[] };
    proactive: { variants: Record<string, Record<string, string[]>> };
    legacy_stats: { rows: string[]; cols: string[] };
    narrative: { rows: string[]; cols: string[] };
  };
  harmonised: string[];
};

export const sha = (label: string) => crypto.createHash('sha256').update(label).digest('hex');

export function tempDb(): { db: DB; dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-dataset-'));
  const file = path.join(dir, 'nianbao.sqlite');
  return { db: openDatabase(file), dir, file };
}

const base = (label: string, over: Partial<ReportResult>): ReportResult => ({
  file: `data/raw/${sha(label).slice(0, 2)}/${sha(label)}`,
  sha256: sha(label),
  mediaType: 'application/pdf',
  format: 'unknown',
  year: null,
  agency: null,
  title: null,
  facts: [],
  findings: [],
  parserVersion: '1.0.0',
  ...over,
});

export interface StatutoryNumbers {
  /** applications rows → total column (natural_person gets the same number, other columns 0). */
  applications: Partial<Record<string, number | null>>;
  review?: number;
  litigationDirect?: number;
  litigationAfterReview?: number;
  proactiveItems?: number;
}

/** A statutory report with every cell of its tables; `label` makes its sha256. */
export function statutory(
  label: string,
  format: 'statutory-2019' | 'statutory-2021',
  agency: string,
  year: number,
  n: StatutoryNumbers,
  text = '',
): ReportResult {
  const facts: Fact[] = [];
  const apps = IDS.tables.applications;
  // 2019 prints （六）其他处理 as one row, 2021 splits it in three (FORMATS.md).
  const rows = apps.rows.filter((r) => (format === 'statutory-2019' ? !/^other_/.test(r) : r !== 'other'));
  rows.forEach((row, i) => {
    const total = n.applications[row] ?? 0;
    for (const col of apps.cols) {
      const value = col === 'total' || col === 'natural_person' ? total : 0;
      facts.push({ table: 'applications', row, col, value, source: { block: 1, cellRow: 2 + i, cellCol: apps.cols.indexOf(col) + 2, text: String(value) } });
    }
  });
  const rl = IDS.tables.review_litigation;
  const rlTotals: Record<string, number> = { review: n.review ?? 0, litigation_direct: n.litigationDirect ?? 0, litigation_after_review: n.litigationAfterReview ?? 0 };
  for (const row of rl.rows) {
    for (const col of rl.cols) facts.push({ table: 'review_litigation', row, col, value: col === 'total' || col === 'upheld' ? rlTotals[row]! : 0 });
  }
  for (const [row, cols] of Object.entries(IDS.tables.proactive.variants[format]!)) {
    for (const col of cols) facts.push({ table: 'proactive', row, col, value: 1 });
  }
  if (n.proactiveItems !== undefined) facts.push({ table: 'narrative', row: 'proactive_items', col: 'value', value: n.proactiveItems });
  return base(label, {
    format,
    agency,
    year,
    title: `${agency}${year}年政府信息公开工作年度报告`,
    facts,
    findings: [],
    text: `${agency}${year}年政府信息公开工作年度报告。一、总体情况。${text}`,
  });
}

export function legacyStats(label: string, agency: string, year: number, values: Partial<Record<string, number | null>>, text = ''): ReportResult {
  const facts: Fact[] = IDS.tables.legacy_stats.rows.map((row, i) => ({
    table: 'legacy_stats',
    row,
    col: 'value',
    value: row in values ? values[row]! : 0,
    source: { block: 0, cellRow: i + 1, cellCol: 2, text: String(values[row] ?? 0) },
  }));
  return base(label, {
    format: 'legacy',
    agency,
    year,
    title: `${agency}${year}年政府信息公开年度报告`,
    facts,
    findings: [{ rule: 'legacy_stats.replies_total', severity: 'warning', message: 'replies_total differs from the sum of its items', cells: ['legacy_stats.replies_total.value'], expected: 10, printed: 11 }],
    text: `${agency}${year}年政府信息公开年度报告。${text}`,
  });
}

export function legacyNarrative(label: string, agency: string, year: number, proactive: number, received: number, text = ''): ReportResult {
  return base(label, {
    format: 'legacy',
    agency,
    year,
    title: `${agency}${year}年政府信息公开年度报告`,
    mediaType: 'text/html',
    facts: [
      { table: 'narrative', row: 'proactive_items', col: 'value', value: proactive, source: { text: `主动公开政府信息${proactive}条` } },
      { table: 'narrative', row: 'applications_received', col: 'value', value: received, source: { text: `受理依申请公开${received}件` } },
    ],
    text: `${year}年，${agency}主动公开政府信息${proactive}条，受理依申请公开${received}件。${text}`,
  });
}

/** Sets some facts' values, keyed table.row.col. */
function withValues(r: ReportResult, values: Record<string, number | null>): ReportResult {
  return { ...r, facts: r.facts.map((f) => (`${f.table}.${f.row}.${f.col}` in values ? { ...f, value: values[`${f.table}.${f.row}.${f.col}`]! } : f)) };
}

export const HUAIAN = { province: '江苏省', city: '淮安市' };

/** The corpus of the dataset tests: every scenario of the issue, with its load context. */
export function corpus(): Array<{ name: string; result: ReportResult; ctx: LoadContext }> {
  const page = (p: string) => `https://www.huaian.gov.cn/col/${p}.html`;
  const doc = (p: string) => `https://www.huaian.gov.cn/files/${p}.pdf`;
  const c = (p: string, region: LoadContext['region'] = HUAIAN, portal = 'huaian'): LoadContext => ({ sourceUrl: page(p), documentUrl: doc(p), portal, region });
  return [
    {
      name: 'huaian-2020',
      result: withValues(statutory('huaian-2020', 'statutory-2019', '淮安市人民政府', 2020, { applications: { new_received: 100, carried_over: 2, granted: 50, partially_granted: 10, denied_state_secret: 1, denied_third_party_rights: 2, total: 99, carried_forward: 3 }, review: 4, litigationDirect: 2, litigationAfterReview: 1, proactiveItems: 4000 }, '依申请公开工作规范有序。'), {
        // Negative changes and 元 converted to 万元 (FORMATS.md): decimals must survive every export path.
        'proactive.administrative_fees.change': -185,
        'proactive.procurement.amount_10k_yuan': 25.1,
        'proactive.procurement.items': 0.1 + 0.2,
      }),
      ctx: c('2020'),
    },
    {
      name: 'huaian-2021',
      // carried_over 3 = carried_forward of 2020: no finding. carried_forward 5 ≠ 2022's carried_over 7.
      result: withValues(statutory('huaian-2021', 'statutory-2021', '淮安市人民政府', 2021, { applications: { new_received: 120, carried_over: 3, granted: 60, partially_granted: 12, denied_process_information: 4, total: 118, carried_forward: 5 }, review: 5, litigationDirect: 3, proactiveItems: 5500 }, '全年主动公开各类政府信息5500余条。'), {
        'proactive.administrative_fees.amount_10k_yuan': 96171.6,
        'proactive.licensing.decisions': 3985758,
      }),
      ctx: c('2021'),
    },
    {
      name: 'huaian-2022',
      result: statutory('huaian-2022', 'statutory-2021', '淮安市人民政府', 2022, { applications: { new_received: 130, carried_over: 7, granted: 70, total: 135, carried_forward: 2 }, review: 1 }),
      ctx: c('2022'),
    },
    {
      name: 'qingjiangpu-2017',
      result: legacyStats('qingjiangpu-2017', '淮安市清江浦区人民政府', 2017, { proactive_items: 2100, applications_received: 40, replies_granted: 30, replies_partially_granted: 5, replies_denied: 3, review_total: 2, litigation_total: 1 }, '政府信息公开情况统计表附后。'),
      ctx: c('qjp-2017', { ...HUAIAN, county: '清江浦区' }),
    },
    {
      name: 'archives-2012',
      result: legacyNarrative('archives-2012', '淮安市档案馆', 2012, 147, 6, '查阅服务设在档案馆'),
      ctx: c('archives-2012'),
    },
    {
      // Published twice (PDF and HTML page, two articles): a duplicate, not a republication.
      name: 'finance-2021-pdf',
      result: statutory('finance-2021-pdf', 'statutory-2021', '淮安市财政局', 2021, { applications: { new_received: 8, granted: 8, total: 8 } }),
      ctx: c('finance-2021-a'),
    },
    {
      name: 'finance-2021-html',
      result: { ...statutory('finance-2021-html', 'statutory-2021', '淮 安 市 财 政 局', 2021, { applications: { new_received: 8, granted: 8, total: 8 } }), mediaType: 'text/html' },
      ctx: c('finance-2021-b'),
    },
    {
      // Renamed in 2018 (agency-renames.json): one agency in the summaries.
      name: 'nhfpc-2017',
      result: legacyStats('nhfpc-2017', '国家卫生和计划生育委员会', 2017, { proactive_items: 900, applications_received: 300, replies_granted: 200 }),
      ctx: { sourceUrl: 'https://www.nhc.gov.cn/2017.html', portal: 'nhc' },
    },
    {
      name: 'nhc-2018',
      result: legacyStats('nhc-2018', '国家卫生健康委员会', 2018, { proactive_items: 950, applications_received: 320, replies_granted: 210 }),
      ctx: { sourceUrl: 'https://www.nhc.gov.cn/2018.html', portal: 'nhc' },
    },
    {
      // The transport bureau's 2021 report, first as published; a corrected file follows (republication).
      name: 'transport-2021',
      result: {
        ...statutory('transport-2021', 'statutory-2021', '淮安市交通运输局', 2021, { applications: { new_received: 11, granted: 9, total: 9, carried_forward: 2 } }, '交通运输"政务公开",专栏'),
        // A title with a comma, quotes and a line break: the CSV must quote it.
        title: '淮安市交通运输局2021年政府信息公开工作年度报告,"初稿"\n第一版',
      },
      ctx: c('transport-2021'),
    },
  ];
}

/** The corrected file of the transport bureau's 2021 report: same page, new bytes, new numbers. */
export function transportCorrected(): { result: ReportResult; ctx: LoadContext } {
  return {
    result: statutory('transport-2021-corrected', 'statutory-2021', '淮安市交通运输局', 2021, { applications: { new_received: 12, granted: 10, total: 10, carried_forward: 2 } }, '更正版。'),
    ctx: { sourceUrl: 'https://www.huaian.gov.cn/col/transport-2021.html', documentUrl: 'https://www.huaian.gov.cn/files/transport-2021-v2.pdf', portal: 'huaian', region: HUAIAN },
  };
}

/** Every table's rows, for comparing database states. */
export function dump(db: DB): Record<string, unknown[]> {
  const q = (sql: string) => db.prepare(sql).all();
  return {
    agencies: q('SELECT * FROM agencies ORDER BY id'),
    reports: q('SELECT * FROM reports ORDER BY id'),
    facts: q('SELECT * FROM facts ORDER BY report_id, tbl, row, col'),
    findings: q('SELECT * FROM findings ORDER BY id'),
    // The index's own document list, and the reports still waiting for it.
    bigram: q('SELECT id FROM reports_bigram_docsize ORDER BY id'),
    ftsPending: q('SELECT report_id FROM fts_pending ORDER BY report_id'),
  };
}
