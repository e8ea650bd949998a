/**
 * Titles, one rule for every stage: whether a title names a report, whether it is a disclosure
 * annual report (and not a notice about one), a site's 年报 column, and the page's own title
 * inside a `<title>` that also names the site. The crawler asks it of link texts and page
 * titles, extract of title candidates and error pages, normalize of the report's title lines.
 * Every Chinese word involved is data (`titles` in schema/vocabulary.json); this is the mechanism.
 */
import { mapping } from '../schema/mappings.ts';

interface TitlesData {
  names_report: string;
  report: string[];
  not_report: string;
  not_report_prefix: string;
  truncated: string;
  truncated_report: string;
  column: string[];
  menu: string;
  site_name_parts: string;
  publishing_notice: string;
  agency_in_brackets: string;
  agency_suffix: string[];
  notice_body: string;
}

const data = mapping<{ titles: TitlesData }>('vocabulary.json').titles;
const re = (p: string) => new RegExp(p, 'u');
const NAMES_REPORT = re(data.names_report);
const REPORT = data.report.map(re);
const NOT_REPORT = re(data.not_report);
const NOT_REPORT_PREFIX = re(data.not_report_prefix);
const TRUNCATED = re(data.truncated);
const TRUNCATED_REPORT = re(data.truncated_report);
const COLUMN = data.column.map(re);
const MENU = re(data.menu);
const SITE_PART = re(data.site_name_parts);
const NOTICE_BODY = re(data.notice_body);
/** The sections a report's text is made of (labels.json `report_sections`, both formats). */
const REPORT_SECTIONS = Object.values(mapping<{ report_sections: Record<string, string[]> }>('labels.json').report_sections).flat().map(re);
/** A notice publishing a report (关于印发…年度报告的通知): group 1 is the report's title. */
export const PUBLISHING_NOTICE = re(data.publishing_notice);
/** The end of an agency name printed in brackets after a title (…年度报告（拱墅区投资促进局）). */
export const AGENCY_IN_BRACKETS = re(data.agency_in_brackets);
/** What follows the agency in a report title (applied in order, to a title without its year). */
export const AGENCY_SUFFIX: readonly RegExp[] = data.agency_suffix.map(re);

export type TitleVerdict = 'report' | 'maybe' | 'no';

/** A title without whitespace (the form every rule here compares). */
export function compactTitle(t: string): string {
  return t.replace(/[\s\u3000\u00a0]+/g, '').trim();
}

/**
 * An article that is a notice about reports (asks units to write or send theirs: 特此通知,
 * addressed to 各单位…：), not a report, whatever its title says: worded as a notice and naming
 * fewer than two of a report's own sections.
 */
export function isNoticeAboutReports(text: string): boolean {
  const t = compactTitle(text);
  if (!NOTICE_BODY.test(t)) return false;
  return REPORT_SECTIONS.filter((r) => r.test(t)).length < 2;
}

/** The text names some report (报告, 年报, either script): a document's own title among candidates. */
export function namesReport(text: string): boolean {
  return NAMES_REPORT.test(text);
}

/** The title names a disclosure annual report, whatever it says about it (a notice about one too). */
export function namesDisclosureReport(title: string): boolean {
  const t = compactTitle(title);
  return REPORT.some((r) => r.test(t));
}

/**
 * Is this title a disclosure annual report: 'report'; cut short in a listing but showing part of
 * a report name: 'maybe' (the article's own title decides); else 'no'. A notice, letter or plan
 * about reports is 'no'.
 */
export function classifyTitle(raw: string): TitleVerdict {
  const t = compactTitle(raw);
  if (!t) return 'no';
  const excluded = NOT_REPORT.test(t) || NOT_REPORT_PREFIX.test(t);
  if (namesDisclosureReport(t)) return excluded ? 'no' : 'report';
  if (TRUNCATED.test(t) && TRUNCATED_REPORT.test(t) && !excluded) return 'maybe';
  return 'no';
}

export function isReportTitle(raw: string): boolean {
  return classifyTitle(raw) === 'report';
}

/** The link text of a site's 年报 column (政府信息公开年报, 年度报告专栏): a listing, not a report. */
export function isReportColumnTitle(raw: string): boolean {
  const t = compactTitle(raw);
  return COLUMN.some((r) => r.test(t));
}

/**
 * The link text of a menu or directory a crawl walks toward a site's 年报 column (政务公开 →
 * 政府信息公开目录 → 年报); not itself one.
 */
export function isReportMenuTitle(raw: string): boolean {
  return MENU.test(compactTitle(raw));
}

// ---------------------------------------------------------------------------------------------
// Page titles

function isContentCode(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0xff10 && c <= 0xff19)
  );
}

/** Characters that carry content: ideographs, digits, Latin letters (not punctuation or space). */
export function contentChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isContentCode(s.charCodeAt(i))) n++;
  return n;
}

/** CJK ideographs and full-width punctuation: whitespace between two of them is a line wrap. */
const CJK_CLASS = '\\u2e80-\\u2fdf\\u3001-\\u303f\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uff01-\\uffee\\u201c\\u201d\\u2018\\u2019';
const CJK_GAP_RE = new RegExp(`([${CJK_CLASS}])\\s+(?=[${CJK_CLASS}])`, 'g');
const WS_RE = /[\s\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+/g;

/** Collapse whitespace (incl. &nbsp; and U+3000), drop line-wrap gaps between CJK, trim. */
export function normalizeInlineText(s: string): string {
  return s.replace(WS_RE, ' ').replace(CJK_GAP_RE, '$1').trim();
}

/** Title separators; a '-' between digits (2020-2021) is not one. */
const TITLE_SPLIT_RE = /\s*(?:[_|｜—–－·•]+|(?<!\d)-+|-+(?!\d))\s*/;

/** `<title>` minus the site-name parts (_余姚市人民政府, -杭州市拱墅区人民政府门户网站). */
export function cleanPageTitle(title: string): string {
  const t = normalizeInlineText(title);
  const parts = t.split(TITLE_SPLIT_RE).filter((p) => contentChars(p) > 0);
  if (parts.length <= 1) return t;
  // the report's own title is the longest part naming a report (column names like 年度报告 are shorter)
  const report = parts.filter(namesReport).sort((x, y) => y.length - x.length);
  if (report.length > 0) return report[0];
  while (parts.length > 1 && SITE_PART.test(parts[parts.length - 1])) parts.pop();
  while (parts.length > 1 && SITE_PART.test(parts[0])) parts.shift();
  return parts.join(' - ');
}
