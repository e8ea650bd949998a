/**
 * The variations of FORMATS.md ("What varies in the wild"), each built from a real seed by the
 * change a publisher makes, run through the full pipeline.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as OpenCC from 'opencc-js';
import { buildReport } from './helpers/build-report.ts';
import type { ReportResult } from '../schema/report.ts';
import { seedFile } from './helpers/expected.ts';

const seedText = (id: string) => fs.readFileSync(seedFile(id), 'utf8');
const run = (text: string, file = 'variant.txt') => buildReport(Buffer.from(text, 'utf8'), { file });
const value = (r: ReportResult, table: string, row: string, col: string) =>
  r.facts.find((f) => f.table === table && f.row === row && f.col === col)?.value;

/** Replaces the n-th (0-based) cell line of a row in a cell-per-line table, found after `label`. */
function setCell(text: string, label: string, index: number, newText: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes(label));
  if (at < 0) throw new Error(`label not found: ${label}`);
  let k = at;
  for (let seen = 0; seen <= index; ) {
    k++;
    if (/^\t/.test(lines[k]) && !/^\t\s*$/.test(lines[k]) && !/[^\d\s/.,\-—万元]/u.test(lines[k].slice(1))) seen++;
  }
  lines[k] = `\t${newText}`;
  return lines.join('\n');
}

