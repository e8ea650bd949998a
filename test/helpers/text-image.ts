/** Images of printed text for OCR tests, drawn with the font the renderings use. */
import type { Gray } from '../../extract/ocr/image.ts';

/**
 * `lines` of text one under the other (WenQuanYi Micro Hei at `px`), black on white, half a line
 * of margin; `width` widens the image (room beside the text), else it fits the longest line.
 */
export async function textImage(lines: string[], px: number, width?: number): Promise<Gray> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const w = width ?? Math.round(px * Math.max(...lines.map((l) => l.length)) + px);
  const height = Math.round(px * 1.5 * lines.length + px);
  const canvas = createCanvas(w, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, height);
  ctx.fillStyle = '#000';
  ctx.font = `${px}px "WenQuanYi Micro Hei"`;
  ctx.textBaseline = 'top';
  lines.forEach((l, i) => ctx.fillText(l, px / 2, px / 2 + i * px * 1.5));
  const rgba = ctx.getImageData(0, 0, w, height).data;
  const data = new Uint8Array(w * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4];
  return { width: w, height, data };
}
