/**
 * Scanned pages read from their image as stored (extract/ocr/index.ts, pdfimages) instead of
 * rasterised by pdftoppm, and the pages that must still be rasterised. The material is a real
 * degraded scan (scripts/make-scans.ts: seed 004 at 150 dpi, skew, grain, JPEG, seals): its table
 * page's JPEG is rebuilt into PDFs whose pages draw it upright over the whole page (a scan), or
 * otherwise — with a ruling line over it, mirrored, twice, at half size, under /Rotate 90.
 * A page image that is not resampled keeps its scanner specks sharp: a line of text is not read
 * with the specks beyond its end.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocrPdf, type OcrStats } from '../extract/ocr/index.ts';
import { createEngine, type OcrEngine } from '../extract/ocr/engine.ts';
import type { Gray } from '../extract/ocr/image.ts';
import { isRing } from '../extract/ocr/page.ts';
import { textLines } from '../extract/ocr/paddle.ts';
import { soleImages } from '../extract/pdf/mupdf.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { TABLES } from '../scripts/lib/ocr-score.ts';
import { imagePdf, makeScans } from '../scripts/make-scans.ts';
import { makeFresh } from '../scripts/make-fresh.ts';
import { textImage } from './helpers/text-image.ts';
import { toolAvailable } from './helpers/tools.ts';

const SCANS = path.resolve('test/.cache/scans');
const hasPdfimages = (() => {
  try {
    execFileSync('pdfimages', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const poppler = toolAvailable('poppler-utils (pdfimages, pdftoppm)', hasPdfimages, 'apt-get install poppler-utils (bash scripts/system-deps.sh)');

/** The ways a page may draw the scan's image (/Im0, the page w × h points) that are not one upright image over the page. */
const NOT_ONE_IMAGE: { name: string; content?: (w: string, h: string) => string; rotate?: number }[] = [
  { name: 'a ruling line drawn over the image', content: (w, h) => `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q 0 G 1 w 36 400 m 500 400 l S` },
  { name: 'the image mirrored', content: (w, h) => `q -${w} 0 0 ${h} ${w} 0 cm /Im0 Do Q` },
  { name: 'the image drawn twice', content: (w, h) => `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q q 100 0 0 100 20 20 cm /Im0 Do Q` },
  { name: 'the image at half size', content: (w, h) => `q ${Number(w) / 2} 0 0 ${Number(h) / 2} 0 0 cm /Im0 Do Q` },
  { name: 'the page under /Rotate 90', rotate: 90 },
];

