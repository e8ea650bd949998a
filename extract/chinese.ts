/**
 * Chinese-script helpers shared by the extractors and the normalizer.
 */
import { createRequire } from 'node:module';

// ---------------------------------------------------------------------------------------------
// Traditional → Simplified (gate/big5 mirrors of mainland pages)

type Convert = (s: string) => string;
let hkToCn: Convert | undefined;

/**
 * The Traditional→Simplified converter, created once on first use. opencc-js itself is loaded
 * then too (its dictionaries take ~60 ms to load and ~40 ms to build), not when this module is
 * imported: the PDF extractor and the normaliser import this module and most documents are
 * Simplified. OpenCC's 'hk' → 'cn' conversion: it also folds Taiwan variants (裡, 爲, 臺),
 * and unlike 'tw' → 'cn' it leaves simplified text alone (显著 stays 显著).
 */
function converter(): Convert {
  if (!hkToCn) {
    const OpenCC = createRequire(import.meta.url)('opencc-js') as typeof import('opencc-js');
    hkToCn = OpenCC.Converter({ from: 'hk', to: 'cn' }) as Convert;
  }
  return hkToCn;
}

/** Simplified-Chinese form of a text (character-level; non-Chinese text is unchanged). */
export function toSimplified(s: string): string {
  if (!s || !/[\u3400-\u9fff\uf900-\ufaff]/.test(s)) return s;
  return converter()(s);
}

const CJK_RE = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

/**
 * True when a text is written mostly in Traditional characters: a clear share of its Chinese
 * characters change when converted to Simplified (in Traditional prose ~20–35 % do, in
 * Simplified text practically none).
 */
export function isMostlyTraditional(s: string): boolean {
  const stats = traditionalShare(s);
  if (stats.cjk === 0) return false;
  if (stats.cjk < 20) return stats.changed >= 1 && stats.changed / stats.cjk >= 0.2;
  return stats.changed >= 3 && stats.changed / stats.cjk >= 0.05;
}

/** Number of Chinese characters in (a sample of) the text, and how many change to Simplified. */
export function traditionalShare(s: string, sampleChars = 20000): { cjk: number; changed: number } {
  const chars = Array.from(s.length > sampleChars * 2 ? s.slice(0, sampleChars * 2) : s).filter((c) => CJK_RE.test(c));
  const sample = chars.slice(0, sampleChars);
  if (sample.length === 0) return { cjk: 0, changed: 0 };
  const joined = sample.join('');
  const simplified = Array.from(toSimplified(joined));
  let changed = 0;
  if (simplified.length === sample.length) {
    for (let i = 0; i < sample.length; i++) if (simplified[i] !== sample[i]) changed++;
  } else {
    // phrase conversion changed the length: compare character by character instead
    const cache = new Map<string, boolean>();
    for (const c of sample) {
      let diff = cache.get(c);
      if (diff === undefined) cache.set(c, (diff = toSimplified(c) !== c));
      if (diff) changed++;
    }
  }
  return { cjk: sample.length, changed };
}

// ---------------------------------------------------------------------------------------------
// Radical look-alikes (PDF fonts whose ToUnicode maps glyphs to radical code points)

/**
 * CJK Radicals Supplement (U+2E80–U+2EFF) → the ordinary ideograph it stands for (Unicode's
 * EquivalentUnifiedIdeograph data). NFKC does not cover this block, unlike the Kangxi radicals.
 * Radicals whose only equivalent is outside the BMP basic block are left out.
 */
