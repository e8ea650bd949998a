/**
 * The tables of a snapshot. One spec per resource drives the CSV header, the Parquet schema and the
 * datapackage.json fields, so the three cannot disagree. Chinese labels come from FORMATS.md (the
 * identifiers' labels are in dictionary.json).
 */
import fs from 'node:fs';
import type { DB } from '../store/db.ts';

export type FieldType = 'integer' | 'number' | 'string';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** Chinese label. */
  zh: string;
  /** English description. */
  description: string;
}

export interface SqlSource {
  /** SELECT expressions, one per field, in field order. */
  columns: string[];
  /** FROM (and joins); rows are taken in `key` order, paged on `key` ranges. */
  from: string;
  /** Integer expression ordering the rows (a primary key or its first column). */
  key: string;
  /** Full ordering, starting with `key`. */
  order: string;
}

export interface ResourceSpec {
  name: string;
  title: string;
  description: string;
  fields: FieldSpec[];
  primaryKey?: string[];
  foreignKeys?: Array<{ fields: string[]; reference: { resource: string; fields: string[] } }>;
  /** Where the rows come from: SQL (streamed in key ranges) or, for small data files, rows in field order. */
  source: SqlSource | { rows: (db: DB) => Iterable<unknown[]> };
}

const f = (name: string, type: FieldType, zh: string, description: string): FieldSpec => ({ name, type, zh, description });

const HARMONISED: FieldSpec[] = [
  f('proactive_items', 'number', '主动公开政府信息数', 'Government information items disclosed proactively: legacy_stats.proactive_items, else the narrative (legacy); the narrative (statutory).'),
  f('applications_received', 'number', '本年新收政府信息公开申请数量', 'Applications received in the year: legacy_stats.applications_received, else the narrative (legacy); applications.new_received.total (statutory).'),
  f('applications_granted', 'number', '予以公开', 'Applications granted in full: legacy_stats.replies_granted; applications.granted.total.'),
  f('applications_partially_granted', 'number', '部分公开', 'Applications granted in part: legacy_stats.replies_partially_granted; applications.partially_granted.total.'),
  f('applications_denied', 'number', '不予公开', 'Applications denied: legacy_stats.replies_denied; sum of applications.denied_*.total.'),
  f('review_cases', 'number', '行政复议', 'Administrative review cases about disclosure: legacy_stats.review_total; review_litigation.review.total.'),
  f('litigation_cases', 'number', '行政诉讼', 'Lawsuits about disclosure: legacy_stats.litigation_total; review_litigation litigation_direct.total + litigation_after_review.total.'),
];

/** The columns of the report_summary view, in export order. */
const SUMMARY_FIELDS: FieldSpec[] = [
  f('report_id', 'integer', '报告编号', 'Report (reports.report_id).'),
  f('agency', 'string', '机关名称', 'Publishing agency, as printed in the report.'),
  f('agency_id', 'integer', '机关编号', 'Agency identifier.'),
  f('canonical_agency_id', 'integer', '机关编号（现名）', 'Agency identifier under its latest name: count agencies with this one so a renamed agency counts once.'),
  f('canonical_agency', 'string', '机关现名', 'Latest name of the agency.'),
  f('region', 'string', '地区', 'Province, city and county joined by spaces, where known.'),
  f('province', 'string', '省', 'Province, where known.'),
  f('city', 'string', '市', 'City (prefecture), where known.'),
  f('county', 'string', '县（区）', 'County or district, where known.'),
  f('division_code', 'string', '行政区划代码', 'GB/T 2260 six-digit code of the agency\'s division (province, prefecture or county), resolved from the agency name, title, address, host and portal (places/); empty where it could not be placed (finding place.unresolved).'),
  f('agency_level', 'string', '机关层级', 'province, prefecture, county or township: the level of government the agency belongs to.'),
  f('agency_kind', 'string', '机关类别', 'government (人民政府 and its office) or department (局, 委, 办, 中心 …).'),
  f('year', 'integer', '报告年度', 'Report year.'),
  f('format', 'string', '报告格式', 'Format family.'),
  f('title', 'string', '标题', 'Title of the report.'),
  ...HARMONISED,
  f('findings_error', 'integer', '错误数', 'Validation findings of severity error on this report.'),
  f('findings_warning', 'integer', '警告数', 'Validation findings of severity warning on this report.'),
  f('findings_info', 'integer', '提示数', 'Validation findings of severity info on this report.'),
  f('portal', 'string', '门户网站', 'Portal the report was found on.'),
  f('source_url', 'string', '来源页面', 'Article page that published the report.'),
  f('document_url', 'string', '文件地址', 'URL of the file the numbers were read from.'),
  f('sha256', 'string', 'SHA-256', 'SHA-256 of the document bytes.'),
  f('parser_version', 'string', '解析器版本', 'Version of the code that produced the numbers.'),
];

