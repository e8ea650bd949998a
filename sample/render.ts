/**
 * Renders the seed reports (sample/seeds/) into every file type the pipeline reads: the sample
 * portal (`npm start`) serves them, and tests check that extraction gives the same facts from
 * each rendering as from the plain text:
 *
 *   <seedId>.html         report page: <h1> title, <p> paragraphs, <table> with official rowspan/colspan
 *   <seedId>.portal.html  the same body in portal chrome (TRS WCM UTF-8, or jcms GBK for odd seeds)
 *   <seedId>.pdf          Chromium page.pdf() of the report page, A4 (tables break across pages)
 *   <seedId>.docx         built with the `docx` package: real merged cells (w:vMerge, w:gridSpan)
 *   <seedId>.doc          LibreOffice: report page → ODT → Word 97
 *   index.json            { key, files: [{ seed, title, kind, file, sha256, bytes }] }
 *
 * Tables are re-spanned from the grids extract/text.ts gives (sample/render/respan.ts), not
 * hand-written. Outputs are cached: nothing is rendered again while the seeds, the generator
 * sources and the outputs are unchanged.
 *
 * CLI (development): node bin/run-script.js scripts/render-reports.ts [outDir] [--kinds html,pdf,...] [--force]
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { portalPage } from './render/portal-page.ts';
import { reportDocx } from './render/docx.ts';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { FONT, reportHtml } from './render/html.ts';
import { buildRenderDoc, type RenderDoc } from './render/report-doc.ts';

const execFileP = promisify(execFile);

export type RenderKind = 'html' | 'portal' | 'pdf' | 'docx' | 'doc';
export const RENDER_KINDS: RenderKind[] = ['html', 'portal', 'pdf', 'docx', 'doc'];

export interface RenderedFile {
  /** Seed id '000' … '004'. */
  seed: string;
  title: string;
  kind: RenderKind;
  /** File name inside outDir. */
  file: string;
  sha256: string;
  bytes: number;
  /** Portal pages: 'trs' or 'jcms', and the charset the page is encoded in. */
  style?: string;
  charset?: string;
}

export interface RenderIndex {
  /** Hash of the seeds and the generator sources the files were made from. */
  key: string;
  seedsDir: string;
  generatedAt: string;
  files: RenderedFile[];
}

export interface RenderOptions {
  outDir: string;
  seedsDir?: string;
  kinds?: RenderKind[];
  /** Render even when the cache is valid. */
  force?: boolean;
  /** Progress lines (the CLI prints them). */
  log?: (msg: string) => void;
}

const moduleRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The checkout, also when this module runs compiled from dist/ (scripts/build.js). */
export const repoRoot = path.basename(moduleRoot) === 'dist' ? path.dirname(moduleRoot) : moduleRoot;

/** The seed reports shipped with the sample (sample/seeds/), else ../shared/seeds; NIANBAO_SEEDS overrides. */
export const SAMPLE_SEEDS_DIR = path.join(repoRoot, 'sample/seeds');

export function defaultSeedsDir(): string {
  if (process.env.NIANBAO_SEEDS) return process.env.NIANBAO_SEEDS;
  const local = SAMPLE_SEEDS_DIR;
  if (fs.existsSync(local) && fs.readdirSync(local).some((f) => /^\d{3}_.*\.txt$/.test(f))) return local;
  return path.resolve(repoRoot, '../shared/seeds');
}

const EXT: Record<RenderKind, string> = { html: 'html', portal: 'portal.html', pdf: 'pdf', docx: 'docx', doc: 'doc' };
export const renderedFileName = (seed: string, kind: RenderKind) => `${seed}.${EXT[kind]}`;

/**
 * The renderers' own sources. With the render model of every seed (which is what extract/text.ts
 * and the metadata reader contribute) they make the cache key: a change elsewhere that does not
 * change the model does not re-render.
 */
