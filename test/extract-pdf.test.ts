import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeCellText, normalizeRadicals } from '../extract/chinese.ts';
import { ExtractError, documentText, type ExtractedDocument, type TableBlock } from '../extract/model.ts';
import { extractPdf } from '../extract/pdf.ts';

const REAL = '/work/shared/real';
const CACHE = path.resolve('test/.cache/pdf');

interface Fact {
  table: string;
  row: string;
  col: string;
  value: number | null;
}

// ---------------------------------------------------------------------------------------------
// Grid helpers: a statutory row is label cell(s) followed by its value cells.

const NUMERIC = /^-?\d[\d,.]*$/;

function tables(doc: ExtractedDocument): TableBlock[] {
  return doc.blocks.filter((b): b is TableBlock => b.kind === 'table');
}

/** The one row (over all tables) whose label cells satisfy `match`. */
function findRow(doc: ExtractedDocument, match: (label: string) => boolean): { table: TableBlock; index: number } {
  const hits: { table: TableBlock; index: number }[] = [];
  for (const table of tables(doc)) {
    table.rows.forEach((row, index) => {
      if (row.some((cell) => cell !== '' && !NUMERIC.test(cell) && match(cell))) hits.push({ table, index });
    });
  }
  expect(hits, 'exactly one matching row').toHaveLength(1);
  return hits[0];
}

/** Cells after the leading label cells; a value spanning several grid columns counted once. */
function valueCells(table: TableBlock, index: number): string[] {
  const row = table.rows[index];
  const origins = table.origins?.[index] ?? [];
  let start = 0;
  while (start < row.length && row[start] !== '' && !NUMERIC.test(row[start])) start++;
  const values: string[] = [];
  for (let c = start; c < row.length; c++) {
    const o = origins[c];
    const prev = origins[c - 1];
    if (c > start && o && prev && o.row === prev.row && o.col === prev.col) continue; // colspan copy
    values.push(row[c]);
  }
  return values;
}

function labelCells(table: TableBlock, index: number): string[] {
  const row = table.rows[index];
  const values = valueCells(table, index).length;
  return row.slice(0, row.length - values);
}

const contains = (s: string) => (label: string) => label.includes(s);

// ---------------------------------------------------------------------------------------------
// The real WPS-made report

const APPLICATION_ROWS: Record<string, (label: string) => boolean> = {
  new_received: contains('本年新收'),
  carried_over: contains('上年结转'),
  granted: contains('予以公开'),
  partially_granted: contains('部分公开'),
  denied_state_secret: contains('属于国家秘密'),
  denied_prohibited_by_law: contains('其他法律行政法规禁止公开'),
  denied_security_stability: contains('三安全一稳定'),
  denied_third_party_rights: contains('保护第三方合法权益'),
  denied_internal_affairs: contains('三类内部事务'),
  denied_process_information: contains('四类过程性'),
  denied_enforcement_files: contains('行政执法案卷'),
  denied_administrative_query: contains('行政查询事项'),
  unavailable_not_held: contains('不掌握相关政府信息'),
  unavailable_needs_creation: contains('没有现成信息'),
  unavailable_unclear: contains('补正后申请内容仍不明确'),
  rejected_petition: contains('信访举报投诉'),
  rejected_duplicate: contains('重复申请'),
  rejected_publication: contains('公开出版物'),
  rejected_excessive: contains('大量反复申请'),
  rejected_reconfirmation: contains('确认或重新出具'),
  other_no_correction: contains('逾期不补正'),
  other_no_fee: contains('缴纳费用'),
  other_other: (l) => /^3[、.．]其他$/.test(l),
  total: contains('（七）总计'),
  carried_forward: contains('结转下年度'),
};
const APPLICATION_COLS = ['natural_person', 'commercial_enterprise', 'research_institution', 'social_welfare_org', 'legal_service_org', 'other_org', 'total'];
const PROACTIVE_ROWS: Record<string, [(label: string) => boolean, string[]]> = {
  rules: [(l) => l === '规章', ['issued', 'repealed', 'in_force']],
  normative_documents: [contains('规范性文件'), ['issued', 'repealed', 'in_force']],
  licensing: [(l) => l === '行政许可', ['decisions']],
  penalty: [(l) => l === '行政处罚', ['decisions']],
  coercion: [(l) => l === '行政强制', ['decisions']],
  administrative_fees: [contains('行政事业性收费'), ['amount_10k_yuan']],
};
const REVIEW_ROWS = ['review', 'litigation_direct', 'litigation_after_review'];
const REVIEW_COLS = ['upheld', 'corrected', 'other', 'pending', 'total'];

