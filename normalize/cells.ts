/**
 * Label normalisation for matching. (Whether a cell is a number, and which: text/number-cell.ts,
 * the one rule extract's table builders use too.)
 */
import { halfWidthDigits } from '../text/number-cell.ts';

/**
 * The form labels are matched in: no whitespace, half-width brackets/digits/dots, unified quotes.
 * The original text is kept elsewhere; this is only for comparison.
 */
export function normalizeLabel(s: string): string {
  return halfWidthDigits(s)
    .replace(/[（﹙]/g, '(')
    .replace(/[）﹚]/g, ')')
    .replace(/[．。](?=\S)/g, (m, off, str) => (/\d/.test(str[off - 1] ?? '') ? '.' : m))
    .replace(/[／]/g, '/')
    .replace(/[：]/g, ':')
    .replace(/[\s\u3000\u00a0]+/g, '');
}
