/**
 * Word's repeated header rows ("repeat as header row at the top of each page") as LibreOffice
 * prints them, found by the fresh sweep (scripts/bench/fresh.ts, draw 2027: 35 cells wrong in
 * three DOCX → LibreOffice PDFs):
 * - one repeated row that cuts the applications table's vertically merged cells (the 3-row
 *   （本列数据的勾稽关系…） cell and 总计): LibreOffice prints their text over the rows under the
 *   repeat, so the first data row read 一、本年新收(本列数据政府信息… and 1196总计;
 * - two repeated rows: the cut cells print what fits (自然 for 自然人), the repeat was not
 *   recognised and was read as data in the middle of the table;
 * - a table cut after its head whose second part repeats its first two data rows (一、 and 二、)
 *   on the next page, above the rest of a row split by the break (…费通知要求缴纳费 / 用、行政机关
 *   不再处理…): the rest was joined to the repeated row, and the row's numbers lost.
 * Each must read as the table printed once: every applications cell right, with either engine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSoffice } from '../extract/doc.ts';
import type { Block } from '../extract/model.ts';
import { extractPdf } from '../extract/pdf/index.ts';
import { mupdfEngine } from '../extract/pdf/mupdf.ts';
import { normalizeDocument } from '../normalize/index.ts';
import { reportDocx } from '../sample/render/docx.ts';
import type { RenderBlock } from '../sample/render/report-doc.ts';
import type { SpanTable } from '../sample/render/respan.ts';
import { readSeeds, renderDocFrom, seedModel, variant } from '../scripts/bench/corpus.ts';
import { splitTable } from '../scripts/bench/fresh.ts';
import { rng } from '../scripts/lib/rng.ts';
import { repoRoot } from './helpers/expected.ts';
import { toolAvailable } from './helpers/tools.ts';

const soffice = toolAvailable('LibreOffice (soffice)', hasSoffice(), 'apt-get install libreoffice-writer-nogui (bash scripts/system-deps.sh), or set NIANBAO_SOFFICE');

const CACHE = path.join(repoRoot, 'test/.cache/word-head-v2');
/** Seed 004 (statutory-2021) with new numbers in its cells, as the fresh sweep varies it. */
const varied = (() => {
  const seed = readSeeds().find((x) => x.id === '004')!;
  return variant(seedModel(seed), rng(2027));
})();

interface Case {
  name: string;
  /** Header rows marked to repeat, per part. */
  head: number;
  /** Rows before which the applications table is cut into separate tables. */
  cuts: number[];
  /** Rows may split across the break (Word's "allow row to break across pages"). */
  split?: boolean;
  /** Blank lines before the table: where the break falls. */
  blank?: number;
}
const CASES: Case[] = [
  { name: 'one-row-cuts-merged-cells', head: 1, cuts: [] },
  { name: 'two-rows-cut-merged-cells', head: 2, cuts: [] },
  { name: 'cut-part-repeats-data-rows', head: 2, cuts: [3], split: true, blank: 0 },
];

/** Title, a heading, blank lines that push the table down, and the applications table: it runs onto page 2. */
async function docx(c: Case): Promise<Buffer> {
  const doc = renderDocFrom('004', varied.doc, []);
  const isApplications = (t: SpanTable) => t.rows.flat().some((cell) => cell.text.includes('本年新收'));
  const table = doc.blocks.find((b): b is Extract<RenderBlock, { kind: 'table' }> => b.kind === 'table' && isApplications(b.table))!.table;
  const parts = splitTable(table, c.cuts);
  const blocks: RenderBlock[] = [
    ...Array.from({ length: c.blank ?? 12 }, () => ({ kind: 'paragraph' as const, text: '' })),
    { kind: 'paragraph', text: '三、收到和处理政府信息公开申请情况' },
    ...parts.map((p) => ({ kind: 'table' as const, table: p })),
    { kind: 'paragraph', text: '四、政府信息公开行政复议、行政诉讼情况' },
  ];
  return reportDocx({ ...doc, blocks }, { tableSize: 24, rowsMaySplit: c.split, headerRows: (t) => Math.min(c.head, t.rows.length - 1) });
}

/** The cases printed to PDF by LibreOffice (one conversion), cached under test/.cache. */
async function printed(): Promise<Map<string, Uint8Array>> {
  const pdf = (c: Case) => path.join(CACHE, `${c.name}.pdf`);
  if (!CASES.every((c) => fs.existsSync(pdf(c)))) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-word-head-'));
    try {
      const files: string[] = [];
      for (const c of CASES) {
        files.push(path.join(work, `${c.name}.docx`));
        fs.writeFileSync(files[files.length - 1], await docx(c));
      }
      fs.mkdirSync(CACHE, { recursive: true });
      const bin = process.env.NIANBAO_SOFFICE ?? 'soffice';
      execFileSync(bin, [`-env:UserInstallation=file://${path.join(work, 'profile')}`, '--headless', '--convert-to', 'pdf', '--outdir', CACHE, ...files], {
        stdio: 'ignore',
        timeout: 180_000,
        env: { ...process.env, HOME: work },
      });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  return new Map(CASES.map((c) => [c.name, new Uint8Array(fs.readFileSync(pdf(c)))]));
}

/** The text printed on page n (MuPDF's glyph runs, whitespace dropped). */
async function pageText(bytes: Uint8Array, n: number): Promise<string> {
  const doc = await mupdfEngine.open(bytes, 'test');
  try {
    const page = await doc.page(n);
    const text = page.glyphs.map((g) => g.text).join('').replace(/\s+/g, '');
    page.release();
    return text;
  } finally {
    await doc.destroy();
  }
}

const tablePages = (blocks: Block[]) => new Set(blocks.flatMap((b) => (b.kind === 'table' ? b.origins?.flat().map((o) => o?.page) ?? [] : [])));
const applications = (facts: { table: string; row: string; col: string; value: number | null }[]) =>
  Object.fromEntries(facts.filter((f) => f.table === 'applications').map((f) => [`${f.row}.${f.col}`, f.value]));

describe.runIf(soffice)("Word's repeated header rows printed by LibreOffice", { timeout: 300_000 }, () => {
  const expected = Object.fromEntries(Object.entries(varied.expected).filter(([k]) => k.startsWith('applications.')).map(([k, v]) => [k.slice('applications.'.length), v]));
  for (const c of CASES) {
    for (const engine of ['mupdf', 'pdfjs'] as const) {
      it(`${c.name} (${engine})`, async () => {
        const bytes = (await printed()).get(c.name)!;
        const doc = await extractPdf(bytes, { engine });
        // The layout is the one meant: the table runs onto page 2, where the head (or the cut
        // part's first data rows) is printed again.
        expect(tablePages(doc.blocks)).toEqual(new Set([1, 2]));
        expect(await pageText(bytes, 2)).toContain(c.cuts.length ? '一、本年新收' : '申请人情况');
        const r = normalizeDocument(doc);
        expect(Object.keys(expected).length).toBe(25 * 7);
        expect(applications(r.facts)).toEqual(expected);
      });
    }
  }
});
