/**
 * Degraded scans, the OCR test corpus. Sources: the seed reports rendered to PDF
 * (scripts/render-reports.ts) and the real Huai'an PDF (../shared/real/huaian-2024.pdf). Each page
 * is rasterised at the profile's resolution (150 or 200 dpi, pdftoppm) and degraded the way a
 * scanner and a stamp degrade paper: a red seal over a table and one over the signature (the last
 * lines of the report), a rotation of 0.3–1° (sign alternating by page), Gaussian grain, toner
 * specks, a grey paper, then JPEG at quality 40–60; the pages are rebuilt as an image-only PDF
 * (no text layer). Output: <outDir>/<source>-<profile>.pdf and .json (dpi, quality, rotation and
 * seal boxes per page). Outputs are cached under a key of the clean PDF's bytes, the profile and
 * this generator's version.
 *
 * CLI: node bin/run-script.js scripts/make-scans.ts [outDir] [--real] [--profiles 150,200] [--variant N]
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './lib/rng.ts';

const GENERATOR_VERSION = 'scans-5';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SCANS_DIR = path.join(repoRoot, 'test/.cache/scans');
/** The real report with its expected facts (read-only, beside the checkout). */
export const REAL_PDF = path.resolve(repoRoot, '../shared/real/huaian-2024.pdf');
export const REAL_ID = 'huaian';

export interface ScanProfile {
  name: string;
  dpi: number;
  /** JPEG quality range, drawn per page. */
  quality: [number, number];
  /** Standard deviation of the Gaussian grain, gray levels, drawn per page in this range. */
  noise: [number, number];
  /** Rotation magnitude range, degrees. */
  skew: [number, number];
}

export const PROFILES: Record<string, ScanProfile> = {
  '150': { name: '150', dpi: 150, quality: [40, 60], noise: [6, 12], skew: [0.3, 1] },
  '200': { name: '200', dpi: 200, quality: [40, 60], noise: [6, 12], skew: [0.3, 1] },
};

export interface ScanPage {
  page: number;
  /** Rotation applied to the page, degrees (positive = clockwise on screen). */
  angle: number;
  quality: number;
  noise: number;
  /** Seal circles in page pixels at the profile's dpi. */
  seals: { x: number; y: number; r: number; over: 'table' | 'signature' }[];
}

export interface ScanInfo {
  /** Source: a seed id (000…) or REAL_ID. */
  seed: string;
  profile: string;
  dpi: number;
  file: string;
  key: string;
  /** 0: the tuning set; 1, 2, …: fresh draws (other grain, angles, quality and seal places). */
  variant?: number;
  pages: ScanPage[];
}

export interface ScanOptions {
  /** Seed ids (default: all); [] for none. */
  seeds?: string[];
  /** Include the real Huai'an PDF (default false). */
  real?: boolean;
  /** Profile names (default: all of PROFILES). */
  profiles?: string[];
  /**
   * 0 (default): the scans the OCR was tuned on. N ≥ 1: a fresh draw of every random choice from
   * another seed, with the table seal at a random place over the table: scans not seen while tuning.
   */
  variant?: number;
}

/** Makes (or reuses) the degraded scans of the seeds and the real PDF. */
export async function makeScans(outDir = DEFAULT_SCANS_DIR, opts: ScanOptions = {}): Promise<ScanInfo[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const sources: { id: string; pdf: string }[] = [];
  if (!opts.seeds || opts.seeds.length) {
    const { renderReports } = await import('./render-reports.ts');
    const cleanDir = path.join(outDir, 'clean');
    const index = await renderReports({ outDir: cleanDir, kinds: ['pdf'] });
    for (const f of index.files) if (f.kind === 'pdf' && (!opts.seeds || opts.seeds.includes(f.seed))) sources.push({ id: f.seed, pdf: path.join(cleanDir, f.file) });
  }
  if (opts.real) {
    if (!fs.existsSync(REAL_PDF)) throw new Error(`make-scans: the real PDF is missing at ${REAL_PDF} (../shared beside the checkout)`);
    sources.push({ id: REAL_ID, pdf: REAL_PDF });
  }
  return scanSources(outDir, sources, opts);
}

/**
 * Degraded scans of any clean PDFs (`id` names the output and seeds the random draws): the
 * fresh-document set (scripts/make-fresh.ts) scans its renderings through this.
 */
