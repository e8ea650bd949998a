/**
 * Legacy statistics tables as fresh renderings print them (scripts/bench/fresh.ts):
 * - cut into several tables (Word splits a table at a page break, HTML pages print one table per
 *   page): a tail of three rows alone is still the table's, and a row that continues a section
 *   (（三）其他情形数 under 五、行政诉讼) keeps that section (both were dropped without a finding);
 * - a 单位 column too narrow for its ——: Chromium let the second dash hang over the rule into the
 *   value cell (— | — 749), and the row's number was dropped as if the row were a heading,
 *   without a finding.
 */
import { describe, expect, it } from 'vitest';
import { extractDocument } from '../extract/index.ts';
import { normalizeDocument } from '../normalize/index.ts';

const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
const table = (rows: string[][]) => `<table border="1">${rows.map(row).join('\n')}</table>`;

const HEAD = ['统计指标', '单位', '统计数'];
const PART1 = [
  HEAD,
  ['一、主动公开情况', '——', '——'],
  ['（一）主动公开政府信息数', '条', '373'],
  ['其中：主动公开规范性文件数', '条', '12'],
  ['制发规范性文件总数', '件', '15'],
  ['四、行政复议数量', '件', '3'],
  ['（一）维持具体行政行为数', '件', '1'],
  ['（二）被依法纠错数', '件', '1'],
  ['（三）其他情形数', '件', '1'],
  ['五、行政诉讼数量', '件', '9'],
  ['（一）维持具体行政行为或者驳回原告诉讼请求数', '件', '4'],
  ['（二）被依法纠错数', '件', '2'],
];
const PART2 = [
  ['（三）其他情形数', '件', '3'],
  ['六、举报投诉数量', '件', '5'],
];
const PART3 = [
  ['（一）召开政府信息公开工作会议或专题会议数', '次', '4'],
  ['（二）举办各类培训班数', '次', '14'],
  ['（三）接受培训人员数', '人次', '29'],
];

const page = (body: string, style = '') => `<!doctype html><html><head><meta charset="utf-8"><style>
  body { font-family: 'WenQuanYi Micro Hei'; font-size: 14px } table { border-collapse: collapse } ${style}
</style></head><body><h1>某县统计局2015年政府信息公开工作年度报告</h1>
<p>一、概述</p><p>本局主动公开政府信息373条。</p><p>附件：政府信息公开情况统计表</p>
${body}<p>单位负责人：张三 审核人：李四 填报人：王五</p></body></html>`;

async function report(bytes: Uint8Array, fileName: string) {
  const doc = await extractDocument(bytes, { fileName });
  return normalizeDocument(doc);
}
const value = (r: Awaited<ReturnType<typeof report>>, rowId: string) => r.facts.find((f) => f.table === 'legacy_stats' && f.row === rowId && f.col === 'value')?.value;

describe('legacy statistics table cut into several tables', () => {
  it('reads the tail tables as the same table, in the section they continue', async () => {
    const html = page([table(PART1), table(PART2), table(PART3)].join('\n'));
    const r = await report(new TextEncoder().encode(html), 'cut.html');
    expect(r.format).toBe('legacy');
    expect(value(r, 'litigation_other')).toBe(3);
    expect(value(r, 'review_other')).toBe(1);
    expect(value(r, 'complaints')).toBe(5);
    expect(value(r, 'meetings')).toBe(4);
    expect(value(r, 'trainings')).toBe(14);
    expect(value(r, 'trainees')).toBe(29);
    expect(r.facts.filter((f) => f.table === 'legacy_stats' && !/^[a-z_]+$/.test(f.row))).toEqual([]);
  });

  it('a row printed again does not move the rows after it into its section', async () => {
    // A head of two rows repeated on the next page (统计指标 | 单位 | 统计数, 一、主动公开情况 …)
    // read as rows of the table, in the middle of 四、行政复议数量.
    const rows = [...PART1.slice(0, 7), PART1[1], ...PART1.slice(7), ...PART2];
    const r = await report(new TextEncoder().encode(page(table(rows))), 'again.html');
    expect(value(r, 'review_corrected')).toBe(1);
    expect(value(r, 'review_other')).toBe(1);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'parse.duplicate_row' }));
  });

  it('keeps a table after a long paragraph apart (a separate table, not a continuation)', async () => {
    const para = '<p>' + '本局认真贯彻落实政府信息公开条例，'.repeat(4) + '</p>';
    const html = page([table(PART1), para, table(PART3)].join('\n'));
    const r = await report(new TextEncoder().encode(html), 'apart.html');
    expect(value(r, 'meetings')).toBeUndefined();
  });
});

describe('a value pushed across the rule of a narrow unit column', () => {
  // The row as a fresh Chromium rendering read it (bench fresh seed 2, document 056: 16 px text,
  // a 单位 column jittered narrow): the unit's second dash hung over the rule into the value cell.
  it('names its cell in a warning instead of dropping the row as a heading', () => {
    const rows = [HEAD, ['一、主动公开情况', '—', '— 749'], ...PART1.slice(2)];
    const r = normalizeDocument({
      status: 'ok',
      blocks: [
        { kind: 'paragraph', text: '某县统计局2015年政府信息公开工作年度报告' },
        { kind: 'table', rows },
      ],
    } as Parameters<typeof normalizeDocument>[0]);
    const v = value(r, 'proactive_total');
    const named = r.findings.some((f) => f.severity === 'warning' && f.cells?.includes('legacy_stats.proactive_total.value'));
    expect(v === 749 || named).toBe(true);
    expect(value(r, 'proactive_items')).toBe(373);
  });
});
