/**
 * The one rule for "this table cell holds a number", and what number: a count or amount with
 * thousands separators (half- or full-width), full-width digits, a sign, a unit (万 元 亿 件 条 次
 * 人 % …) and an annotation after it (22（其中修订16件）→ 22), or a placeholder printed instead
 * of a number (/ - —— 无 空 ×), which is "not reported", never zero (FORMATS.md). Extract's table
 * builders ask isNumberCell; normalize reads the value with parseCellValue.
 */

const FULL_WIDTH_DIGITS = /[０-９]/g;

const CHINESE_DIGITS: Record<string, number> = { '〇': 0, '○': 0, '零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9 };
const CHINESE_UNITS: Record<string, number> = { '十': 10, '百': 100, '千': 1000 };

/** 万 and 亿: each closes a section of the number (一万二千 → 12,000; 一亿二千万 → 120,000,000). */
const CHINESE_SECTIONS: Record<string, number> = { '万': 1e4, '亿': 1e8 };

/**
 * A number written in Chinese numerals: a count (三 → 3, 十二 → 12, 一百零五 → 105, 两 → 2,
 * 一万二千 → 12000) or, without 十/百/千/万/亿, digit by digit (二〇二二 → 2022, as years are
 * written). Null when `s` holds anything else. Integer arithmetic only: the result is exact.
 */
export function chineseNumber(s: string): number | null {
  if (!s) return null;
  const chars = [...s];
  if (!chars.some((c) => c in CHINESE_UNITS || c in CHINESE_SECTIONS)) {
    return chars.every((c) => c in CHINESE_DIGITS) ? Number(chars.map((c) => CHINESE_DIGITS[c]).join('')) : null;
  }
  let total = 0;
  let section = 0;
  let digit: number | null = null;
  for (const c of chars) {
    if (c in CHINESE_DIGITS) digit = CHINESE_DIGITS[c];
    else if (c in CHINESE_UNITS) {
      section += (digit ?? 1) * CHINESE_UNITS[c];
      digit = null;
    } else if (c in CHINESE_SECTIONS) {
      const part = section + (digit ?? 0);
      // 亿 scales everything before it (一万亿), 万 only its own section (一亿二千万).
      if (part === 0 && total === 0) return null;
      total = CHINESE_SECTIONS[c] === 1e8 ? (total + part) * 1e8 : total + part * CHINESE_SECTIONS[c];
      section = 0;
      digit = null;
    } else return null;
  }
  return total + section + (digit ?? 0);
}

/** Full-width digits (１２３) as ASCII ones, and a full-width point between digits (３．２); the rest of the text untouched. */
export function halfWidthDigits(s: string): string {
  return s.replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/(?<=\d)．(?=\d)/gu, '.');
}

export type CellValue =
  | { kind: 'number'; value: number }
  | { kind: 'null' } // printed blank or a placeholder
  | { kind: 'text' }; // a label, not a value

/** Placeholders: a run of slashes or dashes, 无, 空, *, ×, x. */
const PLACEHOLDER = /^(?:[/／\\\-－—–―─]+|无|空|\*|×|x|X)$/u;

/**
 * Parses a value cell. Handles thousands separators, full-width digits, 万 (×10,000), 元 when
 * `yuanTo10k`, negatives, and annotations after the number (22（其中修订16件）→ 22).
 */
export function parseCellValue(text: string, opts: { unit?: '10k_yuan' } = {}): CellValue {
  const t = halfWidthDigits(text)
    .replace(/[\s\u3000\u00a0]+/g, '')
    .replace(/[，,](?=\d{3}(?:\D|$))/g, '')
    .replace(/[．]/g, '.')
    .replace(/^[−－–]/, '-');
  if (t === '') return { kind: 'null' };
  if (PLACEHOLDER.test(t)) return { kind: 'null' };
  const m = /^([+-]?\d+(?:\.\d+)?)(万元|万|亿元|亿|元|件|条|个|次|人次|人|篇|项|%)?(?:[(（【[].*)?$/u.exec(t);
  if (!m) return { kind: 'text' };
  let value = Number(m[1]);
  const unit = m[2];
  if (opts.unit === '10k_yuan') {
    if (unit === '元') value = value / 10000;
    else if (unit === '亿元' || unit === '亿') value = value * 10000;
    // 万 / 万元 / none: already in 万元
  } else if (unit === '万' || unit === '万元') value = value * 10000;
  else if (unit === '亿' || unit === '亿元') value = value * 1e8;
  return { kind: 'number', value: roundFloat(value) };
}

/** Removes binary floating noise from unit conversions (25.1 not 25.099999999999998). */
function roundFloat(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(12));
}

export const isBlankCell = (text: string) => text.replace(/[\s\u3000\u00a0]+/g, '') === '';
/** A value cell: a number, a placeholder, or blank. */
export const isValueCell = (text: string) => parseCellValue(text).kind !== 'text';
/** A label cell: text that is neither blank nor a value (placeholders count as values). */
export const isLabelCell = (text: string) => !isBlankCell(text) && !isValueCell(text);
/** A cell printing a number or a placeholder (not blank): what tells a table's value columns. */
export const isNumberCell = (text: string) => !isBlankCell(text) && isValueCell(text);
