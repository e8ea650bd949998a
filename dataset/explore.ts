/**
 * The explorer's data: explore/*.js beside index.html, loaded by the page with <script> tags
 * (works from file://, where fetch() of a local file is refused). Small files first (meta,
 * agencies with their pinyin initials), then the reports in chunks, column by column, so the page
 * paints before any data and searches what has arrived.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { DB } from '../store/db.ts';

export interface ExploreReport {
  id: number;
  agencyId: number | null;
  agency: string | null;
  province: string | null;
  city: string | null;
  county: string | null;
  code: string | null;
  year: number | null;
  format: string;
  received: number | null;
  granted: number | null;
  partial: number | null;
  denied: number | null;
  review: number | null;
  litigation: number | null;
  /** The source document (the file the numbers were read from, else the article page). */
  url: string | null;
}

/** Reports per chunk file: ~1 MB of script each at 100k reports. */
export const EXPLORE_CHUNK = 10_000;

export function* exploreRows(db: DB): Iterable<ExploreReport> {
  yield* db
    .prepare(
      `SELECT report_id AS id, canonical_agency_id AS agencyId, canonical_agency AS agency, province, city, county, division_code AS code, year, format,
              applications_received AS received, applications_granted AS granted, applications_partially_granted AS partial,
              applications_denied AS denied, review_cases AS review, litigation_cases AS litigation, COALESCE(document_url, source_url) AS url
       FROM report_summary ORDER BY report_id`,
    )
    .iterate() as Iterable<ExploreReport>;
}

const require = createRequire(import.meta.url);
let pinyinFn: ((s: string) => string) | null = null;

/** Pinyin initials, lower case (洪泽区财政局 → hzqczj); other characters kept as they are. */
export function initials(s: string): string {
  if (!pinyinFn) {
    const { pinyin } = require('pinyin-pro') as typeof import('pinyin-pro');
    pinyinFn = (x: string) => (pinyin(x, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive' }) as string[]).join('').toLowerCase();
  }
  return pinyinFn(s);
}

const script = (kind: string, data: unknown) => `NB_LOAD(${JSON.stringify(kind)},${JSON.stringify(data)});\n`;

/** Writes explore/meta.js, explore/agencies.js and explore/reports-N.js; returns their paths (relative to dir). */
export function writeExplore(dir: string, rows: Iterable<ExploreReport>, chunk = EXPLORE_CHUNK): string[] {
  const out = path.join(dir, 'explore');
  fs.mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const provinces: string[] = [];
  const cities: string[] = [];
  const formats: string[] = [];
  const index = (list: string[], v: string | null) => {
    if (v === null) return -1;
    let i = list.indexOf(v);
    if (i < 0) i = list.push(v) - 1;
    return i;
  };
  const agencies = new Map<string, number>();
  const A = { name: [] as string[], ini: [] as string[], p: [] as number[], c: [] as number[], k: [] as (string | null)[], code: [] as (string | null)[] };
  const years = new Set<number>();
  let cols = fresh();
  let n = 0;
  const flush = () => {
    if (!cols.id.length) return;
    const name = `explore/reports-${files.filter((f) => f.startsWith('explore/reports-')).length}.js`;
    fs.writeFileSync(path.join(dir, name), script('reports', cols));
    files.push(name);
    cols = fresh();
  };
  for (const r of rows) {
    const key = r.agencyId !== null ? `#${r.agencyId}` : `?${r.agency ?? ''}`;
    let a = agencies.get(key);
    if (a === undefined) {
      a = A.name.length;
      agencies.set(key, a);
      const name = r.agency ?? '（机关不明）';
      A.name.push(name);
      A.ini.push(`${initials(name)} ${initials(`${r.province ?? ''}${r.city ?? ''}${r.county ?? ''}`)}`);
      A.p.push(index(provinces, r.province));
      A.c.push(index(cities, r.city));
      A.k.push(r.county);
      A.code.push(r.code);
    }
    if (r.year !== null) years.add(r.year);
    cols.id.push(r.id);
    cols.a.push(a);
    cols.y.push(r.year);
    cols.f.push(index(formats, r.format));
    cols.rc.push(r.received);
    cols.gr.push(r.granted);
    cols.pg.push(r.partial);
    cols.dn.push(r.denied);
    cols.rv.push(r.review);
    cols.lt.push(r.litigation);
    cols.u.push(r.url);
    if (++n % chunk === 0) flush();
  }
  flush();
  const chunks = files.slice();
  fs.writeFileSync(path.join(out, 'agencies.js'), script('agencies', A));
  const meta = { reports: n, agencies: A.name.length, chunks, provinces, cities, formats, years: [...years].sort((x, y) => x - y) };
  fs.writeFileSync(path.join(out, 'meta.js'), script('meta', meta));
  return ['explore/meta.js', 'explore/agencies.js', ...chunks];
}

function fresh() {
  return {
    id: [] as number[], a: [] as number[], y: [] as (number | null)[], f: [] as number[],
    rc: [] as (number | null)[], gr: [] as (number | null)[], pg: [] as (number | null)[], dn: [] as (number | null)[],
    rv: [] as (number | null)[], lt: [] as (number | null)[], u: [] as (string | null)[],
  };
}
