/**
 * What a list says about its own size, wherever it says it: printed text (共23条, 共3页, 第1/3页,
 * 总记录数：23, 每页10条), pager settings in scripts (`{recordCount: 23, pageSize: 10}`,
 * `var totalRecord = 23`, `laypage.render({count: 31, limit: 15})`, `data-total="23"`), and JSON
 * answers (`{"total": 23, "rows": [...]}`).
 *
 * Names are not listed per platform: a key's words are read against a small vocabulary of what
 * "record count", "page size", "page count" and "static pages" are called (total, count, record,
 * rows, size, per, limit, page, static …), so a naming scheme never seen before still reads.
 */
import type { CheerioAPI } from 'cheerio';

export interface StatedSize {
  /** Records the list says it holds. */
  records?: number;
  pageSize?: number;
  /** Pages the list says it has. */
  pages?: number;
  /** Pages published as static files (the rest only through the dynamic pager). */
  staticPages?: number;
  /** Where each number was read, for the log. */
  evidence: string[];
  /**
   * The adapter that pages this list through its own requests (jcms proxy ranges, JSON API
   * pages): what those requests did not deliver, clicking the page's pager in Chromium will not.
   */
  pagedBy?: string;
}

export type KeyRole = 'records' | 'pageSize' | 'pages' | 'staticPages' | 'current';

/** Counters that are not about the list: clicks, visits, characters … */
const NOISE = /(click|visit|view|read|hit|comment|like|share|fav|download|char|word|img|pic|image|time|retry|delay|speed|width|height|len(gth)?$|font|zoom|step|interval|max(age|len)|min|year|month|day|hour|second|id$|num(ber)?id|tab|menu|nav|level|depth|index(of)?$|score|version)/;

/**
 * The role of a number-valued key by its words: `_nPageCount` → pages, `total_count` → records,
 * `showData` → page size. Null when the name says nothing about list size.
 */
export function keyRole(key: string): KeyRole | null {
  // Hungarian prefixes (_nPageCount, iTotal) and separators go; camelCase becomes words.
  const bare = key.replace(/^[_$]+/, '').replace(/^[a-z](?=[A-Z])/, '');
  const w = bare
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
  const j = w.replace(/ /g, '');
  if (!j) return null;
  const has = (re: RegExp) => re.test(j);
  if (has(/static/) && has(/page/)) return 'staticPages';
  if (has(/^(cur|curr|current|curpage|currpage|currentpage|pageindex|pageno|pagenum|pagenumber|curindex|currindex|page|pn|p|pageidx|nowpage|pagecurrent|currentindex|startpage|firstpage)$/)) return 'current';
  if (NOISE.test(j) && !has(/^(total|count)$/)) return null;
  if (has(/per|size|limit|^rows$|^(show|display|list|items?)(data|num|count|rows?|items?)$|^(page|one|every)(rows?|records?|items?|len|capacity)$|^num(per)?page$/)) {
    return has(/total|all/) && !has(/per|size/) ? null : 'pageSize';
  }
  if (has(/pages?/)) {
    if (has(/count|total|sum|max|last|all|^pages$|^countpage$|amount/)) return 'pages';
    return null;
  }
  if (has(/^(total|count|sum|amount)$|total|count|records?$|^(record|row|item|data|doc|info|article|element)s?(count|total|num|sum|amount)$|^(all|num)(records?|rows?|items?|count)$/)) return 'records';
  return null;
}

/** Score of a key for its role: a specific name (recordCount) beats a bare one (count). */
function specificity(key: string): number {
  return /record|row|item|data|doc|info|article|element|page/i.test(key) ? 2 : 1;
}

const LIMITS: Record<Exclude<KeyRole, 'current'>, number> = { records: 1_000_000, pageSize: 1000, pages: 100_000, staticPages: 100_000 };