export const RESOURCES: ResourceSpec[] = [
  {
    name: 'reports',
    title: 'Reports (年度报告)',
    description: 'One row per loaded report document and parser version. is_current = 0 rows are history: superseded by a corrected republication or a newer parser (superseded_by).',
    primaryKey: ['report_id'],
    fields: [
      f('report_id', 'integer', '报告编号', 'Identifier of the report row in this snapshot.'),
      f('agency', 'string', '机关名称', 'Publishing agency, as printed in the report.'),
      f('agency_id', 'integer', '机关编号', 'Agency identifier (spellings of one name share it).'),
      f('canonical_agency_id', 'integer', '机关编号（现名）', 'Agency identifier under its latest name (renames followed).'),
      f('province', 'string', '省', 'Province of the agency\'s division (GB/T 2260 name), where placed.'),
      f('city', 'string', '市', 'Prefecture of the agency\'s division (for a municipality: the municipality), where placed.'),
      f('county', 'string', '县（区）', 'County-level division of the agency, where placed.'),
      f('division_code', 'string', '行政区划代码', 'GB/T 2260 six-digit code of the agency\'s division (province, prefecture or county), resolved from the agency name, title, address, host and portal (places/); empty where it could not be placed (finding place.unresolved).'),
      f('agency_level', 'string', '机关层级', 'province, prefecture, county or township: the level of government the agency belongs to.'),
      f('agency_kind', 'string', '机关类别', 'government (人民政府 and its office) or department (局, 委, 办, 中心 …).'),
      f('year', 'integer', '报告年度', 'Report year (from the title, not the publication date).'),
      f('format', 'string', '报告格式', 'Format family: legacy, statutory-2019, statutory-2021 or unknown.'),
      f('format_reason', 'string', '格式说明', 'Why the format is unknown, where it is.'),
      f('title', 'string', '标题', 'Title of the report.'),
      f('portal', 'string', '门户网站', 'Portal the report was found on.'),
      f('source_url', 'string', '来源页面', 'Article page that published the report.'),
      f('document_url', 'string', '文件地址', 'URL of the file the numbers were read from.'),
      f('sha256', 'string', 'SHA-256', 'SHA-256 of the document bytes (the raw file in data/raw).'),
      f('media_type', 'string', '文件类型', 'Media type of the document.'),
      f('parser_version', 'string', '解析器版本', 'Version of the extract/normalize code that produced the row.'),
      f('extracted_at', 'string', '解析时间', 'When the row was loaded (ISO 8601, UTC).'),
      f('is_current', 'integer', '是否现行', '1 for the current version of a report, 0 for history.'),
      f('superseded_by', 'integer', '被替代为', 'report_id of the row that replaced this one.'),
      f('error_code', 'string', '错误代码', 'Error code where the document could not be processed.'),
      f('error_message', 'string', '错误信息', 'Error message where the document could not be processed.'),
    ],
    source: {
      columns: ['r.id', 'r.agency', 'r.agency_id', 'COALESCE(a.canonical_id, r.agency_id)', 'r.province', 'r.city', 'r.county',
        'r.division_code', 'r.agency_level', 'r.agency_kind', 'r.year', 'r.format',
        'r.format_reason', 'r.title', 'r.portal', 'r.source_url', 'r.document_url', 'r.sha256', 'r.media_type', 'r.parser_version',
        'r.extracted_at', 'r.is_current', 'r.superseded_by', 'r.error_code', 'r.error_message'],
      from: 'reports r LEFT JOIN agencies a ON a.id = r.agency_id',
      key: 'r.id',
      order: 'r.id',
    },
  },
  {
    name: 'facts',
    title: 'Facts (表格数字)',
    description: 'Every number read from a report, one row per table cell, with where it was read. Identifiers are explained in dictionary.csv.',
    primaryKey: ['report_id', 'table', 'row', 'col'],
    foreignKeys: [{ fields: ['report_id'], reference: { resource: 'reports', fields: ['report_id'] } }],
    fields: [
      f('report_id', 'integer', '报告编号', 'Report the number belongs to (reports.report_id).'),
      f('table', 'string', '表', 'Table identifier: applications, review_litigation, proactive, legacy_stats, narrative.'),
      f('row', 'string', '行', 'Row identifier (see dictionary.csv).'),
      f('col', 'string', '列', 'Column identifier (see dictionary.csv).'),
      f('value', 'number', '数值', 'The number as printed; empty = printed blank or as a placeholder (not reported, not zero).'),
      f('page', 'integer', '页码', '1-based page of the document where known.'),
      f('block', 'integer', '表格序号', '0-based index of the table in the extracted document.'),
      f('cell_row', 'integer', '单元格行', '0-based row of the cell in that table.'),
      f('cell_col', 'integer', '单元格列', '0-based column of the cell in that table.'),
      f('printed', 'string', '原文', 'The cell text as printed (e.g. 17.7万, /, 22（其中修订16件）).'),
      f('confidence', 'number', '识别置信度', 'OCR confidence 0..1 where the cell was read by OCR.'),
    ],
    source: {
      columns: ['report_id', 'tbl', 'row', 'col', 'value', 'page', 'block', 'cell_row', 'cell_col', 'printed', 'confidence'],
      from: 'facts',
      key: 'report_id',
      order: 'report_id, tbl, row, col',
    },
  },
  {
    name: 'summary',
    title: 'Summary (汇总)',
    description: 'One row per current report with the harmonised fields, comparable across the legacy and statutory formats (view report_summary).',
    primaryKey: ['report_id'],
    foreignKeys: [{ fields: ['report_id'], reference: { resource: 'reports', fields: ['report_id'] } }],
    fields: SUMMARY_FIELDS,
    source: { columns: SUMMARY_FIELDS.map((x) => x.name), from: 'report_summary', key: 'report_id', order: 'report_id' },
  },
  {
    name: 'findings',
    title: 'Findings (校验发现)',
    description: 'Validation findings: identities a report breaks (numbers kept as printed) and checks across reports (rules cross.*).',
    primaryKey: ['finding_id'],
    fields: [
      f('finding_id', 'integer', '编号', 'Identifier of the finding.'),
      f('report_id', 'integer', '报告编号', 'Report the finding is about (for cross-report findings: the later report); may be empty.'),
      f('rule', 'string', '规则', 'Rule that produced the finding.'),
      f('severity', 'string', '严重程度', 'error, warning or info.'),
      f('message', 'string', '说明', 'What was found.'),
      f('cells', 'string', '相关单元格', 'JSON array of the cells involved, as table.row.col.'),
      f('expected', 'number', '应为', 'Value the rule expected.'),
      f('printed', 'number', '印制值', 'Value as printed.'),
    ],
    source: {
      columns: ['id', 'report_id', 'rule', 'severity', 'message', 'cells', 'expected', 'printed'],
      from: 'findings',
      key: 'id',
      order: 'id',
    },
  },
  {
    name: 'dictionary',
    title: 'Dictionary (数据字典)',
    description: 'Chinese labels of the table, row and column identifiers used in facts.csv.',
    primaryKey: ['table', 'kind', 'id'],
    fields: [
      f('table', 'string', '表', 'Table identifier.'),
      f('kind', 'string', '类别', 'table, row or col.'),
      f('id', 'string', '标识', 'Identifier as used in facts.csv.'),
      f('label_zh', 'string', '中文名称', 'Label in the official form.'),
      f('label_en', 'string', '英文说明', 'English description (tables only).'),
    ],
    source: { rows: dictionaryRows },
  },
];

