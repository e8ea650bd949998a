/**
 * OCR engine comparison on the degraded scans (scripts/make-scans.ts): every engine reads the same
 * pages through the same grid finder and the same cell crops (extract/ocr/); per engine and scan
 * it prints the table cells read right against the expected facts, the wrong cells (expected, read,
 * printed text, confidence, flagged or not) and the CPU seconds per page (this process and its
 * children: pdftoppm, tesseract), with one OCR thread/process.
 *
 * CLI: node bin/run-script.js scripts/bench-ocr.ts [--engines paddle,tesseract] [--sources huaian,000,…]
 *      [--profiles 150,200] [--variants 0,1] [--json FILE]
 */
import fs from 'node:fs';
import { ocrPdf, type OcrStats } from '../extract/ocr/index.ts';
import { createEngine, type EngineName } from '../extract/ocr/engine.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { cpuSeconds, expectedFor, scoreFacts, type WrongCell } from './lib/ocr-score.ts';
import { DEFAULT_SCANS_DIR, REAL_ID, makeScans } from './make-scans.ts';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines = (opt('engines') ?? 'paddle,tesseract').split(',') as EngineName[];
const sources = (opt('sources') ?? `${REAL_ID},000,001,002,003,004`).split(',');
const profiles = opt('profiles')?.split(',');
/** Scan variants (0: the tuning set; 1, 2, …: fresh draws, not seen while tuning). */
const variants = (opt('variants') ?? '0').split(',').map(Number);

const scans = [];
for (const variant of variants)
  scans.push(...(await makeScans(DEFAULT_SCANS_DIR, { seeds: sources.filter((s) => s !== REAL_ID), real: sources.includes(REAL_ID), profiles, variant })));
const results: Record<string, unknown>[] = [];
for (const name of engines) {
  const engine = createEngine({ engine: name, concurrency: 1 });
  let total = 0;
  let right = 0;
  let pages = 0;
  let cpu = 0;
  let flagged = 0;
  let wrongN = 0;
  const rightConf: number[] = [];
  const wrongs: WrongCell[] = [];
  let falseAlarms = 0;
  const groups = new Map<string, { right: number; total: number; cpu: number; pages: number }>();
  for (const scan of scans) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(DEFAULT_SCANS_DIR, scan.file)));
    const stats: OcrStats = { pages: [] };
    const c0 = cpuSeconds();
    const doc = await ocrPdf(bytes, { fileName: scan.file, ocrEngine: engine, stats });
    const c1 = cpuSeconds();
    const report = reportFromExtraction(doc, { file: scan.file, sha256: '' });
    const expected = await expectedFor(scan.seed);
    const s = scoreFacts(expected.facts, report.facts, report.findings);
    total += s.total;
    right += s.right;
    pages += stats.pages.length;
    cpu += c1 - c0;
    wrongN += s.wrong.length;
    flagged += s.wrong.filter((w) => w.flagged).length;
    rightConf.push(...s.rightConfidences);
    wrongs.push(...s.wrong);
    falseAlarms += s.falseAlarms;
    const group = `${scan.seed === REAL_ID ? 'real' : 'seeds'} ${scan.profile} dpi${scan.variant ? ` v${scan.variant}` : ''}`;
    const g = groups.get(group) ?? { right: 0, total: 0, cpu: 0, pages: 0 };
    g.right += s.right;
    g.total += s.total;
    g.cpu += c1 - c0;
    g.pages += stats.pages.length;
    groups.set(group, g);
    console.log(
      `${name.padEnd(12)} ${scan.file.padEnd(16)} ${s.right}/${s.total} right (${((100 * s.right) / s.total).toFixed(1)}%), ` +
        `format ${report.format}${report.format === expected.format ? '' : ` (expected ${expected.format})`}, ${((c1 - c0) / stats.pages.length).toFixed(2)} CPU s/page, ` +
        `skew ${stats.pages.map((p) => p.skew).join(' ')} (made ${scan.pages.map((p) => p.angle).join(' ')})`,
    );
    for (const w of s.wrong) console.log(`    ${describe(w)}`);
    results.push({ engine: name, scan: scan.file, right: s.right, total: s.total, cpuPerPage: (c1 - c0) / stats.pages.length, wrong: s.wrong });
  }
  await engine.close();
  for (const [group, g] of groups)
    console.log(`   ${name} ${group}: ${g.right}/${g.total} (${((100 * g.right) / g.total).toFixed(1)}%), ${(g.cpu / g.pages).toFixed(2)} CPU s/page`);
  // Calibration: the confidences of right cells, and of wrong ones that only a low confidence can name.
  const q = (p: number) => [...rightConf].sort((a, b) => a - b)[Math.floor(p * (rightConf.length - 1))];
  const lone = wrongs.filter((w) => !w.flaggedOtherwise && w.confidence !== undefined).map((w) => w.confidence!);
  console.log(
    `   ${name} confidence: right cells p1 ${q(0.01)} p5 ${q(0.05)} p10 ${q(0.1)} p50 ${q(0.5)}; ${falseAlarms} right cells flagged low; ` +
      `wrong cells named by no other finding: [${lone.join(', ')}]; wrong cells not flagged: ${wrongs.filter((w) => !w.flagged).length}`,
  );
  console.log(
    `== ${name}: ${right}/${total} cells right = ${((100 * right) / total).toFixed(2)}%, wrong ${wrongN} (flagged ${flagged}), ` +
      `${(cpu / pages).toFixed(2)} CPU s/page over ${pages} pages`,
  );
}
const out = opt('json');
if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));

function describe(w: WrongCell): string {
  return `wrong ${w.cell}: expected ${w.expected}, got ${w.got === undefined ? '(row not found)' : w.got}` +
    `${w.printed !== undefined ? ` read "${w.printed}"` : ''} conf ${w.confidence ?? '-'}${w.flagged ? ' flagged' : ' NOT FLAGGED'}`;
}
