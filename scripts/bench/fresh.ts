/**
 * Fresh text renderings: documents laid out in ways the tests and the bench corpus never use,
 * drawn from one seeded RNG, then read back through the real extraction and normalizer and
 * scored cell by cell against the numbers they were made from.
 *
 * What varies (what published reports vary): fonts (DejaVu Sans/Serif, WenQuanYi Micro Hei /
 * Mono), table text 10–16 px, cell padding, column widths ±40%, page size (A4 / Letter),
 * margins, landscape, rows that may split across pages, header rows repeated on every page
 * (<thead>, Word's repeated header rows), page breaks anywhere inside a table (a spacer pushes the table down the page, so a
 * header, a single last row or a wrapped label lands on the next page), a table cut into several
 * tables, and the route: Chromium PDF, DOCX read directly, DOCX → LibreOffice PDF, HTML.
 *
 *   npm run render -- --fresh --seed N [--out DIR] [--docs-per-seed K] [--score-only]
 *
 * Writes DIR (default bench/.cache/fresh-N/) with the files, docs.json (the plan and the
 * expected facts of each) and score.json; prints one line per document and the totals.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSeeds, seedModel, variant, renderDocFrom, compareFacts, CACHE_DIR, type SeedModel } from './corpus.ts';
import { reportFromExtraction } from '../../normalize/report.ts';
import { reportHtml } from '../../sample/render/html.ts';
import { reportDocx, type DocxStyle } from '../../sample/render/docx.ts';
import { columnWeights, type RenderBlock, type RenderDoc } from '../../sample/render/report-doc.ts';
import type { SpanTable } from '../../sample/render/respan.ts';
import { REPORT_PDF_OPTIONS } from '../../sample/render.ts';
import { chromiumLaunchOptions } from '../../crawler/browser.ts';
import { rng } from '../lib/rng.ts';
import { buildReport } from '../../test/helpers/build-report.ts';
import { scoreFacts, TABLES, type WrongCell } from '../lib/ocr-score.ts';

export type FreshRoute = 'chromium-pdf' | 'docx' | 'docx-lo-pdf' | 'html';
const ROUTES: FreshRoute[] = ['chromium-pdf', 'chromium-pdf', 'docx', 'docx-lo-pdf', 'html'];

const FONTS = [
  "'WenQuanYi Micro Hei', sans-serif",
  "'WenQuanYi Micro Hei Mono', monospace",
  "'DejaVu Serif', 'WenQuanYi Micro Hei', serif",
  "'DejaVu Sans', 'WenQuanYi Micro Hei', sans-serif",
  "'DejaVu Sans Mono', 'WenQuanYi Micro Hei Mono', monospace",
];
const DOCX_FONTS = ['WenQuanYi Micro Hei', 'WenQuanYi Micro Hei Mono', 'DejaVu Serif', 'DejaVu Sans'];

export interface FreshLayout {
  font: string;
  tdPx: number;
  bodyPx: number;
  padV: number;
  padH: number;
  lineHeight: number;
  jitter: number;
  paper: 'A4' | 'Letter';
  landscape: boolean;
  marginMm: [number, number, number, number];
  rowsMaySplit: boolean;
  theadRows: number;
  /** Per table: spacer (mm, or empty paragraphs in DOCX) before it. */
  spacers: number[];
  /** Per table: row indices where it is cut into separate tables. */
  cuts: number[][];
}

