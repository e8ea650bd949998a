/**
 * Tables cut by a page break:
 * - the header row is the last thing on a page and the first data row opens the next page (found
 *   by the benchmark: 25 of 1,200 generated PDFs lost their 规章 row, glued to the header as
 *   "信息内容规章 | 本年制发件数743");
 * - only the last row goes over, alone on the next page with a signature line: too little text
 *   to look tabular on its own (found on a fresh legacy rendering, which lost 接受培训人员数
 *   without a finding).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import type { Block } from '../extract/model.ts';
import { extractPdf } from '../extract/pdf/index.ts';
import { normalizeDocument } from '../normalize/index.ts';
import { repoRoot } from './helpers/expected.ts';

/** The pages the table blocks among `blocks` were read from. */
const tablePages = (blocks: Block[]) => new Set(blocks.flatMap((b) => (b.kind === 'table' ? b.origins?.flat().map((o) => o?.page) ?? [] : [])));

const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;

/**
 * An A4 page without margins around one cut table: the body's `font`, the table's `css`, the
 * report title, `lead` (a line before the table), the #spacer renderCut sizes, and `body`.
 */
const cutPage = (font: string, css: string, title: string, body: string, lead = '') => `<!doctype html><html><head><meta charset="utf-8"><style>
    @page { size: A4; margin: 0 }
    body { margin: 0; ${font} }
    ${css}
  </style></head><body>
  <h1 style="margin:0 0 0 40px;height:40px">${title}</h1>
  ${lead ? `${lead}\n  ` : ''}<div id="spacer"></div>
  ${body}</body></html>`;

/** Renders html, with #spacer set to `spacer(pageHeight, rows, tableTop)` px, to a cached PDF. */
async function renderCut(name: string, html: string, spacer: string): Promise<Uint8Array> {
  const cache = path.join(repoRoot, `test/.cache/pdf/${name}.pdf`);
  if (fs.existsSync(cache)) return new Uint8Array(fs.readFileSync(cache));
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    await page.setContent(html);
    await page.evaluate(`(() => {
      const pageHeight = (297 / 25.4) * 96;
      const rows = document.querySelectorAll('tr');
      const tableTop = document.querySelector('table').offsetTop;
      document.getElementById('spacer').style.height = (${spacer}) + 'px';
    })()`);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(cache, pdf);
    return new Uint8Array(pdf);
  } finally {
    await browser.close();
  }
}

/** The page font and the ruled table, rows never split, of the cut-table fixtures below. */
const TABLE_FONT = "font-family: 'WenQuanYi Micro Hei'; font-size: 14px";
const RULED_ROWS = `table { border-collapse: collapse; width: 700px; margin-left: 40px }
    td { border: 1px solid #000; height: 30px; padding: 0 4px } tr { break-inside: avoid }`;

function lastRowAlone(): Promise<Uint8Array> {
  const html = cutPage(
    TABLE_FONT,
    `${RULED_ROWS}
    td:nth-child(2) { width: 16px }`,
    '某局2015年政府信息公开工作年度报告',
    `<table>
    ${row(['统计指标', '单位', '统计数'])}
    ${row(['九、政府信息公开会议和培训情况', '——', '——'])}
    ${row(['（一）召开政府信息公开工作会议或专题会议数', '次', '4'])}
    ${row(['（二）举办各类培训班数', '次', '14'])}
    ${row(['（三）接受培训人员数', '人次', '29'])}
  </table>
  <p style="margin-left:60px">单位负责人：张三 审核人：李四 填报人：王五</p>`,
  );
  // Push the table down so that its last row is the first thing on page 2.
  return renderCut('last-row-alone', html, 'pageHeight - tableTop - rows[3].offsetTop - rows[3].offsetHeight - 8');
}

