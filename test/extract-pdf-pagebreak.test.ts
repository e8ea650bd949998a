/**
 * A table whose header row is the last thing on a page and whose first data row opens the next
 * page (found by the benchmark: 25 of 1,200 generated PDFs lost their 规章 row, glued to the
 * header as "信息内容规章 | 本年制发件数743").
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { extractPdf } from '../extract/pdf/index.ts';
import { normalizeDocument } from '../normalize/index.ts';
import { repoRoot } from './helpers/expected.ts';

async function headerEndsPage(): Promise<Uint8Array> {
  const cache = path.join(repoRoot, 'test/.cache/pdf/header-ends-page.pdf');
  if (fs.existsSync(cache)) return new Uint8Array(fs.readFileSync(cache));
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
    @page { size: A4; margin: 0 }
    body { margin: 0; font-family: 'WenQuanYi Micro Hei'; font-size: 14px }
    table { border-collapse: collapse; width: 700px; margin-left: 40px }
    td { border: 1px solid #000; height: 30px; padding: 0 4px } tr { break-inside: avoid }
  </style></head><body>
  <h1 style="margin:0 0 0 40px;height:40px">某局2023年政府信息公开工作年度报告</h1>
  <div id="spacer"></div>
  <table>
    ${row(['第二十条第（一）项', '', '', ''])}
    ${row(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数'])}
    ${row(['规章', '743', '9', '2'])}
    ${row(['行政规范性文件', '18', '18', '349'])}
  </table></body></html>`;
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    await page.setContent(html);
    // Push the table down so that its second row (the header) is the last row on page 1.
    await page.evaluate(() => {
      const pageHeight = (297 / 25.4) * 96;
      const rows = document.querySelectorAll('tr');
      const tableTop = (document.querySelector('table') as HTMLElement).offsetTop;
      const headerBottom = (rows[1] as HTMLElement).offsetTop + (rows[1] as HTMLElement).offsetHeight;
      (document.getElementById('spacer') as HTMLElement).style.height = `${pageHeight - tableTop - headerBottom - 8}px`;
    });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(cache, pdf);
    return new Uint8Array(pdf);
  } finally {
    await browser.close();
  }
}

describe('a page break right after a header row', () => {
  for (const engine of ['mupdf', 'pdfjs'] as const) {
    it(`keeps the first data row of the next page its own row (${engine})`, async () => {
      const doc = await extractPdf(await headerEndsPage(), { engine });
      const table = doc.blocks.find((b) => b.kind === 'table');
      expect(table && table.kind === 'table' && table.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['信息内容', '规章']));
      const pages = new Set(table!.kind === 'table' ? table!.origins?.flat().map((o) => o?.page) : []);
      expect(pages.size).toBe(2); // the table really is cut by the break
      const r = normalizeDocument(doc);
      const rules = r.facts.filter((f) => f.table === 'proactive' && f.row === 'rules').map((f) => [f.col, f.value]);
      expect(rules).toEqual([['issued', 743], ['repealed', 9], ['in_force', 2]]);
    }, 60_000);
  }
});
