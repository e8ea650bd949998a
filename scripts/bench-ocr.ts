/**
 * OCR engine comparison on the degraded scans (scripts/make-scans.ts): every engine reads the same
 * pages through the same grid finder and the same cell crops (extract/ocr/); per engine and scan
 * it prints the table cells read right against the expected facts, the wrong cells (expected, read,
 * printed text, confidence, flagged or not) and the CPU seconds per page (this process and its
 * children: pdftoppm, tesseract), with one OCR thread/process.
 *
 * With --fresh it reads the fresh-document set instead (scripts/make-fresh.ts): documents never seen
 * while tuning, drawn by --doc-seed (default 1) and scanned at --variants (default 7); it also
 * checks each document's format, year and agency.
 *
 * CLI: node bin/run-script.js scripts/bench-ocr.ts [--engines paddle,tesseract] [--sources huaian,000,…]
 *      [--profiles 150,200] [--variants 0,1] [--json FILE]
 *      node bin/run-script.js scripts/bench-ocr.ts --fresh [--doc-seed N] [--docs 6] [--only d1-f3,…]
 *      [--variants 7] [--profiles 150] [--engines paddle] [--json FILE]
 */
import fs from 'node:fs';
import { ocrPdf, type OcrStats } from '../extract/ocr/index.ts';
import { createEngine, type EngineName } from '../extract/ocr/engine.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { cpuSeconds, expectedFor, scoreFacts, type Expected, type WrongCell } from './lib/ocr-score.ts';
import { DEFAULT_SCANS_DIR, REAL_ID, makeScans, type ScanInfo } from './make-scans.ts';
import { makeFresh } from './make-fresh.ts';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines = (opt('engines') ?? 'paddle,tesseract').split(',') as EngineName[];
const sources = (opt('sources') ?? `${REAL_ID},000,001,002,003,004`).split(',');
const profiles = opt('profiles')?.split(',');
const fresh = args.includes('--fresh');
/** Scan variants (0: the tuning set; 1, 2, …: fresh draws, not seen while tuning; 7 for --fresh). */
const variants = (opt('variants') ?? (fresh ? '7' : '0')).split(',').map(Number);

/** A scan to read: its file, the group it is summed in, and what it must read as. */
interface Item {
  path: string;
  scan: ScanInfo;
  group: string;
  expected: () => Promise<Expected & { agency?: string | null }>;
}
const scans: Item[] = [];
for (const variant of variants) {
  if (fresh) {
    const only = opt('only')?.split(',');
    const num = (name: string) => (opt(name) === undefined ? undefined : Number(opt(name)));
    const set = await makeFresh({ docSeed: num('doc-seed'), docs: num('docs'), variant, profiles });
    for (const s of set.scans)
      if (!only || only.includes(s.doc.id))
        scans.push({
          path: path.join(set.dir, s.file),
          scan: s,
          group: `fresh ${s.doc.renderer} ${s.profile} dpi v${variant}`,
          expected: async () => ({
            format: s.doc.format,
            year: s.doc.year,
            agency: s.doc.agency,
            facts: Object.entries(s.doc.expected).map(([k, value]) => {
              const [table, row, col] = k.split('.');
              return { table, row, col, value };
            }),
          }),
        });
  } else
    for (const s of await makeScans(DEFAULT_SCANS_DIR, { seeds: sources.filter((x) => x !== REAL_ID), real: sources.includes(REAL_ID), profiles, variant }))
      scans.push({
        path: path.join(DEFAULT_SCANS_DIR, s.file),
        scan: s,
        group: `${s.seed === REAL_ID ? 'real' : 'seeds'} ${s.profile} dpi${s.variant ? ` v${s.variant}` : ''}`,
        expected: () => expectedFor(s.seed),
      });
}
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
  let unflagged = 0;
  const mismatches: string[] = [];
  for (const item of scans) {
    const scan = { ...item.scan, file: path.basename(item.path) };
    const bytes = new Uint8Array(fs.readFileSync(item.path));
    const stats: OcrStats = { pages: [] };
    const c0 = cpuSeconds();
    const doc = await ocrPdf(bytes, { fileName: scan.file, ocrEngine: engine, stats });
    const c1 = cpuSeconds();
    const report = reportFromExtraction(doc, { file: scan.file, sha256: '' });
    const expected = await item.expected();
    const s = scoreFacts(expected.facts, report.facts, report.findings);
    unflagged += s.wrong.filter((w) => !w.flagged).length;
    const mismatch = [
      report.format !== expected.format && `format ${report.format} (expected ${expected.format})`,
      report.year !== expected.year && `year ${report.year} (expected ${expected.year})`,
      expected.agency !== undefined && report.agency !== expected.agency && `agency ${report.agency} (expected ${expected.agency})`,
    ].filter((x): x is string => !!x);
    if (mismatch.length) mismatches.push(`${scan.file}: ${mismatch.join(', ')}`);
    total += s.total;
    right += s.right;
    pages += stats.pages.length;
    cpu += c1 - c0;
    wrongN += s.wrong.length;
    flagged += s.wrong.filter((w) => w.flagged).length;
    rightConf.push(...s.rightConfidences);
    wrongs.push(...s.wrong);
    falseAlarms += s.falseAlarms;
    const group = item.group;
    const g = groups.get(group) ?? { right: 0, total: 0, cpu: 0, pages: 0 };
    g.right += s.right;
    g.total += s.total;
    g.cpu += c1 - c0;
    g.pages += stats.pages.length;
    groups.set(group, g);
    console.log(
      `${name.padEnd(12)} ${scan.file.padEnd(16)} ${s.right}/${s.total} right (${((100 * s.right) / s.total).toFixed(1)}%), ` +
        `${s.wrong.filter((w) => !w.flagged).length} wrong unflagged, ${mismatch.length ? mismatch.join(', ') : `format ${report.format}, year ${report.year}${expected.agency !== undefined ? ', agency right' : ''}`}, ` +
        `${((c1 - c0) / stats.pages.length).toFixed(2)} CPU s/page, ` +
        `skew ${stats.pages.map((p) => p.skew).join(' ')} (made ${scan.pages.map((p) => p.angle).join(' ')})`,
    );
    for (const w of s.wrong) console.log(`    ${describe(w)}`);
    results.push({ engine: name, scan: scan.file, right: s.right, total: s.total, cpuPerPage: (c1 - c0) / stats.pages.length, format: report.format, year: report.year, agency: report.agency, mismatch, wrong: s.wrong });
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
      `${unflagged} wrong and unflagged, ${(cpu / pages).toFixed(2)} CPU s/page over ${pages} pages; ` +
      `formats, years${fresh ? ', agencies' : ''}: ${mismatches.length ? mismatches.join('; ') : 'all right'}`,
  );
}
const out = opt('json');
if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));

function describe(w: WrongCell): string {
  return `wrong ${w.cell}: expected ${w.expected}, got ${w.got === undefined ? '(row not found)' : w.got}` +
    `${w.printed !== undefined ? ` read "${w.printed}"` : ''} conf ${w.confidence ?? '-'}${w.flagged ? ' flagged' : ' NOT FLAGGED'}`;
}
