/**
 * The fresh-document set for the OCR bench (`npm run bench:ocr -- --fresh`): documents never seen
 * while tuning, drawn from a seed passed as an option, so that a never-used draw can be made for a
 * final measurement. Each document is a seed report with its numbers redrawn
 * (scripts/bench/corpus.ts `variant`, every identity kept), rendered either
 * - in Chromium with another font (DejaVu Serif/Sans, WenQuanYi Mono/Micro Hei), 11–15 px cells,
 *   other padding and column widths jittered by ±15–40%, or
 * - as DOCX (sample/render/docx.ts) converted to PDF by LibreOffice (`soffice`): Word's look, with
 *   the label text tight against the ruling lines;
 * then scanned by scripts/make-scans.ts (150/200 dpi, skew, grain, JPEG, seals) at a scan variant.
 *
 * Outputs are cached (git-ignored) in test/.cache/fresh/d<docSeed>/: the clean PDFs, manifest.json
 * (per document: seed, rendering, expected format, year, agency and facts) and the scans.
 *
 * CLI: node bin/run-script.js scripts/make-fresh.ts [--doc-seed N] [--docs 6] [--variant 7] [--profiles 150,200]
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reportFromExtraction } from '../normalize/report.ts';
import { reportHtml } from '../sample/render/html.ts';
import { reportDocx } from '../sample/render/docx.ts';
import { REPORT_PDF_OPTIONS } from '../sample/render.ts';
import { chromiumLaunchOptions } from '../crawler/browser.ts';
import { compareFacts, readSeeds, renderDocFrom, seedModel, variant } from './bench/corpus.ts';
import { rng } from './lib/rng.ts';
import { scanSources, type ScanInfo } from './make-scans.ts';

const GENERATOR_VERSION = 'fresh-1';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FRESH_DIR = path.join(repoRoot, 'test/.cache/fresh');

export interface FreshOptions {
  /** Draws the documents: which seed each comes from, its numbers and its rendering. Default 1. */
  docSeed?: number;
  /** Documents in the set (default 6: every third one rendered through LibreOffice). */
  docs?: number;
  /** Only these documents of the set (1-based numbers): a test reads one (default: all). */
  pick?: number[];
  /** Scan variant (make-scans): the draw of skew, grain, JPEG quality and seal places. Default 7. */
  variant?: number;
  /** Scan profiles (default 150 and 200 dpi). */
  profiles?: string[];
  outDir?: string;
}

export interface FreshDoc {
  id: string;
  seed: string;
  /** 'chromium' (HTML with other styling → PDF) or 'libreoffice' (DOCX → PDF). */
  renderer: 'chromium' | 'libreoffice';
  /** Chromium: the CSS added and the column jitter. */
  css?: string;
  jitter?: number;
  file: string;
  pages: number;
  format: string;
  year: number | null | undefined;
  agency: string | null | undefined;
  expected: Record<string, number | null>;
}

export interface FreshManifest {
  key: string;
  docSeed: number;
  docs: FreshDoc[];
}

const FONTS = [
  "'DejaVu Serif','WenQuanYi Micro Hei',serif",
  "'DejaVu Sans','WenQuanYi Micro Hei',sans-serif",
  "'WenQuanYi Micro Hei Mono',monospace",
  "'WenQuanYi Micro Hei',sans-serif",
];

/** Makes (or reuses) the fresh documents of a draw and their scans at one variant. */
export async function makeFresh(opts: FreshOptions = {}): Promise<{ dir: string; manifest: FreshManifest; scans: (ScanInfo & { doc: FreshDoc })[] }> {
  const docSeed = opts.docSeed ?? 1;
  const dir = path.join(opts.outDir ?? FRESH_DIR, `d${docSeed}${opts.pick ? `-${opts.pick.join('_')}` : ''}`);
  const manifest = await freshDocs(dir, docSeed, opts.docs ?? 6, opts.pick);
  const byId = new Map(manifest.docs.map((d) => [d.id, d]));
  const infos = await scanSources(
    path.join(dir, 'scans'),
    manifest.docs.map((d) => ({ id: d.id, pdf: path.join(dir, d.file) })),
    { profiles: opts.profiles, variant: opts.variant ?? 7 },
  );
  return { dir, manifest, scans: infos.map((i) => ({ ...i, file: path.join('scans', i.file), doc: byId.get(i.seed)! })) };
}

