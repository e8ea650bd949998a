/** Migration 9 on a database of an older nianbao: reports keep their rows, gain empty place columns, and the views read them. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../store/db.ts';
import { MIGRATIONS } from '../store/migrations.ts';

describe('migration 9 (places)', () => {
  it('adds the place columns, and report_summary, agency_years and region_years work on the old rows', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-mig9-')), 'old.sqlite');
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version < 9)) db.exec(m.sql);
    db.pragma(`user_version = ${Math.max(...MIGRATIONS.filter((x) => x.version < 9).map((x) => x.version))}`);
    const agency = Number(db.prepare(`INSERT INTO agencies (name, normalized_name, province, city) VALUES ('淮安市人民政府', '淮安市人民政府', '江苏省', '淮安市')`).run().lastInsertRowid);
    const rep = db.prepare(`INSERT INTO reports (sha256, parser_version, extracted_at, is_current, media_type, format, agency_id, agency, year) VALUES (?, '1.0.0', '2026-01-01', 1, 'text/html', 'statutory-2021', ?, '淮安市人民政府', ?)`);
    rep.run('a'.repeat(64), agency, 2020);
    rep.run('b'.repeat(64), agency, 2022);
    const before = db.prepare('SELECT id, sha256, agency, year FROM reports ORDER BY id').all();

    expect(migrate(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT id, sha256, agency, year FROM reports ORDER BY id').all()).toEqual(before);
    const cols = db.prepare('SELECT name FROM pragma_table_info(?)').pluck();
    expect(cols.all('reports')).toEqual(expect.arrayContaining(['division_code', 'province', 'city', 'county', 'agency_level', 'agency_kind']));
    expect(cols.all('agencies')).toContain('division_code');
    // Old rows are not placed until re-normalised (the parser version changed): NULL, not the portal's guess.
    expect(db.prepare('SELECT division_code, province, region FROM report_summary ORDER BY report_id').all()).toEqual([
      { division_code: null, province: null, region: null }, { division_code: null, province: null, region: null },
    ]);
    expect(db.prepare('SELECT agency, year, reports, formats FROM agency_years ORDER BY year').all()).toEqual([
      { agency: '淮安市人民政府', year: 2020, reports: 1, formats: 'statutory-2021' },
      { agency: '淮安市人民政府', year: 2022, reports: 1, formats: 'statutory-2021' },
    ]);
    expect(db.prepare('SELECT year, agencies FROM region_years ORDER BY year').all()).toEqual([{ year: 2020, agencies: 1 }, { year: 2022, agencies: 1 }]);
    db.close();
  });
});
