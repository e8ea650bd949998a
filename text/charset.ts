/**
 * Byte → text decoding, shared by the crawler (listings, articles, API answers) and the extractor
 * so both agree on GBK/GB2312/mislabelled pages (what a file is: extract/sniff.ts).
 *
 * Chinese government portals label their pages inconsistently: gb2312 pages that are really
 * GBK/GB18030, utf-8 labels on GBK bytes (CMS templates copied between sites), no label at all,
 * Big5 mirrors. The order of evidence is BOM → HTTP Content-Type → <meta> in the first 4 KB →
 * statistical detection → utf-8, and every declared label is checked against the bytes.
 */
import { createRequire } from 'node:module';

// iconv-lite and chardet load on the first decode (~20 ms), not with this module: sniffing a PDF
// (extract/sniff.ts uses latin1 below) needs neither.
const require = createRequire(import.meta.url);
let iconvLib: typeof import('iconv-lite') | undefined;
let chardetLib: typeof import('chardet') | undefined;
const iconv = () => (iconvLib ??= require('iconv-lite') as typeof import('iconv-lite'));
const chardet = () => (chardetLib ??= require('chardet') as typeof import('chardet'));

export interface DecodeResult {
  text: string;
  /** The charset actually used (canonical lowercase name, e.g. 'utf-8', 'gb18030', 'big5'). */
  charset: string;
  warnings: string[];
}

const META_SCAN_BYTES = 4096;

/** Labels that mean "some GB encoding": all decoded as the GB18030 superset. */
const GB_LABELS = new Set([
  'gb2312',
  'gb_2312',
  'gb_2312-80',
  'gb-2312',
  'gbk',
  'x-gbk',
  'cp936',
  'ms936',
  'windows-936',
  'csgb2312',
  'x-gb2312',
  'euc-cn',
  'iso-ir-58',
  'chinese',
  'gb18030',
  'gb-18030',
  'hz-gb-2312',
]);
const BIG5_LABELS = new Set(['big5', 'big-5', 'x-x-big5', 'cn-big5', 'csbig5', 'cp950', 'x-big5']);
const BIG5_HKSCS_LABELS = new Set(['big5-hkscs', 'big5hkscs']);
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'x-unicode20utf8']);
const LATIN_LABELS = new Set(['iso-8859-1', 'latin1', 'latin-1', 'us-ascii', 'ascii', 'windows-1252', 'cp1252']);

/**
 * Canonical charset name for a label, or undefined when the label is unknown to us and to
 * iconv-lite. GB variants → 'gb18030'; latin-1 family → 'windows-1252' (what browsers do).
 */
export function normalizeCharset(label: string | undefined | null): string | undefined {
  if (!label) return undefined;
  const l = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (!l) return undefined;
  if (UTF8_LABELS.has(l)) return 'utf-8';
  if (GB_LABELS.has(l)) return 'gb18030';
  if (BIG5_LABELS.has(l)) return 'big5';
  if (BIG5_HKSCS_LABELS.has(l)) return 'big5hkscs';
  if (LATIN_LABELS.has(l)) return 'windows-1252';
  if (l === 'utf-16' || l === 'utf-16le' || l === 'unicode') return 'utf-16le';
  if (l === 'utf-16be') return 'utf-16be';
  return iconv().encodingExists(l) ? l : undefined;
}

/** Charset parameter of a Content-Type header value. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /charset\s*=\s*["']?([^"';,\s]+)/i.exec(contentType);
  return m ? m[1] : undefined;
}

/** `<meta charset>` or `<meta http-equiv="Content-Type" content="...; charset=...">` near the top. */
export function charsetFromMeta(bytes: Uint8Array): string | undefined {
  const head = latin1(bytes.subarray(0, META_SCAN_BYTES));
  const metaRe = /<meta\b[^>]*>/gi;
  let m: RegExpExecArray | null;
  while ((m = metaRe.exec(head))) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i.exec(tag);
    if (direct) return direct[1];
  }
  // XML declaration (XHTML pages)
  const xml = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']/i.exec(head);
  return xml ? xml[1] : undefined;
}

