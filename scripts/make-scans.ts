/**
 * Scanned renderings of the seed reports, the OCR test corpus: each seed is rendered to PDF
 * (scripts/render-reports.ts), its pages rasterised at 200 dpi (pdftoppm), degraded the way a
 * scanner and a stamp degrade paper (a slight rotation, grain and specks, a red seal with
 * 某某单位 over part of a table) and rebuilt as an image-only PDF (one JPEG per page, no text
 * layer). Output: <outDir>/<seed>.pdf and <seed>.json (the rotation per page and the seal boxes).
 * Outputs are cached under a key of the clean PDF's bytes and this generator's version.
 *
 * CLI: node bin/run-script.js scripts/make-scans.ts [outDir]
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './lib/rng.ts';

const GENERATOR_VERSION = 'scans-4';
export const SCAN_DPI = 200;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SCANS_DIR = path.join(repoRoot, 'test/.cache/scans');

export interface ScanPage {
  page: number;
  /** Rotation applied to the page, degrees (positive = clockwise on screen). */
  angle: number;
  /** Seal circle in page pixels at SCAN_DPI, where one was stamped. */
  seal?: { x: number; y: number; r: number };
}

export interface ScanInfo {
  seed: string;
  file: string;
  key: string;
  pages: ScanPage[];
}

/** Makes (or reuses) the scanned renderings of the seeds (all, or those listed). */
export async function makeScans(outDir = DEFAULT_SCANS_DIR, seeds?: string[]): Promise<ScanInfo[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const { renderReports } = await import('./render-reports.ts');
  const cleanDir = path.join(outDir, 'clean');
  const index = await renderReports({ outDir: cleanDir, kinds: ['pdf'] });
  const out: ScanInfo[] = [];
  const wanted = index.files.filter((f) => f.kind === 'pdf' && (!seeds || seeds.includes(f.seed)));
  for (const f of wanted.sort((a, b) => a.seed.localeCompare(b.seed))) {
    const clean = fs.readFileSync(path.join(cleanDir, f.file));
    const key = createHash('sha256').update(GENERATOR_VERSION).update(clean).digest('hex').slice(0, 16);
    const infoPath = path.join(outDir, `${f.seed}.json`);
    const pdfPath = path.join(outDir, `${f.seed}.pdf`);
    try {
      const info = JSON.parse(fs.readFileSync(infoPath, 'utf8')) as ScanInfo;
      if (info.key === key && fs.existsSync(pdfPath)) {
        out.push(info);
        continue;
      }
    } catch {
      // not made yet
    }
    const info = await scanOne(f.seed, path.join(cleanDir, f.file), pdfPath, key);
    fs.writeFileSync(infoPath, JSON.stringify(info, null, 2) + '\n');
    out.push(info);
  }
  return out;
}


async function scanOne(seed: string, cleanPdf: string, outPdf: string, key: string): Promise<ScanInfo> {
  const { createCanvas, loadImage } = await import('@napi-rs/canvas');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-scan-'));
  try {
    execFileSync('pdftoppm', ['-r', String(SCAN_DPI), '-png', cleanPdf, path.join(tmp, 'p')]);
    const files = fs.readdirSync(tmp).filter((n) => n.endsWith('.png')).sort((a, b) => pageNo(a) - pageNo(b));
    const rand = rng(Number.parseInt(seed, 10) * 7919 + 17);
    const pages: ScanPage[] = [];
    const jpegs: { data: Buffer; width: number; height: number }[] = [];
    let sealed = false;
    for (const [i, name] of files.entries()) {
      const img = await loadImage(fs.readFileSync(path.join(tmp, name)));
      const { width, height } = img;
      // ±1–2°, sign alternating by page
      const angle = Number(((1 + rand()) * (i % 2 === 0 ? 1 : -1)).toFixed(2));
      // The paper: the page and, on the first table page, a seal over the value columns
      // (found from long ruled rows); then the scanner sees it rotated.
      const paper = createCanvas(width, height);
      const pctx = paper.getContext('2d');
      pctx.drawImage(img, 0, 0);
      const page: ScanPage = { page: i + 1, angle };
      const table = sealed ? undefined : tableBox(pctx.getImageData(0, 0, width, height));
      if (table) {
        const r = Math.round(SCAN_DPI * 0.8); // a 4 cm seal
        const x = Math.round(table.right - r * 1.1);
        const y = Math.round(Math.min(table.bottom - r * 0.3, table.top + r * 1.2));
        drawSeal(pctx, x, y, r);
        page.seal = { x, y, r };
        sealed = true;
      }
      const canvas = createCanvas(width, height);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, width, height);
      ctx.translate(width / 2, height / 2);
      ctx.rotate((angle * Math.PI) / 180);
      ctx.drawImage(paper, -width / 2, -height / 2);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      addNoise(ctx, width, height, rand);
      jpegs.push({ data: canvas.toBuffer('image/jpeg', 85), width, height });
      pages.push(page);
    }
    fs.writeFileSync(outPdf, imagePdf(jpegs, SCAN_DPI));
    return { seed, file: path.basename(outPdf), key, pages };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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

/** Scanner grain (±12 levels), toner specks and a slightly grey paper. */
function addNoise(ctx: Ctx, width: number, height: number, rand: () => number) {
  const img = ctx.getImageData(0, 0, width, height);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    const n = rand() * 24 - 18;
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

/** A PDF whose pages are JPEG images and nothing else (no text layer), page size from the dpi. */
export function imagePdf(pages: { data: Buffer; width: number; height: number }[], dpi: number): Buffer {
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
    const content = `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q`;
    obj(pageObj, [`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im0 ${pageObj + 2} 0 R >> >> /Contents ${pageObj + 1} 0 R >>`]);
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
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_SCANS_DIR;
  const t = Date.now();
  const infos = await makeScans(outDir);
  for (const i of infos) console.log(`${i.seed}: ${i.pages.length} pages, angles ${i.pages.map((p) => p.angle).join(' ')}${i.pages.some((p) => p.seal) ? ', sealed' : ''}`);
  console.log(`done in ${Date.now() - t} ms → ${outDir}`);
}
