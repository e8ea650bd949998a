/**
 * The report as a Word document built with the `docx` package from the same re-spanned tables:
 * real merged cells (w:vMerge for rowspan, w:gridSpan for colspan), borders drawn, A4.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import { FONT } from './html.ts';
import { columnWeights, type RenderDoc } from './report-doc.ts';
import type { SpanTable } from './respan.ts';

/** A4 in twips, 2 cm side margins. */
const PAGE = { width: 11906, height: 16838, marginX: 1134, marginY: 1247 };
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.marginX;

/**
 * How the document is laid out (default: A4 portrait, 2 cm sides, WenQuanYi Micro Hei, table
 * text 10 pt, rows never split). The fresh-rendering sweep (scripts/bench/fresh.ts) varies these
 * the way published Word files vary.
 */
export interface DocxStyle {
  font?: string;
  /** Table text size in half-points (20 = 10 pt). */
  tableSize?: number;
  /** Body text size in half-points (24 = 12 pt). */
  bodySize?: number;
  /** Rows may split across pages (Word's "allow row to break across pages"). */
  rowsMaySplit?: boolean;
  /** The first n rows of a table repeat at the top of every page (Word's "repeat as header row"). */
  headerRows?: (t: SpanTable) => number;
  /** Page in twips; landscape swaps width and height. */
  page?: { width: number; height: number; marginX: number; marginY: number };
  landscape?: boolean;
  /** Column weights of a table (default: columnWeights). */
  weights?: (t: SpanTable) => number[];
}
const fontOf = (f: string) => ({ ascii: f, eastAsia: f, hAnsi: f, cs: f });
const border = { style: BorderStyle.SINGLE, size: 6, color: '000000' };
const borders = { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border };

function table(t: SpanTable, style: DocxStyle, contentWidth: number): Table {
  const head = style.headerRows?.(t) ?? 0;
  const widths = (style.weights ?? columnWeights)(t).map((w) => Math.max(300, Math.round(w * contentWidth)));
  return new Table({
    width: { size: widths.reduce((a, b) => a + b, 0), type: WidthType.DXA },
    columnWidths: widths,
    layout: TableLayoutType.FIXED,
    borders,
    rows: t.rows.map(
      (row, r) =>
        new TableRow({
          cantSplit: !style.rowsMaySplit,
          tableHeader: r < head || undefined,
          children: row.map(
            (c) =>
              new TableCell({
                rowSpan: c.rowspan > 1 ? c.rowspan : undefined,
                columnSpan: c.colspan > 1 ? c.colspan : undefined,
                width: { size: widths.slice(c.col, c.col + c.colspan).reduce((a, b) => a + b, 0), type: WidthType.DXA },
                verticalAlign: VerticalAlign.CENTER,
                borders: { top: border, bottom: border, left: border, right: border },
                children: [
                  new Paragraph({
                    alignment: c.kind === 'label' ? AlignmentType.LEFT : AlignmentType.CENTER,
                    children: [new TextRun({ text: c.text, size: style.tableSize ?? 20, bold: c.kind === 'header' })],
                  }),
                ],
              }),
          ),
        }),
    ),
  });
}

export async function reportDocx(doc: RenderDoc, style: DocxStyle = {}): Promise<Buffer> {
  const page = style.page ?? PAGE;
  const [pw, ph] = style.landscape ? [page.height, page.width] : [page.width, page.height];
  const contentWidth = style.page || style.landscape ? pw - 2 * page.marginX : CONTENT_WIDTH;
  const children: (Paragraph | Table)[] = [];
  for (const line of doc.titleLines)
    children.push(
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { after: 120 },
        children: [new TextRun({ text: line, bold: true, size: 36 })],
      }),
    );
  children.push(new Paragraph({ children: [] }));
  for (const b of doc.blocks) {
    if (b.kind === 'paragraph') {
      children.push(new Paragraph({ indent: { firstLine: 480 }, spacing: { line: 360 }, children: [new TextRun({ text: b.text })] }));
    } else {
      children.push(table(b.table, style, contentWidth));
      children.push(new Paragraph({ children: [] }));
    }
  }
  const document = new Document({
    creator: 'nianbao render-reports',
    title: doc.title,
    styles: { default: { document: { run: { font: fontOf(style.font ?? FONT), size: style.bodySize ?? 24 } } } },
    sections: [
      {
        properties: {
          page: {
            size: { width: pw, height: ph },
            margin: { top: page.marginY, bottom: page.marginY, left: page.marginX, right: page.marginX },
          },
        },
        children,
      },
    ],
  });
  return Packer.toBuffer(document);
}