/** Bytes as latin1 text (one char per byte): for ASCII markup in any charset. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function bomCharset(bytes: Uint8Array): { charset: string; length: number } | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (bytes.length >= 4 && bytes[0] === 0x84 && bytes[1] === 0x31 && bytes[2] === 0x95 && bytes[3] === 0x33)
    return { charset: 'gb18030', length: 4 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return undefined;
}

/** True when the bytes are well-formed UTF-8 (an incomplete sequence at the very end is tolerated). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) need = 2;
    else if (b >= 0xf0 && b <= 0xf4) need = 3;
    else return false;
    if (i + need >= n) return tailIsContinuation(bytes, i + 1); // truncated sequence at the very end
    for (let k = 1; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    i += need + 1;
  }
  return true;
}

function tailIsContinuation(bytes: Uint8Array, from: number): boolean {
  for (let k = from; k < bytes.length; k++) if ((bytes[k] & 0xc0) !== 0x80) return false;
  return true;
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

function decodeWith(bytes: Uint8Array, charset: string): string {
  if (charset === 'utf-8') return new TextDecoder('utf-8').decode(bytes);
  return iconv().decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset);
}

function countReplacement(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0xfffd) n++;
  return n;
}

function countNonAsciiChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) n++;
  return n;
}

/** Many U+FFFD replacement characters: the charset used was wrong. */
function looksMisdecoded(text: string): boolean {
  const bad = countReplacement(text);
  if (bad === 0) return false;
  const nonAscii = countNonAsciiChars(text);
  return bad >= 3 && bad / Math.max(1, nonAscii) > 0.02;
}

// The most frequent Chinese characters (simplified, plus the traditional forms that differ):
// text decoded with the right charset is full of them; mojibake is not.
const COMMON_CHARS = new Set(
  Array.from(
    '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞' +
      '這個國為們時來會對說發過經與關開業動機學進實現當點無長門問間見電話網頁報務資統計處請應據單總數條類號級區縣鄉據申訊權際議將從黨記錄處辦審覆廳',
  ),
);

function isCjk(code: number): boolean {
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
}

/** Plausibility of decoded text as Chinese (or any text): higher is better. */
function plausibility(text: string): number {
  let cjk = 0;
  let common = 0;
  let bad = 0;
  let weird = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code === 0xfffd) bad++;
    else if (isCjk(code)) {
      cjk++;
      if (COMMON_CHARS.has(ch)) common++;
    } else if ((code >= 0xe000 && code <= 0xf8ff) || (code >= 0x80 && code < 0xa0) || code >= 0x20000) weird++;
    else if (code >= 0xac00 && code <= 0xd7af) weird += 0.5; // hangul in a Chinese page is suspicious
    else if (code >= 0x3040 && code <= 0x30ff) weird += 0.5; // kana likewise
  }
  return common * 3 + cjk * 0.2 - bad * 5 - weird * 2;
}

const CHARDET_MAP: Record<string, string> = {
  'utf-8': 'utf-8',
  gb18030: 'gb18030',
  big5: 'big5',
  'euc-jp': 'euc-jp',
  shift_jis: 'shift_jis',
  'euc-kr': 'euc-kr',
  'iso-8859-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
};

/**
 * Statistical detection: valid UTF-8 with non-ASCII bytes wins outright (GBK text is almost
 * never valid UTF-8); otherwise chardet's candidates plus gb18030/big5 are decoded and the most
 * plausible Chinese text wins.
 */
