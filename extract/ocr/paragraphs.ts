/** The text of a page outside its tables, as read by OCR, reflowed into paragraphs. */
import { normalizeCellText } from '../chinese.ts';
import type { OcrWord } from './engine.ts';
import type { PageItem } from './types.ts';

/** OCR output of a cell: spaces inside Chinese text and stray marks removed. */
export function cleanText(s: string): string {
  return normalizeCellText(
    s
      .replace(/\n+/g, '')
      .replace(/(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])/g, '')
      .replace(/[|]/g, '')
      .trim(),
  );
}

interface TextLine {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  height: number;
}

const PAGE_NUMBER = /^[-—–_\s]*(第\s*)?\d{1,3}(\s*页)?[-—–_\s]*$/u;

/** Lines of the OCR'd text, reflowed: a line that reaches the right margin continues in the next. */
export function paragraphs(words: OcrWord[], page: number): PageItem[] {
  const byLine = new Map<string, OcrWord[]>();
  for (const w of words) {
    const k = `${w.block}.${w.par}.${w.line}`;
    byLine.set(k, [...(byLine.get(k) ?? []), w]);
  }
  const lines: TextLine[] = [];
  for (const ws of byLine.values()) {
    // Scanner specks read as punctuation at the start of a line.
    const text = cleanText(ws.map((w) => w.text).join(' ')).replace(/^[，。、,.'`‘’“”"_~\-—:;：；]+(?=\S)/u, '');
    if (!text || PAGE_NUMBER.test(text)) continue;
    const meanConf = ws.reduce((a, w) => a + w.conf, 0) / ws.length;
    if (meanConf < 0.3 && text.length < 4) continue; // noise read as text
    if (text.length <= 2 && !/[\u4e00-\u9fff\d]/u.test(text)) continue; // a speck read as a letter or a mark
    lines.push({
      text,
      x0: Math.min(...ws.map((w) => w.left)),
      x1: Math.max(...ws.map((w) => w.left + w.width)),
      top: Math.min(...ws.map((w) => w.top)),
      bottom: Math.max(...ws.map((w) => w.top + w.height)),
      height: median(ws.map((w) => w.height)),
    });
  }
  lines.sort((a, b) => a.top - b.top);
  if (!lines.length) return [];
  const right = percentile(lines.map((l) => l.x1), 0.9);
  const out: PageItem[] = [];
  let cur: { text: string; top: number } | undefined;
  let prevFull = false;
  for (const l of lines) {
    if (cur && prevFull) cur.text += /[A-Za-z0-9]$/.test(cur.text) && /^[A-Za-z0-9]/.test(l.text) ? ' ' + l.text : l.text;
    else {
      if (cur) out.push({ top: cur.top, block: { kind: 'paragraph', text: cur.text, page } });
      cur = { text: l.text, top: l.top };
    }
    prevFull = l.x1 >= right - l.height * 1.5;
  }
  if (cur) out.push({ top: cur.top, block: { kind: 'paragraph', text: cur.text, page } });
  return out;
}

function median(v: number[]): number {
  return percentile(v, 0.5);
}

function percentile(v: number[], q: number): number {
  const s = v.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}
