/**
 * The report as an HTML page: <h1> title, <p> paragraphs and <table> markup with rowspan/colspan
 * as in the official templates. Also the report body alone, for the portal pages.
 */
import { columnWeights, type RenderDoc } from './report-doc.ts';
import type { SpanTable } from './respan.ts';

export const FONT = 'WenQuanYi Micro Hei';

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const REPORT_CSS = `
  body { font-family: '${FONT}', sans-serif; font-size: 15px; line-height: 1.75; color: #000; }
  .report { max-width: 860px; margin: 0 auto; }
  .report h1 { text-align: center; font-size: 22px; line-height: 1.5; margin: 0.6em 0 1em; font-weight: bold; }
  .report p { text-indent: 2em; margin: 0.3em 0; text-align: justify; }
  .report table { border-collapse: collapse; width: 100%; margin: 0.6em 0 1em; table-layout: fixed; }
  .report td { border: 1px solid #000; padding: 3px 4px; font-size: 13px; line-height: 1.45; word-break: break-all; vertical-align: middle; }
  .report td.h { text-align: center; font-weight: bold; }
  .report td.l { text-align: left; }
  .report td.v { text-align: center; }
  .report tr { break-inside: avoid; page-break-inside: avoid; }
`;

export function tableHtml(t: SpanTable, indent = ''): string {
  const weights = columnWeights(t);
  const cols = weights.map((w) => `${indent}  <col width="${(w * 100).toFixed(1)}%" style="width:${(w * 100).toFixed(2)}%">`).join('\n');
  const rows = t.rows
    .map((row) => {
      const cells = row
        .map((c) => {
          const attrs = [`class="${c.kind[0]}"`];
          if (c.rowspan > 1) attrs.push(`rowspan="${c.rowspan}"`);
          if (c.colspan > 1) attrs.push(`colspan="${c.colspan}"`);
          return `<td ${attrs.join(' ')}>${esc(c.text)}</td>`;
        })
        .join('');
      return `${indent}  <tr>${cells}</tr>`;
    })
    .join('\n');
  return `${indent}<table border="1" cellspacing="0" cellpadding="0">\n${indent} <colgroup>\n${cols}\n${indent} </colgroup>\n${indent} <tbody>\n${rows}\n${indent} </tbody>\n${indent}</table>`;
}

/** Paragraphs and tables (no title). */
export function bodyHtml(doc: RenderDoc, indent = ''): string {
  return doc.blocks
    .map((b) => (b.kind === 'paragraph' ? `${indent}<p>${esc(b.text)}</p>` : tableHtml(b.table, indent)))
    .join('\n');
}

export function titleHtml(doc: RenderDoc): string {
  return `<h1>${doc.titleLines.map(esc).join('<br>')}</h1>`;
}

export function reportHtml(doc: RenderDoc): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(doc.title)}</title>
<style>${REPORT_CSS}
  @page { size: A4; margin: 22mm 20mm 20mm 20mm; }
</style>
</head>
<body>
<div class="report">
${titleHtml(doc)}
${bodyHtml(doc)}
</div>
</body>
</html>
`;
}
