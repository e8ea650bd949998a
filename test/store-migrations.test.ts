/** Migrations keep what is stored: a database made by an older nianbao opens with its rows intact. */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../store/db.ts';
import { MIGRATIONS } from '../store/migrations.ts';

/** A database as nianbao left it at schema `version`, holding two reports (ids a and b). */
function databaseAt(version: number) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-mig-')), `v${version}.sqlite`);
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) db.exec(m.sql);
  db.pragma(`user_version = ${version}`);
  const rep = db.prepare(`INSERT INTO reports (sha256, parser_version, extracted_at, is_current, media_type, format) VALUES (?, '1.0.0', '2026-01-01', 1, 'text/html', 'statutory-2021')`);
  const a = Number(rep.run('a'.repeat(64)).lastInsertRowid);
  const b = Number(rep.run('b'.repeat(64)).lastInsertRowid);
  return { db, a, b };
}

describe('migrations', () => {
  it('v6 moves the facts of a v5 database into fact_cells + fact_values, and the facts view reads them back unchanged', () => {
    const { db, a, b } = databaseAt(5);
    const ins = db.prepare('INSERT INTO facts (report_id, tbl, row, col, value, page, block, cell_row, cell_col, printed, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const rows = [
      [a, 'applications', 'new_received', 'total', 12, 2, 5, 3, 8, '12', null],
      [a, 'applications', 'new_received', 'natural_person', 10, 2, 5, 3, 1, '10', 0.93],
      [a, 'review_litigation', 'review', 'total', null, null, 7, 2, 5, '', null],
      [b, 'applications', 'new_received', 'total', 3.5, 1, 4, 3, 8, '3.5', null],
    ];
    for (const r of rows) ins.run(...r);
    const before = db.prepare('SELECT * FROM facts ORDER BY report_id, tbl, row, col').all();

    expect(migrate(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'facts'").pluck().get()).toBe('view');
    expect(db.prepare('SELECT * FROM facts ORDER BY report_id, tbl, row, col').all()).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM fact_cells').pluck().get()).toBe(3);
    // The summary view still reads through the facts view.
    expect(db.prepare('SELECT applications_received FROM report_summary WHERE report_id = ?').pluck().get(b)).toBe(3.5);
    db.close();
  });
});

describe('migration 14', () => {
  it('rebuilds fact_values without the foreign key, keeps every fact, and deleting a report still deletes its facts', () => {
    const { db, a, b } = databaseAt(13);
    const cell = db.prepare('INSERT INTO fact_cells (tbl, row, col) VALUES (?, ?, ?)');
    const total = Number(cell.run('applications', 'new_received', 'total').lastInsertRowid);
    const person = Number(cell.run('applications', 'new_received', 'natural_person').lastInsertRowid);
    const ins = db.prepare('INSERT INTO fact_values (report_id, cell_id, value, page, block, cell_row, cell_col, printed, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    ins.run(a, total, 12, 2, 5, 3, 8, '12', null);
    ins.run(a, person, 10, 2, 5, 3, 1, '10', 0.93);
    ins.run(b, total, 3.5, 1, 4, 3, 8, '3.5', null);
    const before = db.prepare('SELECT * FROM facts ORDER BY report_id, tbl, row, col').all();
    expect(db.pragma('foreign_key_list(fact_values)')).toHaveLength(1);

    expect(migrate(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(db.prepare('SELECT * FROM facts ORDER BY report_id, tbl, row, col').all()).toEqual(before);
    expect(db.pragma('foreign_key_list(fact_values)')).toHaveLength(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'fact_values' AND type = 'index'").pluck().all()).toContain('fact_values_cell');
    expect(db.prepare('SELECT applications_received FROM report_summary WHERE report_id = ?').pluck().get(b)).toBe(3.5);
    db.prepare('DELETE FROM reports WHERE id = ?').run(a);
    expect(db.prepare('SELECT report_id, value FROM fact_values').all()).toEqual([{ report_id: b, value: 3.5 }]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});

describe('migration 15', () => {
  it('rebuilds the search index with the ascii tokenizer: every current report indexed again, the queue emptied, replaced reports left out', async () => {
    const { toBigrams } = await import('../store/bigrams.ts');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-mig-')), 'v14.sqlite');
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version <= 14)) db.exec(m.sql);
    db.pragma('user_version = 14');
    const rep = db.prepare(`INSERT INTO reports (sha256, parser_version, extracted_at, is_current, media_type, format, title, text) VALUES (?, '1.0.0', '2026-01-01', ?, 'text/html', 'statutory-2021', ?, ?)`);
    const indexed = Number(rep.run('a'.repeat(64), 1, '淮安市2020年报告', '依申请公开工作规范有序。').lastInsertRowid);
    const pending = Number(rep.run('b'.repeat(64), 1, '交通运输局报告', '主动公开政府信息。').lastInsertRowid);
    rep.run('c'.repeat(64), 0, '旧版', '依申请公开（旧版）。');
    db.prepare('INSERT INTO reports_bigram (rowid, title, text) VALUES (?, ?, ?)').run(indexed, toBigrams('淮安市2020年报告'), toBigrams('依申请公开工作规范有序。'));
    db.prepare('INSERT INTO fts_pending (report_id) VALUES (?)').run(pending);

    expect(migrate(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'reports_bigram'").pluck().get()).toMatch(/tokenize='ascii'/);
    const match = (q: string) => db.prepare('SELECT rowid FROM reports_bigram WHERE reports_bigram MATCH ? ORDER BY rowid').pluck().all(q);
    expect(match('"依申 申请"')).toEqual([indexed]);
    expect(match('"主动 动公"')).toEqual([pending]);
    expect(match('"交通"')).toEqual([pending]);
    expect(match('"旧版"')).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM fts_pending').pluck().get()).toBe(0);
    db.close();
  });
});