export function detectCharset(bytes: Uint8Array): string {
  if (!hasNonAscii(bytes)) return 'utf-8';
  if (isValidUtf8(bytes)) return 'utf-8';
  const sample = bytes.length > 262144 ? bytes.subarray(0, 262144) : bytes;
  const candidates = new Set<string>(['gb18030', 'big5']);
  try {
    for (const m of chardet().analyse(sample).slice(0, 4)) {
      const c = CHARDET_MAP[m.name.toLowerCase()] ?? normalizeCharset(m.name);
      if (c && c !== 'utf-8' && !c.startsWith('utf-16') && !c.startsWith('utf-32')) candidates.add(c);
    }
  } catch {
    /* chardet failing is not fatal */
  }
  let best = 'gb18030';
  let bestScore = -Infinity;
  for (const c of candidates) {
    if (!iconv().encodingExists(c)) continue;
    const score = plausibility(decodeWith(sample, c));
    // ties go to gb18030 (the mainland default), which was inserted first
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Decode document bytes to text. See the module comment for the order of evidence. A declared
 * charset that does not fit the bytes (many U+FFFD after decoding, or a legacy label on bytes
 * that are really UTF-8) is overridden by detection, with a warning.
 */
export function decodeBytes(bytes: Uint8Array, contentTypeHeader?: string): DecodeResult {
  const warnings: string[] = [];
  const bom = bomCharset(bytes);
  if (bom) {
    const text = decodeWith(bytes.subarray(bom.length), bom.charset);
    return { text, charset: bom.charset, warnings };
  }

  let declared: string | undefined;
  let source = '';
  const headerLabel = charsetFromContentType(contentTypeHeader);
  if (headerLabel) {
    declared = normalizeCharset(headerLabel);
    source = 'Content-Type header';
    if (!declared) warnings.push(`unknown charset label "${headerLabel}" in Content-Type header ignored`);
  }
  if (!declared) {
    const metaLabel = charsetFromMeta(bytes);
    if (metaLabel) {
      declared = normalizeCharset(metaLabel);
      source = '<meta> charset';
      if (!declared) warnings.push(`unknown charset label "${metaLabel}" in <meta> ignored`);
    }
  }

  if (declared && declared !== 'windows-1252' && !declared.startsWith('utf-16')) {
    const text = decodeWith(bytes, declared);
    if (declared === 'utf-8') {
      if (!looksMisdecoded(text)) return { text, charset: declared, warnings };
      const detected = detectCharset(bytes);
      if (detected !== 'utf-8') {
        const redone = decodeWith(bytes, detected);
        if (countReplacement(redone) < countReplacement(text)) {
          warnings.push(
            `charset label utf-8 (${source}) is wrong: ${countReplacement(text)} invalid sequences; decoded as ${detected}`,
          );
          return { text: redone, charset: detected, warnings };
        }
      }
      warnings.push(`utf-8 (${source}) text has ${countReplacement(text)} invalid byte sequences`);
      return { text, charset: declared, warnings };
    }
    // A legacy label on bytes that are really UTF-8 (GBK text is practically never valid UTF-8).
    if (hasNonAscii(bytes) && isValidUtf8(bytes) && multibyteUtf8Count(bytes) >= 4) {
      warnings.push(`charset label ${declared} (${source}) is wrong: the bytes are valid UTF-8; decoded as utf-8`);
      return { text: decodeWith(bytes, 'utf-8'), charset: 'utf-8', warnings };
    }
    if (looksMisdecoded(text)) {
      const detected = detectCharset(bytes);
      if (detected !== declared) {
        const redone = decodeWith(bytes, detected);
        if (plausibility(redone) > plausibility(text)) {
          warnings.push(`charset label ${declared} (${source}) does not fit the bytes; decoded as ${detected}`);
          return { text: redone, charset: detected, warnings };
        }
      }
      warnings.push(`${declared} (${source}) text has ${countReplacement(text)} invalid byte sequences`);
    }
    return { text, charset: declared, warnings };
  }

  if (declared?.startsWith('utf-16')) {
    // utf-16 without a BOM is nearly always a mislabel for an 8-bit page
    const nulls = bytes.subarray(0, 1024).filter((b) => b === 0).length;
    if (nulls > 16) return { text: decodeWith(bytes, declared), charset: declared, warnings };
    warnings.push(`charset label ${declared} (${source}) ignored: no UTF-16 byte pattern`);
  }

  // No usable label (or a latin-1 label, which Chinese pages use by accident): detect.
  const detected = detectCharset(bytes);
  if (declared === 'windows-1252') {
    if (!hasNonAscii(bytes)) return { text: decodeWith(bytes, 'windows-1252'), charset: 'windows-1252', warnings };
    const asLatin = decodeWith(bytes, 'windows-1252');
    const asDetected = decodeWith(bytes, detected);
    if (plausibility(asDetected) > plausibility(asLatin)) {
      warnings.push(`charset label windows-1252/iso-8859-1 (${source}) does not fit the bytes; decoded as ${detected}`);
      return { text: asDetected, charset: detected, warnings };
    }
    return { text: asLatin, charset: 'windows-1252', warnings };
  }
  if (hasNonAscii(bytes) && detected !== 'utf-8') warnings.push(`no charset declared; detected ${detected}`);
  return { text: decodeWith(bytes, detected), charset: detected, warnings };
}

function multibyteUtf8Count(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc2 && bytes[i] <= 0xf4) n++;
  return n;
}

/** The text alone (the crawler reading a page it fetched). */
export function decodeText(bytes: Uint8Array, contentTypeHeader?: string): string {
  return decodeBytes(bytes, contentTypeHeader).text;
}