/** coverage.csv: per agency, the years it has a report for and the years missing in between. */
function* coverageRows(db: DB): Iterable<unknown[]> {
  const rows = db
    .prepare('SELECT agency_id, agency, division_code, province, city, county, year, reports, formats FROM agency_years ORDER BY agency_id, year')
    .iterate() as Iterable<{ agency_id: number; agency: string; division_code: string | null; province: string | null; city: string | null; county: string | null; year: number; reports: number; formats: string }>;
  type Row = Parameters<typeof flush>[0];
  let cur: Row | null = null;
  function flush(a: { id: number; agency: string; code: string | null; province: string | null; city: string | null; county: string | null; years: number[]; formats: string[]; reports: number }): unknown[] {
    const first = a.years[0]!;
    const last = a.years.at(-1)!;
    const missing: number[] = [];
    for (let y = first; y <= last; y++) if (!a.years.includes(y)) missing.push(y);
    return [a.id, a.agency, a.code, a.province, a.city, a.county, first, last, a.years.length, missing.length, a.years.join(';'), missing.join(';'),
      a.years.map((y, i) => `${y}:${a.formats[i]}`).join(';'), a.reports];
  }
  for (const r of rows) {
    if (cur && cur.id !== r.agency_id) {
      yield flush(cur);
      cur = null;
    }
    cur ??= { id: r.agency_id, agency: r.agency, code: r.division_code, province: r.province, city: r.city, county: r.county, years: [], formats: [], reports: 0 };
    cur.years.push(r.year);
    cur.formats.push(r.formats.split(',').join('+'));
    cur.reports += r.reports;
    cur.code ??= r.division_code;
  }
  if (cur) yield flush(cur);
}

