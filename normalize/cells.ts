/**
 * Label normalisation for matching. (Whether a cell is a number, and which: text/number-cell.ts,
 * the one rule extract's table builders use too.)
 */

const FULL_WIDTH_DIGITS = /[０-９]/g;

/**
 * The form labels are matched in: no whitespace, half-width brackets/digits/dots, unified quotes.
 * The original text is kept elsewhere; this is only for comparison.
 */
export function normalizeLabel(s: string): string {
  return s
    .replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[（﹙]/g, '(')
    .replace(/[）﹚]/g, ')')
    .replace(/[．。](?=\S)/g, (m, off, str) => (/\d/.test(str[off - 1] ?? '') ? '.' : m))
    .replace(/[／]/g, '/')
    .replace(/[：]/g, ':')
    .replace(/[\s\u3000\u00a0]+/g, '');
}