async function headerEndsPage(): Promise<Uint8Array> {
  const html = cutPage(
    TABLE_FONT,
    RULED_ROWS,
    '某局2023年政府信息公开工作年度报告',
    `<table>
    ${row(['第二十条第（一）项', '', '', ''])}
    ${row(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数'])}
    ${row(['规章', '743', '9', '2'])}
    ${row(['行政规范性文件', '18', '18', '349'])}
  </table>`,
  );
  // Push the table down so that its second row (the header) is the last row on page 1.
  return renderCut('header-ends-page', html, 'pageHeight - tableTop - (rows[1].offsetTop + rows[1].offsetHeight) - 8');
}

describe('a page break right after a header row', () => {
  for (const engine of ['mupdf', 'pdfjs'] as const) {
    it(`keeps the first data row of the next page its own row (${engine})`, async () => {
      const doc = await extractPdf(await headerEndsPage(), { engine });
      const table = doc.blocks.find((b) => b.kind === 'table');
      expect(table && table.kind === 'table' && table.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['信息内容', '规章']));
      const pages = tablePages([table!]);
      expect(pages.size).toBe(2); // the table really is cut by the break
      const r = normalizeDocument(doc);
      const rules = r.facts.filter((f) => f.table === 'proactive' && f.row === 'rules').map((f) => [f.col, f.value]);
      expect(rules).toEqual([['issued', 743], ['repealed', 9], ['in_force', 2]]);
    }, 60_000);
  }

  for (const engine of ['mupdf', 'pdfjs'] as const) {
    it(`reads a last row alone on the next page as the table's row (${engine})`, async () => {
      const doc = await extractPdf(await lastRowAlone(), { engine });
      const tables = doc.blocks.filter((b) => b.kind === 'table');
      const rows = tables.flatMap((t) => (t.kind === 'table' ? t.rows : []));
      expect(rows.map((r) => r[0])).toContain('（三）接受培训人员数');
      expect(rows.find((r) => r[0] === '（三）接受培训人员数')?.slice(1)).toEqual(['人次', '29']);
      const pages = tablePages(tables);
      expect(pages).toEqual(new Set([1, 2])); // the table really is cut by the break
    }, 60_000);
  }
});

// Layouts found by the fresh-rendering sweep (scripts/bench/fresh.ts), each of which lost cells.

/** The head of a table repeated on the next page (<thead>), the break inside a later sub-table. */
function repeatedHead(): Promise<Uint8Array> {
  const html = cutPage(
    TABLE_FONT,
    RULED_ROWS,
    '某局2023年政府信息公开工作年度报告',
    `<table>
    <thead>
    <tr><td colspan="4">第二十条第（一）项</td></tr>
    ${row(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数'])}
    </thead><tbody>
    ${row(['规章', '3', '1', '20'])}
    ${row(['行政规范性文件', '18', '18', '349'])}
    <tr><td colspan="4">第二十条第（五）项</td></tr>
    <tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
    <tr><td>行政许可</td><td colspan="3">6</td></tr>
    <tr><td colspan="4">第二十条第（六）项</td></tr>
    <tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
    <tr><td>行政处罚</td><td colspan="3">358</td></tr>
    <tr><td>行政强制</td><td colspan="3">782</td></tr>
    </tbody>
  </table>`,
  );
  // Push the table down so that page 1 ends after the （五） header rows.
  return renderCut('repeated-head', html, 'pageHeight - tableTop - (rows[5].offsetTop + rows[5].offsetHeight) - 8');
}

