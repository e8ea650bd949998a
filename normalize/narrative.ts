/**
 * Numbers stated in sentences (主动公开政府信息147条, 收到政府信息公开申请3件), for every family.
 * Legacy reports without a statistics table have only these.
 *
 * A number counts only when it is stated about information disclosure: the words that decide
 * (disclosure, other procedures, sub-categories, summary and sub-item markers) are data in
 * labels.json `narrative.scope`. Of the numbers left, the section's summary statement wins.
 */
import type { Fact } from '../schema/report.ts';
import { chineseNumber, halfWidthDigits } from '../text/number-cell.ts';
import { labels } from './labels.ts';

export interface Sentence {
  text: string;
  /** The headings of the section it stands in (top level and sub-section). */
  heading: string;
}

const scope = labels.narrativeScope;

/**
 * Sentences with their section headings. Paragraphs of one section are joined first (PDF lines
 * are wrapped mid-sentence); a heading stands on its own line (一、总体情况) or opens its paragraph
 * (（一）主动公开情况。2024年，…).
 */
export function sentences(paragraphs: string[]): Sentence[] {
  const out: Sentence[] = [];
  let top = '';
  let sub = '';
  let body = '';
  const flush = () => {
    for (const s of body.split(/(?<=[。；;！？!?])/u)) if (s.trim()) out.push({ text: s.trim(), heading: `${top} ${sub}`.trim() });
    body = '';
  };
  for (const raw of paragraphs) {
    const p = halfWidthDigits(raw).replace(/[\s\u3000]+/gu, (m) => (/\n/.test(m) ? '' : ' ')).trim();
    const marker = scope.heading.exec(p);
    if (marker) {
      flush();
      const rest = p.slice(marker[0].length);
      const end = rest.search(/[。；;：:]/u);
      const inline = end >= 0 && end <= 24;
      const title = inline ? rest.slice(0, end) : rest.length <= 40 ? rest : '';
      if (scope.topHeading.test(marker[0])) {
        top = title;
        sub = '';
      } else sub = title;
      body = inline ? rest.slice(end + 1) : rest.length <= 40 ? '' : rest;
      continue;
    }
    body += p;
  }
  flush();
  return out;
}

interface Candidate {
  value: number;
  text: string;
  score: number;
  order: number;
}

export function parseNarrative(paragraphs: string[]): Fact[] {
  const ss = sentences(paragraphs);
  const facts: Fact[] = [];
  for (const entry of labels.narrative) {
    const found: Candidate[] = [];
    ss.forEach((s, si) => {
      for (const re of entry.patterns) {
        re.lastIndex = 0;
        for (let m = re.exec(s.text); m; m = re.exec(s.text)) {
          const c = judge(s, m, si);
          if (c) found.push(c);
          if (m[0].length === 0) re.lastIndex++;
        }
      }
    });
    const best = found.sort((a, b) => b.score - a.score || a.order - b.order)[0];
    if (best) facts.push({ table: 'narrative', row: entry.id, col: 'value', value: best.value, source: { text: best.text } });
  }
  return facts;
}

/** A match stated about information disclosure, with its preference score; null when out of scope. */
function judge(s: Sentence, m: RegExpExecArray, sentenceIndex: number): Candidate | null {
  const [numberAt, numberEnd] = m.indices![1];
  const before = s.text.slice(0, numberAt);
  // A document number (第3件), a phone or a range: not a count.
  if (scope.notACount.test(before)) return null;
  const clause = lastClause(before);
  const counted = lastClause(s.text.slice(m.index, numberAt));
  // What is counted may also follow the number (收到12件政府信息公开申请, 主动公开35条政府采购信息):
  // the rest of its clause.
  const countedAfter = firstClause(s.text.slice(numberEnd));
  if (scope.otherProcedure.test(clause) || scope.otherProcedure.test(countedAfter)) return null;
  if (scope.subCategory.test(counted) || scope.subCategory.test(countedAfter)) return null;
  const about = scope.disclosure.test(m[0]) || scope.disclosure.test(before)
    || (scope.disclosure.test(s.heading) && !scope.otherProcedure.test(s.text));
  if (!about) return null;
  let value = /\d/u.test(m[1]) ? Number(m[1].replace(/[,，]/g, '')) : chineseNumber(m[1]);
  if (value === null) return null;
  if (m[2] === '万') value *= 10000;
  const bracketed = (before.match(/[（(]/gu)?.length ?? 0) > (before.match(/[）)]/gu)?.length ?? 0);
  const score = (scope.summary.test(clause) ? 2 : 0) + (scope.disclosure.test(clause) ? 1 : 0)
    - (scope.subItem.test(clause) || bracketed || scope.enumeration.test(s.text.slice(m.index + m[0].length)) ? 3 : 0)
    - (scope.subCategory.test(clause) ? 1 : 0)
    // 截至2012年底，累计…: a total to date may count every year since 2008 (reports then give the
    // year's as 其中2012年新增…), or only this year (截至2024年12月底…累计发布70条, seed 004): it
    // loses to any other count in scope and is read only when it stands alone.
    - (scope.runningTotal.test(before) && !scope.thisYear.test(clause) ? 6 : 0);
  return { value, text: m[0], score, order: sentenceIndex * 10_000 + m.index };
}

/** Text before the first clause break or bracket (，；：（). */
function firstClause(t: string): string {
  const i = t.search(/[，,；;：:。（(]/u);
  return i < 0 ? t : t.slice(0, i);
}

/** Text after the last clause break (，；：). */
function lastClause(t: string): string {
  const i = Math.max(...['，', ',', '；', ';', '：', ':'].map((c) => t.lastIndexOf(c)));
  return t.slice(i + 1);
}