const cellValue = (v: number | null) => (v === null ? '' : String(v));

describe('extractPdf on huaian-2024.pdf (WPS)', () => {
  let doc: ExtractedDocument;
  let facts: Fact[];
  beforeAll(async () => {
    doc = await extractPdf(new Uint8Array(readFileSync(`${REAL}/huaian-2024.pdf`)), { fileName: 'huaian-2024.pdf' });
    facts = JSON.parse(readFileSync(`${REAL}/huaian-2024.json`, 'utf8')).facts;
  });

  it('reads the document as text with three statutory tables', () => {
    expect(doc.status).toBe('ok');
    expect(doc.kind).toBe('pdf');
    expect(doc.pages).toBe(6);
    expect(doc.declaredTitle).toBe('政府信息公开工作年度报告');
    expect(tables(doc)).toHaveLength(3);
    expect(doc.blocks[0]).toMatchObject({ kind: 'paragraph', text: '淮安市人民政府', page: 1 });
  });

  it('gives the applications row 一、本年新收 its label and exactly its 7 values', () => {
    const { table, index } = findRow(doc, contains('本年新收'));
    expect(valueCells(table, index)).toEqual(['3001', '53', '0', '0', '61', '4', '3119']);
    expect(table.rows[index]).toHaveLength(10);
    expect(labelCells(table, index).every((l) => l === '一、本年新收政府信息公开申请数量')).toBe(true);
  });

  it('puts the vertical label 三、本年度办理结果 in its own column, repeated on every row it spans', () => {
    const granted = findRow(doc, contains('予以公开'));
    expect(labelCells(granted.table, granted.index)).toEqual(['三、本年度办理结果', '（一）予以公开', '（一）予以公开']);
    expect(valueCells(granted.table, granted.index)).toEqual(['1288', '21', '0', '0', '50', '3', '1362']);
    const secret = findRow(doc, contains('属于国家秘密'));
    expect(labelCells(secret.table, secret.index)).toEqual(['三、本年度办理结果', '（三）不予公开', '1.属于国家秘密']);
    // The wrapped label (二)部分公开… is one row, not two.
    const partial = findRow(doc, contains('部分公开'));
    expect(labelCells(partial.table, partial.index)[1]).toBe('（二）部分公开（区分处理的，只计这一情形，不计其他情形）');
    expect(valueCells(partial.table, partial.index)).toEqual(['447', '7', '0', '0', '0', '0', '454']);
  });

  it('joins the header cells split over lines (商业企 / 业) into one header row', () => {
    const { table, index } = findRow(doc, (l) => l === '商业企业');
    expect(table.rows[index].slice(3)).toEqual(['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计']);
  });

  it('continues the applications table across the page break, with the cut cell (四)无 / 法提供 joined', () => {
    const before = findRow(doc, contains('不掌握相关政府信息'));
    const after = findRow(doc, contains('没有现成信息'));
    expect(after.table).toBe(before.table);
    expect(after.index).toBe(before.index + 1);
    expect(valueCells(before.table, before.index)).toEqual(['746', '12', '0', '0', '10', '1', '769']);
    expect(labelCells(after.table, after.index)).toEqual(['三、本年度办理结果', '（四）无法提供', '2.没有现成信息需要另行制作']);
    expect(valueCells(after.table, after.index)).toEqual(['11', '0', '0', '0', '0', '0', '11']);
    expect(after.table.origins?.[after.index]?.[3]?.page).toBe(5);
    expect(before.table.origins?.[before.index]?.[3]?.page).toBe(4);
  });

  it('continues the proactive table across pages 3–4 and keeps the decimal fee', () => {
    const rules = findRow(doc, (l) => l === '规章');
    const penalty = findRow(doc, (l) => l === '行政处罚');
    expect(penalty.table).toBe(rules.table);
    expect(valueCells(rules.table, rules.index)).toEqual(['1', '0', '11']);
    expect(valueCells(penalty.table, penalty.index)).toEqual(['3985758']);
    const fee = findRow(doc, contains('行政事业性收费'));
    expect(valueCells(fee.table, fee.index)).toEqual(['96171.6']);
  });

  it('gives the review/litigation data row as 15 cells', () => {
    const rows = tables(doc).flatMap((t) => t.rows).filter((r) => r.length === 15 && r.every((c) => NUMERIC.test(c)));
    expect(rows).toEqual([['72', '64', '178', '37', '351', '13', '4', '8', '1', '26', '12', '1', '1', '6', '20']]);
  });

  it('recovers every expected table fact from the grid', () => {
    const missing: string[] = [];
    const check = (f: Fact, got: string | undefined) => {
      if (got !== cellValue(f.value)) missing.push(`${f.table}.${f.row}.${f.col}: want ${f.value}, got ${got}`);
    };
    const review = tables(doc).flatMap((t) => t.rows).find((r) => r.length === 15 && r.every((c) => NUMERIC.test(c)));
    let checked = 0;
    for (const f of facts) {
      if (f.table === 'applications') {
        const { table, index } = findRow(doc, APPLICATION_ROWS[f.row]);
        check(f, valueCells(table, index)[APPLICATION_COLS.indexOf(f.col)]);
      } else if (f.table === 'proactive') {
        const [match, cols] = PROACTIVE_ROWS[f.row];
        const { table, index } = findRow(doc, match);
        check(f, valueCells(table, index)[cols.indexOf(f.col)]);
      } else if (f.table === 'review_litigation') {
        check(f, review?.[REVIEW_ROWS.indexOf(f.row) * 5 + REVIEW_COLS.indexOf(f.col)]);
      } else continue;
      checked++;
    }
    expect(missing).toEqual([]);
    expect(checked).toBe(200); // all 202 facts but the two narrative ones
  });

  it('drops the page footers (-3-, - 4 -) and keeps the narrative sentences', () => {
    const text = documentText(doc);
    expect(text).not.toMatch(/^\s*-\s*\d\s*-\s*$/m);
    for (const b of doc.blocks) if (b.kind === 'paragraph') expect(b.text).not.toMatch(/^-\s*\d+\s*-$/);
    expect(tables(doc).flatMap((t) => t.rows.flat()).some((c) => /^-\s*\d+\s*-$/.test(c))).toBe(false);
    expect(text).toContain('主动公开各类政府信息 5500余条');
    // A paragraph cut by the page 5/6 break is one paragraph.
    expect(doc.blocks.some((b) => b.kind === 'paragraph' && b.text.includes('还有一些需要加强和改进的地方。'))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Unit: Chinese text helpers

describe('normalizeRadicals / normalizeCellText', () => {
  it('maps Kangxi radicals and radical-supplement forms to ordinary characters, nothing else', () => {
    // U+2F08 ⼈ KANGXI RADICAL MAN, U+2F2F ⼯, U+2ED3 ⻓ (supplement), U+2EA0 ⺠, U+F9B2 (compatibility 零)
    expect(normalizeRadicals('\u2F08\u2EA0政府\u2F2F作\u2ED3期\uF9B2')).toBe('人民政府工作长期零');
    expect(normalizeRadicals('（一）１２３ＡＢ')).toBe('（一）１２３ＡＢ');
  });

  it('joins line breaks inside a cell and drops justification spaces between Chinese characters', () => {
    expect(normalizeCellText(' 商 业 企\n业 ')).toBe('商业企业');
    expect(normalizeCellText('311\n9')).toBe('3119');
    expect(normalizeCellText('Annual\nreport\u3000 2024')).toBe('Annual report 2024');
  });
});

// ---------------------------------------------------------------------------------------------
// Chromium-made PDFs: bordered tables with rowspan/colspan, a page break, a scan

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const DENIED = ['1.属于国家秘密', '2.其他法律行政法规禁止公开', '3.危及“三安全一稳定”', '4.保护第三方合法权益', '5.属于三类内部事务信息', '6.属于四类过程性信息', '7.属于行政执法案卷', '8.属于行政查询事项'];
const GROUPS: [string, string[]][] = [
  ['（三）不予公开', DENIED],
  ['（四）无法提供', ['1.本机关不掌握相关政府信息', '2.没有现成信息需要另行制作', '3.补正后申请内容仍不明确']],
  ['（五）不予处理', ['1.信访举报投诉类申请', '2.重复申请', '3.要求提供公开出版物', '4.无正当理由大量反复申请', '5.要求行政机关确认或重新出具已获取信息']],
  ['（六）其他处理', ['1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请', '2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请', '3.其他']],
];

/** The official 2021 applications table; row n has values [n, 1, 0, 0, 2, '', n + 3] (a blank 其他 cell). */
function applicationsTableHtml(): string {
  const tds = (values: (string | number)[]) => values.map((v) => `<td>${v}</td>`).join('');
  const values = (n: number) => [n, 1, 0, 0, 2, '', n + 3];
  let html = `<table>
<tr><td rowspan=3 colspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan=7>申请人情况</td></tr>
<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
<tr><td colspan=3>一、本年新收政府信息公开申请数量</td>${tds([3001, 53, 0, 0, 61, 4, 3119])}</tr>
<tr><td colspan=3>二、上年结转政府信息公开申请数量</td>${tds([34, 0, 0, 0, 0, 0, 34])}</tr>
<tr><td rowspan=22 class=vertical>三、本年度办理结果</td><td colspan=2>（一）予以公开</td>${tds(values(10))}</tr>
<tr><td colspan=2>（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>${tds(values(11))}</tr>\n`;
  let n = 20;
  for (const [group, items] of GROUPS) {
    items.forEach((item, k) => {
      html += `<tr>${k === 0 ? `<td rowspan=${items.length}>${group}</td>` : ''}<td>${item}</td>${tds(values(n++))}</tr>\n`;
    });
  }
  html += `<tr><td colspan=2>（七）总计</td>${tds(values(99))}</tr>
<tr><td colspan=3>四、结转下年度继续办理</td>${tds([103, 0, 0, 0, 0, 0, 103])}</tr></table>`;
  return html;
}

function reportHtml(fillerParagraphs: number): string {
  return `<html><head><meta charset="utf-8"><style>
body { font-family: 'WenQuanYi Micro Hei'; font-size: 12px; }
table { border-collapse: collapse; } td { border: 1px solid #000; padding: 4px; text-align: center; }
td.vertical { width: 1em; }
</style></head><body>
<h2>三、收到和处理政府信息公开申请情况</h2>
${'<p>本机关全年受理政府信息公开申请，依法按时答复。</p>'.repeat(fillerParagraphs)}
${applicationsTableHtml()}
<p>表后的段落。</p></body></html>`;
}

async function renderPdfs(jobs: { html: string; out: string }[]): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.NIANBAO_CHROMIUM ?? '/usr/bin/chromium', args: LAUNCH_ARGS });
  try {
    const page = await browser.newPage();
    for (const { html, out } of jobs) {
      await page.setContent(html);
      const pdf = await page.pdf({
        format: 'A4',
        displayHeaderFooter: true,
        headerTemplate: '<span></span>',
        footerTemplate: '<div style="font-size:10px;width:100%;text-align:center">— <span class=pageNumber></span> —</div>',
        margin: { top: '60px', bottom: '60px', left: '50px', right: '50px' },
      });
      writeFileSync(out, pdf);
    }
  } finally {
    await browser.close();
  }
}

describe('extractPdf on Chromium-rendered PDFs', () => {
  const onePage = path.join(CACHE, 'applications-one-page.pdf');
  const split = path.join(CACHE, 'applications-page-break.pdf');
  const scan = path.join(CACHE, 'scan.pdf');

  beforeAll(async () => {
    mkdirSync(CACHE, { recursive: true });
    const png = path.join(CACHE, 'scan-page');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '4', '-l', '4', '-singlefile', `${REAL}/huaian-2024.pdf`, png]);
    const image = readFileSync(`${png}.png`).toString('base64');
    await renderPdfs([
      { html: reportHtml(2), out: onePage },
      // 28 filler paragraphs push the table's header rows to the foot of page 1.
      { html: reportHtml(28), out: split },
      { html: `<html><body style="margin:0"><img src="data:image/png;base64,${image}" style="width:100%"></body></html>`, out: scan },
    ]);
  });

  it('expands rowspan/colspan and keeps a blank cell as an empty string in its column', async () => {
    const doc = await extractPdf(new Uint8Array(readFileSync(onePage)));
    expect(tables(doc)).toHaveLength(1);
    const granted = findRow(doc, contains('予以公开'));
    expect(granted.table.rows[granted.index]).toEqual(['三、本年度办理结果', '（一）予以公开', '（一）予以公开', '10', '1', '0', '0', '2', '', '13']);
    const excessive = findRow(doc, contains('大量反复申请'));
    expect(excessive.table.rows[excessive.index]).toEqual(['三、本年度办理结果', '（五）不予处理', '4.无正当理由大量反复申请', '34', '1', '0', '0', '2', '', '37']);
    const header = findRow(doc, (l) => l === '科研机构');
    expect(header.table.rows[header.index].slice(3)).toEqual(['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计']);
    expect(documentText(doc)).not.toContain('— 1 —');
  });

  it('keeps a table cut by a page break as one table block', async () => {
    const doc = await extractPdf(new Uint8Array(readFileSync(split)));
    expect(doc.pages).toBe(2);
    const all = tables(doc);
    expect(all).toHaveLength(1);
    const table = all[0];
    expect(table.page).toBe(1);
    const pages = new Set(table.origins!.flat().map((o) => o?.page));
    expect([...pages].sort()).toEqual([1, 2]);
    // The header cut between the pages still forms complete rows.
    const header = findRow(doc, (l) => l === '科研机构');
    expect(header.table.rows[header.index].slice(3)).toEqual(['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计']);
    const first = findRow(doc, contains('本年新收'));
    expect(valueCells(first.table, first.index)).toEqual(['3001', '53', '0', '0', '61', '4', '3119']);
    const last = findRow(doc, contains('结转下年度'));
    expect(valueCells(last.table, last.index)).toEqual(['103', '0', '0', '0', '0', '0', '103']);
    expect(table.rows.filter((r) => r.length !== 10)).toEqual([]);
    expect(documentText(doc)).not.toMatch(/— \d —/);
    expect(doc.blocks[doc.blocks.length - 1]).toMatchObject({ kind: 'paragraph', text: '表后的段落。' });
  });

  it('reports an image-only PDF as needs-ocr with its page count', async () => {
    const doc = await extractPdf(new Uint8Array(readFileSync(scan)));
    expect(doc.status).toBe('needs-ocr');
    expect(doc.pages).toBe(1);
    expect(doc.blocks).toEqual([]);
  });
});

describe('extractPdf failures', () => {
  it('throws corrupt-file for bytes that are not a PDF, empty-file for nothing', async () => {
    const junk = new TextEncoder().encode('%PDF-1.7\nthis is not really a pdf\n%%EOF');
    await expect(extractPdf(junk)).rejects.toMatchObject({ code: 'corrupt-file' });
    await expect(extractPdf(new Uint8Array())).rejects.toBeInstanceOf(ExtractError);
  });

  it('does not detach the caller’s buffer', async () => {
    const bytes = new Uint8Array(readFileSync(`${REAL}/huaian-2024.pdf`));
    await extractPdf(bytes);
    expect(bytes.length).toBeGreaterThan(0);
    expect(existsSync(`${REAL}/huaian-2024.pdf`)).toBe(true);
  });
});