/** A table's header rows alone (too little text to look tabular) at the foot of page 1, cut from its body. */
function headAloneAtFoot(): Promise<Uint8Array> {
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei'; font-size: 16px",
    `table { border-collapse: collapse; width: 510px; margin-left: 40px; table-layout: fixed; margin-top: 0; margin-bottom: 0 }
    td { border: 1px solid #000; padding: 1px 2px; line-height: 1.3; text-align: center } tr { break-inside: avoid }`,
    '某局2020年政府信息公开工作年度报告',
    `<table>
    <colgroup><col style="width:300px"><col style="width:70px"><col style="width:70px"><col style="width:70px"></colgroup>
    <tr><td colspan="4" style="text-align:center">第二十条第（一）项</td></tr>
    ${row(['信息内容', '本年新制作数量', '本年新公开数量', '对外公开总数量'])}
  </table>
  <table>
    <colgroup><col style="width:300px"><col style="width:70px"><col style="width:70px"><col style="width:70px"></colgroup>
    ${row(['规章', '3', '4', '1'])}
    ${row(['规范性文件', '17', '6', '4'])}
  </table>
  <p style="margin-left:40px">三、收到和处理政府信息公开申请情况</p>`,
    '<p style="margin-left:40px">二、主动公开政府信息情况</p>',
  );
  // Push the tables down so that the first (its header rows) is the last thing on page 1.
  return renderCut('head-alone-at-foot', html, 'pageHeight - tableTop - document.querySelector("table").offsetHeight - 6');
}

/** A 单位 column narrower than its —— : the second dash hangs over the rule into the value cell. */
function narrowUnit(): Promise<Uint8Array> {
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei'; font-size: 15px",
    `table { border-collapse: collapse; width: 600px; margin-left: 40px; table-layout: fixed }
    td { border: 1px solid #000; padding: 6px 8px; word-break: break-all }`,
    '某局2017年政府信息公开工作年度报告',
    `<table>
    <colgroup><col style="width:430px"><col style="width:17px"><col style="width:153px"></colgroup>
    ${row(['统计指标', '单位', '统计数'])}
    ${row(['一、主动公开情况', '——', '749'])}
    ${row(['（一）主动公开政府信息数', '条', '373'])}
    ${row(['其中：主动公开规范性文件数', '条', '12'])}
  </table>`,
  );
  return renderCut('narrow-unit', html, '0');
}

/**
 * A label column two characters wide in a monospace font: （六）'s closing bracket may not open a
 * line, so the browser lets it hang over the rule into the next cell (（六 | ）1.申请人…), and the
 * sub-row's label no longer matched (fresh draw 2034).
 */
function bracketOverRule(): Promise<Uint8Array> {
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei Mono'; font-size: 15px",
    `table { border-collapse: collapse; width: 600px; margin-left: 40px; table-layout: fixed }
    td { border: 1px solid #000; padding: 3px 5px; line-height: 1.8 }`,
    '某局2021年政府信息公开工作年度报告',
    `<table>
    <colgroup><col style="width:40px"><col style="width:250px"><col><col><col></colgroup>
    <tr><td colspan="2">信息内容</td><td>自然人</td><td>其他</td><td>总计</td></tr>
    <tr><td rowspan="3">（六）其他处理</td><td>1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请</td><td>10</td><td>2</td><td>12</td></tr>
    <tr><td>2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请</td><td>1</td><td>20</td><td>21</td></tr>
    <tr><td>3.其他</td><td>1</td><td>4</td><td>5</td></tr>
  </table>`,
  );
  return renderCut('bracket-over-rule', html, '0');
}

