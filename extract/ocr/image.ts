/**
 * Page images for OCR: decoding (PNM from pdfimages or pdftoppm), seal removal, binarisation, deskew,
 * cropping and PGM encoding. Plain typed arrays, no image library.
 */

/** An 8-bit grayscale image, row-major. */
export interface Gray {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A scanned page: `data` for the ruling lines, `ink` (same size) for reading the text. */
export interface Scan extends Gray {
  /**
   * The black print with red ink lifted out further (colour input only): see decodePnm. Thin
   * ruling lines under a seal fade in it, so the grid is found on `data`.
   */
  ink?: Uint8Array;
}

/**
 * Luminance of seal red printed over paper (about rgb 220/60/65): ~0.43 of white. A pixel darker
 * than that in luminance holds black ink whatever its hue; INK_ONLY = 1 / 0.45.
 */
const INK_ONLY = 2.2;

/**
 * Decodes a binary PPM (P6) or PGM (P5) to grayscale. For colour input the gray level is the
 * brightest channel: red seal ink (high R) and blue ink become light, black print stays dark, so
 * a stamp over a table does not hide the numbers under it (ink under ink is black in every channel).
 *
 * JPEG keeps colour at half resolution, so a seal's thin red strokes come out of that as mid-gray
 * (R ~150-200, not 220) and clutter the cells under it. `ink` lifts a pixel further by its
 * saturation (max - min channel), but never above INK_ONLY × its luminance: black print under a
 * seal takes the seal's red from its neighbours (its R rises to ~140) while its luminance stays
 * far below any red ink's.
 */
export function decodePnm(buf: Uint8Array): Scan {
  let pos = 0;
  const token = (): string => {
    while (pos < buf.length) {
      const c = buf[pos];
      if (c === 0x23) {
        while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    const start = pos;
    while (pos < buf.length && ![0x20, 0x0a, 0x0d, 0x09].includes(buf[pos])) pos++;
    return Buffer.from(buf.subarray(start, pos)).toString('latin1');
  };
  const magic = token();
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  pos++; // the single whitespace after maxval
  if ((magic !== 'P6' && magic !== 'P5') || max !== 255 || !(width > 0 && height > 0)) throw new Error(`unsupported PNM image (${magic}, max ${max})`);
  const data = new Uint8Array(width * height);
  if (magic === 'P5') {
    data.set(buf.subarray(pos, pos + width * height));
    return { width, height, data };
  }
  const ink = new Uint8Array(width * height);
  const n = data.length;
  for (let i = 0, j = pos; i < n; i++, j += 3) {
    const r = buf[j];
    const g = buf[j + 1];
    const b = buf[j + 2];
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    data[i] = max;
    const lifted = 2 * max - min;
    // Paper and print (channels within ~40% of each other): the luminance is at least min, so the
    // cap (2.2 × luminance ≥ 2.2 × min) is above lifted by at least 0.2 and lifted is the value,
    // without the floating-point luminance (most of a page; the same values as below).
    if (16 * min > 10 * max) {
      ink[i] = lifted > 255 ? 255 : lifted;
      continue;
    }
    const cap = INK_ONLY * (0.299 * r + 0.587 * g + 0.114 * b);
    const v = lifted < cap ? lifted : cap;
    ink[i] = v > 255 ? 255 : Math.round(v);
  }
  return { width, height, data, ink };
}

/** PGM (P5) bytes of an image: Leptonica (tesseract) reads it directly. */
export function encodePgm(img: Gray): Buffer {
  const head = Buffer.from(`P5\n${img.width} ${img.height}\n255\n`, 'latin1');
  return Buffer.concat([head, Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length)]);
}

/** Otsu's threshold of an image (pixels at or below it are ink). */
export function otsu(img: Gray): number {
  const hist = new Float64Array(256);
  const d = img.data;
  const step = d.length > 4e6 ? 3 : 1;
  let n = 0;
  for (let i = 0; i < d.length; i += step) {
    hist[d[i]]++;
    n++;
  }
  let sum = 0;
  for (let t = 0; t < 256; t++) sum += t * hist[t];
  let sumB = 0;
  let wB = 0;
  let best = 0;
  let bestT = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t];
    if (wB === 0) continue;
    const wF = n - wB;
    if (wF === 0) break;
    sumB += t * hist[t];
    const mB = sumB / wB;
    const mF = (sum - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      bestT = t;
    }
  }
  return bestT;
}

/** 1 where the pixel is ink. */
export function binarize(img: Gray, threshold: number): Uint8Array {
  // The array in a local: read through img in the loop, it is loaded again at every pixel (V8
  // cannot tell that writing `out` leaves img.data as it was), three times slower.
  const d = img.data;
  const n = d.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = d[i] <= threshold ? 1 : 0;
  return out;
}

/**
 * Skew of the page in degrees (positive = the content is turned clockwise), from the projection
 * profile of the ink: rows of text and ruling lines give the sharpest profile when level.
 * Coarse search over ±maxDeg in 0.1° steps, then 0.01° around the best.
 */
