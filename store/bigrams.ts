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
const UNKNOWN = 3;

/**
 * Class of every BMP character, learnt on first sight (UNKNOWN until then): a table lookup per
 * character instead of a Unicode-property regex. Filling all 65,536 entries up front cost ~40 ms
 * of CPU, a fifth of a 600-report index pass in a fresh process; a report uses a few hundred
 * distinct characters.
 */
const bmp = new Uint8Array(0x10000).fill(UNKNOWN);

function classOf(cp: number): number {
  const s = String.fromCodePoint(cp);
  return HAN.test(s) ? HAN_CHAR : WORD.test(s) ? WORD_CHAR : OTHER;
}

/**
 * A word with non-ASCII letters as the index keeps it: lower-case, without diacritics (École →
 * ecole), as unicode61 kept it before migration 15. ASCII words go as they are (the tokenizer folds
 * their case). Queries fold their words with the same function.
 */
export function foldWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
}

/** The output buffer, reused from call to call: grown up to 4 MB; a longer text gets its own. */
let out = new Uint8Array(1 << 16);
const MAX_SHARED = 4 << 20;

/**
 * bigramBytes's reading of the character at `at`: its class (bits 0–1) and its length in bytes
 * (bits 2–4). A byte that does not start a well-formed UTF-8 sequence is one character of class
 * OTHER (SQLite's text is UTF-8; this only keeps a malformed value from going wrong).
 */
function charAt(src: Uint8Array, at: number, n: number): number {
  const b = src[at]!;
  let cp: number;
  let len: number;
  if (b < 0x80) {
    cp = b;
    len = 1;
  } else if (b >= 0xe0 && b < 0xf0) {
    if (at + 2 >= n || (src[at + 1]! & 0xc0) !== 0x80 || (src[at + 2]! & 0xc0) !== 0x80) return OTHER | 4;
    cp = ((b & 0x0f) << 12) | ((src[at + 1]! & 0x3f) << 6) | (src[at + 2]! & 0x3f);
    len = 3;
  } else if (b >= 0xc0 && b < 0xe0) {
    if (at + 1 >= n || (src[at + 1]! & 0xc0) !== 0x80) return OTHER | 4;
    cp = ((b & 0x1f) << 6) | (src[at + 1]! & 0x3f);
    len = 2;
  } else if (b >= 0xf0 && b < 0xf8) {
    if (at + 3 >= n || (src[at + 1]! & 0xc0) !== 0x80 || (src[at + 2]! & 0xc0) !== 0x80 || (src[at + 3]! & 0xc0) !== 0x80) return OTHER | 4;
    return classOf(((b & 0x07) << 18) | ((src[at + 1]! & 0x3f) << 12) | ((src[at + 2]! & 0x3f) << 6) | (src[at + 3]! & 0x3f)) | 16;
  } else return OTHER | 4;
  const k = bmp[cp]!;
  return (k === UNKNOWN ? (bmp[cp] = classOf(cp)) : k) | (len << 2);
}

/**
 * UTF-8 text → its bigram tokens, as UTF-8 (toBigrams's rules). The index pass hands SQLite's text
 * over as bytes (CAST(text AS BLOB)) and gets bytes back: as JavaScript strings, the text was
 * decoded from UTF-8 and the tokens encoded back, ~40% of the pass's instructions (callgrind).
 * The result is a view of a buffer the next call reuses: copy it to keep it.
 */
export function bigramBytes(src: Uint8Array): Buffer {
  const n = src.length;
  // At most 3 bytes out per byte in: "ab" → "ab b"; a one-character run and its space.
  const need = n * 3 + 2;
  if (out.length < need && need <= MAX_SHARED) out = new Uint8Array(need);
  let buf = out.length >= need ? out : new Uint8Array(need);
  let o = 0;
  let i = 0;
  while (i < n) {
    let ch = charAt(src, i, n);
    if ((ch & 3) === OTHER) {
      i += ch >> 2;
      continue;
    }
    if (o > 0) buf[o++] = 0x20;
    if ((ch & 3) === WORD_CHAR) {
      const start = o;
      let ascii = true;
      do {
        const len = ch >> 2;
        if (len > 1) ascii = false;
        for (let j = 0; j < len; j++) buf[o++] = src[i++]!;
        if (i < n) ch = charAt(src, i, n);
      } while (i < n && (ch & 3) === WORD_CHAR);
      if (!ascii) {
        const lower = Buffer.from(foldWord(Buffer.from(buf.buffer, buf.byteOffset + start, o - start).toString('utf8')), 'utf8');
        if (start + lower.length + 3 * (n - i) + 2 > buf.length) {
          const more = new Uint8Array(start + lower.length + 3 * (n - i) + 2);
          more.set(buf.subarray(0, start));
          buf = more;
        }
        buf.set(lower, start);
        o = start + lower.length;
      }
      continue;
    }
    // A Han run: each character with the next, then the last one alone.
    // The two characters of a bigram are next to each other in the text: one run of bytes.
    let prev = i;
    i += ch >> 2;
    while (i < n) {
      ch = charAt(src, i, n);
      if ((ch & 3) !== HAN_CHAR) break;
      const end = i + (ch >> 2);
      for (let j = prev; j < end; j++) buf[o++] = src[j]!;
      buf[o++] = 0x20;
      prev = i;
      i = end;
    }
    for (let j = prev; j < i; j++) buf[o++] = src[j]!;
  }
  // A view of the reused buffer, not a copy: SQLite copies a function's result at once, and a
  // fresh 20 KB Buffer a report cost page faults as much as the work (first pass of a process).
  return Buffer.from(buf.buffer, buf.byteOffset, o);
}

/**
 * Text → bigram tokens. A Han run 中华人民 gives 中华 华人 人民 民: overlapping bigrams plus its
 * last character alone, so that a prefix query 民* finds a character at the end of a run too.
 * A run of other letters and digits stays whole; one with non-ASCII letters is folded (foldWord:
 * the ascii tokenizer folds ASCII only). Everything else (punctuation, spaces, symbols, an unpaired
 * surrogate) separates. Characters outside the BMP count as one character.
 */
export function toBigrams(text: string): string {
  return bigramBytes(Buffer.from(text, 'utf8')).toString('utf8');
}

/**
 * nianbao_bigrams(text): toBigrams as an SQL function, so one INSERT … SELECT indexes many reports.
 * Given a BLOB (CAST(text AS BLOB): UTF-8 bytes) it returns the tokens as a BLOB of UTF-8, which
 * FTS5 reads as text without any conversion; given text, text.
 */
export function registerBigrams(db: Database.Database): void {
  db.function('nianbao_bigrams', { deterministic: true }, (text: unknown) =>
    text instanceof Uint8Array ? bigramBytes(text) : toBigrams(typeof text === 'string' ? text : ''),
  );
}