export async function scanSources(outDir: string, sources: { id: string; pdf: string }[], opts: Pick<ScanOptions, 'profiles' | 'variant'> = {}): Promise<ScanInfo[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const profiles = (opts.profiles ?? Object.keys(PROFILES)).map((p) => {
    const prof = PROFILES[p];
    if (!prof) throw new Error(`make-scans: unknown profile ${p} (${Object.keys(PROFILES).join(', ')})`);
    return prof;
  });
  const out: ScanInfo[] = [];
  for (const src of [...sources].sort((a, b) => a.id.localeCompare(b.id)))
    for (const prof of profiles) {
      const clean = fs.readFileSync(src.pdf);
      const variant = opts.variant ?? 0;
      const key = createHash('sha256').update(GENERATOR_VERSION).update(JSON.stringify(prof)).update(variant ? `variant ${variant}` : '').update(clean).digest('hex').slice(0, 16);
      const base = `${src.id}-${prof.name}${variant ? `-v${variant}` : ''}`;
      const infoPath = path.join(outDir, `${base}.json`);
      const pdfPath = path.join(outDir, `${base}.pdf`);
      try {
        const info = JSON.parse(fs.readFileSync(infoPath, 'utf8')) as ScanInfo;
        if (info.key === key && fs.existsSync(pdfPath)) {
          out.push(info);
          continue;
        }
      } catch {
        // not made yet
      }
      const info = await scanOne(src.id, src.pdf, pdfPath, key, prof, variant);
      fs.writeFileSync(infoPath, JSON.stringify(info, null, 2) + '\n');
      out.push(info);
    }
  return out;
}

/** A deterministic seed for a source id (digits of a seed id, else a string hash). */
function seedOf(id: string, profile: ScanProfile, variant: number): number {
  const n = /^\d+$/.test(id) ? Number(id) : [...id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
  return (n * 7919 + profile.dpi * 13 + 17 + variant * 104_729) >>> 0;
}

async function scanOne(id: string, cleanPdf: string, outPdf: string, key: string, prof: ScanProfile, variant: number): Promise<ScanInfo> {
  const { createCanvas, loadImage } = await import('@napi-rs/canvas');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-scan-'));
  const dpi = prof.dpi;
  try {
    execFileSync('pdftoppm', ['-r', String(dpi), '-png', cleanPdf, path.join(tmp, 'p')]);
    const files = fs.readdirSync(tmp).filter((n) => n.endsWith('.png')).sort((a, b) => pageNo(a) - pageNo(b));
    const rand = rng(seedOf(id, prof, variant));
    const between = ([a, b]: [number, number]) => a + (b - a) * rand();
    const pages: ScanPage[] = [];
    const jpegs: { data: Buffer; width: number; height: number }[] = [];
    let sealed = false;
    for (const [i, name] of files.entries()) {
      const img = await loadImage(fs.readFileSync(path.join(tmp, name)));
      const { width, height } = img;
      const sign = variant ? (rand() < 0.5 ? 1 : -1) : i % 2 === 0 ? 1 : -1;
      const angle = Number((between(prof.skew) * sign).toFixed(2));
      const quality = Math.round(between(prof.quality));
      const noise = Number(between(prof.noise).toFixed(1));
      // The paper: the page, a seal over the value columns of the first table page (found from
      // long ruled rows) and one over the signature (the last lines of the last page); then the
      // scanner sees it rotated.
      const paper = createCanvas(width, height);
      const pctx = paper.getContext('2d');
      pctx.drawImage(img, 0, 0);
      const page: ScanPage = { page: i + 1, angle, quality, noise, seals: [] };
      const pixels = pctx.getImageData(0, 0, width, height);
      const table = sealed ? undefined : tableBox(pixels);
      const r = Math.round(dpi * 0.8); // a 4 cm seal
      if (table) {
        // Variant 0: over the value columns near the top; a fresh variant: anywhere over the table.
        const x = Math.round(variant ? table.left + r * 0.5 + rand() * Math.max(0, table.right - table.left - r) : table.right - r * 1.1);
        const y = Math.round(variant ? table.top + rand() * Math.max(0, table.bottom - table.top) : Math.min(table.bottom - r * 0.3, table.top + r * 1.2));
        page.seals.push({ x, y, r, over: 'table' });
        sealed = true;
      }
      const sig = i === files.length - 1 ? lastLines(pixels) : undefined;
      if (sig) page.seals.push({ x: Math.round(Math.min(width - r * 1.2, sig.right - r * 0.6)), y: Math.round(sig.y), r, over: 'signature' });
      for (const s of page.seals) drawSeal(pctx, s.x, s.y, s.r);
      const canvas = createCanvas(width, height);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, width, height);
      ctx.translate(width / 2, height / 2);
      ctx.rotate((angle * Math.PI) / 180);
      ctx.drawImage(paper, -width / 2, -height / 2);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      addNoise(ctx, width, height, rand, noise);
      jpegs.push({ data: canvas.toBuffer('image/jpeg', quality), width, height });
      pages.push(page);
    }
    fs.writeFileSync(outPdf, imagePdf(jpegs, dpi));
    return { seed: id, profile: prof.name, dpi, file: path.basename(outPdf), key, ...(variant ? { variant } : {}), pages };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Where a signature sits: the last lines of ink on the page (their centre row and right end). */
function lastLines(img: { data: Uint8ClampedArray; width: number; height: number }) {
  const { data, width, height } = img;
  let bottom = -1;
  let right = 0;
  let rows = 0;
  // From the foot up: skip a page number (short, centred), take the first rows of text found.
  for (let y = height - 1; y >= 0; y--) {
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++)
      if (data[(y * width + x) * 4] < 128) {
        if (first < 0) first = x;
        last = x;
      }
    if (first < 0) {
      if (bottom >= 0 && rows > 0 && y < bottom - 8) break;
      continue;
    }
    if (last - first < width * 0.15 && bottom < 0) continue; // page number
    if (bottom < 0) bottom = y;
    right = Math.max(right, last);
    rows++;
  }
  if (bottom < 0) return undefined;
  return { y: bottom - rows / 2, right };
}

const pageNo = (n: string) => Number(/-(\d+)\.png$/.exec(n)?.[1] ?? 0);

/** Bounding box of the ruled rows (dark runs over 40% of the width) on a page, if any. */
function tableBox(img: { data: Uint8ClampedArray; width: number; height: number }) {
  const { data, width, height } = img;
  const rows: number[] = [];
  let left = width;
  let right = 0;
  for (let y = 0; y < height; y++) {
    let dark = 0;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (data[(y * width + x) * 4] < 128) {
        dark++;
        if (first < 0) first = x;
        last = x;
      }
    }
    if (dark > width * 0.4) {
      rows.push(y);
      left = Math.min(left, first);
      right = Math.max(right, last);
    }
  }
  if (rows.length < 6) return undefined;
  return { top: rows[0], bottom: rows[rows.length - 1], left, right };
}

