/**
 * Report metadata: title, agency and report year. The year comes from the title or the opening
 * sentences, never from a publication date.
 */
import type { Block } from '../extract/model.ts';
import { chineseNumber } from '../text/number-cell.ts';
import { AGENCY_IN_BRACKETS, AGENCY_SUFFIX, namesDisclosureReport, PUBLISHING_NOTICE } from '../text/title.ts';

export interface ReportMetadata {
  title: string | null;
  agency: string | null;
  year: number | null;
}

/**
 * Reads title, agency and year. `original` is the same document in its original script when
 * `blocks` is a Simplified copy: the title is then returned as printed, the agency in Simplified
 * form (so that a Traditional mirror links to the same agency).
 */
export function readMetadata(
  blocks: Block[],
  declaredTitle?: string,
  original?: { blocks: Block[]; declaredTitle?: string },
): ReportMetadata {
  const found = findTitle(blocks, declaredTitle);
  const title = found && original ? titleFrom(original.blocks, original.declaredTitle, found.from, found.cut) : found?.text ?? null;
  const opening = blocks
    .filter((b) => b.kind === 'paragraph')
    .slice(0, 12)
    .map((b) => (b.kind === 'paragraph' ? b.text : ''))
    .join('\n');
  return { title, agency: found ? agencyFromTitle(found.text) : null, year: yearFrom(found?.text ?? null, opening) };
}

interface FoundTitle {
  text: string;
  /** 'declared', or the indices of the paragraph blocks joined. */
  from: 'declared' | number[];
  /** Characters kept of the last block joined (cleaned), when the title ends inside it. */
  cut?: number;
}

const clean = (s: string) => s.replace(/[\s\u3000]+/g, '').trim();

function titleFrom(blocks: Block[], declaredTitle: string | undefined, from: FoundTitle['from'], cut?: number): string {
  if (from === 'declared') return clean(declaredTitle ?? '');
  return from.map((i, k) => clean((blocks[i] as { text: string }).text).slice(0, k === from.length - 1 ? cut : undefined)).join('');
}

/**
 * A line too long for a title that names a report up to its 报告: the title line and the first
 * sentence read as one line, as OCR gives. The part up to 报告.
 */
function titleEndingInside(t: string): number | undefined {
  const m = /^.{4,60}?(年度报告|年报|工作报告|报告)/u.exec(t);
  if (!m || m[0].length === t.length || !namesDisclosureReport(m[0])) return undefined;
  const rest = t.slice(m[0].length);
  // Not a bracketed agency (…报告（某局）), nor what makes the line a notice (…报告的通知).
  if (/^[（(的]/u.test(rest)) return undefined;
  return t.length > 60 ? m[0].length : undefined;
}

/** A line in brackets naming the agency, perhaps with a speck or two read after its bracket. */
const BRACKET_LINE = /^[（(][^（）()]{2,40}[)）](?=.{0,2}$)/u;

/**
 * The declared title (HTML heading, PDF info) wins when it names a report and an agency; a
 * generic one (PDF info "政府信息公开工作年度报告", "Microsoft Word - 年报.docx") loses to the
 * title lines printed at the top of the body.
 */
function findTitle(blocks: Block[], declaredTitle?: string): FoundTitle | null {
  const declared = declaredTitle ? clean(declaredTitle) : '';
  const declaredIsReport = !!declared && namesDisclosureReport(declared);
  if (declaredIsReport && agencyFromTitle(declared)) return { text: declared, from: 'declared' };
  const body = findBodyTitle(blocks);
  if (body) return body;
  if (declared) return { text: declared, from: 'declared' };
  return null;
}

function findBodyTitle(blocks: Block[]): FoundTitle | null {
  // The title is the first one to three short lines before the body starts.
  const heads: { text: string; index: number; cut?: number }[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i];
    if (b.kind !== 'paragraph') break;
    const t = clean(b.text);
    if (!t) continue;
    if (/^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[)）]/.test(t)) break;
    const cut = titleEndingInside(t);
    if (t.length > 60 && cut === undefined) break;
    heads.push({ text: t, index: i, cut });
    if (heads.length === 3 || cut !== undefined) break;
  }
  const kept = (h: (typeof heads)[number]) => h.text.slice(0, h.cut);
  for (let n = 1; n <= heads.length; n++) {
    const used = heads.slice(0, n);
    if (namesDisclosureReport(kept(heads[n - 1])) || (n < heads.length && namesDisclosureReport(used.map(kept).join('')))) {
      // A trailing line in brackets names the agency: 2021年…年度报告（拱墅区投资促进局）.
      const next = heads[n];
      const bracket = next && BRACKET_LINE.exec(next.text);
      let cut = used[used.length - 1].cut;
      if (next && bracket) {
        used.push(next);
        cut = bracket[0].length;
      }
      return { text: used.map((h, k) => (k === used.length - 1 ? h.text.slice(0, cut) : kept(h))).join(''), from: used.map((h) => h.index), cut };
    }
  }
  return null;
}

export function agencyFromTitle(title: string): string | null {
  // A lone Latin letter after a Chinese character is a speck OCR read (…招商局N, 政府N信息公开): no
  // agency name or title word has one.
  let t = title.replace(/[\s\u3000]+/g, '').replace(/(?<=\p{Script=Han})[A-Za-z](?=\p{Script=Han}|\d|$)/gu, '');
  const bracketed = /[（(]([^（）()]{2,40})[)）]$/.exec(t);
  if (bracketed && !/\d{4}/.test(bracketed[1]) && AGENCY_IN_BRACKETS.test(bracketed[1])) {
    return bracketed[1];
  }
  // 某某办公室关于印发某市2022年政府信息公开工作年度报告的通知: the report is what follows 关于.
  const about = PUBLISHING_NOTICE.exec(t);
  if (about && namesDisclosureReport(about[1])) t = about[1];
  t = t
    .replace(/^[《“"]|[》”"]$/gu, '')
    .replace(/[（(][^（）()]*[)）]/gu, '')
    .replace(/(\d{4}|[〇○零一二三四五六七八九]{4})年(度)?/gu, '');
  for (const suffix of AGENCY_SUFFIX) t = t.replace(suffix, '');
  t = t
    .replace(/^[“"《]|[”"》]$/gu, '')
    .replace(/[:：,，、\-—_.．。·•]+$/u, '')
    .replace(/的$/u, '');
  return t.length >= 2 ? t : null;
}

/** 二〇二二年 → 2022年, so years written in Chinese numerals are read like digits. */
function arabicYears(s: string): string {
  return s.replace(/([〇○零一二三四五六七八九]{4})(?=年)/gu, (y) => String(chineseNumber(y)));
}

function yearFrom(rawTitle: string | null, rawOpening: string): number | null {
  const title = rawTitle && arabicYears(rawTitle);
  const opening = arabicYears(rawOpening);
  const fromTitle = title ? /((?:19|20)\d{2})\s*年/.exec(title) ?? /((?:19|20)\d{2})/.exec(title) : null;
  if (fromTitle) return Number(fromTitle[1]);
  const period = /统计(期限|时间|时限)?[^。]{0,12}?(\d{4})\s*年\s*1\s*月\s*1\s*日/.exec(opening);
  if (period) return Number(period[2]);
  const first = /(20\d{2}|19\d{2})\s*年(度)?/.exec(opening);
  return first ? Number(first[1]) : null;
}
