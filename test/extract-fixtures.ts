/**
 * Fixture builders shared by the HTML / Word extractor tests: the statutory (2021 format)
 * 收到和处理政府信息公开申请情况 table as a publisher's HTML lays it out (rowspan/colspan
 * everywhere), and its expected expanded grid, both derived from one row specification.
 */

export const APPLICANT_COLUMNS = ['商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他'];

/** Row label path (1–3 levels) for the data rows of the 2021 applications table. */
export interface AppRow {
  /** Level-1 label (spans 3 columns when alone). */
  l1: string;
  /** Level-2 label (spans 2 columns when there is no level 3). */
  l2?: string;
  l3?: string;
}

export const APPLICATION_ROWS: AppRow[] = [
  { l1: '一、本年新收政府信息公开申请数量' },
  { l1: '二、上年结转政府信息公开申请数量' },
  { l1: '三、本年度办理结果', l2: '（一）予以公开' },
  { l1: '三、本年度办理结果', l2: '（二）部分公开（区分处理的，只计这一情形，不计其他情形）' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '1.属于国家秘密' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '2.其他法律行政法规禁止公开' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '3.危及“三安全一稳定”' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '4.保护第三方合法权益' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '5.属于三类内部事务信息' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '6.属于四类过程性信息' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '7.属于行政执法案卷' },
  { l1: '三、本年度办理结果', l2: '（三）不予公开', l3: '8.属于行政查询事项' },
  { l1: '三、本年度办理结果', l2: '（四）无法提供', l3: '1.本机关不掌握相关政府信息' },
  { l1: '三、本年度办理结果', l2: '（四）无法提供', l3: '2.没有现成信息需要另行制作' },
  { l1: '三、本年度办理结果', l2: '（四）无法提供', l3: '3.补正后申请内容仍不明确' },
  { l1: '三、本年度办理结果', l2: '（五）不予处理', l3: '1.信访举报投诉类申请' },
  { l1: '三、本年度办理结果', l2: '（五）不予处理', l3: '2.重复申请' },
  { l1: '三、本年度办理结果', l2: '（五）不予处理', l3: '3.要求提供公开出版物' },
  { l1: '三、本年度办理结果', l2: '（五）不予处理', l3: '4.无正当理由大量反复申请' },
  { l1: '三、本年度办理结果', l2: '（五）不予处理', l3: '5.要求行政机关确认或重新出具已获取信息' },
  { l1: '三、本年度办理结果', l2: '（六）其他处理', l3: '1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请' },
  { l1: '三、本年度办理结果', l2: '（六）其他处理', l3: '2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请' },
  { l1: '三、本年度办理结果', l2: '（六）其他处理', l3: '3.其他' },
  { l1: '三、本年度办理结果', l2: '（七）总计' },
  { l1: '四、结转下年度继续办理' },
];

/** Deterministic numbers (strings; '' = blank cell) for data row r, column c (0..6). */
export function appValue(r: number, c: number): string {
  if (r === 6 && c === 2) return ''; // a blank cell kept blank
  return String((r * 7 + c * 3) % 11);
}

export interface TableShape {
  /**
   * 3 (default): the header as many web pages have it, a third header row with no cells of its
   * own (<tr></tr>, everything spans into it); 2: the compact header a Word table has.
   */
  headerRows?: 2 | 3;
}

/** Header rows of the expanded grid (2 or 3 rows × 10 columns). */
export function expectedHeaderGrid(shape: TableShape = {}): string[][] {
  const h = '申请人情况';
  const rows = [
    [h, h, h, '自然人', '法人或其他组织', '法人或其他组织', '法人或其他组织', '法人或其他组织', '法人或其他组织', '总计'],
    [h, h, h, '自然人', ...APPLICANT_COLUMNS, '总计'],
    [h, h, h, '自然人', ...APPLICANT_COLUMNS, '总计'],
  ];
  return rows.slice(0, shape.headerRows ?? 3);
}