export interface FreshDoc {
  id: string;
  seed: string;
  route: FreshRoute;
  file: string;
  layout: FreshLayout;
  format: string;
  year: number | null | undefined;
  agency: string | null | undefined;
  expected: Record<string, number | null>;
  pages?: number;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const between = (r: () => number, a: number, b: number) => a + r() * (b - a);

/** Row indices where a table can be cut without cutting a rowspan. */
function cutPoints(t: SpanTable): number[] {
  const out: number[] = [];
  for (let k = 1; k < t.rows.length; k++) {
    const crosses = t.rows.slice(0, k).some((row, i) => row.some((c) => i + c.rowspan > k));
    if (!crosses) out.push(k);
  }
  return out;
}

/** The table cut into separate tables before the given rows. */
export function splitTable(t: SpanTable, cuts: number[]): SpanTable[] {
  const bounds = [0, ...cuts, t.rows.length];
  const out: SpanTable[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const rows = t.rows.slice(bounds[i], bounds[i + 1]).map((row) => row.map((c) => ({ ...c, row: c.row - bounds[i] })));
    if (rows.length) out.push({ ...t, rows });
  }
  return out;
}

function drawLayout(r: () => number, route: FreshRoute, doc: RenderDoc): FreshLayout {
  const tables = doc.blocks.filter((b): b is Extract<RenderBlock, { kind: 'table' }> => b.kind === 'table');
  const td = 10 + Math.floor(r() * 7);
  return {
    font: route === 'docx' || route === 'docx-lo-pdf' ? pick(r, DOCX_FONTS) : pick(r, FONTS),
    tdPx: td,
    bodyPx: 12 + Math.floor(r() * 5),
    padV: Math.floor(r() * 7),
    padH: 1 + Math.floor(r() * 8),
    lineHeight: Number(between(r, 1.15, 1.9).toFixed(2)),
    jitter: Number(between(r, 0, 0.4).toFixed(2)),
    paper: r() < 0.7 ? 'A4' : 'Letter',
    landscape: r() < 0.2,
    marginMm: [0, 0, 0, 0].map(() => Math.round(between(r, 10, 30))) as [number, number, number, number],
    rowsMaySplit: r() < 0.5,
    theadRows: route !== 'html' && r() < 0.3 ? 1 + Math.floor(r() * 2) : 0,
    // A spacer before most tables, of any height up to most of a page: the table starts anywhere.
    spacers: tables.map(() => (r() < 0.75 ? Math.round(between(r, 0, 230)) : 0)),
    cuts: tables.map((b) => {
      if (r() > 0.3) return [];
      const pts = cutPoints(b.table);
      if (!pts.length) return [];
      const n = 1 + Math.floor(r() * 2);
      return [...new Set(Array.from({ length: n }, () => pick(r, pts)))].sort((a, b) => a - b);
    }),
  };
}

/** The render document with its tables cut and, for DOCX, empty paragraphs as spacers. */
function laidOut(
  doc: RenderDoc,
  L: FreshLayout,
  docx: boolean,
  r: () => number,
): { doc: RenderDoc; spacerBefore: number[]; weights: (t: SpanTable) => number[]; headRows: (t: SpanTable) => number } {
  const blocks: RenderBlock[] = [];
  const spacerBefore: number[] = [];
  // The parts of a cut table keep its column widths (as Word and the browser keep them).
  const widths = new Map<SpanTable, number[]>();
  const jittered = jitteredWeights(r, L.jitter);
  let t = 0;
  for (const b of doc.blocks) {
    if (b.kind !== 'table') {
      blocks.push(b);
      continue;
    }
    const mm = L.spacers[t];
    if (docx) for (let i = 0; i < Math.round(mm / 8); i++) blocks.push({ kind: 'paragraph', text: '' });
    const parts = splitTable(b.table, L.cuts[t]);
    const ws = jittered(b.table);
    parts.forEach((p, i) => {
      widths.set(p, ws);
      spacerBefore.push(i === 0 ? mm : 0);
      blocks.push({ kind: 'table', table: p });
    });
    t++;
  }
  // The top rows of every part of a table may repeat on each page (an author marks them, a cut
  // part's first data rows too). Word lets a vertically merged cell start in a repeated row and
  // cuts it there: LibreOffice prints the rest of its text over the rows under the repeat. An
  // HTML <thead> cannot hold a rowspan that leaves it, so a browser's repeated head never cuts one.
  const headRows = (t: SpanTable) => {
    const n = Math.min(L.theadRows, t.rows.length - 1);
    return docx || !t.rows.slice(0, n).some((row, i) => row.some((c) => i + c.rowspan > n)) ? n : 0;
  };
  return { doc: { ...doc, blocks }, spacerBefore, weights: (x) => widths.get(x) ?? columnWeights(x), headRows };
}

function jitteredWeights(r: () => number, jitter: number): (t: SpanTable) => number[] {
  return (t) => {
    const ws = columnWeights(t).map((w) => w * (1 + jitter * (r() * 2 - 1)));
    const s = ws.reduce((a, b) => a + b, 0);
    return ws.map((w) => w / s);
  };
}

function freshHtml(doc: RenderDoc, L: FreshLayout, spacerBefore: number[], weights: (t: SpanTable) => number[], headRows: (t: SpanTable) => number, forPdf: boolean): string {
  let html = reportHtml(doc);
  const [mt, mr, mb, ml] = L.marginMm;
  const css = [
    '  * { font-synthesis: none; }',
    `  body { font-family: ${L.font}; font-size: ${L.bodyPx}px; }`,
    `  .report { max-width: none; }`,
    `  .report td { font-size: ${L.tdPx}px; padding: ${L.padV}px ${L.padH}px; line-height: ${L.lineHeight}; }`,
    L.rowsMaySplit ? '  .report tr { break-inside: auto; page-break-inside: auto; }' : '',
  ].join('\n');
  html = html.replace(/@page \{[^}]*\}/, `@page { size: ${L.paper}${L.landscape ? ' landscape' : ''}; margin: ${mt}mm ${mr}mm ${mb}mm ${ml}mm; }`);
  html = html.replace('</style>', css + '\n</style>');
  let k = 0;
  const tables = doc.blocks.filter((b): b is Extract<RenderBlock, { kind: 'table' }> => b.kind === 'table');
  html = html.replace(/<table[\s\S]*?<\/table>/g, (tableSrc) => {
    const t = tables[k];
    const spacer = forPdf && spacerBefore[k] ? `<div style="height:${spacerBefore[k]}mm"></div>\n` : '';
    k++;
    const ws = weights(t.table);
    let c = 0;
    let out = tableSrc.replace(/<col [^>]*>/g, () => {
      const w = ws[c++] * 100;
      return `<col width="${w.toFixed(1)}%" style="width:${w.toFixed(2)}%">`;
    });
    const n = headRows(t.table);
    if (n > 0) {
      // The first header rows repeat on every page (a <thead>).
      const ends = [...out.matchAll(/<\/tr>/g)].map((m) => m.index! + 5);
      const first = out.indexOf('<tr>');
      out = out.slice(0, first) + '<thead>' + out.slice(first, ends[n - 1]) + '</thead><tbody>' + out.slice(ends[n - 1]);
      out = out.replace(/<tbody>\n/, '');
    }
    return spacer + out;
  });
  return html;
}