RESOURCES.push(
  {
    name: 'coverage',
    title: 'Coverage (年报覆盖)',
    description: 'One row per agency (under its latest name): the years it has a current report for, the years missing between its first and last (each is also a cross.missing_year finding), and the format of each year (view agency_years).',
    primaryKey: ['agency_id'],
    fields: [
      f('agency_id', 'integer', '机关编号', 'Agency identifier under its latest name (summary.canonical_agency_id).'),
      f('agency', 'string', '机关名称', 'Latest name of the agency.'),
      f('division_code', 'string', '行政区划代码', 'GB/T 2260 code of the agency\'s division, where placed.'),
      f('province', 'string', '省', 'Province, where placed.'),
      f('city', 'string', '市', 'Prefecture, where placed.'),
      f('county', 'string', '县（区）', 'County-level division, where placed.'),
      f('first_year', 'integer', '首个年度', 'First year with a report.'),
      f('last_year', 'integer', '最近年度', 'Last year with a report.'),
      f('years_with_report', 'integer', '有报告年数', 'Number of years with a report.'),
      f('years_missing', 'integer', '缺失年数', 'Number of years between first_year and last_year without a report.'),
      f('years', 'string', '有报告的年度', 'Years with a report, separated by semicolons.'),
      f('missing_years', 'string', '缺失年度', 'Years between the first and the last without a report, separated by semicolons.'),
      f('formats', 'string', '各年度格式', 'year:format for each year with a report (several formats joined by +), separated by semicolons.'),
      f('reports', 'integer', '报告数', 'Current reports of the agency (more than the years where a year has two).'),
    ],
    source: { rows: coverageRows },
  },
  {
    name: 'region_coverage',
    title: 'Coverage by region (地区覆盖)',
    description: 'Per division and year: how many agencies have a current report (view region_years). Unplaced agencies are counted under an empty division.',
    fields: [
      f('year', 'integer', '报告年度', 'Report year.'),
      f('division_code', 'string', '行政区划代码', 'GB/T 2260 code of the division.'),
      f('province', 'string', '省', 'Province.'),
      f('city', 'string', '市', 'Prefecture.'),
      f('county', 'string', '县（区）', 'County-level division.'),
      f('agencies', 'integer', '有报告的机关数', 'Agencies with a report for the year.'),
      f('reports', 'integer', '报告数', 'Current reports for the year.'),
    ],
    source: { columns: ['year', 'division_code', 'province', 'city', 'county', 'agencies', 'reports'], from: 'region_years', key: 'year', order: 'year, division_code' },
  },
);

