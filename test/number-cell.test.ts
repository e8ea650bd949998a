/**
 * One number-cell rule (text/number-cell.ts): what extract's table builders take for a value
 * column is what normalize reads a value from, printed the ways agencies print numbers.
 */
import { describe, expect, it } from 'vitest';
import { chineseNumber, halfWidthDigits, isBlankCell, isLabelCell, isNumberCell, parseCellValue } from '../text/number-cell.ts';
import { extractText } from '../extract/text.ts';

describe('one number-cell rule', () => {
  it('reads numbers as printed: separators, full-width digits, units, signs, annotations', () => {
    const cases: [string, number][] = [
      ['1,234', 1234], ['1，234', 1234], ['１２３', 123], ['12 件', 12], ['3.5万', 35000], ['2亿元', 2e8],
      ['−185', -185], ['－7', -7], ['22（其中修订16件）', 22], ['45%', 45], ['0', 0], ['１２．５', 12.5],
    ];
    for (const [text, value] of cases) {
      expect(parseCellValue(text), text).toEqual({ kind: 'number', value });
      expect(isNumberCell(text), text).toBe(true);
    }
    expect(parseCellValue('1,234元', { unit: '10k_yuan' })).toEqual({ kind: 'number', value: 0.1234 });
  });

  it('Chinese numerals: counts with 十/百/千, digit-by-digit years, anything else null', () => {
    expect(['三', '两', '十', '十二', '二十', '三十五', '一百零五', '两千三百', '二〇二二', '二零一九'].map(chineseNumber))
      .toEqual([3, 2, 10, 12, 20, 35, 105, 2300, 2022, 2019]);
    // 万 and 亿 close a section (一万二千, the sixth blind batch); integer arithmetic, exact.
    expect(['一万二千', '三百二十', '十万', '一亿二千万', '三万零五十', '一万亿'].map(chineseNumber))
      .toEqual([12000, 320, 100000, 120000000, 30050, 1e12]);
    expect(['', '三条', '12', '若干', '万'].map(chineseNumber)).toEqual([null, null, null, null, null]);
    // 1.36万 (a decimal wrapped across a line, then joined) is 13600, not 13600.000000000002.
    expect(parseCellValue('1.36万')).toEqual({ kind: 'number', value: 13600 });
    expect(halfWidthDigits('主动公开１２３４条，2件')).toBe('主动公开1234条，2件');
    expect(halfWidthDigits('３．２万余条，1．主动公开')).toBe('3.2万余条，1．主动公开');
  });

  it('placeholders are values that are not reported (never zero); blank is neither a number nor a label', () => {
    for (const p of ['/', '／', '-', '——', '－－', '—', '―', '无', '空', '×', '*']) {
      expect(parseCellValue(p), p).toEqual({ kind: 'null' });
      expect(isNumberCell(p), p).toBe(true);
      expect(isLabelCell(p), p).toBe(false);
    }
    for (const b of ['', '  ', '\u3000']) {
      expect(parseCellValue(b)).toEqual({ kind: 'null' });
      expect(isBlankCell(b)).toBe(true);
      expect(isNumberCell(b)).toBe(false);
      expect(isLabelCell(b)).toBe(false);
    }
  });

  it('labels, dates and list numbering are not numbers', () => {
    for (const t of ['本年新收政府信息公开申请数量', '2021.01.20', '1.', '（一）', '三、', '第1项', '12345678-9']) {
      expect(parseCellValue(t), t).toEqual({ kind: 'text' });
      expect(isNumberCell(t), t).toBe(false);
    }
  });

  it("extract's plain-text table reader and normalize agree on which cells are values", () => {
    const doc = extractText(['二、收到和处理政府信息公开申请情况', '本年新收申请  3  1,234  ——  22（其中修订16件）', '上年结转申请  0  ／  12 件  无', '一、总体情况：本年度主动公开政府信息121条。'].join('\n'));
    const table = doc.blocks.find((b) => b.kind === 'table');
    expect(table && table.kind === 'table' ? table.rows : null).toEqual([
      ['本年新收申请', '3', '1,234', '——', '22（其中修订16件）'],
      ['上年结转申请', '0', '／', '12 件', '无'],
    ]);
    const rows = table && table.kind === 'table' ? table.rows : [];
    expect(rows.map((r) => r.map((c) => parseCellValue(c).kind))).toEqual([
      ['text', 'number', 'number', 'null', 'number'],
      ['text', 'number', 'null', 'number', 'null'],
    ]);
  });
});