describe.runIf(poppler)('scanned pages read from their image', { timeout: 300_000 }, () => {
  let dir: string;
  let pdf: Uint8Array;
  let engine: OcrEngine;

  beforeAll(async () => {
    const [scan] = await makeScans(SCANS, { seeds: ['004'], profiles: ['150'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-pageimage-'));
    // The table page's JPEG as the scanner made it.
    execFileSync('pdfimages', ['-j', '-f', '2', '-l', '2', path.join(SCANS, scan.file), path.join(dir, 'p')]);
    const data = fs.readFileSync(path.join(dir, 'p-000.jpg'));
    const sof = data.indexOf(Buffer.from([0xff, 0xc0]));
    const page = { data, width: data.readUInt16BE(sof + 7), height: data.readUInt16BE(sof + 5) };
    pdf = new Uint8Array(imagePdf([page, ...NOT_ONE_IMAGE.map((p) => ({ ...page, content: p.content, rotate: p.rotate }))], scan.dpi));
    engine = createEngine({ concurrency: 1 });
  }, 300_000);

  afterAll(async () => {
    await engine?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes only a page that is one upright image over the whole page as a scan', () => {
    const sole = soleImages(pdf)!;
    expect(sole).toHaveLength(1 + NOT_ONE_IMAGE.length);
    expect(sole[0]).toMatchObject({ width: 1240, height: 1754, components: 3, bpc: 8 });
    NOT_ONE_IMAGE.forEach((p, i) => expect(sole[i + 1], p.name).toBeUndefined());
  });

  it('reads the scan page from its image as it reads it rendered, and renders the other pages', async () => {
    const read = async (pages: number[], pageImages: boolean) => {
      const stats: OcrStats = { pages: [], sources: [] };
      const doc = await ocrPdf(pdf, { fileName: 'scan.pdf', ocrEngine: engine, pages, pageImages, stats });
      const facts = reportFromExtraction(doc, { file: 'scan.pdf', sha256: '' })
        .facts.filter((f) => TABLES.has(f.table))
        .map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`)
        .sort();
      return { facts, sources: stats.sources };
    };
    const direct = await read([1], true);
    const rendered = await read([1], false);
    expect(direct.sources).toEqual(['image']);
    expect(rendered.sources).toEqual(['rendered']);
    // The first rows of seed 004's tables are on this page: the same cells, the same values.
    expect(direct.facts.length).toBeGreaterThanOrEqual(20);
    expect(direct.facts).toEqual(rendered.facts);
    // A ruling line over the image and a mirrored image: rendered by pdftoppm.
    expect((await read([2, 3], true)).sources).toEqual(['rendered', 'rendered']);
  });
});

describe('lines of the text outside the tables', () => {
  it('leaves out specks past a wide gap, and keeps a lone digit there', async () => {
    const px = 40;
    const img = await textImage(['2021年政府信息公开工作年度报告'], px, 1600);
    const words = textLines(img, true);
    expect(words).toHaveLength(1);
    // Two toner specks (as make-scans prints them: 1-2 px at gray 40) 10 px apart, 8 line heights
    // past the title's end, inside the line's rows: read as "E" when the page was not resampled.
    const specks: Gray = { ...img, data: img.data.slice() };
    const y = words[0].y0 + 12;
    const x = words[0].x1 + 8 * px;
    for (const [dx, dy] of [[0, 0], [1, 0], [10, 14]]) specks.data[(y + dy) * img.width + x + dx] = 40;
    expect(textLines(specks, true)).toEqual(words);
    // A page number or a date's digit at the same place is text.
    const digit = await textImage(['2021年政府信息公开工作年度报告                         1'], px, 1600);
    expect(textLines(digit, true)).toHaveLength(2);
  });
});

describe('a cell read as 0', () => {
  it('is a ring: two sides of ink across its middle (a 0), not one stroke (a 7)', async () => {
    for (const px of [17, 23]) {
      // 150 and 200 dpi digits of an 11 pt font.
      for (const [digit, ring] of [['0', true], ['7', false], ['8', true], ['1', false]] as const) {
        const img = await textImage([digit], px);
        const [box] = textLines(img, false);
        expect(isRing(img, box), `${digit} at ${px} px`).toBe(ring);
      }
    }
  });

  it.runIf(poppler)('is doubtful when its ink is not a ring (fresh draw 5, document 4 at 200 dpi: a 7 read as 0 at 0.87)', { timeout: 300_000 }, async () => {
    const set = await makeFresh({ docSeed: 5, pick: [4], profiles: ['200'], variant: 10 });
    const [scan] = set.scans;
    const engine = createEngine({ concurrency: 1 });
    try {
      const doc = await ocrPdf(new Uint8Array(fs.readFileSync(path.join(set.dir, scan.file))), { fileName: scan.file, ocrEngine: engine, pages: [2] });
      const report = reportFromExtraction(doc, { file: scan.file, sha256: '' });
      const fact = report.facts.find((f) => f.table === 'proactive' && f.row === 'rules' && f.col === 'repealed');
      expect(scan.doc.expected['proactive.rules.repealed']).toBe(7);
      expect(fact).toBeDefined();
      // Read right, or named by a finding.
      if (fact!.value !== 7) expect(report.findings.some((f) => f.rule === 'ocr.low_confidence' && f.cells?.includes('proactive.rules.repealed'))).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