/** changes.csv: reports added, replaced and withdrawn since the previous snapshot (dataset/changes.ts). */
export function changesSpec(rows: () => Iterable<unknown[]>): ResourceSpec {
  return {
    name: 'changes',
    title: 'Changes (变更)',
    description: 'Reports added, replaced (new parser version, new rendering, republished file: with the facts that changed) and withdrawn (no longer listed, or no current report replaces them) since the previous snapshot (manifest.json: previous_snapshot). The first snapshot lists every report as added.',
    fields: [
      f('change', 'string', '变更', 'added, replaced or withdrawn.'),
      f('reason', 'string', '原因', 'Why: new parser version, republished, new rendering, no longer listed …'),
      f('report_id', 'integer', '报告编号', 'The current report (empty when withdrawn).'),
      f('previous_report_id', 'integer', '原报告编号', 'The report of the previous snapshot (empty when added).'),
      f('agency', 'string', '机关名称', 'Agency as printed.'),
      f('year', 'integer', '报告年度', 'Report year.'),
      f('division_code', 'string', '行政区划代码', 'GB/T 2260 code of the agency\'s division.'),
      f('format', 'string', '报告格式', 'Format family.'),
      f('sha256', 'string', 'SHA-256', 'Document of the current report.'),
      f('previous_sha256', 'string', '原SHA-256', 'Document of the previous report.'),
      f('parser_version', 'string', '解析器版本', 'Parser version of the current report.'),
      f('previous_parser_version', 'string', '原解析器版本', 'Parser version of the previous report.'),
      f('facts_changed', 'integer', '变动数字数', 'Cells whose value changed, appeared or disappeared (replaced only).'),
      f('changed_facts', 'string', '变动数字', 'table.row.col: before → after, separated by semicolons (the first 30).'),
      f('source_url', 'string', '来源页面', 'Article page of the report.'),
    ],
    source: { rows },
  };
}

/** Column names of the report_summary view, in export order. */
export const SUMMARY_COLUMNS = SUMMARY_FIELDS.map((x) => x.name);

interface Dictionary {
  tables: Record<string, { label_zh: string; label_en: string; rows: Record<string, string>; cols: Record<string, string> }>;
}

export function dictionary(): Dictionary {
  return JSON.parse(fs.readFileSync(new URL('./dictionary.json', import.meta.url), 'utf8')) as Dictionary;
}

function* dictionaryRows(): Iterable<unknown[]> {
  for (const [table, t] of Object.entries(dictionary().tables)) {
    yield [table, 'table', table, t.label_zh, t.label_en];
    for (const [id, zh] of Object.entries(t.rows)) yield [table, 'row', id, zh, null];
    for (const [id, zh] of Object.entries(t.cols)) yield [table, 'col', id, zh, null];
  }
}
