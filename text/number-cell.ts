/**
 * The one rule for "this table cell holds a number" in extract/: a count, possibly with a unit
 * (万 元 件 条 个 %), thousands separators (half- or full-width) and a sign, or a placeholder
 * printed instead of a number (/ - —— 无). The PDF table builders and the plain-text row splitter
 * use it. (normalize/ reads values with its own parser, normalize/cells.ts.)
 */
export const NUMBER_CELL = /^[-−+]?\d[\d,，.．]*\s*(?:万元|万|元|件|条|个|%)?$|^[/／\\—–\-－]+$|^无$/u;

export function isNumberCell(text: string): boolean {
  return NUMBER_CELL.test(text.trim());
}
