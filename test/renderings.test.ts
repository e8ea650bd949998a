/**
 * Every rendering of a seed report (HTML, portal page, PDF, DOCX, DOC; scripts/render-reports.ts)
 * must give the same facts, format, year and agency as the seed's plain text. Also checks the
 * renderer itself: official rowspan/colspan in the HTML, real Word merges in the DOCX, page
 * breaks in the PDF, OLE2 for the DOC, GBK for the jcms portal page, and the cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import * as cheerio from 'cheerio';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from './helpers/build-report.ts';
import type { ReportResult } from '../schema/report.ts';
import { extractDocument } from '../extract/index.ts';
import { buildRenderDoc } from '../sample/render/report-doc.ts';
import { RENDER_KINDS, renderReports, renderedFileName, type RenderIndex, type RenderKind } from '../scripts/render-reports.ts';
import { factLines, repoRoot, seedFile } from './helpers/expected.ts';
import { readZipDirectory } from '../extract/zip.ts';

const SEEDS = ['000', '001', '002', '003', '004'];
const OUT = path.join(repoRoot, 'test/.cache/renderings');

let index: RenderIndex;
const baseline = new Map<string, ReportResult>();

beforeAll(async () => {
  index = await renderReports({ outDir: OUT });
  for (const id of SEEDS) {
    const file = seedFile(id);
    baseline.set(id, await buildReport(fs.readFileSync(file), { file }));
  }
}, 600_000);

const read = (id: string, kind: RenderKind) => fs.readFileSync(path.join(OUT, renderedFileName(id, kind)));

/**
 * Cases where an extractor (not the renderer) is known to get a rendering wrong: `${seed}:${kind}`
 * → diagnosis. They run as it.fails, so they start failing loudly once the extractor is fixed.
 * None at the moment.
 */
const KNOWN_EXTRACTOR_BUGS: Record<string, string> = {};

describe('every rendering gives the facts of the plain text', () => {
  for (const id of SEEDS) {
    for (const kind of RENDER_KINDS) {
      const bug = KNOWN_EXTRACTOR_BUGS[`${id}:${kind}`];
      const test = bug ? it.fails : it;
      test(`seed ${id} ${kind}`, async () => {
        const base = baseline.get(id)!;
        expect(base.facts.length).toBeGreaterThan(0);
        const file = renderedFileName(id, kind);
        const r = await buildReport(read(id, kind), { file });
        expect(r.error).toBeUndefined();
        expect(r.format).toBe(base.format);
        expect(r.year).toBe(base.year);
        expect(r.agency).toBe(base.agency);
        expect(factLines(r.facts)).toEqual(factLines(base.facts));
      });
    }
  }
});

/**
 * Stronger than the facts: each extractor rebuilds exactly the grid that was rendered (spans
 * expanded with the text repeated, as extract/model.ts specifies), whitespace aside.
 */
describe('every extractor rebuilds the rendered table grids', () => {
  const norm = (s: string) => s.replace(/[\s\u3000]+/g, '');
  for (const id of SEEDS) {
    for (const kind of RENDER_KINDS) {
      it(`seed ${id} ${kind}`, async () => {
        const rd = buildRenderDoc(id, fs.readFileSync(seedFile(id), 'utf8'));
        const expected = rd.blocks.flatMap((b) => {
          if (b.kind !== 'table') return [];
          const g: string[][] = [];
          for (const row of b.table.rows)
            for (const c of row)
              for (let r = c.row; r < c.row + c.rowspan; r++)
                for (let k = c.col; k < c.col + c.colspan; k++) (g[r] ??= [])[k] = norm(c.text);
          return [g.filter(Boolean)];
        });
        const file = renderedFileName(id, kind);
        const doc = await extractDocument(read(id, kind), { fileName: file });
        const got = doc.blocks.flatMap((b) => (b.kind === 'table' ? [b.rows.map((r) => r.map(norm))] : []));
        expect(got).toEqual(expected);
      });
    }
  }
});

/** Grid of a <table>: checks that spans tile a rectangle and returns the cell at each position. */
function tableGrid($: cheerio.CheerioAPI, table: cheerio.Cheerio<any>) {
  const grid: (string | undefined)[][] = [];
  const cells: { text: string; row: number; col: number; rowspan: number; colspan: number }[] = [];
  table.find('tr').each((r, tr) => {
    grid[r] ??= [];
    let c = 0;
    $(tr)
      .children('td,th')
      .each((_, td) => {
        while (grid[r][c] !== undefined) c++;
        const rowspan = Number($(td).attr('rowspan') ?? 1);
        const colspan = Number($(td).attr('colspan') ?? 1);
        const text = $(td).text().trim();
        cells.push({ text, row: r, col: c, rowspan, colspan });
        for (let i = r; i < r + rowspan; i++) {
          grid[i] ??= [];
          for (let j = c; j < c + colspan; j++) {
            expect(grid[i][j], `overlap at ${i},${j}`).toBeUndefined();
            grid[i][j] = text;
          }
        }
        c += colspan;
      });
  });
  return { grid, cells };
}

