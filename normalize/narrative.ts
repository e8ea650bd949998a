/**
 * Numbers stated in sentences (主动公开政府信息147条, 收到政府信息公开申请3件), for every family.
 * Legacy reports without a statistics table have only these.
 *
 * A number counts only when it is stated about information disclosure: the words that decide
 * (disclosure, other procedures, sub-categories, summary and sub-item markers) are data in
 * labels.json `narrative.scope`. Of the numbers left, the section's summary statement wins.
 */
import type { Fact, Finding } from '../schema/report.ts';
import { chineseNumber, halfWidthDigits, parseCellValue } from '../text/number-cell.ts';
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
  /** 2 a count, 1 a statement of none (未收到…申请), 0 a running total (截至…累计): a lower tier is read only when no higher one stands. */
  tier: number;
  score: number;
  order: number;
  /** Where the number stands (sentence, offset). */
  at: number;
  /** A part of a larger figure: after 其中, inside brackets, an item of a list. */
  part: boolean;
  /** Counted for the reporting agency itself (我局…) or for its whole area (全市…). */
  own: boolean;
  area: boolean;
  /** States information in general (主动公开政府信息1,560条), through no named channel: a total. */
  generic: boolean;
  /** Counted through one named channel (微信公众号…主动公开基本信息55条): that channel's share. */
  channel: boolean;
  /** Counts information of every kind (各类信息), wider than government information. */
  broad: boolean;
  /** The government information inside such a count (…，其中政府信息1,870条). */
  defined: boolean;
  /** An item of a list after a colon (申请：当面申请2件，…): never the figure. */
  listItem: boolean;
  /** Followed by 、 (网上申请4件、当面申请2件): one item of a list. */
  listed: boolean;
}

/** `findings`, when given, receives what the text states but could not be read as one number. */
export function parseNarrative(paragraphs: string[], findings?: Finding[]): Fact[] {
  const ss = sentences(paragraphs);
  const facts: Fact[] = [];
  for (const entry of labels.narrative) {
    let found: Candidate[] = [];
    const read = (s: Sentence, si: number, m: RegExpExecArray, none: boolean) => {
      const c = judge(s, m, si, none);
      if (c) found.push(c);
    };
    ss.forEach((s, si) => {
      for (const re of entry.patterns) for (const m of s.text.matchAll(re)) read(s, si, m, false);
      for (const re of entry.none) for (const m of s.text.matchAll(re)) read(s, si, m, true);
    });
    // Under a heading that names the row (（一）主动公开), a plainer statement is its count (发布信息128条),
    // only when no other count of the row stands (门户网站共发布信息9,813条，其中主动公开政府信息3,105条
    // counts every post; the disclosure count is the 3,105); through one channel it is read only when
    // it is the section's one count: 门户网站公开信息428条 beside 微信公众号发布信息1,236条 are channel
    // shares that may overlap, and no total.
    const section = entry.section;
    if (section && !found.some((c) => c.tier === 2)) {
      const bySection = new Map<string, { s: Sentence; si: number; m: RegExpExecArray }[]>();
      ss.forEach((s, si) => {
        if (!section.heading.test(s.heading)) return;
        const inSection = bySection.get(s.heading) ?? [];
        for (const re of section.patterns) for (const m of s.text.matchAll(re)) inSection.push({ s, si, m });
        bySection.set(s.heading, inSection);
      });
      for (const inSection of bySection.values()) {
        const throughChannel = inSection.filter(({ s, m }) => scope.channel.test(lastClause(s.text.slice(0, m.index))));
        for (const match of inSection) {
          if (throughChannel.length > 1 && throughChannel.includes(match)) continue;
          read(match.s, match.si, match.m, false);
        }
      }
    }
    // An agency's report that gives its area's figure beside its own (全市共收到…1,210件，其中我局
    // 收到21件) reports its own.
    if (found.some((c) => c.own)) found = found.filter((c) => !c.area);
    found = found.filter((c) => !c.listItem);
    let best = found.sort((a, b) => b.tier - a.tier || b.score - a.score || a.order - b.order)[0];
    if (!best) continue;
    // 收到网上申请4件、当面申请2件 with no total: the best is one item of a list, not the year's figure.
    if (best.tier === 2 && best.listed) continue;
    // 主动公开各类信息2,300余条，其中政府信息1,870条: information of every kind includes news and
    // notices; what the report counts is the government information named inside it.
    const refined = best.broad
      ? found.find((c) => c.defined && Math.floor(c.at / 10_000) === Math.floor(best.at / 10_000) && c.at > best.at)
      : undefined;
    if (refined) {
      found = found.filter((c) => !c.broad);
      best = refined;
    }
    // A total is the largest figure of its kind: a larger count that is no part of anything (nor a
    // whole area's, larger by nature) is a second, conflicting total (全年主动公开1,356条 … 各类渠道
    // 主动公开1,892条); so is a smaller one stating information in general through no channel
    // (我局主动公开政府信息1,560条 … 全年累计公开各类信息2,380条), however the two rank. A smaller
    // count of one kind (主动公开重大建设项目信息45条) is an unmarked sub-item, and one channel's count
    // of any size (微信公众号…主动公开基本信息55条 beside 主动公开信息9条: seed 000) is that channel's. No number
    // rather than a guess, and a finding saying so.
    const rival = best.tier === 2
      ? found.find((c) => c.tier === 2 && !c.part && !c.area && !c.channel && c.value !== best.value && (c.value > best.value || c.generic))
      : undefined;
    if (rival) {
      findings?.push({
        rule: 'narrative.conflicting_totals',
        severity: 'warning',
        message: `the text states two totals for ${entry.id}: ${best.value} (${best.text}) and ${rival.value} (${rival.text}); neither is kept`,
        cells: [`narrative.${entry.id}.value`],
      });
      continue;
    }
    facts.push({ table: 'narrative', row: entry.id, col: 'value', value: best.value, source: { text: best.text } });
  }
  return facts;
}

