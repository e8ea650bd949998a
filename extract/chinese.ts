/**
 * Chinese-script helpers shared by the extractors and the normalizer.
 */
import * as OpenCC from 'opencc-js';

// ---------------------------------------------------------------------------------------------
// Traditional → Simplified (gate/big5 mirrors of mainland pages)

type Convert = (s: string) => string;
let hkToCn: Convert | undefined;

/**
 * The Traditional→Simplified converter, created once on first use (loading the dictionaries
 * takes ~40 ms). OpenCC's 'hk' → 'cn' conversion: it also folds Taiwan variants (裡, 爲, 臺),
 * and unlike 'tw' → 'cn' it leaves simplified text alone (显著 stays 显著).
 */
function converter(): Convert {
  if (!hkToCn) hkToCn = OpenCC.Converter({ from: 'hk', to: 'cn' }) as Convert;
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