type Ctx = ReturnType<ReturnType<typeof import('@napi-rs/canvas').createCanvas>['getContext']>;

/** A red seal: double ring, a star and 某某单位 along the top, printed with multiply (ink on ink). */
function drawSeal(ctx: Ctx, x: number, y: number, r: number) {
  ctx.save();
  ctx.globalCompositeOperation = 'multiply';
  ctx.globalAlpha = 0.85;
  ctx.strokeStyle = 'rgb(220,30,35)';
  ctx.fillStyle = 'rgb(220,30,35)';
  ctx.lineWidth = r * 0.07;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.stroke();
  ctx.lineWidth = r * 0.02;
  ctx.beginPath();
  ctx.arc(x, y, r * 0.9, 0, Math.PI * 2);
  ctx.stroke();
  // star
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const rr = k % 2 === 0 ? r * 0.25 : r * 0.1;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
  ctx.fill();
  // text along the upper arc
  const text = '某某单位政府信息公开专用章';
  ctx.font = `bold ${Math.round(r * 0.24)}px "WenQuanYi Micro Hei"`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const span = Math.PI * 1.25;
  for (let k = 0; k < text.length; k++) {
    const a = -Math.PI / 2 - span / 2 + (span * (k + 0.5)) / text.length;
    ctx.save();
    ctx.translate(x + r * 0.7 * Math.cos(a), y + r * 0.7 * Math.sin(a));
    ctx.rotate(a + Math.PI / 2);
    ctx.fillText(text[k], 0, 0);
    ctx.restore();
  }
  ctx.font = `bold ${Math.round(r * 0.2)}px "WenQuanYi Micro Hei"`;
  ctx.fillText('某某单位', x, y + r * 0.55);
  ctx.restore();
}

