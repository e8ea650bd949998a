import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as mupdf from 'mupdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeCellText, normalizeRadicals } from '../extract/chinese.ts';
import { ExtractError, documentText, type ExtractedDocument, type TableBlock } from '../extract/model.ts';
import { extractPdf, type PdfEngineName } from '../extract/pdf/index.ts';
import { PDF_ENGINES } from '../extract/pdf/engine.ts';
import { REAL, renderChromiumPdfs, type ChromiumPdfs } from './extract-pdf-fixtures.ts';

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

// Every engine must pass the same tests (and give the same blocks: test/extract-pdf-engines.test.ts).
describe.each(PDF_ENGINES)('extractPdf on huaian-2024.pdf (WPS), engine %s', (engine: PdfEngineName) => {
  let doc: ExtractedDocument;
  let facts: Fact[];
  beforeAll(async () => {
    doc = await extractPdf(new Uint8Array(readFileSync(`${REAL}/huaian-2024.pdf`)), { fileName: 'huaian-2024.pdf', engine });
    facts = JSON.parse(readFileSync(`${REAL}/huaian-2024.json`, 'utf8')).facts;
  });

  it('reads the document as text with three statutory tables', () => {
    expect(doc.status).toBe('ok');
    expect(doc.warnings).toEqual([]);
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

// Rendered once per file run, shared by the engines' describes.
let chromiumPdfs: Promise<ChromiumPdfs> | undefined;

describe.each(PDF_ENGINES)('extractPdf on Chromium-rendered PDFs, engine %s', (engine: PdfEngineName) => {
  let onePage: string;
  let split: string;
  let scan: string;

  beforeAll(async () => {
    chromiumPdfs ??= renderChromiumPdfs(CACHE);
    ({ onePage, split, scan } = await chromiumPdfs);
  });

  it('expands rowspan/colspan and keeps a blank cell as an empty string in its column', async () => {
    const doc = await extractPdf(new Uint8Array(readFileSync(onePage)), { engine });
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
    const doc = await extractPdf(new Uint8Array(readFileSync(split)), { engine });
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
    const doc = await extractPdf(new Uint8Array(readFileSync(scan)), { engine });
    expect(doc.status).toBe('needs-ocr');
    expect(doc.pages).toBe(1);
    expect(doc.blocks).toEqual([]);
  });
});

describe.each(PDF_ENGINES)('extractPdf failures, engine %s', (engine: PdfEngineName) => {
  it('throws damaged for a PDF header over no PDF, corrupt-file for bytes that are not a PDF, empty-file for nothing', async () => {
    const junk = new TextEncoder().encode('%PDF-1.7\nthis is not really a pdf\n%%EOF');
    await expect(extractPdf(junk, { engine })).rejects.toMatchObject({ code: 'damaged' });
    // MuPDF would open HTML as a document of its own: a PDF extractor must not.
    await expect(extractPdf(new TextEncoder().encode('<html><body><p>不是PDF</p></body></html>'), { engine })).rejects.toMatchObject({ code: 'corrupt-file' });
    await expect(extractPdf(new Uint8Array(), { engine })).rejects.toBeInstanceOf(ExtractError);
  });

  it('throws encrypted for a PDF with a user password, reads one with an owner password only', async () => {
    const source = mupdf.Document.openDocument(readFileSync(`${REAL}/huaian-2024.pdf`), 'application/pdf').asPDF()!;
    try {
      const locked = source.saveToBuffer('encrypt=aes-256,user-password=secret,owner-password=owner');
      const ownerOnly = source.saveToBuffer('encrypt=rc4-128,owner-password=owner');
      await expect(extractPdf(locked.asUint8Array().slice(), { engine })).rejects.toMatchObject({ code: 'encrypted' });
      const doc = await extractPdf(ownerOnly.asUint8Array().slice(), { engine });
      expect(doc.status).toBe('ok');
      expect(tables(doc)).toHaveLength(3);
      locked.destroy();
      ownerOnly.destroy();
    } finally {
      source.destroy();
    }
  });

  it('does not detach or change the caller’s buffer', async () => {
    const bytes = new Uint8Array(readFileSync(`${REAL}/huaian-2024.pdf`));
    const copy = bytes.slice();
    const doc = await extractPdf(bytes, { engine });
    expect(doc.status).toBe('ok');
    // A detached buffer reads as length 0: the comparison catches detaching and changing alike.
    expect(bytes.byteLength).toBe(copy.byteLength);
    expect(Buffer.compare(bytes, copy)).toBe(0);
    // And the same bytes read again give the same blocks (nothing was consumed).
    expect((await extractPdf(bytes, { engine })).blocks).toEqual(doc.blocks);
  });
});