/** The full expected grid (header + data rows), spans repeated. */
export function expectedApplicationsGrid(shape: TableShape = {}): string[][] {
  const grid = expectedHeaderGrid(shape);
  APPLICATION_ROWS.forEach((row, r) => {
    const labels = row.l3 ? [row.l1, row.l2!, row.l3] : row.l2 ? [row.l1, row.l2, row.l2] : [row.l1, row.l1, row.l1];
    grid.push([...labels, ...Array.from({ length: 7 }, (_, c) => appValue(r, c))]);
  });
  return grid;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** One source cell of a table spec (before span expansion). */
export interface SpecCell {
  text: string;
  rowspan?: number;
  colspan?: number;
}

/**
 * The applications table as source rows of cells with spans, the way publishers lay it out.
 * Header cells of 4 characters are split in two lines ('商业\n企业') when `lineBreaks` is set.
 */
export function applicationsTableSpec(opts: { lineBreaks?: boolean } & TableShape = {}): SpecCell[][] {
  const split = (s: string) => (opts.lineBreaks && s.length === 4 ? `${s.slice(0, 2)}\n${s.slice(2)}` : s);
  const hr = opts.headerRows ?? 3;
  const rows: SpecCell[][] = [
    [
      { text: '申请人情况', colspan: 3, rowspan: hr },
      { text: '自然人', rowspan: hr },
      { text: '法人或其他组织', colspan: 5 },
      { text: '总计', rowspan: hr },
    ],
    APPLICANT_COLUMNS.map((c) => ({ text: split(c), rowspan: hr - 1 })),
  ];
  if (hr === 3) rows.push([]);
  const count = (pred: (r: AppRow) => boolean) => APPLICATION_ROWS.filter(pred).length;
  APPLICATION_ROWS.forEach((row, r) => {
    const cells: SpecCell[] = [];
    const first1 = APPLICATION_ROWS.findIndex((x) => x.l1 === row.l1) === r;
    const first2 = row.l2 !== undefined && APPLICATION_ROWS.findIndex((x) => x.l1 === row.l1 && x.l2 === row.l2) === r;
    if (!row.l2) cells.push({ text: row.l1, colspan: 3 });
    else {
      if (first1) cells.push({ text: row.l1, rowspan: count((x) => x.l1 === row.l1) });
      if (!row.l3) cells.push({ text: row.l2, colspan: 2 });
      else {
        if (first2) cells.push({ text: row.l2, rowspan: count((x) => x.l1 === row.l1 && x.l2 === row.l2) });
        cells.push({ text: row.l3 });
      }
    }
    for (let c = 0; c < 7; c++) cells.push({ text: appValue(r, c) });
    rows.push(cells);
  });
  return rows;
}

/**
 * The applications table as HTML with rowspan/colspan (including, by default, a header row with
 * no cells, <br> inside header cells and &nbsp; in blank cells).
 */
export function applicationsTableHtml(opts: { brInHeaders?: boolean } & TableShape = {}): string {
  const spec = applicationsTableSpec({ lineBreaks: opts.brInHeaders ?? true, headerRows: opts.headerRows });
  const out: string[] = ['<table border="1" cellspacing="0">', '<tbody>'];
  for (const row of spec) {
    const cells = row.map((c) => {
      const attrs = (c.rowspan && c.rowspan > 1 ? ` rowspan="${c.rowspan}"` : '') + (c.colspan && c.colspan > 1 ? ` colspan="${c.colspan}"` : '');
      const body = c.text === '' ? '&nbsp;' : c.text.split('\n').map(esc).join('<br/>');
      return `<td${attrs}><p>${body}</p></td>`;
    });
    out.push('<tr>' + cells.join('') + '</tr>');
  }
  out.push('</tbody>', '</table>');
  return out.join('\n');
}

/** A complete (unstyled) report document around the applications table. */
export function reportHtmlDocument(title = '某某市某某局2021年政府信息公开工作年度报告', shape: TableShape = {}): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>
<h1>${title}</h1>
<p>一、总体情况</p>
<p>2021年，我局主动公开政府信息121条，受理政府信息公开申请3件。</p>
<p>三、收到和处理政府信息公开申请情况</p>
${applicationsTableHtml(shape)}
<p>四、政府信息公开行政复议、行政诉讼情况</p>
</body></html>`;
}

/**
 * A .docx (built with the `docx` package) holding a title, a few paragraphs and the
 * applications table with real Word merges (w:vMerge for rowspan, w:gridSpan for colspan).
 */
export async function applicationsDocx(
  title = '某某市某某局2021年政府信息公开工作年度报告',
  shape: TableShape = { headerRows: 2 },
): Promise<Buffer> {
  const d = await import('docx');
  const spec = applicationsTableSpec({ lineBreaks: true, headerRows: shape.headerRows });
  const para = (text: string) =>
    new d.Paragraph({ children: text.split('\n').map((t, i) => new d.TextRun({ text: t, break: i > 0 ? 1 : undefined })) });
  const rows = spec.map(
    (row) =>
      new d.TableRow({
        children: row.map(
          (c) =>
            new d.TableCell({
              children: [c.text === '' ? new d.Paragraph({}) : para(c.text)],
              rowSpan: c.rowspan,
              columnSpan: c.colspan,
            }),
        ),
      }),
  );
  const doc = new d.Document({
    sections: [
      {
        children: [
          new d.Paragraph({ heading: d.HeadingLevel.HEADING_1, children: [new d.TextRun(title)] }),
          para('一、总体情况'),
          para('2021年，我局主动公开政府信息121条，受理政府信息公开申请3件。'),
          para('三、收到和处理政府信息公开申请情况'),
          new d.Table({ rows }),
          para('四、政府信息公开行政复议、行政诉讼情况'),
        ],
      },
    ],
  });
  return d.Packer.toBuffer(doc);
}