/**
 * A match stated about information disclosure, with its preference; null when out of scope.
 * `none`: the match states there were none (group 1 the word saying so): the value is 0, and what
 * it counts is the rest of its clause.
 */
function judge(s: Sentence, m: RegExpExecArray, sentenceIndex: number, none: boolean): Candidate | null {
  const [numberAt, numberEnd] = m.indices![1];
  const before = s.text.slice(0, numberAt);
  // A document number (第3件), a phone or a range: not a count.
  if (!none && scope.notACount.test(before)) return null;
  const clause = lastClause(before);
  const counted = lastClause(s.text.slice(m.index, numberAt));
  // What is counted may also follow the number (收到12件政府信息公开申请, 主动公开35条政府采购信息):
  // the rest of its clause.
  const countedAfter = firstClause(s.text.slice(numberEnd));
  // An agency named for a procedure (县行政审批局, 市信访局) is the one counting, not what is counted,
  // when the count names disclosure (县行政审批局主动公开政府信息532条).
  const namesDisclosure = scope.disclosure.test(counted) || scope.disclosure.test(m[0]);
  const procedureClause = namesDisclosure ? clause.replace(scope.procedureAgency, '') : clause;
  if (scope.otherProcedure.test(procedureClause) || scope.otherProcedure.test(countedAfter)) return null;
  // A count for a subordinate unit (局属…中心受理…3件, 局属各单位主动公开…) is not the reporting agency's.
  if (scope.subordinate.test(clause)) return null;
  // Channels listed and summed (通过院务公开栏、医院网站公开信息合计615条) count every channel: a total,
  // not one channel's share. A topic (采购, 预决算) stays a sub-category even when summed.
  const acrossChannels = scope.across.test(before) && /、/u.test(counted);
  const countedTopics = acrossChannels ? counted.replace(new RegExp(scope.channel, 'gu'), '') : counted;
  if (scope.subCategory.test(countedTopics) || scope.subCategory.test(countedAfter)) return null;
  const about = scope.disclosure.test(m[0]) || scope.disclosure.test(before) || scope.disclosure.test(countedAfter)
    || (scope.disclosure.test(s.heading) && !scope.otherProcedure.test(s.text));
  if (!about) return null;
  let value = none ? 0 : countValue(m[1], m[2]);
  if (value === null) return null;
  const after = s.text.slice(m.index + m[0].length);
  // 19件（其中上年结转1件）: the total includes last year's carried-over ones; the year's are the rest.
  const carried = none ? null : scope.carriedOver.exec(after);
  const carriedValue = carried ? Number(carried[1].replace(/[,，]/g, '')) : NaN;
  if (carriedValue <= value) value -= carriedValue;
  const bracketed = (before.match(/[（(]/gu)?.length ?? 0) > (before.match(/[）)]/gu)?.length ?? 0);
  // 收到申请：当面申请2件，网络申请37件，…，总计44件: the counts of a list after a colon are its
  // items; the one the list sums up (总计44件) is not.
  const colon = Math.max(before.lastIndexOf('：'), before.lastIndexOf(':'));
  const listItem = colon >= 0 && scope.colonList.test(s.text.slice(colon)) && !scope.summary.test(clause);
  const part = scope.subItem.test(clause) || bracketed || scope.enumeration.test(after) || listItem;
  const score = (scope.summary.test(clause) ? 2 : 0) + (scope.disclosure.test(clause) ? 1 : 0)
    - (part ? 3 : 0)
    - (scope.subCategory.test(clause) ? 1 : 0);
  // 截至2012年底，累计… or 《条例》施行以来累计…: a total to date may count every year since 2008
  // (reports then give the year's as 其中2012年新增…), or only this year (截至2024年12月底…累计发布70条,
  // seed 004): it loses to any other count in scope and is read only when it stands alone.
  const running = scope.runningTotal.test(before) && !scope.thisYear.test(clause);
  // 学校本级 is the agency's own; 全市…，其中市政府本级218件 is a part of the area's total.
  const own = scope.own.test(clause) || (scope.level.test(clause) && !scope.subItem.test(clause));
  return {
    value, text: m[0], tier: running ? 0 : none ? 1 : 2, score, order: sentenceIndex * 10_000 + m.index, at: sentenceIndex * 10_000 + numberAt,
    part, own, area: !own && scope.area.test(clause),
    generic: scope.generic.test(counted) && !scope.channel.test(clause),
    // One channel, not a list of them (门户网站、政务微博…等各类渠道: every channel, a total).
    channel: scope.channel.test(clause) && !acrossChannels && !scope.channelList.test(clause),
    broad: scope.broad.test(counted) && !part,
    defined: scope.defined.test(clause),
    listItem,
    listed: scope.enumeration.test(after),
  };
}

/**
 * The number a match states: digits (1,268; 1.36 with 万 → 13600, exactly: parseCellValue, the one
 * reading of a number with its unit) or Chinese numerals (三百二十, 一万二千), times 万 or 亿.
 */
function countValue(number: string, unit: string | undefined): number | null {
  if (/\d/u.test(number)) {
    const cell = parseCellValue(`${number.replace(/[,，]/g, '')}${unit ?? ''}`);
    return cell.kind === 'number' ? cell.value : null;
  }
  const n = chineseNumber(number);
  return n === null ? null : n * (unit === '亿' ? 1e8 : unit === '万' ? 1e4 : 1);
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