/** Number-valued keys in script text: `key: 23`, `key = "23"`, `"key":23`, `data-key="23"`. */
export function scriptPairs(text: string): { key: string; value: number }[] {
  const out: { key: string; value: number }[] = [];
  const re = /(?:^|[^\w$.-])(["']?)([A-Za-z_$][\w$-]{0,40})\1\s*(?:[:=]|=\s*parseInt\s*\()\s*(["']?)(\d{1,7})\3(?![\w.])/g;
  for (let m; (m = re.exec(text)); ) out.push({ key: m[2]!.replace(/^data-/, ''), value: Number(m[4]) });
  return out;
}

/** Printed sizes in a page's visible text. */
export function textSize(text: string): StatedSize {
  const t = text.replace(/[\s\u3000\u00a0]+/g, '');
  const s: StatedSize = { evidence: [] };
  const m1 = /(?:共有?|总共|合计)(\d{1,7})(?:条|篇|项|个)/.exec(t) ?? /(?:总记录数?|记录总数|总条数|信息总数|总数)[:：]?(\d{1,7})/.exec(t);
  if (m1) {
    s.records = Number(m1[1]);
    s.evidence.push(`text ${m1[0]}`);
  }
  const m2 = /(?:共|总)(\d{1,6})页/.exec(t) ?? /第?\d{1,6}\/(\d{1,6})页/.exec(t) ?? /页次[:：]?\d{1,6}\/(\d{1,6})/.exec(t) ?? /当前(?:第)?\d{1,6}\/(\d{1,6})/.exec(t);
  if (m2) {
    s.pages = Number(m2[1]);
    s.evidence.push(`text ${m2[0]}`);
  }
  const m3 = /每页(?:显示)?(\d{1,4})(?:条|篇|项)/.exec(t);
  if (m3) {
    s.pageSize = Number(m3[1]);
    s.evidence.push(`text ${m3[0]}`);
  }
  return s;
}

/** Sizes from key/number pairs (script settings or a JSON answer's fields). */
export function pairsSize(pairs: { key: string; value: number }[], where: string): StatedSize {
  const best: Partial<Record<KeyRole, { key: string; value: number; score: number }>> = {};
  for (const p of pairs) {
    const role = keyRole(p.key);
    if (!role || role === 'current') continue;
    if (p.value < (role === 'records' ? 0 : 1) || p.value > LIMITS[role]) continue;
    const score = specificity(p.key);
    const prev = best[role];
    if (!prev || score > prev.score) best[role] = { ...p, score };
  }
  const s: StatedSize = { evidence: [] };
  for (const role of ['records', 'pageSize', 'pages', 'staticPages'] as const) {
    const b = best[role];
    if (b) {
      s[role] = b.value;
      s.evidence.push(`${where} ${b.key}=${b.value}`);
    }
  }
  return s;
}

/** Number-valued fields of a JSON answer, outside its record arrays (depth-bounded). */
export function jsonPairs(data: unknown): { key: string; value: number }[] {
  const out: { key: string; value: number }[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 4 || v === null || typeof v !== 'object' || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'number' && Number.isInteger(x)) out.push({ key: k, value: x });
      else if (typeof x === 'string' && /^\d{1,7}$/.test(x)) out.push({ key: k, value: Number(x) });
      else if (x && typeof x === 'object' && !Array.isArray(x)) walk(x, depth + 1);
    }
  };
  walk(data, 0);
  return out;
}

/** Merge: earlier parts win, later ones fill what they left open (printed text, then script settings). */
export function merge(...parts: StatedSize[]): StatedSize {
  const s: StatedSize = { evidence: [] };
  for (const p of parts) {
    for (const k of ['records', 'pageSize', 'pages', 'staticPages'] as const) if (s[k] === undefined && p[k] !== undefined) s[k] = p[k];
    s.evidence.push(...p.evidence);
    if (p.pagedBy && !s.pagedBy) s.pagedBy = p.pagedBy;
  }
  return s;
}

/**
 * The size an HTML list states, or null when it states nothing usable. A record count alone in a
 * script (`count = 5`) is not enough: some pager setting (page size or page count) must stand
 * beside it, or the text must print it.
 */
export function statedSize($: CheerioAPI): StatedSize | null {
  const scripts = $('script:not([src])')
    .map((_, el) => $(el).text())
    .get()
    .filter((s) => !/^\s*</.test(s)) // <script type="text/xml"> datastores hold records, not settings
    .join('\n');
  const attrs: string[] = [];
  $('[data-total],[data-count],[data-pages],[data-page-size],[data-pagesize],[data-total-count],[data-record-count]').each((_, el) => {
    for (const [k, v] of Object.entries((el as { attribs?: Record<string, string> }).attribs ?? {})) if (k.startsWith('data-')) attrs.push(`${k}="${v}"`);
  });
  const fromScript = pairsSize(scriptPairs(scripts + '\n' + attrs.join(' ')), 'script');
  const body = $('body').clone();
  body.find('script, style, noscript').remove();
  const fromText = textSize(body.text());
  const s = merge(fromText, fromScript);
  return usable(s);
}

/** Sizes a JSON answer states (total/pages fields), or null. */
export function statedSizeJson(data: unknown): StatedSize | null {
  return usable(pairsSize(jsonPairs(data), 'json'));
}

function usable(s: StatedSize): StatedSize | null {
  const printed = s.evidence.some((e) => e.startsWith('text'));
  if (s.records !== undefined && !printed && s.pageSize === undefined && s.pages === undefined) delete s.records;
  if (s.records === undefined && s.pages === undefined) return null;
  if (s.pages === undefined && s.records !== undefined && s.pageSize) s.pages = Math.max(1, Math.ceil(s.records / s.pageSize));
  return s;
}
