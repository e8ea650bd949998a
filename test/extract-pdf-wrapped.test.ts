/**
 * Wrapped labels in narrow columns (issue 12, part 6): a label printed over several lines of one
 * cell (5.要求行政机 / 关确认或重新 / 出具已获取信 / 息) is one row with its numbers.
 *
 * The official 2021 applications table rendered with narrow label columns (3, 4 and 6 em), by
 * Chromium with and without borders (ruled → lattice, borderless → stream tables), labels
 * top- and middle-aligned, and by LibreOffice from the same HTML. Each rendering is checked row by
 * row: every official row label comes out whole, once, beside its own numbers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeCellText } from '../extract/chinese.ts';
import { extractDocx } from '../extract/docx.ts';
import { extractHtml } from '../extract/html.ts';
import type { ExtractedDocument, TableBlock } from '../extract/model.ts';
import { extractPdf } from '../extract/pdf/index.ts';
import { writeZip, zipEntry } from '../extract/zip.ts';
import { applicationsTableHtml, renderPdfs } from './extract-pdf-fixtures.ts';

const CACHE = path.resolve('test/.cache/pdf-wrapped');
const WIDTHS = [3, 4, 6];

/** Item rows of the table and their first value (applicationsTableHtml: row n starts with n). */
const ITEMS: [string, number][] = [
  ['（一）予以公开', 10],
  ['（二）部分公开（区分处理的，只计这一情形，不计其他情形）', 11],
  ...[
    '1.属于国家秘密', '2.其他法律行政法规禁止公开', '3.危及“三安全一稳定”', '4.保护第三方合法权益', '5.属于三类内部事务信息', '6.属于四类过程性信息', '7.属于行政执法案卷', '8.属于行政查询事项',
    '1.本机关不掌握相关政府信息', '2.没有现成信息需要另行制作', '3.补正后申请内容仍不明确',
    '1.信访举报投诉类申请', '2.重复申请', '3.要求提供公开出版物', '4.无正当理由大量反复申请', '5.要求行政机关确认或重新出具已获取信息',
  ].map((l, k): [string, number] => [l, 20 + k]),
  ['一、本年新收政府信息公开申请数量', 3001],
  ['二、上年结转政府信息公开申请数量', 34],
  ['四、结转下年度继续办理', 103],
];

function html(labelEm: number, borders: boolean, valign: 'top' | 'middle'): string {
  return `<html><head><meta charset="utf-8"><style>
body { font-family: 'WenQuanYi Micro Hei'; font-size: 10px; }
table { border-collapse: collapse; table-layout: fixed; width: 100%; }
td { ${borders ? 'border: 1px solid #000;' : ''} padding: 3px; text-align: center; vertical-align: ${valign}; word-break: break-all; }
col.l { width: ${labelEm}em; }
</style></head><body><p>某某市某某局2021年政府信息公开工作年度报告</p><p>三、收到和处理政府信息公开申请情况</p>
${applicationsTableHtml().replace('<table>', '<table><colgroup><col class=l><col class=l><col class=l><col span=7></colgroup>')}
<p>表后的段落。</p></body></html>`;
}

interface Variant {
  name: string;
  file: string;
}

function tables(doc: ExtractedDocument): TableBlock[] {
  return doc.blocks.filter((b): b is TableBlock => b.kind === 'table');
}

/** Rows whose last label cell (the cell before the first number) is `label`, with the number after it. */
function rowsLabelled(doc: ExtractedDocument, label: string): string[][] {
  return tables(doc).flatMap((t) =>
    t.rows.filter((r) => {
      const first = r.findIndex((c) => /^\d+$/.test(c));
      return first > 0 && normalizeCellText(r[first - 1]!) === label;
    }),
  );
}

function expectWholeRows(doc: ExtractedDocument, what: string): void {
  for (const [label, first] of ITEMS) {
    const rows = rowsLabelled(doc, label);
    expect(rows.length, `${what}: rows labelled ${label}`).toBe(1);
    const row = rows[0]!;
    expect(row[row.findIndex((c) => /^\d+$/.test(c))], `${what}: ${label}`).toBe(String(first));
  }
}

const variants: Variant[] = [];