/** Gaussian scanner grain (standard deviation `sigma` levels), toner specks and a slightly grey paper. */
function addNoise(ctx: Ctx, width: number, height: number, rand: () => number, sigma: number) {
  const img = ctx.getImageData(0, 0, width, height);
  const d = img.data;
  let spare: number | undefined;
  const gauss = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(1e-12, rand());
    const v = rand();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
  for (let i = 0; i < d.length; i += 4) {
    const n = gauss() * sigma - 6;
    d[i] = clamp(d[i] + n);
    d[i + 1] = clamp(d[i + 1] + n);
    d[i + 2] = clamp(d[i + 2] + n);
  }
  const specks = Math.round(width * height * 0.0002);
  for (let k = 0; k < specks; k++) {
    const x = Math.floor(rand() * (width - 2));
    const y = Math.floor(rand() * (height - 2));
    const s = rand() < 0.8 ? 1 : 2;
    for (let dy = 0; dy < s; dy++)
      for (let dx = 0; dx < s; dx++) {
        const i = ((y + dy) * width + x + dx) * 4;
        d[i] = d[i + 1] = d[i + 2] = 40;
      }
  }
  ctx.putImageData(img, 0, 0);
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * A PDF whose pages are JPEG images and nothing else (no text layer), page size from the dpi.
 * A page may instead draw its image with its own content (`content`, the image is /Im0, the page
 * `w` × `h` points: a mirror, twice, with a ruling line…) and carry a /Rotate, for tests of pages
 * that are not one upright image.
 */
export function imagePdf(pages: { data: Buffer; width: number; height: number; content?: (w: string, h: string) => string; rotate?: number }[], dpi: number): Buffer {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    chunks.push(buf);
    length += buf.length;
  };
  const obj = (n: number, body: (Buffer | string)[]) => {
    offsets[n] = length;
    push(`${n} 0 obj\n`);
    for (const b of body) push(b);
    push('\nendobj\n');
  };
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  const n = pages.length;
  // 1 catalog, 2 pages, then per page: page, contents, image
  const kids = pages.map((_, i) => `${3 + i * 3} 0 R`).join(' ');
  obj(1, ['<< /Type /Catalog /Pages 2 0 R >>']);
  obj(2, [`<< /Type /Pages /Kids [${kids}] /Count ${n} >>`]);
  pages.forEach((p, i) => {
    const w = ((p.width * 72) / dpi).toFixed(2);
    const h = ((p.height * 72) / dpi).toFixed(2);
    const pageObj = 3 + i * 3;
    const content = p.content ? p.content(w, h) : `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`;
    const rotate = p.rotate ? ` /Rotate ${p.rotate}` : '';
    obj(pageObj, [`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}]${rotate} /Resources << /XObject << /Im0 ${pageObj + 2} 0 R >> >> /Contents ${pageObj + 1} 0 R >>`]);
    obj(pageObj + 1, [`<< /Length ${content.length} >>\nstream\n${content}\nendstream`]);
    obj(pageObj + 2, [
      `<< /Type /XObject /Subtype /Image /Width ${p.width} /Height ${p.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${p.data.length} >>\nstream\n`,
      p.data,
      '\nendstream',
    ]);
  });
  const xref = length;
  const count = 3 + n * 3;
  push(`xref\n0 ${count}\n0000000000 65535 f \n`);
  for (let i = 1; i < count; i++) push(`${String(offsets[i]).padStart(10, '0')} 00000 n \n`);
  push(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(chunks);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (f: string) => args.indexOf(f);
  const profiles = flag('--profiles') >= 0 ? args[flag('--profiles') + 1].split(',') : undefined;
  const variant = flag('--variant') >= 0 ? Number(args[flag('--variant') + 1]) : undefined;
  const outArg = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--profiles' && args[i - 1] !== '--variant');
  const outDir = outArg ? path.resolve(outArg) : DEFAULT_SCANS_DIR;
  const t = Date.now();
  const infos = await makeScans(outDir, { real: flag('--real') >= 0, profiles, variant });
  for (const i of infos)
    console.log(`${i.file}: ${i.pages.length} pages, angles ${i.pages.map((p) => p.angle).join(' ')}, quality ${i.pages.map((p) => p.quality).join(' ')}, seals ${i.pages.flatMap((p) => p.seals.map((s) => `${s.over}@${p.page}`)).join(' ')}`);
  console.log(`done in ${Date.now() - t} ms → ${outDir}`);
}