export function estimateSkew(bin: Uint8Array, width: number, height: number, maxDeg = 4): number {
  // Ink coordinates, subsampled to at most ~400k points (typed arrays: the score below is the
  // costliest loop of a page's preparation, ~100 passes over them).
  let count = 0;
  for (let i = 0; i < bin.length; i++) count += bin[i];
  const keep = Math.max(1, Math.ceil(count / 400_000));
  const xs = new Float64Array(Math.ceil(count / keep));
  const ys = new Float64Array(xs.length);
  let n = 0;
  let k = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (bin[row + x] && k++ % keep === 0) {
        xs[n] = x - width / 2;
        ys[n++] = y;
      }
    }
  }
  if (n < 100) return 0;
  const bins = new Int32Array(height + width);
  const score = (deg: number, step = 1): number => {
    const t = Math.tan((deg * Math.PI) / 180);
    bins.fill(0);
    const off = width / 2;
    const size = bins.length;
    for (let i = 0; i < n; i += step) {
      // Row the point would be on if the page were turned back by deg.
      const b = Math.round(ys[i] - xs[i] * t + off);
      if (b >= 0 && b < size) bins[b]++;
    }
    let s = 0;
    for (let i = 0; i < size; i++) s += bins[i] * bins[i];
    return s;
  };
  // The coarse search only has to land within a step of the peak, which a quarter of the ink (at
  // most 100k points) does as well as all of it; the fine search scores all the points.
  const sparse = Math.max(1, Math.ceil(n / 100_000));
  let best = 0;
  let bestScore = -1;
  for (let d = -maxDeg; d <= maxDeg + 1e-9; d += 0.1) {
    const s = score(d, sparse);
    if (s > bestScore) {
      bestScore = s;
      best = d;
    }
  }
  const coarse = best;
  bestScore = score(coarse);
  for (let d = coarse - 0.12; d <= coarse + 0.12 + 1e-9; d += 0.01) {
    const s = score(d);
    if (s > bestScore) {
      bestScore = s;
      best = d;
    }
  }
  return Math.round(best * 100) / 100;
}

/**
 * A scanned page rotated by -deg around the centre (undoes a skew of deg), bilinear, white
 * outside: its gray and, when it has one, its `ink` plane, both in one pass over the page (the
 * source points and weights are the same for both).
 */
export function rotateScan(scan: Scan, deg: number): { img: Gray; ink?: Gray } {
  if (Math.abs(deg) < 0.02) return { img: scan, ink: scan.ink && { width: scan.width, height: scan.height, data: scan.ink } };
  const [data, ink] = rotatePlanes(scan.width, scan.height, scan.ink ? [scan.data, scan.ink] : [scan.data], deg);
  return { img: { width: scan.width, height: scan.height, data }, ink: ink && { width: scan.width, height: scan.height, data: ink } };
}

function rotatePlanes(width: number, height: number, planes: Uint8Array[], deg: number): Uint8Array[] {
  const [data, second] = planes;
  const out = new Uint8Array(width * height);
  const out2 = second && new Uint8Array(width * height);
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = width / 2;
  const cy = height / 2;
  // The products of a column (the same in every row), each computed as the per-pixel formula would.
  const cosX = new Float64Array(width);
  const sinX = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    cosX[x] = cos * (x - cx);
    sinX[x] = sin * (x - cx);
  }
  for (let y = 0; y < height; y++) {
    const dy = y - cy;
    const sinY = sin * dy;
    const cosY = cos * dy;
    for (let x = 0; x < width; x++) {
      // Source point: the output pixel turned forward by deg (the skew).
      const sx = cosX[x] - sinY + cx;
      const sy = sinX[x] + cosY + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const o = y * width + x;
      if (x0 < 0 || y0 < 0 || x0 >= width - 1 || y0 >= height - 1) {
        out[o] = 255;
        if (out2) out2[o] = 255;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const i = y0 * width + x0;
      const top = data[i] + (data[i + 1] - data[i]) * fx;
      const bottom = data[i + width] + (data[i + width + 1] - data[i + width]) * fx;
      out[o] = top + (bottom - top) * fy;
      if (out2) {
        const top2 = second[i] + (second[i + 1] - second[i]) * fx;
        const bottom2 = second[i + width] + (second[i + width + 1] - second[i + width]) * fx;
        out2[o] = top2 + (bottom2 - top2) * fy;
      }
    }
  }
  return out2 ? [out, out2] : [out];
}

/** A copy of a rectangle (clipped to the image). */
export function crop(img: Gray, x0: number, y0: number, x1: number, y1: number): Gray {
  x0 = Math.max(0, Math.floor(x0));
  y0 = Math.max(0, Math.floor(y0));
  x1 = Math.min(img.width, Math.ceil(x1));
  y1 = Math.min(img.height, Math.ceil(y1));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const out = new Uint8Array(w * h).fill(255);
  for (let y = 0; y < h && y0 + y < img.height; y++) {
    const src = (y0 + y) * img.width + x0;
    out.set(img.data.subarray(src, src + Math.min(w, img.width - x0)), y * w);
  }
  return { width: w, height: h, data: out };
}

/** The image on a white margin of `pad` pixels (tesseract reads text touching the edge badly). */
export function pad(img: Gray, padPx: number): Gray {
  const w = img.width + 2 * padPx;
  const h = img.height + 2 * padPx;
  const out = new Uint8Array(w * h).fill(255);
  for (let y = 0; y < img.height; y++) out.set(img.data.subarray(y * img.width, (y + 1) * img.width), (y + padPx) * w + padPx);
  return { width: w, height: h, data: out };
}

/** Blanks the given rectangles (white), in place. */
export function whiteOut(img: Gray, rects: { x0: number; y0: number; x1: number; y1: number }[]): void {
  for (const r of rects) {
    const x0 = Math.max(0, Math.floor(r.x0));
    const x1 = Math.min(img.width, Math.ceil(r.x1));
    for (let y = Math.max(0, Math.floor(r.y0)); y < Math.min(img.height, Math.ceil(r.y1)); y++) img.data.fill(255, y * img.width + x0, y * img.width + x1);
  }
}

