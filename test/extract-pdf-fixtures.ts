/**
 * PDF fixtures for the PDF extractor tests (test/extract-pdf*.test.ts): the official 2021
 * applications table as HTML, rendered to PDF by Chromium (bordered tables drawn as thin filled
 * rectangles, rowspan/colspan, a table cut by a page break) and an image-only "scan".
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { sharedDir } from './helpers/expected.ts';

/** The real published files: ../shared/real beside the checkout (NIANBAO_SHARED overrides). */
export const REAL = path.join(sharedDir, 'real');


const DENIED = ['1.属于国家秘密', '2.其他法律行政法规禁止公开', '3.危及“三安全一稳定”', '4.保护第三方合法权益', '5.属于三类内部事务信息', '6.属于四类过程性信息', '7.属于行政执法案卷', '8.属于行政查询事项'];
const GROUPS: [string, string[]][] = [
  ['（三）不予公开', DENIED],
  ['（四）无法提供', ['1.本机关不掌握相关政府信息', '2.没有现成信息需要另行制作', '3.补正后申请内容仍不明确']],
  ['（五）不予处理', ['1.信访举报投诉类申请', '2.重复申请', '3.要求提供公开出版物', '4.无正当理由大量反复申请', '5.要求行政机关确认或重新出具已获取信息']],
  ['（六）其他处理', ['1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请', '2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请', '3.其他']],
];

/** The official 2021 applications table; row n has values [n, 1, 0, 0, 2, '', n + 3] (a blank 其他 cell). */
export function applicationsTableHtml(): string {
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

export function reportHtml(fillerParagraphs: number): string {
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

/** Renders each job's HTML to a PDF: A4, or a page of `height` (CSS length) for tables that must not break. */
export async function renderPdfs(jobs: { html: string; out: string; height?: string }[]): Promise<void> {
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    for (const { html, out, height } of jobs) {
      await page.setContent(html);
      const pdf = await page.pdf({
        ...(height ? { width: '210mm', height } : { format: 'A4' }),
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

export interface ChromiumPdfs {
  onePage: string;
  split: string;
  scan: string;
}

/** Renders the three Chromium fixtures into `dir` (a directory of the calling test file's own). */
export async function renderChromiumPdfs(dir: string): Promise<ChromiumPdfs> {
  mkdirSync(dir, { recursive: true });
  const out = { onePage: path.join(dir, 'applications-one-page.pdf'), split: path.join(dir, 'applications-page-break.pdf'), scan: path.join(dir, 'scan.pdf') };
  const png = path.join(dir, 'scan-page');
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '4', '-l', '4', '-singlefile', `${REAL}/huaian-2024.pdf`, png]);
  const image = readFileSync(`${png}.png`).toString('base64');
  await renderPdfs([
    { html: reportHtml(2), out: out.onePage },
    // 28 filler paragraphs push the table's header rows to the foot of page 1.
    { html: reportHtml(28), out: out.split },
    { html: `<html><body style="margin:0"><img src="data:image/png;base64,${image}" style="width:100%"></body></html>`, out: out.scan },
  ]);
  return out;
}