describe('HTML rendering', () => {
  const load = (id: string) => cheerio.load(read(id, 'html').toString('utf8'));
  const cell = ($: cheerio.CheerioAPI, text: string) => {
    const td = $('td').filter((_, e) => $(e).text().trim() === text);
    expect(td.length, `cell ${text}`).toBe(1);
    return { rowspan: Number(td.attr('rowspan') ?? 1), colspan: Number(td.attr('colspan') ?? 1) };
  };

  it('every table of every seed is a full rectangle (spans tile it, no row shorter)', () => {
    for (const id of SEEDS) {
      const $ = load(id);
      $('table').each((_, t) => {
        const { grid } = tableGrid($, $(t));
        const width = grid[0].length;
        grid.forEach((row, r) => {
          expect(row.length, `seed ${id} row ${r}`).toBe(width);
          expect(row.every((x) => x !== undefined), `seed ${id} row ${r} has holes`).toBe(true);
        });
      });
    }
  });

  it('seed 000 (2021): applications and review tables have the official spans', () => {
    const $ = load('000');
    expect($('h1').text()).toContain('政府信息公开工作年度报告');
    expect($('style').text()).toContain('WenQuanYi Micro Hei');
    expect(cell($, '三、本年度办理结果')).toEqual({ rowspan: 22, colspan: 1 });
    expect(cell($, '（三）不予公开')).toEqual({ rowspan: 8, colspan: 1 });
    expect(cell($, '（四）无法提供')).toEqual({ rowspan: 3, colspan: 1 });
    expect(cell($, '（五）不予处理')).toEqual({ rowspan: 5, colspan: 1 });
    expect(cell($, '（六）其他处理')).toEqual({ rowspan: 3, colspan: 1 });
    expect(cell($, '（一）予以公开')).toEqual({ rowspan: 1, colspan: 2 });
    expect(cell($, '（七）总计')).toEqual({ rowspan: 1, colspan: 2 });
    expect(cell($, '一、本年新收政府信息公开申请数量')).toEqual({ rowspan: 1, colspan: 3 });
    expect(cell($, '四、结转下年度继续办理')).toEqual({ rowspan: 1, colspan: 3 });
    expect(cell($, '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）')).toEqual({ rowspan: 3, colspan: 3 });
    expect(cell($, '申请人情况')).toEqual({ rowspan: 1, colspan: 7 });
    expect(cell($, '自然人')).toEqual({ rowspan: 2, colspan: 1 });
    expect(cell($, '法人或其他组织')).toEqual({ rowspan: 1, colspan: 5 });
    expect(cell($, '行政复议')).toEqual({ rowspan: 1, colspan: 5 });
    expect(cell($, '行政诉讼')).toEqual({ rowspan: 1, colspan: 10 });
    expect(cell($, '未经复议直接起诉')).toEqual({ rowspan: 1, colspan: 5 });
    expect(cell($, '复议后起诉')).toEqual({ rowspan: 1, colspan: 5 });
    const tables = $('table').toArray().map((t) => tableGrid($, $(t)));
    const apps = tables.find((t) => t.cells.some((c) => c.text === '申请人情况'))!;
    expect(apps.grid[0].length).toBe(10); // 3 label columns + 7 value columns
    expect(apps.cells.find((c) => c.text === '总计' && c.row === 1)).toMatchObject({ rowspan: 2 });
    const review = tables.find((t) => t.cells.some((c) => c.text === '行政复议'))!;
    expect(review.grid[0].length).toBe(15);
    const reviewHead = review.cells.filter((c) => c.row === 1 && c.col < 5);
    expect(reviewHead.map((c) => c.text)).toEqual(['结果维持', '结果纠正', '其他结果', '尚未审结', '总计']);
    expect(reviewHead.every((c) => c.rowspan === 2)).toBe(true);
    // The proactive table: one table, 第二十条 header rows spanning its width.
    const proactive = tables.find((t) => t.cells.some((c) => c.text.startsWith('第二十条第（一）项')))!;
    const width = proactive.grid[0].length;
    expect(width).toBe(4);
    for (const c of proactive.cells.filter((x) => x.text.startsWith('第二十条'))) expect(c.colspan).toBe(width);
  });

  it('seed 003 (2019 tables): （六）其他处理 is one row with colspan 2', () => {
    const $ = load('003');
    expect(cell($, '（六）其他处理')).toEqual({ rowspan: 1, colspan: 2 });
    expect(cell($, '三、本年度办理结果')).toEqual({ rowspan: 20, colspan: 1 });
    expect($('td').filter((_, e) => $(e).text().trim() === '第二十条第（九）项').attr('colspan')).toBe('4');
  });

  it('seed 004: the re-spanned applications table has the official label spans; blank review cells stay blank cells', () => {
    const $ = load('004');
    expect(cell($, '三、本年度办理结果')).toEqual({ rowspan: 22, colspan: 1 });
    expect(cell($, '(三) 不予公开')).toEqual({ rowspan: 8, colspan: 1 });
    expect(cell($, '(七) 总计')).toEqual({ rowspan: 1, colspan: 2 });
    const review = $('table')
      .toArray()
      .map((t) => tableGrid($, $(t)))
      .find((t) => t.cells.some((c) => c.text === '行政复议'))!;
    const last = review.cells.filter((c) => c.row === review.grid.length - 1);
    expect(last).toHaveLength(15);
    expect(last.slice(0, 5).every((c) => c.text === '' && c.colspan === 1 && c.rowspan === 1)).toBe(true);
    expect(last.slice(5).every((c) => c.text === '0')).toBe(true);
  });

  it('seed 001: the legacy statistics table has 3 columns', () => {
    const $ = load('001');
    const t = $('table')
      .toArray()
      .map((x) => tableGrid($, $(x)))
      .find((x) => x.cells.some((c) => c.text === '单位'))!;
    expect(t.grid[0].length).toBe(3);
    expect(t.grid.length).toBe(66);
    expect(t.cells.every((c) => c.rowspan === 1 && c.colspan === 1)).toBe(true);
  });
});

