/**
 * A national-shaped set of reports, for the explorer test (100k reports straight into SQLite) and
 * the scale benchmark (up to 1M reports through the loader): agencies in the real counties of the
 * GB/T 2260 gazetteer, seven departments each, 7–8 years out of 2015–2024 with a gap for every
 * third agency (the explorer's missing-year rows), the format each year was published in.
 */
import { gazetteer } from '../../places/gazetteer.ts';

export const DEPARTMENTS = ['人民政府', '人民政府办公室', '财政局', '教育局', '卫生健康委员会', '自然资源和规划局', '市场监督管理局'];

export interface PlannedReport {
  /** 0, 1, 2 … in plan order. */
  n: number;
  /** Agency number (0, 1, 2 …): one agency per county and department. */
  agency: number;
  name: string;
  year: number;
  format: 'legacy' | 'statutory-2019' | 'statutory-2021';
  kind: 'government' | 'department';
  division: { code: string; province: string; city: string | null; county: string | null };
}

export function counties() {
  return [...gazetteer().divisions.values()].filter((d) => d.level === 'county');
}

let countyList: ReturnType<typeof counties> | undefined;

/** Agency number a: its name, kind and county (the year and report number left to the caller). */
export function agencyOf(a: number): Omit<PlannedReport, 'n' | 'year' | 'format'> {
  const cs = (countyList ??= counties());
  const d = cs[a % cs.length]!;
  const name = `${d.county}${DEPARTMENTS[Math.floor(a / cs.length) % DEPARTMENTS.length]}`;
  return {
    agency: a,
    name,
    kind: name.endsWith('局') || name.endsWith('会') ? 'department' : 'government',
    division: { code: d.code, province: d.province, city: d.city ?? null, county: d.county ?? null },
  };
}

/** The first `count` reports of the plan, agency by agency, year by year. */
export function* reportPlan(count: number, opts: { firstYear?: number; lastYear?: number } = {}): Generator<PlannedReport> {
  const first = opts.firstYear ?? 2015;
  const last = opts.lastYear ?? 2024;
  let n = 0;
  for (let a = 0; n < count; a++) {
    const agency = agencyOf(a);
    // Seven or eight years out of 2015-2024: a gap for every third agency.
    for (let year = first + (a % 3); year <= last && n < count; year++) {
      if (a % 3 === 0 && year === first + 4) continue;
      yield { ...agency, n: n++, year, format: year < 2019 ? 'legacy' : year < 2021 ? 'statutory-2019' : 'statutory-2021' };
    }
  }
}