const RADICAL_SUPPLEMENT: Record<string, string> = {
  '⺁': '厂', '⺂': '乛', '⺃': '乚', '⺄': '乙', '⺅': '亻', '⺆': '冂', '⺉': '刂', '⺊': '卜',
  '⺋': '㔾', '⺌': '小', '⺍': '小', '⺎': '兀', '⺏': '尣', '⺐': '尢', '⺒': '巳', '⺓': '幺',
  '⺔': '彑', '⺕': '彐', '⺖': '忄', '⺗': '心', '⺘': '扌', '⺙': '攵', '⺛': '旡', '⺜': '日',
  '⺝': '月', '⺞': '歺', '⺟': '母', '⺠': '民', '⺡': '氵', '⺢': '氺', '⺣': '灬', '⺤': '爫',
  '⺥': '爫', '⺦': '丬', '⺧': '牛', '⺨': '犭', '⺩': '王', '⺪': '疋', '⺫': '目', '⺬': '示',
  '⺭': '礻', '⺮': '竹', '⺯': '糹', '⺰': '纟', '⺱': '罓', '⺲': '罒', '⺳': '网', '⺴': '网',
  '⺵': '网', '⺶': '羊', '⺷': '羊', '⺸': '羋', '⺹': '耂', '⺺': '肀', '⺻': '聿', '⺼': '肉',
  '⺽': '臼', '⺾': '艹', '⺿': '艹', '⻀': '艹', '⻁': '虎', '⻂': '衤', '⻃': '覀', '⻄': '西',
  '⻅': '见', '⻆': '角', '⻇': '角', '⻈': '讠', '⻉': '贝', '⻊': '足', '⻋': '车', '⻌': '辶',
  '⻍': '辶', '⻎': '辶', '⻏': '阝', '⻐': '钅', '⻑': '長', '⻒': '镸', '⻓': '长', '⻔': '门',
  '⻕': '阜', '⻖': '阝', '⻗': '雨', '⻘': '青', '⻙': '韦', '⻚': '页', '⻛': '风', '⻜': '飞',
  '⻝': '食', '⻟': '飠', '⻠': '饣', '⻢': '马', '⻣': '骨', '⻤': '鬼', '⻥': '鱼', '⻦': '鸟',
  '⻧': '卤', '⻨': '麦', '⻩': '黄', '⻪': '黾', '⻫': '斉', '⻬': '齐', '⻭': '歯', '⻮': '齿',
  '⻯': '竜', '⻰': '龙', '⻱': '龜', '⻲': '亀', '⻳': '龟',
};

const RADICAL_RE = /[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff]/u;
const RADICAL_RE_G = /[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff]/gu;

/**
 * Replace Kangxi radicals (U+2F00–U+2FDF), CJK radical-supplement forms (U+2E80–U+2EFF) and
 * CJK compatibility ideographs (U+F900–U+FAFF) by the ordinary characters they look like
 * (⼈→人, ⻓→长). Only these characters are touched: NFKC on the whole text would also turn
 * full-width brackets and digits into ASCII, which the label matching relies on.
 */
export function normalizeRadicals(s: string): string {
  if (!RADICAL_RE.test(s)) return s;
  return s.replace(RADICAL_RE_G, (c) => RADICAL_SUPPLEMENT[c] ?? c.normalize('NFKC'));
}

const CJK_CHAR = '\\u2e80-\\u2fdf\\u3000-\\u303f\\u3040-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef';
const SPACE_BETWEEN_CJK = new RegExp(`(?<=[${CJK_CHAR}]) (?=[${CJK_CHAR}])`, 'gu');

/**
 * Text of one table cell on one line: line breaks inside the cell are joined (with a space only
 * between two Latin letters, so 商业\n企业 → 商业企业 and 31\n19 → 3119), whitespace runs
 * (including U+3000) collapse to one space, and a space between two Chinese characters or
 * full-width signs is dropped (justified PDF cells print 商 业 企 业).
 */
export function normalizeCellText(s: string): string {
  return s
    .replace(/[ \t\u00a0\u3000]*(?:\r\n|\r|\n)[ \t\u00a0\u3000]*/g, (_m, offset: number, all: string) =>
      /[A-Za-z]/.test(all[offset - 1] ?? '') && /[A-Za-z]/.test(all[offset + _m.length] ?? '') ? ' ' : '',
    )
    .replace(/[\s\u00a0\u3000]+/g, ' ')
    .replace(SPACE_BETWEEN_CJK, '')
    .trim();
}