beforeAll(async () => {
  mkdirSync(CACHE, { recursive: true });
  // Tall pages (500 mm): fewer page breaks, so the wrapping itself is what is tested.
  const jobs: { html: string; out: string; height: string }[] = [];
  for (const em of WIDTHS) {
    for (const borders of [true, false]) {
      for (const valign of ['top', 'middle'] as const) {
        const name = `chromium-${em}em-${borders ? 'ruled' : 'borderless'}-${valign}`;
        const out = path.join(CACHE, `${name}.pdf`);
        const source = html(em, borders, valign);
        const htmlFile = path.join(CACHE, `${name}.html`);
        // Re-rendered when the HTML changes.
        if (!existsSync(out) || !existsSync(htmlFile) || readFileSync(htmlFile, 'utf8') !== source) {
          writeFileSync(htmlFile, source);
          jobs.push({ html: source, out, height: '500mm' });
        }
        variants.push({ name, file: out });
      }
    }
  }
  // The same tables on A4 pages, at 12px: rows cut by page breaks, the end of a wrapped label at the top of the next page.
  const a4: { html: string; out: string }[] = [];
  for (const [borders, valign] of [[false, 'top'], [false, 'middle'], [true, 'middle']] as const) {
    const name = `chromium-4em-${borders ? 'ruled' : 'borderless'}-${valign}-a4`;
    const out = path.join(CACHE, `${name}.pdf`);
    const source = html(4, borders, valign).replace('font-size: 10px', 'font-size: 12px');
    const htmlFile = path.join(CACHE, `${name}.html`);
    if (!existsSync(out) || !existsSync(htmlFile) || readFileSync(htmlFile, 'utf8') !== source) {
      writeFileSync(htmlFile, source);
      a4.push({ html: source, out });
    }
    variants.push({ name, file: out });
  }
  if (jobs.length || a4.length) await renderPdfs([...jobs, ...a4]);
  // LibreOffice from the same HTML (ruled, 4 em): another producer's text runs and rules.
  const lo = path.join(CACHE, 'libreoffice');
  mkdirSync(lo, { recursive: true });
  const src = path.join(CACHE, 'chromium-4em-ruled-middle.html');
  const out = path.join(lo, 'chromium-4em-ruled-middle.pdf');
  if (!existsSync(out)) {
    try {
      execFileSync('soffice', [`-env:UserInstallation=file://${path.join(CACHE, 'lo-profile')}`, '--headless', '--convert-to', 'pdf:writer_web_pdf_Export', '--outdir', lo, src], { stdio: 'ignore', timeout: 180_000 });
    } catch (e) {
      throw new Error(`LibreOffice (soffice) is needed to render the LibreOffice variant: ${(e as Error).message}`);
    }
  }
  variants.push({ name: 'libreoffice-4em-ruled-middle', file: out });
}, 300_000);

describe('wrapped labels in narrow label columns', () => {
  it('every rendering: each official row label whole, once, beside its own numbers', async () => {
    const figures: string[] = [];
    for (const v of variants) {
      const doc = await extractPdf(new Uint8Array(readFileSync(v.file)), { fileName: v.name });
      expectWholeRows(doc, v.name);
      figures.push(`${v.name}: ${doc.pages} page(s), ${tables(doc).length} table(s), ${ITEMS.length}/${ITEMS.length} rows whole`);
    }
    console.log(`[wrapped-label figures]\n  ${figures.join('\n  ')}`);
    expect(variants.length).toBe(WIDTHS.length * 4 + 3 + 1);
  }, 120_000);

  it('the wrapped row of the issue is one row: 5.要求行政机关确认或重新出具已获取信息 → 35 1 0 0 2 … 38', async () => {
    for (const v of variants.filter((x) => x.name.includes('3em'))) {
      const doc = await extractPdf(new Uint8Array(readFileSync(v.file)));
      const [row] = rowsLabelled(doc, '5.要求行政机关确认或重新出具已获取信息');
      const numbers = row!.filter((c) => /^\d+$/.test(c));
      expect(numbers, v.name).toEqual(['35', '1', '0', '0', '2', '38']);
      // No fragment of the label is left anywhere else.
      const text = tables(doc).flatMap((t) => t.rows.flat()).filter((c) => /出具已获取信|关确认或重新/.test(c));
      expect(text, v.name).toEqual(['5.要求行政机关确认或重新出具已获取信息']);
    }
  });

  it('HTML and Word tables: a label broken over lines in one cell is one cell', async () => {
    const doc = extractHtml(
      `<html><body><table><tr><td style="width:4em">5.要求行政机<br>关确认或重新<br>出具已获取信<br>息</td><td>35</td><td>38</td></tr></table></body></html>`,
    );
    expect(tables(doc)[0]!.rows).toEqual([['5.要求行政机关确认或重新出具已获取信息', '35', '38']]);
    // Word: the label typed as four paragraphs of one cell, and as one paragraph with line breaks.
    const cell = (runs: string) => `<w:tc><w:tcPr><w:tcW w:w="800" w:type="dxa"/></w:tcPr>${runs}</w:tc>`;
    const para = (t: string) => `<w:p><w:r><w:t>${t}</w:t></w:r></w:p>`;
    const parts = ['5.要求行政机', '关确认或重新', '出具已获取信', '息'];
    const body =
      `<w:tbl><w:tr>${cell(parts.map(para).join(''))}${cell(para('35'))}${cell(para('38'))}</w:tr>` +
      `<w:tr>${cell(`<w:p>${parts.map((t, k) => `<w:r>${k ? '<w:br/>' : ''}<w:t>${t}</w:t></w:r>`).join('')}</w:p>`)}${cell(para('35'))}${cell(para('38'))}</w:tr></w:tbl>`;
    const docx = writeZip([
      zipEntry('[Content_Types].xml', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')),
      zipEntry('_rels/.rels', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')),
      zipEntry('word/document.xml', Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`)),
    ]);
    const word = await extractDocx(docx);
    expect(tables(word)[0]!.rows).toEqual([
      ['5.要求行政机关确认或重新出具已获取信息', '35', '38'],
      ['5.要求行政机关确认或重新出具已获取信息', '35', '38'],
    ]);
  });
});
