/**
 * The text form of the full-text index (reports_bigram): Chinese as overlapping character
 * bigrams, other words whole, separated by single spaces. It lives with the store because the
 * index's contents are part of the database's format: migration 15 rebuilds the index through
 * the SQL function registered here, and dataset/search.ts fills and queries it.
 *
 * reports_bigram's tokenizer is FTS5's `ascii` (migration 15): it splits on ASCII spaces and
 * punctuation and folds ASCII case, nothing more, which is all this form needs and half the cost
 * of unicode61 (1.49 s → 0.77 s to index 2,040 reports of 5,500 characters). What unicode61 also
 * did to non-ASCII letters (case, diacritics: Д → д, É → e) is done here instead (foldWord).
 */
import type Database from 'better-sqlite3';

const HAN = /^\p{Script=Han}$/u;
const WORD = /^[\p{L}\p{N}]$/u;
const OTHER = 0;
const HAN_CHAR = 1;
const WORD_CHAR = 2;

// Class of every BMP code unit (surrogates: OTHER, pairs are looked up whole), built on first use:
// a table lookup per character instead of a Unicode-property regex over the text (2x faster).
let bmp: Uint8Array | undefined;
function classes(): Uint8Array {
  if (bmp) return bmp;
  bmp = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCharCode(c);
    bmp[c] = HAN.test(s) ? HAN_CHAR : WORD.test(s) ? WORD_CHAR : OTHER;
  }
  return bmp;
}

function classOf(cp: number): number {
  const s = String.fromCodePoint(cp);
  return HAN.test(s) ? HAN_CHAR : WORD.test(s) ? WORD_CHAR : OTHER;
}

const utf16 = new TextDecoder('utf-16le');

/**
 * A word with non-ASCII letters as the index keeps it: lower-case, without diacritics (École →
 * ecole), as unicode61 kept it before migration 15. ASCII words go as they are (the tokenizer folds
 * their case). Queries fold their words with the same function.
 */
export function foldWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
}

/**
 * Text → bigram tokens. A Han run 中华人民 gives 中华 华人 人民 民: overlapping bigrams plus its
 * last character alone, so that a prefix query 民* finds a character at the end of a run too.
 * A run of other letters and digits stays whole; one with non-ASCII letters is folded (foldWord:
 * the ascii tokenizer folds ASCII only). Everything else (punctuation, spaces, symbols) separates.
 * Characters outside the BMP (surrogate pairs) count as one character.
 */
export function toBigrams(text: string): string {
  const cls = classes();
  const n = text.length;
  // At most 3 code units out per code unit in: "ab" → "ab b"; a one-character run and its space.
  const out = new Uint16Array(n * 3 + 2);
  let o = 0;
  let i = 0;
  // The class of the character at i, and its width in code units (2 for a surrogate pair).
  let k = 0;
  let w = 1;
  const look = (at: number) => {
    const c = text.charCodeAt(at);
    if (c >= 0xd800 && c <= 0xdbff && at + 1 < n && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00) {
      k = classOf(text.codePointAt(at)!);
      w = 2;
    } else {
      k = cls[c]!;
      w = 1;
    }
  };
  const put = (at: number, width: number) => {
    out[o++] = text.charCodeAt(at);
    if (width === 2) out[o++] = text.charCodeAt(at + 1);
  };
  while (i < n) {
    look(i);
    if (k === OTHER) {
      i += w;
      continue;
    }
    if (o > 0) out[o++] = 0x20;
    if (k === WORD_CHAR) {
      const start = o;
      let ascii = true;
      do {
        if (text.charCodeAt(i) > 0x7f) ascii = false;
        put(i, w);
        i += w;
        if (i < n) look(i);
      } while (i < n && k === WORD_CHAR);
      if (!ascii) {
        const lower = foldWord(utf16.decode(out.subarray(start, o)));
        if (start + lower.length + 3 * (n - i) + 2 > out.length) return slowFold(text);
        o = start;
        for (let j = 0; j < lower.length; j++) out[o++] = lower.charCodeAt(j);
      }
      continue;
    }
    // A Han run: each character with the next, then the last one alone.
    let prev = i;
    let prevW = w;
    i += w;
    while (i < n) {
      look(i);
      if (k !== HAN_CHAR) break;
      put(prev, prevW);
      put(i, w);
      out[o++] = 0x20;
      prev = i;
      prevW = w;
      i += w;
    }
    put(prev, prevW);
  }
  return utf16.decode(out.subarray(0, o));
}

// A folded word longer than the room left (a letter whose lower case is longer, repeated
// thousands of times): the same result, built as strings.
function slowFold(text: string): string {
  const parts: string[] = [];
  for (const m of text.matchAll(/\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu)) {
    const run = m[0];
    if (!/^\p{Script=Han}/u.test(run)) {
      parts.push(/[^\x00-\x7f]/.test(run) ? foldWord(run) : run);
      continue;
    }
    const chars = Array.from(run);
    for (let j = 0; j + 1 < chars.length; j++) parts.push(chars[j]! + chars[j + 1]!);
    parts.push(chars[chars.length - 1]!);
  }
  return parts.join(' ');
}

/** nianbao_bigrams(text): toBigrams as an SQL function, so one INSERT … SELECT indexes many reports. */
export function registerBigrams(db: Database.Database): void {
  db.function('nianbao_bigrams', { deterministic: true }, (text: unknown) => toBigrams(typeof text === 'string' ? text : ''));
}
