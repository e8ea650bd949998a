/**
 * Damaged PDFs (issue 12, part 5): a PDF cut off, without its %%EOF, with pages missing against
 * its page tree or with an xref nothing can rebuild is `damaged` — the text that could be read is
 * kept, and the report is never classified from the fragment. A broken xref in a file that is
 * otherwise whole is repaired and read.
 *
 * Damaged the way the world damages files: the real Huai'an PDF and Chromium renderings cut off at
 * many points (a download that stopped), a page object deleted by MuPDF, a startxref pointing
 * into the middle of a stream.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as mupdf from 'mupdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExtractError, documentText, type ExtractedDocument } from '../extract/model.ts';
import { extractPdf, type PdfEngineName } from '../extract/pdf/index.ts';
import { PDF_ENGINES } from '../extract/pdf/engine.ts';
import { truncationEvidence } from '../extract/pdf/structure.ts';
import { buildReport } from './helpers/build-report.ts';
import { REAL, renderChromiumPdfs } from './extract-pdf-fixtures.ts';

const CACHE = path.resolve('test/.cache/pdf');
const real = readFileSync(`${REAL}/huaian-2024.pdf`);
/** Fractions of the file where the download stops. */
const CUTS = [0.02, 0.1, 0.22, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97, 0.999];

type Outcome = { kind: 'doc'; doc: ExtractedDocument } | { kind: 'error'; code: string; message: string };

async function outcome(bytes: Uint8Array, engine: PdfEngineName): Promise<Outcome> {
  try {
    return { kind: 'doc', doc: await extractPdf(new Uint8Array(bytes), { engine }) };
  } catch (e) {
    if (e instanceof ExtractError) return { kind: 'error', code: e.code, message: e.message };
    throw e;
  }
}

/** Damaged: either a damaged document holding what was read, or the damaged error when nothing was. */
function expectDamaged(o: Outcome, what: string, reason: RegExp): string {
  if (o.kind === 'error') {
    expect(o.code, `${what}: ${o.message}`).toBe('damaged');
    expect(o.message, what).toMatch(reason);
    return 'error damaged';
  }
  expect(o.doc.status, what).toBe('damaged');
  expect(o.doc.damage?.join('; '), what).toMatch(reason);
  return `damaged, ${documentText(o.doc).length} chars kept`;
}

describe.each(PDF_ENGINES)('damaged PDFs, engine %s', (engine) => {
  it('the whole real PDF is not damaged', async () => {
    expect(truncationEvidence(real)).toEqual([]);
    const o = await outcome(real, engine);
    expect(o.kind === 'doc' && o.doc.status).toBe('ok');
  });

  it("the real Huai'an PDF cut off at ten points, and without its %%EOF: damaged every time", async () => {
    const figures: string[] = [];
    for (const f of CUTS) {
      const cut = real.subarray(0, Math.floor(real.length * f));
      figures.push(`${f}: ${expectDamaged(await outcome(cut, engine), `cut at ${f}`, /no %%EOF marker at the end/)}`);
    }
    const noEof = real.subarray(0, real.lastIndexOf('%%EOF'));
    figures.push(`no %%EOF: ${expectDamaged(await outcome(noEof, engine), 'no %%EOF', /no %%EOF/)}`);
    console.log(`[damaged figures] ${engine}, huaian-2024.pdf cut at: ${figures.join(' | ')}`);
  }, 120_000);

  it('a startxref pointing into a stream: repaired and read whole (nothing missing), with a warning for mupdf', async () => {
    const sx = real.lastIndexOf('startxref');
    const m = /startxref\s+(\d+)/.exec(real.subarray(sx).toString('latin1'))!;
    const wrong = String(Math.floor(Number(m[1]) / 2)).padStart(m[1].length, '0');
    const broken = Buffer.concat([real.subarray(0, sx), Buffer.from(m[0].replace(m[1], wrong), 'latin1'), real.subarray(sx + m[0].length)]);
    const o = await outcome(broken, engine);
    expect(o.kind === 'doc' && o.doc.status).toBe('ok');
    if (o.kind !== 'doc') return;
    expect(o.doc.blocks.filter((b) => b.kind === 'table')).toHaveLength(3);
    if (engine === 'mupdf') expect(o.doc.warnings).toContain('broken PDF cross-reference table repaired by scanning the file');
  });

  it('a %PDF header over bytes with no object in them: damaged, not corrupt-file', async () => {
    const noise = Buffer.from(Array.from({ length: 20_000 }, (_, i) => 0x30 + ((i * 7919) % 70)));
    const o = await outcome(Buffer.concat([Buffer.from('%PDF-1.7\n'), noise, Buffer.from('\nstartxref\n99\n%%EOF\n')]), engine);
    expect(o).toMatchObject({ kind: 'error', code: 'damaged' });
  });
});

describe('damaged PDFs: what MuPDF reads of them', () => {
  // pdf.js gives up on most cut-off files (error damaged above); MuPDF, the default, reads what is there.
  it('what a damaged file keeps is its text, in order: the part before the cut', async () => {
    const o = await outcome(real.subarray(0, Math.floor(real.length * 0.9)), 'mupdf');
    expect(o.kind).toBe('doc');
    const text = o.kind === 'doc' ? documentText(o.doc) : '';
    const whole = await outcome(real, 'mupdf');
    const wholeText = whole.kind === 'doc' ? documentText(whole.doc) : '';
    expect(text.length).toBeGreaterThan(200);
    expect(text.length).toBeLessThan(wholeText.length);
    // Title and first paragraph are there.
    expect(text.slice(0, 300)).toBe(wholeText.slice(0, 300));
  });

  it('a page object deleted from the real PDF: damaged, naming the page; the other pages kept', async () => {
    const src = mupdf.Document.openDocument(real, 'application/pdf').asPDF()!;
    try {
      const page3 = src.findPage(2).asIndirect();
      src.deleteObject(page3);
      const bytes = src.saveToBuffer('').asUint8Array().slice();
      expect(truncationEvidence(bytes)).toEqual([]); // a whole-looking file: only the page tree tells
      const o = await outcome(bytes, 'mupdf');
      expectDamaged(o, 'page 3 deleted', /pages of the page tree are missing from the file \(page 3\)/);
      expect(o.kind === 'doc' && o.doc.pages).toBe(6);
    } finally {
      src.destroy();
    }
  });
});

describe('damaged renderings, and what the report says', () => {
  let files: string[] = [];
  beforeAll(async () => {
    const r = await renderChromiumPdfs(CACHE);
    files = [r.onePage, r.split];
  }, 300_000);

  it.each(PDF_ENGINES)('Chromium renderings cut at three points are damaged (%s)', async (engine) => {
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const f of [0.3, 0.6, 0.95]) expectDamaged(await outcome(bytes.subarray(0, Math.floor(bytes.length * f)), engine), `${path.basename(file)} cut at ${f}`, /no %%EOF/);
    }
  });

  it("the issue's case: the real PDF cut after 90 KB is reported as damaged, unclassified, without facts, its text kept", async () => {
    const r = await buildReport(real.subarray(0, 90 * 1024), { file: 'huaian-cut.pdf', withText: true });
    expect(r.error?.code).toBe('damaged');
    expect(r.error?.message).toMatch(/damaged PDF, not classified/);
    expect(r.format).toBe('unknown');
    expect(r.formatReason).toMatch(/^damaged: no %%EOF/);
    expect(r.facts).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.text!.length).toBeGreaterThan(200);
  });
});