const paperMm = { A4: [210, 297], Letter: [215.9, 279.4] } as const;
const twips = (mm: number) => Math.round((mm / 25.4) * 1440);

function docxStyle(L: FreshLayout, weights: (t: SpanTable) => number[], headRows: (t: SpanTable) => number): DocxStyle {
  const [w, h] = paperMm[L.paper];
  return {
    font: L.font,
    tableSize: Math.round(L.tdPx * 1.5),
    bodySize: Math.round(L.bodyPx * 1.5),
    rowsMaySplit: L.rowsMaySplit,
    headerRows: headRows,
    page: { width: twips(w), height: twips(h), marginX: twips(L.marginMm[1]), marginY: twips(L.marginMm[0]) },
    landscape: L.landscape,
    weights,
  };
}

function pdfPages(file: string): number | undefined {
  try {
    return Number(/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

export interface FreshOptions {
  seed: number;
  outDir?: string;
  /** Documents per seed report (default 12: 60 in all). */
  perSeed?: number;
  log?: (s: string) => void;
}

export const freshDir = (seed: number) => path.join(CACHE_DIR, `fresh-${seed}`);

/** Generates the documents of one seed draw (kept if already there). */
export async function generateFresh(opts: FreshOptions): Promise<FreshDoc[]> {
  const log = opts.log ?? (() => {});
  const dir = opts.outDir ?? freshDir(opts.seed);
  fs.mkdirSync(dir, { recursive: true });
  const models: SeedModel[] = readSeeds().map(seedModel);
  const perSeed = opts.perSeed ?? 12;
  const docs: FreshDoc[] = [];
  const jobs: { doc: FreshDoc; html?: string; docx?: Buffer }[] = [];
  for (let i = 0; i < models.length * perSeed; i++) {
    const m = models[i % models.length];
    const r = rng((opts.seed * 0x9e3779b1) ^ ((i + 1) * 2654435761));
    const route = ROUTES[Math.floor(i / models.length) % ROUTES.length];
    const v = variant(m, r);
    const back = reportFromExtraction(v.doc, { file: 'x', sha256: 'x' });
    const diff = compareFacts(v.expected, back.facts);
    if (diff.length) throw new Error(`fresh: variant ${i} of seed ${m.id} does not read back: ${diff.slice(0, 3).join('; ')}`);
    const base = renderDocFrom(`${m.id}-f${opts.seed}-${i}`, v.doc, []);
    const L = drawLayout(r, route, base);
    const { doc: render, spacerBefore, weights, headRows } = laidOut(base, L, route === 'docx' || route === 'docx-lo-pdf', r);
    const id = `f${opts.seed}-${String(i).padStart(3, '0')}-${m.id}`;
    const ext = route === 'html' ? 'html' : route === 'docx' ? 'docx' : 'pdf';
    const doc: FreshDoc = { id, seed: m.id, route, file: `${id}.${ext}`, layout: L, format: back.format, year: back.year, agency: back.agency, expected: v.expected };
    docs.push(doc);
    if (fs.existsSync(path.join(dir, doc.file))) continue;
    if (route === 'html') fs.writeFileSync(path.join(dir, doc.file), freshHtml(render, L, spacerBefore, weights, headRows, false));
    else if (route === 'chromium-pdf') jobs.push({ doc, html: freshHtml(render, L, spacerBefore, weights, headRows, true) });
    else jobs.push({ doc, docx: await reportDocx(render, docxStyle(L, weights, headRows)) });
  }
  const html = jobs.filter((j) => j.html);
  if (html.length) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch(chromiumLaunchOptions());
    try {
      const page = await browser.newPage();
      for (const j of html) {
        await page.setContent(j.html!, { waitUntil: 'load' });
        await page.evaluate(() => document.fonts.ready);
        // Paper and margins come from the page's @page rule.
        const { format: _f, margin: _m, ...rest } = REPORT_PDF_OPTIONS;
        fs.writeFileSync(path.join(dir, j.doc.file), await page.pdf({ ...rest, preferCSSPageSize: true }));
        log(`  ${j.doc.file}`);
      }
    } finally {
      await browser.close();
    }
  }
  const lo = jobs.filter((j) => j.docx);
  if (lo.length) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-lo-'));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-fresh-'));
    try {
      for (const j of lo) {
        const docxName = j.doc.route === 'docx' ? j.doc.file : `${j.doc.id}.docx`;
        fs.writeFileSync(path.join(j.doc.route === 'docx' ? dir : work, docxName), j.docx!);
      }
      const toConvert = lo.filter((j) => j.doc.route === 'docx-lo-pdf').map((j) => path.join(work, `${j.doc.id}.docx`));
      if (toConvert.length) {
        execFileSync('soffice', ['--headless', `-env:UserInstallation=file://${profile}`, '--convert-to', 'pdf', '--outdir', dir, ...toConvert], { stdio: 'ignore', timeout: 600_000 });
        log(`  ${toConvert.length} DOCX → PDF (LibreOffice)`);
      }
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  for (const d of docs) if (d.file.endsWith('.pdf')) d.pages = pdfPages(path.join(dir, d.file));
  fs.writeFileSync(path.join(dir, 'docs.json'), JSON.stringify(docs, null, 1));
  return docs;
}

export interface FreshScore {
  id: string;
  route: FreshRoute;
  pages?: number;
  formatOk: boolean;
  yearOk: boolean;
  agencyOk: boolean;
  total: number;
  right: number;
  wrong: WrongCell[];
  findings: string[];
}

/** Reads every document back (extract + normalize) and scores its table facts. */
export async function scoreFresh(dir: string, docs: FreshDoc[]): Promise<FreshScore[]> {
  const out: FreshScore[] = [];
  for (const d of docs) {
    const file = path.join(dir, d.file);
    const r = await buildReport(new Uint8Array(fs.readFileSync(file)), { file });
    const expected = Object.entries(d.expected)
      .map(([k, value]) => {
        const [table, row, col] = k.split('.');
        return { table, row, col, value };
      })
      .filter((f) => TABLES.has(f.table));
    const s = scoreFacts(expected, r.facts, r.findings);
    out.push({
      id: d.id,
      route: d.route,
      pages: d.pages,
      formatOk: r.format === d.format,
      yearOk: r.year === d.year,
      agencyOk: r.agency === d.agency,
      total: s.total,
      right: s.right,
      wrong: s.wrong,
      findings: r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}${f.cells?.length ? `[${f.cells.slice(0, 3).join(',')}${f.cells.length > 3 ? ',…' : ''}]` : ''}`),
    });
  }
  fs.writeFileSync(path.join(dir, 'score.json'), JSON.stringify(out, null, 1));
  return out;
}

export function printFresh(scores: FreshScore[], log: (s: string) => void): void {
  for (const s of scores) {
    const bad = s.wrong.map((w) => `${w.cell}=${w.got === undefined ? 'MISSING' : w.got}(want ${w.expected})${w.flagged ? '' : '!UNFLAGGED'}`);
    const meta = [s.formatOk ? '' : 'FORMAT', s.yearOk ? '' : 'YEAR', s.agencyOk ? '' : 'AGENCY'].filter(Boolean).join(' ');
    log(`${s.id.padEnd(16)} ${s.route.padEnd(12)} p${s.pages ?? '-'} ${s.right}/${s.total} ${meta} ${bad.slice(0, 6).join(' ')}${bad.length > 6 ? ` …+${bad.length - 6}` : ''}`);
  }
  const total = scores.reduce((a, s) => a + s.total, 0);
  const right = scores.reduce((a, s) => a + s.right, 0);
  const unflagged = scores.reduce((a, s) => a + s.wrong.filter((w) => !w.flagged).length, 0);
  const routes = [...new Set(scores.map((s) => s.route))].map((rt) => {
    const x = scores.filter((s) => s.route === rt);
    return `${rt} ${x.reduce((a, s) => a + s.right, 0)}/${x.reduce((a, s) => a + s.total, 0)}`;
  });
  log(`documents ${scores.length}; table facts right ${right}/${total} (${((100 * right) / Math.max(1, total)).toFixed(3)}%); wrong and unflagged ${unflagged}`);
  log(`formats ${scores.filter((s) => s.formatOk).length}/${scores.length}, years ${scores.filter((s) => s.yearOk).length}/${scores.length}, agencies ${scores.filter((s) => s.agencyOk).length}/${scores.length}`);
  log(`by route: ${routes.join('; ')}`);
}

/** CLI: generate (unless --score-only) and score one seed draw. */
export async function freshMain(args: string[]): Promise<number> {
  const val = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seed = Number(val('--seed') ?? 1);
  if (!Number.isInteger(seed)) {
    console.error('--seed needs an integer');
    return 2;
  }
  const dir = path.resolve(val('--out') ?? freshDir(seed));
  const log = (s: string) => console.log(s);
  const docs = args.includes('--score-only')
    ? (JSON.parse(fs.readFileSync(path.join(dir, 'docs.json'), 'utf8')) as FreshDoc[])
    : await generateFresh({ seed, outDir: dir, perSeed: val('--docs-per-seed') ? Number(val('--docs-per-seed')) : undefined, log });
  const only = val('--only');
  const scores = await scoreFresh(dir, only ? docs.filter((d) => d.id.includes(only)) : docs);
  printFresh(scores, log);
  log(`files, docs.json and score.json in ${dir}`);
  return 0;
}