async function freshDocs(dir: string, docSeed: number, n: number, pick?: number[]): Promise<FreshManifest> {
  const seeds = readSeeds();
  const h = createHash('sha256').update(GENERATOR_VERSION).update(`${docSeed} ${n} ${pick ?? ''}`);
  for (const s of seeds) h.update(s.text);
  const key = h.digest('hex').slice(0, 16);
  const mf = path.join(dir, 'manifest.json');
  try {
    const m = JSON.parse(fs.readFileSync(mf, 'utf8')) as FreshManifest;
    if (m.key === key && m.docs.every((d) => fs.existsSync(path.join(dir, d.file)))) return m;
  } catch {
    // not made yet
  }
  fs.mkdirSync(dir, { recursive: true });
  const models = seeds.map(seedModel);
  const first = Math.floor(rng(docSeed * 2_654_435_761)() * models.length);
  // Chromium starts on the first document it renders.
  let browser: import('playwright-core').Browser | undefined;
  const newPage = async () => {
    if (!browser) browser = await (await import('playwright-core')).chromium.launch(chromiumLaunchOptions());
    return browser.newPage();
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-fresh-'));
  const docs: FreshDoc[] = [];
  try {
    let page: import('playwright-core').Page | undefined;
    for (let i = 0; i < n; i++) {
      const r = rng((docSeed * 0x51ed2027) ^ ((i + 11) * 2_654_435_761));
      const m = models[(first + i) % models.length];
      const id = `d${docSeed}-f${i + 1}`;
      // Every draw is made, so a picked document is the same as in the whole set.
      const v = variant(m, r);
      const back = reportFromExtraction(v.doc, { file: id, sha256: id });
      const diff = compareFacts(v.expected, back.facts);
      if (diff.length) throw new Error(`fresh ${id} (seed ${m.id}) does not read back: ${diff.slice(0, 5).join('; ')}`);
      if (pick && !pick.includes(i + 1)) continue;
      const render = renderDocFrom(id, v.doc, []);
      const file = `${id}.pdf`;
      const doc: Omit<FreshDoc, 'pages'> = { id, seed: m.id, renderer: i % 3 === 2 ? 'libreoffice' : 'chromium', file, format: back.format, year: back.year, agency: back.agency, expected: v.expected };
      if (doc.renderer === 'libreoffice') {
        const docx = path.join(work, `${id}.docx`);
        fs.writeFileSync(docx, await reportDocx(render));
        const profile = pathToFileURL(path.join(work, 'profile')).href;
        execFileSync(process.env.NIANBAO_SOFFICE ?? 'soffice', [`-env:UserInstallation=${profile}`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', dir, docx], {
          stdio: 'ignore',
          timeout: 180_000,
          env: { ...process.env, HOME: work },
        });
        if (!fs.existsSync(path.join(dir, file))) throw new Error(`fresh ${id}: soffice wrote no PDF`);
      } else {
        const font = FONTS[Math.floor(r() * FONTS.length)];
        const size = 11 + Math.floor(r() * 5);
        const pad = `${2 + Math.floor(r() * 5)}px ${3 + Math.floor(r() * 4)}px`;
        const css = `body,.report td{font-family:${font}} .report td{font-size:${size}px;padding:${pad};line-height:${(1.3 + r() * 0.6).toFixed(2)}}`;
        const jitter = Number((0.15 + r() * 0.25).toFixed(2));
        doc.css = css;
        doc.jitter = jitter;
        const html = reportHtml(render)
          .replace('</style>', `  * { font-synthesis: none; }\n${css}\n</style>`)
          // Column widths: each <col> weight jittered, then renormalised.
          .replace(/<colgroup>([\s\S]*?)<\/colgroup>/g, (_all, inner: string) => {
            const ws = [...inner.matchAll(/width="([\d.]+)%"/g)].map((x) => Number(x[1]) * (1 + jitter * (r() * 2 - 1)));
            const sum = ws.reduce((a, b) => a + b, 0);
            let k = 0;
            return `<colgroup>${inner.replace(/<col [^>]*>/g, () => {
              const w = (ws[k++] / sum) * 100;
              return `<col width="${w.toFixed(1)}%" style="width:${w.toFixed(2)}%">`;
            })}</colgroup>`;
          });
        page ??= await newPage();
        await page.setContent(html, { waitUntil: 'load' });
        await page.evaluate(() => document.fonts.ready);
        fs.writeFileSync(path.join(dir, file), await page.pdf(REPORT_PDF_OPTIONS));
      }
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path.join(dir, file)], { encoding: 'utf8' }))?.[1] ?? 0);
      docs.push({ ...doc, pages });
    }
  } finally {
    await browser?.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const manifest: FreshManifest = { key, docSeed, docs };
  fs.writeFileSync(mf, JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string) => (opt(name) === undefined ? undefined : Number(opt(name)));
  const t = Date.now();
  const { dir, manifest, scans } = await makeFresh({ docSeed: num('doc-seed'), docs: num('docs'), variant: num('variant'), profiles: opt('profiles')?.split(',') });
  for (const d of manifest.docs) console.log(`${d.id}: seed ${d.seed} ${d.renderer} ${d.format} ${d.year} ${d.agency}, ${d.pages} pages, ${Object.keys(d.expected).length} cells${d.css ? `; ${d.css}; jitter ${d.jitter}` : ''}`);
  for (const s of scans) console.log(`${s.file}: angles ${s.pages.map((p) => p.angle).join(' ')}, quality ${s.pages.map((p) => p.quality).join(' ')}`);
  console.log(`done in ${Date.now() - t} ms → ${dir}`);
}
