/**
 * Agencies: one row per agency, found by a normalised name, with its region and portal, and the
 * renames that link an old name to its successor (agencies.renamed_to).
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import type { DB } from '../store/db.ts';

export interface Region {
  province?: string | null;
  city?: string | null;
  county?: string | null;
}

interface NameRule {
  pattern: string;
  replace: string;
}

export interface AgencyRename {
  from: string;
  to: string;
  /** Link only when both names published reports on this portal. */
  portal?: string | null;
  since?: number;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(new URL(file, import.meta.url), 'utf8')) as T;
}

const NAME_RULES = readJson<{ rules: NameRule[] }>('./agency-names.json').rules.map((r) => ({
  re: new RegExp(r.pattern, 'u'),
  replace: r.replace,
}));

/** The explicit rename mapping shipped with the code (dataset/agency-renames.json). */
export function defaultRenames(): AgencyRename[] {
  return readJson<{ renames: AgencyRename[] }>('./agency-renames.json').renames;
}

// Brackets, quotes and punctuation (ASCII after NFKC, plus CJK marks NFKC leaves alone).
const PUNCTUATION = /[\s\p{P}\p{S}]/gu;

/**
 * The key that decides which spellings are one agency: NFKC (full-width letters, digits and
 * brackets become ASCII), no whitespace, brackets or punctuation, then the rules of
 * agency-names.json. Conservative on purpose: merging two agencies is worse than keeping one twice.
 */
export function normalizeAgencyName(name: string): string {
  let n = name.normalize('NFKC').replace(PUNCTUATION, '');
  for (const rule of NAME_RULES) n = n.replace(rule.re, rule.replace);
  return n;
}

// Prepared once per connection: the loader calls this for every report.
const statements = new WeakMap<DB, { find: Database.Statement<unknown[]>; upsert: Database.Statement<unknown[]> }>();
interface AgencyRow {
  id: number;
  province: string | null;
  city: string | null;
  county: string | null;
  portal: string | null;
  division_code: string | null;
}

/** Finds or creates the agency row; fills its region and portal where they were unknown. */
const HAS_PLACE = /[省市区县州盟旗镇乡]|自治|街道|新区|开发区|国务院|中央|全国|国家/u;

export function upsertAgency(db: DB, name: string, region: Region | null | undefined, portal: string | null | undefined, divisionCode?: string | null): number | null {
  const display = name.normalize('NFKC').replace(/\s+/g, '').trim();
  const bare = normalizeAgencyName(name);
  if (!bare) return null;
  // A name without a place (财政局, 投资促进中心) is only unique within its county or portal.
  const place = region?.county ?? region?.city ?? region?.province ?? portal ?? null;
  const normalized = HAS_PLACE.test(bare) || !place ? bare : `${place}/${bare}`;
  let st = statements.get(db);
  if (!st) {
    const upsert = db.prepare(
      `INSERT INTO agencies (name, normalized_name, province, city, county, portal, division_code) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (normalized_name) DO UPDATE SET
         division_code = COALESCE(agencies.division_code, excluded.division_code),
         province = COALESCE(agencies.province, excluded.province),
         city = COALESCE(agencies.city, excluded.city),
         county = COALESCE(agencies.county, excluded.county),
         portal = COALESCE(agencies.portal, excluded.portal)
       RETURNING id`,
    );
    st = { find: db.prepare('SELECT id, province, city, county, portal, division_code FROM agencies WHERE normalized_name = ?'), upsert };
    statements.set(db, st);
  }
  // Most reports come from an agency already known with everything this call could add: a read,
  // not a write (the upsert rewrites the row every time).
  const known = st.find.get(normalized) as AgencyRow | undefined;
  const adds = (mine: string | null | undefined, theirs: string | null) => !!mine && theirs === null;
  if (known && !adds(region?.province, known.province) && !adds(region?.city, known.city) && !adds(region?.county, known.county) && !adds(portal, known.portal) && !adds(divisionCode, known.division_code)) return known.id;
  const row = st.upsert.get(display, normalized, region?.province ?? null, region?.city ?? null, region?.county ?? null, portal ?? null, divisionCode ?? null) as { id: number };
  return row.id;
}

/**
 * Recomputes agencies.renamed_to from the mapping: an agency whose name is a mapping's `from` points
 * to the agency named `to` when both exist (and, with a portal, both published there).
 * Returns the links made.
 */
export function linkAgencyRenames(db: DB, renames: AgencyRename[]): Array<{ fromId: number; toId: number }> {
  const byName = db.prepare('SELECT id FROM agencies WHERE normalized_name = ?').pluck();
  const onPortal = db.prepare('SELECT 1 FROM reports WHERE agency_id = ? AND portal = ? LIMIT 1').pluck();
  const setLink = db.prepare('UPDATE agencies SET renamed_to = ? WHERE id = ?');
  const links: Array<{ fromId: number; toId: number }> = [];
  db.transaction(() => {
    db.prepare('UPDATE agencies SET renamed_to = NULL WHERE renamed_to IS NOT NULL').run();
    for (const r of renames) {
      const fromId = byName.get(normalizeAgencyName(r.from)) as number | undefined;
      const toId = byName.get(normalizeAgencyName(r.to)) as number | undefined;
      if (fromId === undefined || toId === undefined || fromId === toId) continue;
      if (r.portal && !(onPortal.get(fromId, r.portal) && onPortal.get(toId, r.portal))) continue;
      setLink.run(toId, fromId);
      links.push({ fromId, toId });
    }
    // agencies.canonical_id: each renamed agency's latest name, following renamed_to (NULL for
    // an agency that is its own latest name, or in a cycle, which has none).
    db.prepare('UPDATE agencies SET canonical_id = NULL WHERE canonical_id IS NOT NULL').run();
    const renamedTo = db.prepare('SELECT renamed_to FROM agencies WHERE id = ?').pluck();
    const setCanonical = db.prepare('UPDATE agencies SET canonical_id = ? WHERE id = ?');
    for (const id of db.prepare('SELECT id FROM agencies WHERE renamed_to IS NOT NULL').pluck().all() as number[]) {
      const seen = new Set<number>([id]);
      let c = id;
      for (let next = renamedTo.get(c) as number | null; next !== null; next = renamedTo.get(c) as number | null) {
        if (seen.has(next) || seen.size > 32) {
          c = id;
          break;
        }
        seen.add(next);
        c = next;
      }
      if (c !== id) setCanonical.run(c, id);
    }
  })();
  return links;
}