describe('layouts of the fresh renderings', () => {
  for (const engine of ['mupdf', 'pdfjs'] as const) {
    it(`drops the head a browser repeats on the next page (${engine})`, async () => {
      const doc = await extractPdf(await repeatedHead(), { engine });
      const table = doc.blocks.find((b) => b.kind === 'table');
      const pages = tablePages([table!]);
      expect(pages.size).toBe(2); // the table really is cut by the break
      const r = normalizeDocument(doc);
      expect(r.facts.find((f) => f.table === 'proactive' && f.row === 'licensing')?.value).toBe(6);
      expect(r.facts.filter((f) => f.table === 'proactive' && f.row === 'licensing').map((f) => f.col)).toEqual(['decisions']);
      // (The excerpt has no fee table and no other table: only they are missing.)
      expect(r.findings.filter((f) => f.severity !== 'info' && f.rule.startsWith('parse.') && !/^parse.missing_(rows|table)$/.test(f.rule))).toEqual([]);
    }, 60_000);

    it(`reads header rows alone at the foot of a page as the table's head (${engine})`, async () => {
      const doc = await extractPdf(await headAloneAtFoot(), { engine });
      const rows = doc.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
      const head = rows.find((r) => r[0] === '信息内容');
      expect(head?.slice(1)).toEqual(['本年新制作数量', '本年新公开数量', '对外公开总数量']);
      const r = normalizeDocument(doc);
      const rules = r.facts.filter((f) => f.table === 'proactive' && f.row === 'rules').map((f) => [f.col, f.value]);
      expect(rules).toEqual([['made', 3], ['published', 4], ['total_published', 1]]);
    }, 60_000);

    it(`keeps a bracket that hangs over a narrow label column's rule in its cell (${engine})`, async () => {
      const doc = await extractPdf(await bracketOverRule(), { engine });
      const rows = doc.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
      const first = rows.find((r) => r.includes('10'));
      expect(first?.slice(0, 2)).toEqual(['（六）其他处理', '1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请']);
    }, 60_000);

    it(`keeps a —— that overflows a narrow unit column in its cell (${engine})`, async () => {
      const doc = await extractPdf(await narrowUnit(), { engine });
      const rows = doc.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
      expect(rows.find((r) => r[0] === '一、主动公开情况')?.slice(1)).toEqual(['——', '749']);
    }, 60_000);
  }
});

/**
 * The review/litigation table as seed 004 prints it (no label column, 行政复议 cells blank), its
 * data row alone on the next page: the blank cells under the header were taken for the rest of
 * the header cells above them (结果维持 spans two rows) and the table vanished without a finding;
 * printed as a table of its own with other column widths, its cells interleaved with the head's.
 */
function reviewRowAlone(widths: 'same' | 'redrawn'): Promise<Uint8Array> {
  const head = (w: number[]) => `<colgroup>${w.map((x) => `<col style="width:${x}px">`).join('')}</colgroup>`;
  const w1 = Array.from({ length: 15 }, () => 46);
  const w2 = widths === 'same' ? w1 : w1.map((x, i) => x + [-12, 7, 5][i % 3]);
  const sub = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
  const top = `<table>${head(w1)}
    <tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
    <tr>${sub.map((s) => `<td rowspan="2">${s}</td>`).join('')}<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
    <tr>${[...sub, ...sub].map((s) => `<td>${s}</td>`).join('')}</tr>`;
  const data = `<tr>${['', '', '', '', '', '0', '0', '0', '4', '4', '0', '0', '0', '2', '2'].map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const tables = widths === 'same' ? `${top}\n${data}</table>` : `${top}</table><table>${head(w2)}${data}</table>`;
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei'; font-size: 12px",
    `table { border-collapse: collapse; margin-left: 40px; table-layout: fixed; width: 690px; margin-top: 0; margin-bottom: 0 }
    td { border: 1px solid #000; height: 36px; padding: 0 2px; text-align: center } tr { break-inside: avoid }`,
    '某局2024年政府信息公开工作年度报告',
    `${tables}
  <p style="margin-left:40px">五、存在的主要问题及改进情况</p>`,
    '<p style="margin-left:40px">四、政府信息公开行政复议、行政诉讼情况</p>',
  );
  // Push the table down so that its data row is the first thing on page 2.
  return renderCut(`review-row-alone-${widths}`, html, 'pageHeight - tableTop - (rows[2].offsetTop + rows[2].offsetHeight) - 8');
}

