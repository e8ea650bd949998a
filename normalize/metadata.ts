/**
 * Report metadata: title, agency and report year. The year comes from the title or the opening
 * sentences, never from a publication date.
 */
import type { Block } from '../extract/model.ts';

const REPORT_TITLE = /(政府)?信息公开(工作)?(年度)?(报告|年报)|年度报告|年报/u;

export interface ReportMetadata {
  title: string | null;
  agency: string | null;
  year: number | null;
}

export function readMetadata(blocks: Block[], declaredTitle?: string): ReportMetadata {
  const title = findTitle(blocks, declaredTitle);
  const opening = blocks
    .filter((b) => b.kind === 'paragraph')
    .slice(0, 12)
    .map((b) => (b.kind === 'paragraph' ? b.text : ''))
    .join('\n');
  return { title, agency: title ? agencyFromTitle(title) : null, year: yearFrom(title, opening) };
}

function findTitle(blocks: Block[], declaredTitle?: string): string | null {
  const clean = (s: string) => s.replace(/[\s\u3000]+/g, '').trim();
  if (declaredTitle && REPORT_TITLE.test(clean(declaredTitle))) return clean(declaredTitle);
  // The title is the first one to three short lines before the body starts.
  const heads: string[] = [];
  for (const b of blocks) {
    if (b.kind !== 'paragraph') break;
    const t = clean(b.text);
    if (!t) continue;
    if (t.length > 60 || /^[一二三四五六七八九十]+、|^[（(][一二三四五六七八九十]+[)）]/.test(t)) break;
    heads.push(t);
    if (heads.length === 3) break;
  }
  for (let n = 1; n <= heads.length; n++) {
    const joined = heads.slice(0, n).join('');
    if (REPORT_TITLE.test(heads[n - 1]) || (n < heads.length && REPORT_TITLE.test(joined))) {
      // A trailing line in brackets names the agency: 2021年…年度报告（拱墅区投资促进局）.
      const next = heads[n];
      if (next && /^[（(].+[)）]$/.test(next)) return joined + next;
      return joined;
    }
  }
  if (declaredTitle && clean(declaredTitle)) return clean(declaredTitle);
  return null;
}

export function agencyFromTitle(title: string): string | null {
  let t = title.replace(/[\s\u3000]+/g, '');
  const bracketed = /[（(]([^（）()]{2,40})[)）]$/.exec(t);
  if (bracketed && !/\d{4}/.test(bracketed[1]) && /[局委办府院会厅部署处室站所中心队社馆]$/.test(bracketed[1])) {
    return bracketed[1];
  }
  t = t
    .replace(/^关于(印发|公布|发布)?/u, '')
    .replace(/[（(][^（）()]*[)）]/gu, '')
    .replace(/(\d{4}|[〇○零一二三四五六七八九]{4})年(度)?/gu, '')
    .replace(/的?(政府)?信息公开(工作)?(年度)?(报告|年报).*$/u, '')
    .replace(/的?(政务公开|年度报告|年报).*$/u, '')
    .replace(/^[“"《]|[”"》]$/gu, '')
    .replace(/[:：,，、\-—_]+$/u, '')
    .replace(/的$/u, '');
  return t.length >= 2 ? t : null;
}

function yearFrom(title: string | null, opening: string): number | null {
  const fromTitle = title ? /(\d{4})\s*年/.exec(title) ?? /(20\d{2}|19\d{2})/.exec(title) : null;
  if (fromTitle) return Number(fromTitle[1]);
  const period = /统计(期限|时间|时限)?[^。]{0,12}?(\d{4})\s*年\s*1\s*月\s*1\s*日/.exec(opening);
  if (period) return Number(period[2]);
  const first = /(20\d{2}|19\d{2})\s*年(度)?/.exec(opening);
  return first ? Number(first[1]) : null;
}