/** One entry of a zip file (stored or deflated), found through the extractor's own directory reader. */
function unzipEntry(zip: Buffer, name: string): Buffer {
  const entry = readZipDirectory(zip).find((e) => e.name === name);
  if (!entry) throw new Error(`${name} not in zip`);
  const local = entry.localHeaderOffset;
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  return entry.method === 0 ? data : zlib.inflateRawSync(data);
}

describe('other renderings', () => {
  it('DOCX has real Word merges (vMerge, gridSpan)', () => {
    for (const id of ['000', '003', '004']) {
      const xml = unzipEntry(read(id, 'docx'), 'word/document.xml').toString('utf8');
      // (boolean checks: a failing toMatch would print the whole document)
      expect(/<w:vMerge w:val="restart"\/>/.test(xml), `${id}: vMerge restart`).toBe(true);
      expect((xml.match(/<w:vMerge w:val="continue"\/>/g) ?? []).length, `${id}: vMerge continue`).toBeGreaterThanOrEqual(30);
      expect(/<w:gridSpan w:val="10"\/>/.test(xml), `${id}: 行政诉讼 gridSpan 10`).toBe(true);
      const styles = unzipEntry(read(id, 'docx'), 'word/styles.xml').toString('utf8');
      expect(styles.includes('WenQuanYi Micro Hei'), `${id}: font`).toBe(true);
    }
  });

  it('PDF is A4, has at least 2 pages, and the applications table spans a page break', async () => {
    let spans = 0;
    for (const id of SEEDS) {
      const pdf = read(id, 'pdf');
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const raw = pdf.toString('latin1');
      expect((raw.match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length).toBeGreaterThanOrEqual(2);
      expect(raw).toMatch(/\/MediaBox\s*\[\s*0 0 594\.\d+ 841\.\d+\s*\]/);
      if (id === '001') continue;
      const r = await buildReport(pdf, { file: `${id}.pdf` });
      const pages = new Set(r.facts.filter((f) => f.table === 'applications').map((f) => f.source?.page));
      if (pages.size > 1) spans++;
    }
    expect(spans).toBeGreaterThanOrEqual(1);
  });

  it('DOC is an OLE2 compound file (Word 97)', () => {
    for (const id of SEEDS) expect(read(id, 'doc').subarray(0, 4).toString('hex')).toBe('d0cf11e0');
  });

  it('portal pages: TRS WCM chrome in UTF-8, jcms chrome in GBK', () => {
    const trs = read('000', 'portal').toString('utf8');
    expect(trs).toContain('<div class="TRS_Editor">');
    expect(trs).toMatch(/主办单位：/);
    expect(trs).toMatch(/ICP备\d+号/);
    expect(trs).toMatch(/当前位置/);
    const gbkBytes = read('001', 'portal');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbkBytes)).toThrow();
    const jcms = iconv.decode(gbkBytes, 'gbk');
    expect(jcms).toContain('charset=gb2312');
    expect(jcms).toContain('<div id="zoom">');
    expect(jcms).toContain(baseline.get('001')!.title!);
    expect(index.files.find((f) => f.seed === '001' && f.kind === 'portal')).toMatchObject({ style: 'jcms', charset: 'gbk' });
  });

  it('index.json lists every file with its seed, title, kind and sha256', async () => {
    const { createHash } = await import('node:crypto');
    expect(index.files).toHaveLength(SEEDS.length * RENDER_KINDS.length);
    for (const f of index.files) {
      const bytes = fs.readFileSync(path.join(OUT, f.file));
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(f.title).toBe(baseline.get(f.seed)!.title);
    }
  });

  it('is cached: a second call renders nothing', async () => {
    // Behaviour, not speed: no rendering is written again (every file keeps its mtime).
    const mtimes = () => Object.fromEntries(index.files.map((f) => [f.file, fs.statSync(path.join(OUT, f.file)).mtimeMs]));
    const before = mtimes();
    const again = await renderReports({ outDir: OUT });
    expect(again.key).toBe(index.key);
    expect(again.files.map((f) => f.sha256)).toEqual(index.files.map((f) => f.sha256));
    expect(mtimes()).toEqual(before);
  });
});