describe('a data row with blank cells alone on the next page', () => {
  for (const widths of ['same', 'redrawn'] as const) {
    it(`keeps its blank cells blank values, not header text (${widths} column widths)`, async () => {
      const doc = await extractPdf(await reviewRowAlone(widths));
      const pages = tablePages(doc.blocks);
      expect(pages).toEqual(new Set([1, 2])); // the table really is cut by the break
      const r = normalizeDocument(doc);
      const got = Object.fromEntries(r.facts.filter((f) => f.table === 'review_litigation').map((f) => [`${f.row}.${f.col}`, f.value]));
      expect(got).toMatchObject({
        'review.upheld': null,
        'review.total': null,
        'litigation_direct.pending': 4,
        'litigation_direct.total': 4,
        'litigation_after_review.pending': 2,
        'litigation_after_review.total': 2,
      });
    }, 60_000);
  }
});

/** Numbers wrapped in narrow cells (121 / 5, 252 / 3) in the first row of a page: not a page number. */
function wrappedDigitsAtTop(): Promise<Uint8Array> {
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei'; font-size: 15px",
    `table { border-collapse: collapse; margin-left: 40px; table-layout: fixed; width: 420px }
    td { border: 1px solid #000; padding: 2px 4px; word-break: break-all; text-align: center } tr { break-inside: avoid }`,
    '某局2023年政府信息公开工作年度报告',
    `<table><colgroup><col style="width:300px"><col style="width:30px"><col style="width:30px"><col style="width:60px"></colgroup>
    ${row(['信息内容', '甲', '乙', '总计'])}
    ${row(['（六）其他处理', '0', '9', '9'])}
    ${row(['（七）总计', '1215', '2523', '3738'])}
    ${row(['四、结转下年度继续办理', '0', '0', '0'])}
  </table>`,
  );
  return renderCut('wrapped-digits-at-top', html, 'pageHeight - tableTop - (rows[1].offsetTop + rows[1].offsetHeight) - 4');
}

/**
 * A number wrapped digit by digit in a narrow column (2 / 3 / 7), its row at the foot of a page,
 * the lines far enough apart not to touch: the lone digits in the bottom margin looked like page
 * numbers and were dropped (fresh draw 2033: 其他 read 23 for 237).
 */
function wrappedDigitsAtFoot(): Promise<Uint8Array> {
  const html = cutPage(
    "font-family: 'WenQuanYi Micro Hei'; font-size: 15px",
    `table { border-collapse: collapse; margin-left: 40px; table-layout: fixed; width: 420px }
    td { border: 1px solid #000; padding: 0 4px; line-height: 1.7; word-break: break-all; text-align: center } tr { break-inside: avoid }`,
    '某局2023年政府信息公开工作年度报告',
    `<table><colgroup><col style="width:300px"><col style="width:18px"><col style="width:60px"></colgroup>
    ${row(['信息内容', '其他', '总计'])}
    ${row(['一、本年新收政府信息公开申请数量', '237', '391'])}
  </table>`,
  );
  return renderCut('wrapped-digits-at-foot', html, 'pageHeight - tableTop - (rows[1].offsetTop + rows[1].offsetHeight) - 4');
}

describe('digits at the top of a page', () => {
  for (const engine of ['mupdf', 'pdfjs'] as const) {
    it(`keeps the wrapped last digits of a table row (${engine})`, async () => {
      const doc = await extractPdf(await wrappedDigitsAtTop(), { engine });
      const rows = doc.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
      const total = rows.find((r) => r[0] === '（七）总计');
      expect(total?.slice(1)).toEqual(['1215', '2523', '3738']);
      const pages = tablePages(doc.blocks);
      expect(pages).toEqual(new Set([1, 2])); // the row really opens page 2
    }, 60_000);

    it(`keeps the wrapped digits of a row at the foot of a page (${engine})`, async () => {
      const doc = await extractPdf(await wrappedDigitsAtFoot(), { engine });
      const rows = doc.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
      expect(rows.find((r) => r[0] === '一、本年新收政府信息公开申请数量')?.slice(1)).toEqual(['237', '391']);
      expect(tablePages(doc.blocks)).toEqual(new Set([1])); // the row really ends page 1
    }, 60_000);
  }
});
