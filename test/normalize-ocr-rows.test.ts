/**
 * Rows of an OCR'd grid are fitted by the header's column boxes, not by order: a value cell the
 * grid lost (two cells read as one) or a value misread as a word must not shift the later values
 * of the row into other columns. The missing cell is null and named by a finding.
 */
import { describe, expect, it } from 'vitest';
import type { CellOrigin, ExtractedDocument, TableBlock } from '../extract/model.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import type { ReportResult } from '../schema/report.ts';

const HEADER = ['自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计'];
const COLS = ['natural_person', 'commercial_enterprise', 'research_institution', 'social_welfare_org', 'legal_service_org', 'other_org', 'total'];

/**
 * An applications table as the OCR grid gives it: two label columns, seven value columns. A row
 * is [label, sub-label, ...values]; `merge` makes grid columns of a row one printed cell (the same
 * origin and text), as when the grid finder missed a rule there.
 */
function grid(rows: { cells: string[]; merge?: [number, number] }[], ocr = true): TableBlock {
  const all = [{ cells: ['（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）', ...HEADER] }, ...rows];
  const origins: (CellOrigin | undefined)[][] = all.map((r, i) =>
    r.cells.map((_, c) => ({ page: 1, row: i, col: r.merge && c >= r.merge[0] && c <= r.merge[1] ? r.merge[0] : c })),
  );
  const cells = all.map((r) => r.cells.map((t, c) => (r.merge && c > r.merge[0] && c <= r.merge[1] ? r.cells[r.merge[0]] : t)));
  return { kind: 'table', rows: cells, origins, page: 1, ...(ocr ? { confidence: cells.map((r) => r.map(() => 0.95)) } : {}) };
}

function report(table: TableBlock): ReportResult {
  const doc: ExtractedDocument = {
    mediaType: 'application/pdf',
    kind: 'pdf',
    status: 'ok',
    warnings: [],
    blocks: [
      { kind: 'paragraph', text: '某某区人民政府2021年政府信息公开工作年度报告' },
      { kind: 'paragraph', text: '三、收到和处理政府信息公开申请情况' },
      table,
    ],
  };
  return reportFromExtraction(doc, { file: 'ocr-rows.pdf', sha256: '' });
}

const row = (r: ReportResult, id: string) => Object.fromEntries(r.facts.filter((f) => f.table === 'applications' && f.row === id).map((f) => [f.col, f.value]));

describe('OCR rows fitted by the header columns', () => {
  const rows = [
    { cells: ['一、本年新收政府信息公开申请数量', '一、本年新收政府信息公开申请数量', '5', '1', '0', '0', '2', '3', '11'] },
    { cells: ['二、上年结转政府信息公开申请数量', '二、上年结转政府信息公开申请数量', '1', '0', '0', '0', '0', '0', '1'] },
  ];

  it('a value misread as a word leaves its column null, named by a finding, and the rest in place', () => {
    const broken = structuredClone(rows);
    broken[0].cells[2] = '区'; // the 5 under 自然人 read as a character
    const r = report(grid(broken));
    expect(row(r, 'new_received')).toEqual({ natural_person: null, commercial_enterprise: 1, research_institution: 0, social_welfare_org: 0, legal_service_org: 2, other_org: 3, total: 11 });
    const f = r.findings.find((x) => x.rule === 'parse.short_row');
    expect(f?.severity).toBe('warning');
    expect(f?.cells).toEqual(['applications.new_received.natural_person']);
    expect(row(r, 'carried_over')).toEqual({ natural_person: 1, commercial_enterprise: 0, research_institution: 0, social_welfare_org: 0, legal_service_org: 0, other_org: 0, total: 1 });
  });

  it('two cells read as one: the first keeps its value, the second is null and named, the later ones stay', () => {
    const r = report(grid([{ ...rows[0], merge: [6, 7] }, rows[1]]));
    expect(row(r, 'new_received')).toEqual({ natural_person: 5, commercial_enterprise: 1, research_institution: 0, social_welfare_org: 0, legal_service_org: 2, other_org: null, total: 11 });
    expect(r.findings.filter((x) => x.rule === 'parse.short_row').flatMap((x) => x.cells)).toEqual(['applications.new_received.other_org']);
  });

  it('a whole row reads the same either way', () => {
    const r = report(grid(rows));
    expect(row(r, 'new_received')).toEqual({ natural_person: 5, commercial_enterprise: 1, research_institution: 0, social_welfare_org: 0, legal_service_org: 2, other_org: 3, total: 11 });
    expect(r.findings.filter((x) => x.rule === 'parse.short_row')).toEqual([]);
  });
});
