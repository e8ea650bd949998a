/**
 * PDF engines (extract/pdf/engine.ts): pdf.js and MuPDF must give the same document — the same
 * blocks, table grids cell by cell with their page numbers, the same paragraphs, status, page
 * count, title and warnings — on every test PDF: the real WPS-made report, the Chromium
 * fixtures, the seed reports rendered by Chromium (scripts/render-reports.ts, where present)
 * and the same reports through LibreOffice (where soffice is installed).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Block, ExtractedDocument } from '../extract/model.ts';
import { DEFAULT_PDF_ENGINE, extractPdf, PDF_ENGINE_ENV, selectedPdfEngine } from '../extract/pdf/index.ts';
import { PDF_ENGINES } from '../extract/pdf/engine.ts';
import { REAL, renderChromiumPdfs } from './extract-pdf-fixtures.ts';

const CACHE = path.resolve('test/.cache/pdf-engines');
const RENDER_SCRIPT = path.resolve('scripts/render-reports.ts');
const LO_SEEDS = ['000', '004'];

function hasSoffice(): boolean {
  try {
    execFileSync('soffice', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Seed reports as Chromium PDFs (and their DOCX renderings), when the renderer is in this checkout. */
async function seedRenderings(): Promise<{ pdfs: string[]; docx: string[] }> {
  if (!existsSync(RENDER_SCRIPT)) return { pdfs: [], docx: [] };
  const mod = (await import(pathToFileURL(RENDER_SCRIPT).href)) as {
    renderReports: (o: { outDir: string; kinds?: string[] }) => Promise<{ files: { file: string; kind: string; seed: string }[] }>;
    DEFAULT_OUT_DIR: string;
  };
  const index = await mod.renderReports({ outDir: mod.DEFAULT_OUT_DIR, kinds: ['pdf', 'docx'] });
  const pick = (kind: string) => index.files.filter((f) => f.kind === kind).map((f) => path.join(mod.DEFAULT_OUT_DIR, f.file));
  return { pdfs: pick('pdf'), docx: pick('docx').filter((f) => LO_SEEDS.some((s) => path.basename(f).startsWith(s))) };
}

/** DOCX → PDF through LibreOffice Writer (another producer: one show-text block per run, q/Q around each). */
function libreOfficePdfs(docx: string[]): string[] {
  if (docx.length === 0 || !hasSoffice()) return [];
  const outDir = path.join(CACHE, 'libreoffice');
  mkdirSync(outDir, { recursive: true });
  const target = (f: string) => path.join(outDir, `${path.basename(f, '.docx')}.pdf`);
  const stale = docx.filter((f) => !existsSync(target(f)) || statSync(target(f)).mtimeMs < statSync(f).mtimeMs);
  if (stale.length) {
    const profile = `-env:UserInstallation=file://${path.join(CACHE, 'lo-profile')}`;
    execFileSync('soffice', [profile, '--headless', '--convert-to', 'pdf', '--outdir', outDir, ...stale], { stdio: 'ignore', timeout: 180_000 });
  }
  return docx.map(target).filter((f) => existsSync(f));
}

/**
 * The documents compared: texts with spacing differences the shared code already tolerates
 * removed (a space next to a Chinese character carries nothing), everything else as it is.
 */
function comparable(doc: ExtractedDocument) {
  const CJK = '\\u2e80-\\u2fdf\\u3000-\\u303f\\u3040-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef';
  const text = (s: string) => s.replace(new RegExp(`\\s+(?=[${CJK}])|(?<=[${CJK}])\\s+`, 'gu'), '');
  const block = (b: Block) => (b.kind === 'paragraph' ? { ...b, text: text(b.text) } : { ...b, rows: b.rows.map((r) => r.map(text)) });
  return { status: doc.status, pages: doc.pages, declaredTitle: doc.declaredTitle, warnings: doc.warnings, blocks: doc.blocks.map(block) };
}

describe('PDF engines give the same document', () => {
  const files: string[] = [`${REAL}/huaian-2024.pdf`];

  beforeAll(async () => {
    const chromium = await renderChromiumPdfs(CACHE);
    files.push(chromium.onePage, chromium.split, chromium.scan);
    const seeds = await seedRenderings();
    files.push(...seeds.pdfs, ...libreOfficePdfs(seeds.docx));
    // Extra local PDFs (not committed) can be dropped here to widen the comparison.
    const extra = path.join(CACHE, 'extra');
    if (existsSync(extra)) files.push(...readdirSync(extra).filter((f) => f.endsWith('.pdf')).map((f) => path.join(extra, f)));
  }, 300_000);

  it('on every test PDF, cell by cell', async () => {
    const summary: string[] = [];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      const [pdfjs, mupdf] = await Promise.all(PDF_ENGINES.map((engine) => extractPdf(bytes, { engine, fileName: path.basename(file) })));
      expect(comparable(mupdf), path.basename(file)).toEqual(comparable(pdfjs));
      // Origins (page and grid position of every cell) are part of the blocks: compared above.
      const tables = pdfjs.blocks.filter((b) => b.kind === 'table').length;
      summary.push(`${path.basename(file)}: ${pdfjs.blocks.length} blocks, ${tables} tables`);
    }
    // The corpus is never just the real file: the Chromium fixtures are always rendered.
    expect(files.length).toBeGreaterThanOrEqual(4);
    console.log(`[engine figures] identical blocks on ${files.length} PDFs:\n  ${summary.join('\n  ')}`);
  }, 300_000);
});

describe('PDF engine selection', () => {
  const saved = process.env[PDF_ENGINE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[PDF_ENGINE_ENV];
    else process.env[PDF_ENGINE_ENV] = saved;
    vi.doUnmock('mupdf');
    vi.resetModules();
  });

  it('takes the option, then NIANBAO_PDF_ENGINE, then DEFAULT_PDF_ENGINE', () => {
    delete process.env[PDF_ENGINE_ENV];
    expect(selectedPdfEngine()).toBe(DEFAULT_PDF_ENGINE);
    process.env[PDF_ENGINE_ENV] = 'MuPDF ';
    expect(selectedPdfEngine()).toBe('mupdf');
    process.env[PDF_ENGINE_ENV] = 'pdfjs';
    expect(selectedPdfEngine()).toBe('pdfjs');
    expect(selectedPdfEngine('mupdf')).toBe('mupdf');
    const warnings: string[] = [];
    process.env[PDF_ENGINE_ENV] = 'poppler';
    expect(selectedPdfEngine(undefined, warnings)).toBe(DEFAULT_PDF_ENGINE);
    expect(warnings).toEqual([`unknown PDF engine 'poppler' (${PDF_ENGINE_ENV}): used ${DEFAULT_PDF_ENGINE}`]);
  });

  it('falls back to pdf.js, with a warning, when MuPDF cannot be loaded', async () => {
    vi.resetModules();
    vi.doMock('mupdf', () => {
      throw new Error("Cannot find package 'mupdf'");
    });
    const fresh = await import('../extract/pdf/index.ts');
    const doc = await fresh.extractPdf(new Uint8Array(readFileSync(`${REAL}/huaian-2024.pdf`)), { engine: 'mupdf' });
    expect(doc.status).toBe('ok');
    expect(doc.blocks.filter((b) => b.kind === 'table')).toHaveLength(3);
    expect(doc.warnings).toHaveLength(1);
    expect(doc.warnings[0]).toMatch(/^PDF engine mupdf unavailable \(.*\): used pdfjs$/);
  });
});