describe('variations in the wild', () => {
  it('seed 004: blank review cells are null, not zero, and no identity is claimed broken', async () => {
    const r = await run(seedText('004'));
    for (const col of ['upheld', 'corrected', 'other', 'pending', 'total']) {
      expect(value(r, 'review_litigation', 'review', col)).toBeNull();
      expect(value(r, 'review_litigation', 'litigation_direct', col)).toBe(0);
    }
    expect(r.findings.filter((f) => f.rule.startsWith('review_litigation'))).toEqual([]);
  });

  it('/, -, ——, 无 and blank cells are null (not reported), never zero', async () => {
    let t = seedText('002');
    t = setCell(t, '一、本年新收政府信息公开申请数量', 1, '/');
    t = setCell(t, '一、本年新收政府信息公开申请数量', 2, '-');
    t = setCell(t, '一、本年新收政府信息公开申请数量', 3, '——');
    t = setCell(t, '一、本年新收政府信息公开申请数量', 4, '无');
    const r = await run(t);
    expect(['commercial_enterprise', 'research_institution', 'social_welfare_org', 'legal_service_org'].map((c) => value(r, 'applications', 'new_received', c))).toEqual([null, null, null, null]);
    expect(value(r, 'applications', 'new_received', 'natural_person')).toBe(1);
    expect(value(r, 'applications', 'new_received', 'total')).toBe(1);
    // A row whose cells are partly null: the identity is reported as info, not as an error.
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('label spelling variants, numbering styles and half-width brackets all map to the same rows', async () => {
    let t = seedText('000');
    t = t
      .replace('一、本年新收政府信息公开申请数量', '1、本年新收到政府信息公开申请数量')
      .replace('二、上年结转政府信息公开申请数量', '2. 上年转结政府信息公开申请数量')
      .replace('本年废止件数', '本年度止件数')
      .replace('社会公益组织', '社会组织')
      .replace('行政规范性文件', '规范性文件')
      .replace('（三）不予公开', '(三) 不予公开')
      .replace('1.属于国家秘密', '１．属于国家\n秘密')
      .replace('四、结转下年度继续办理', '四、转结下年度继续办理');
    const base = await run(seedText('000'));
    const r = await run(t);
    expect(r.format).toBe('statutory-2021');
    expect(r.facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort()).toEqual(
      base.facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort(),
    );
  });

  it('units, separators, negatives and annotations: 万, 元→万元, 1,234, -185, 22（其中修订16件）', async () => {
    let t = seedText('003');
    t = setCell(t, '其他对外管理服务事项', 1, '-185');
    t = setCell(t, '其他对外管理服务事项', 2, '1,234');
    t = t.replace('17.7万', '251000元');
    t = setCell(t, '\t规范性文件', 0, '22（其中修订16件）');
    t = setCell(t, '一、本年新收到政府信息公开申请数量', 0, '　　1.2万');
    const r = await run(t);
    expect(value(r, 'proactive', 'other_services', 'change')).toBe(-185);
    expect(value(r, 'proactive', 'other_services', 'decisions')).toBe(1234);
    expect(value(r, 'proactive', 'procurement', 'amount_10k_yuan')).toBe(25.1);
    expect(value(r, 'proactive', 'normative_documents', 'made')).toBe(22);
    expect(value(r, 'applications', 'new_received', 'natural_person')).toBe(12000);
    // The publisher's total no longer adds up: a finding, with the number kept as printed.
    const f = r.findings.find((x) => x.rule === 'applications.row_sum' && x.cells.includes('applications.new_received.total'));
    expect(f).toMatchObject({ severity: 'error', expected: 12000, printed: 0 });
    expect(value(r, 'applications', 'new_received', 'total')).toBe(0);
  });

  it('a Traditional-character page gives the same facts, with the original agency text kept', async () => {
    const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' }) as (s: string) => string;
    const simplified = await run(seedText('002'));
    const traditional = toTraditional(seedText('002'));
    expect(traditional).not.toBe(seedText('002'));
    const paragraphs = traditional.split('\n');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${paragraphs[0]}</title></head><body><div class="TRS_Editor">${paragraphs
      .map((p) => `<p>${p.replace(/\t/g, ' ')}</p>`)
      .join('')}</div></body></html>`;
    // The same report as a Traditional text file (the tables keep their flattened layout).
    const r = await run(traditional, 'gate-mirror.txt');
    expect(r.format).toBe('statutory-2021');
    expect(r.title).toBe(toTraditional('2021年政府信息公开工作年度报告（拱墅区投资促进局）'));
    expect(r.agency).toBe('拱墅区投资促进局');
    expect(r.facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort()).toEqual(
      simplified.facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort(),
    );
    const page = await buildReport(Buffer.from(html), { file: 'gate-mirror.html' });
    expect(page.title).toContain(toTraditional('报告'));
  });

  it('a narrative that contradicts the table keeps both numbers and records a finding', async () => {
    const t = seedText('002').replace('共受理依申请公开1件', '共受理依申请公开5件');
    const r = await run(t);
    expect(value(r, 'narrative', 'applications_received', 'value')).toBe(5);
    expect(value(r, 'applications', 'new_received', 'total')).toBe(1);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'narrative.contradicts_table', expected: 5, printed: 1 }));
  });

  it('a row of the official table that is missing (or unreadable) is a finding, never silent', async () => {
    // Drop the 3.其他 row of （六） and the 行政强制 row from seed 000.
    const t = seedText('000')
      .replace(/\t\n\t\n\t3\.其他\n(\t0\n){7}/, '')
      .replace(/\t行政强制\n\t0\n/, '');
    expect(t).not.toContain('3.其他');
    const r = await run(t);
    // Two of （六）'s three rows printed: the finding names the one that is not.
    const f = r.findings.find((x) => x.rule === 'parse.missing_rows' && x.cells.includes('applications.other_other'));
    expect(f?.cells).not.toContain('applications.other_no_fee');
    expect(f?.severity).toBe('warning');
    expect(r.findings.find((x) => x.rule === 'parse.missing_rows' && x.cells.includes('proactive.coercion'))).toBeDefined();
    expect((await run(seedText('000'))).findings.filter((x) => x.rule === 'parse.missing_rows')).toEqual([]);
  });

  it('a sub-row of （六） read as the one-row form (its own label misread) is a finding naming both', async () => {
    // A stray bracket in 1.申请人…'s label (a PDF's （六） bracket hung over the column rule): the
    // row was filed under its left label （六）其他处理, i.e. the 2019 one-row form, beside 2. and 3.
    const r = await run(seedText('000').replace('1.申请人无正当理由逾期不补正', '1.申请人无正当理由逾期不）补正'));
    expect(r.facts.some((f) => f.row === 'other')).toBe(true);
    const f = r.findings.find((x) => x.rule === 'parse.missing_rows' && x.cells.includes('applications.other_no_correction'));
    expect(f?.cells).toContain('applications.other');
    expect(f?.severity).toBe('warning');
  });

  it('an official table not read at all is a finding naming it, never silent', async () => {
    // Seed 000 with its review/litigation table cut out (the heading stays).
    const lines = seedText('000').split('\n');
    const from = lines.findIndex((l) => l.includes('四、政府信息公开行政复议、行政诉讼情况'));
    const to = lines.findIndex((l) => l.includes('五、存在的主要问题及改进情况'));
    const r = await run([...lines.slice(0, from + 1), ...lines.slice(to)].join('\n'));
    expect(r.facts.filter((f) => f.table === 'review_litigation')).toEqual([]);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'parse.missing_table', severity: 'warning', cells: ['review_litigation'] }));
    expect((await run(seedText('000'))).findings.filter((x) => x.rule === 'parse.missing_table')).toEqual([]);
  });

  it('a row printed twice names the rows missing around it, as a misread of one of them', async () => {
    // （六）'s first two sub-rows read as the one-row form （六）其他处理, twice (as an OCR'd scan
    // whose narrow label cells were lost can give): the duplicate names the two rows not found.
    const t = seedText('000')
      .replace('\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\n', '')
      .replace('\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\n', '\t（六）其他处理\n');
    const r = await run(t);
    const dup = r.findings.find((x) => x.rule === 'parse.duplicate_row');
    expect(dup?.severity).toBe('warning');
    expect(dup?.cells).toEqual(['applications.other', 'applications.other_no_correction', 'applications.other_no_fee']);
    expect(dup?.message).toContain('may be a misread of applications.other_no_correction, applications.other_no_fee');
  });

  it('a page that is not an annual report comes out unknown with a reason, not a report of nulls', async () => {
    const notice = [
      '关于印发2022年政务公开工作要点的通知',
      '各乡镇人民政府、街道办事处，市政府各部门、各直属单位：',
      '现将《2022年政务公开工作要点》印发给你们，请结合实际认真贯彻落实。',
      '一、围绕优化营商环境加强公开',
      '（一）做好市场主体关切信息公开。',
      '余姚市人民政府办公室',
      '2022年4月20日',
    ].join('\n');
    const r = await run(notice, 'notice.txt');
    expect(r.format).toBe('unknown');
    expect(r.formatReason).toMatch(/not an annual report/);
    expect(r.facts).toEqual([]);
    expect(r.error).toBeUndefined();
  });

  it('a legacy report without a statistics table keeps its narrative numbers', async () => {
    const t = seedText('001').split('附件：')[0];
    const r = await run(t);
    expect(r.format).toBe('legacy');
    expect(r.facts).toEqual([expect.objectContaining({ table: 'narrative', row: 'proactive_items', value: 147 })]);
  });

  it('a 2021-dated report printing the 2019 （六）其他处理 row is detected from its tables', async () => {
    // Seed 000's tables, with the three （六） sub-rows collapsed into one, and 2019 proactive headers.
    let t = seedText('003').replace('余姚市经济和信息化局2020年度政府', '余姚市经济和信息化局2023年度政府');
    const r = await run(t);
    expect(r.year).toBe(2023);
    expect(r.format).toBe('statutory-2019');
    expect(value(r, 'applications', 'other', 'total')).toBe(0);
    t = seedText('000').replace('2021年度', '2019年度');
    expect((await run(t)).format).toBe('statutory-2021');
  });
});

describe('a proactive row filed under a header that is not its own', () => {
  it('names every cell of the row, the misplaced value and the missing one', async () => {
    // The fee section's header misread into nothing: its row is read under the previous section's
    // columns (本年处理决定数量), as an OCR'd table with a misread header row was.
    const t = seedText('000').replace('\t本年收费金额（单位：万元）\n', '\t\n');
    expect(t).not.toBe(seedText('000'));
    const r = await run(t);
    expect(r.format).toBe('statutory-2021');
    const f = r.findings.find((x) => x.rule === 'parse.row_shape');
    expect(f?.severity).toBe('warning');
    expect(f?.cells).toEqual(expect.arrayContaining(['proactive.administrative_fees.amount_10k_yuan']));
    expect(f?.cells.length).toBeGreaterThan(1);
    expect((await run(seedText('000'))).findings.filter((x) => x.rule === 'parse.row_shape')).toEqual([]);
  });
});