const GENERATOR_SOURCES = [
  'sample/render.ts',
  'sample/render/respan.ts',
  'sample/render/report-doc.ts',
  'sample/render/html.ts',
  'sample/render/docx.ts',
  'sample/render/portal-page.ts',
];

interface Seed {
  id: string;
  file: string;
  text: string;
}

function readSeeds(dir: string): Seed[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_.*\.txt$/.test(f))
    .sort()
    .map((f) => ({ id: f.slice(0, 3), file: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

function cacheKey(seeds: Seed[], docs: Map<string, RenderDoc>): string {
  const h = createHash('sha256');
  h.update('render-reports/2\n');
  for (const src of GENERATOR_SOURCES) {
    const p = path.join(repoRoot, src);
    h.update(`${src}\n`);
    if (fs.existsSync(p)) h.update(fs.readFileSync(p));
  }
  for (const s of seeds) h.update(`${s.file}\n${JSON.stringify(docs.get(s.id))}\n`);
  return h.digest('hex');
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function readIndex(outDir: string): RenderIndex | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, 'index.json'), 'utf8')) as RenderIndex;
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** A directory lock, so that parallel test workers do not render into the same folder at once. */
async function withLock<T>(outDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(outDir, '.render.lock');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 5 * 60_000) {
          fs.rmSync(lock, { recursive: true, force: true }); // left by a killed run
          continue;
        }
      } catch {
        continue;
      }
      if (Date.now() > deadline) throw new Error(`render-reports: ${lock} held for over 10 minutes`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export async function renderReports(opts: RenderOptions): Promise<RenderIndex> {
  const outDir = path.resolve(opts.outDir);
  const seedsDir = path.resolve(opts.seedsDir ?? defaultSeedsDir());
  const kinds = opts.kinds ?? RENDER_KINDS;
  const log = opts.log ?? (() => {});
  fs.mkdirSync(outDir, { recursive: true });
  const seeds = readSeeds(seedsDir);
  if (seeds.length === 0) throw new Error(`render-reports: no seed texts (NNN_*.txt) in ${seedsDir}`);
  const docs = new Map<string, RenderDoc>(seeds.map((s) => [s.id, buildRenderDoc(s.id, s.text)]));
  const key = cacheKey(seeds, docs);

  const upToDate = (index: RenderIndex | undefined) => {
    if (!index || index.key !== key || opts.force) return [] as RenderedFile[];
    return index.files.filter((f) => {
      try {
        return fs.statSync(path.join(outDir, f.file)).size === f.bytes;
      } catch {
        return false;
      }
    });
  };
  const missing = (have: RenderedFile[]) =>
    seeds.flatMap((s) => kinds.filter((k) => !have.some((f) => f.seed === s.id && f.kind === k)).map((k) => ({ seed: s, kind: k })));

  // Fast path without the lock: everything asked for is there.
  const before = readIndex(outDir);
  if (missing(upToDate(before)).length === 0) return before!;

  return withLock(outDir, async () => {
    const index = readIndex(outDir);
    const have = upToDate(index);
    const todo = missing(have);
    if (todo.length === 0) return index!;
    log(`rendering ${todo.length} file(s) into ${outDir}`);
    const made: RenderedFile[] = [];
    const record = (seed: string, kind: RenderKind, bytes: Uint8Array, extra: Partial<RenderedFile> = {}) => {
      const file = renderedFileName(seed, kind);
      writeAtomic(path.join(outDir, file), bytes);
      made.push({ seed, title: docs.get(seed)!.title, kind, file, sha256: sha256(bytes), bytes: bytes.length, ...extra });
      log(`  ${file} (${bytes.length} bytes)`);
    };
    const want = (kind: RenderKind) => todo.filter((t) => t.kind === kind).map((t) => docs.get(t.seed.id)!);

    for (const doc of want('html')) record(doc.id, 'html', Buffer.from(reportHtml(doc), 'utf8'));
    for (const doc of want('portal')) {
      const p = portalPage(doc);
      record(doc.id, 'portal', p.bytes, { style: p.style, charset: p.charset });
    }
    for (const doc of want('docx')) record(doc.id, 'docx', await reportDocx(doc));
    const pdfDocs = want('pdf');
    if (pdfDocs.length) for (const [id, bytes] of await renderPdfs(pdfDocs)) record(id, 'pdf', bytes);
    const docDocs = want('doc');
    if (docDocs.length) for (const [id, bytes] of await renderDocs(docDocs)) record(id, 'doc', bytes);

    const files = [...have.filter((f) => !made.some((m) => m.seed === f.seed && m.kind === f.kind)), ...made].sort(
      (a, b) => a.seed.localeCompare(b.seed) || RENDER_KINDS.indexOf(a.kind) - RENDER_KINDS.indexOf(b.kind),
    );
    const result: RenderIndex = { key, seedsDir, generatedAt: new Date().toISOString(), files };
    writeAtomic(path.join(outDir, 'index.json'), JSON.stringify(result, null, 2) + '\n');
    return result;
  });
}

/** Page options of every report PDF (A4, page numbers in the footer like printed reports). */
export const REPORT_PDF_OPTIONS = {
  format: 'A4',
  printBackground: true,
  preferCSSPageSize: true,
  displayHeaderFooter: true,
  headerTemplate: '<span></span>',
  footerTemplate: `<div style="width:100%;text-align:center;font-size:9px;font-family:'${FONT}'">- <span class="pageNumber"></span> -</div>`,
  margin: { top: '22mm', bottom: '20mm', left: '20mm', right: '20mm' },
} as const;

/** PDF of each report page through Chromium (never downloads a browser). */
async function renderPdfs(docs: RenderDoc[]): Promise<[string, Buffer][]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    const out: [string, Buffer][] = [];
    for (const doc of docs) {
      await page.setContent(reportHtml(doc), { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      const pdf = await page.pdf(REPORT_PDF_OPTIONS);
      out.push([doc.id, Buffer.from(pdf)]);
    }
    return out;
  } finally {
    await browser.close();
  }
}

/** Word 97 through LibreOffice: report page → ODT → DOC, with a private profile per run. */
async function renderDocs(docs: RenderDoc[]): Promise<[string, Buffer][]> {
  const soffice = process.env.NIANBAO_SOFFICE ?? '/usr/bin/soffice';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'render-reports-'));
  try {
    const profile = pathToFileURL(path.join(work, 'profile')).href;
    const html = docs.map((d) => {
      const f = path.join(work, `${d.id}.html`);
      fs.writeFileSync(f, reportHtml(d));
      return f;
    });
    const run = async (args: string[]) => {
      const { stdout, stderr } = await execFileP(soffice, [`-env:UserInstallation=${profile}`, '--headless', '--norestore', ...args], {
        cwd: work,
        timeout: 180_000,
        env: { ...process.env, HOME: work },
      });
      return `${stdout}${stderr}`;
    };
    const odtDir = path.join(work, 'odt');
    const docDir = path.join(work, 'doc');
    const o1 = await run(['--infilter=HTML (StarWriter)', '--convert-to', 'odt:writer8', '--outdir', odtDir, ...html]);
    const odts = docs.map((d) => path.join(odtDir, `${d.id}.odt`));
    for (const f of odts) if (!fs.existsSync(f)) throw new Error(`soffice did not write ${path.basename(f)}: ${o1}`);
    const o2 = await run(['--convert-to', 'doc:MS Word 97', '--outdir', docDir, ...odts]);
    return docs.map((d) => {
      const f = path.join(docDir, `${d.id}.doc`);
      if (!fs.existsSync(f)) throw new Error(`soffice did not write ${d.id}.doc: ${o2}`);
      return [d.id, fs.readFileSync(f)];
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
