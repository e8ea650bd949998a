/**
 * `nianbao labels`: the labels seen across a real database (extractions normalised by the real
 * stage), with counts, identifiers, snapped and unknown ones, and an example report.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsSeen, type LabelSeen } from '../dataset/labels.ts';
import { extractDocument } from '../extract/index.ts';
import { packDocument } from '../pipeline/extract-stage.ts';
import { runNormalizeStage } from '../pipeline/normalize-stage.ts';
import { EXTRACTOR_VERSION } from '../schema/report.ts';
import { openDatabase, type DB } from '../store/db.ts';
import { repoRoot, seedFile } from './helpers/expected.ts';

const seed = (id: string) => fs.readFileSync(seedFile(id), 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-labels-'));
let db: DB;

beforeAll(async () => {
  db = openDatabase(path.join(tmp, 'nianbao.sqlite'));
  const docs: [string, string][] = [
    ['legacy-a', seed('001').replace('3.网络申请数', '3.电子政务平台申请数').replace('4.不同意公开答复数', '4.否决公开答复数')],
    ['legacy-b', seed('001').replace('3.网络申请数', '3.电子政务平台申请数').replace('1.当面申请数', '1.当面申请数 ')],
    ['statutory-ocr', seed('000').replace('（一）予以公开', '（一）了以公开')],
    ['statutory-clean', seed('002')],
  ];
  const insert = db.prepare(`INSERT INTO extractions (sha256, extractor_version, media_type, status, blocks, extracted_at) VALUES (?, ?, 'text/plain', 'ok', ?, '2026-01-01')`);
  const document = db.prepare(`INSERT INTO documents (url, sha256, kind, first_seen, last_seen) VALUES (?, ?, 'article', '2026-01-01', '2026-01-01')`);
  for (const [name, text] of docs) {
    const doc = await extractDocument(Buffer.from(text, 'utf8'), { fileName: `${name}.txt` });
    insert.run(name, EXTRACTOR_VERSION, packDocument(doc));
    document.run(`http://127.0.0.1/${name}.txt`, name);
  }
  const counts = await runNormalizeStage(db);
  expect(counts.total).toBe(4);
  db.close();
  db = openDatabase(path.join(tmp, 'nianbao.sqlite'), { readonly: true });
});
afterAll(() => {
  db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const find = (rows: LabelSeen[], table: string, label: string) => rows.filter((r) => r.table === table && r.label === label);

describe('nianbao labels', () => {
  it('lists mapped, snapped and unknown labels with counts and an example', () => {
    const rows = labelsSeen(db);
    // The same official label in both legacy reports: one line, two reports.
    expect(find(rows, 'legacy_stats', '1.当面申请数')).toMatchObject([{ identifier: 'applications_in_person', status: 'mapped', reports: 2 }]);
    // A province synonym maps through the vocabulary.
    expect(find(rows, 'legacy_stats', '4.否决公开答复数')).toMatchObject([{ identifier: 'replies_denied', status: 'mapped', reports: 1 }]);
    // The label no rule places: unknown, in both legacy reports, with an example.
    const unknown = find(rows, 'legacy_stats', '3.电子政务平台申请数');
    expect(unknown).toMatchObject([{ identifier: null, status: 'unknown', reports: 2 }]);
    expect(unknown[0].example.url).toMatch(/^http:\/\/127\.0\.0\.1\/legacy-[ab]\.txt$/);
    expect(db.prepare(`SELECT sha256 FROM reports WHERE id = ?`).pluck().get(unknown[0].example.reportId)).toMatch(/^legacy-[ab]$/);
    // An OCR misreading snapped to its row.
    expect(find(rows, 'applications', '(一)了以公开').concat(find(rows, 'applications', '（一）了以公开'))).toMatchObject([{ identifier: 'granted', status: 'snapped', reports: 1 }]);
    // Statutory labels of the clean and the OCR'd report.
    expect(rows.some((r) => r.table === 'applications' && r.identifier === 'granted' && r.status === 'mapped')).toBe(true);
    // Most frequent first.
    expect(rows[0].reports).toBeGreaterThanOrEqual(rows[rows.length - 1].reports);
  });

  it('--unknown lists only the labels to map', () => {
    const rows = labelsSeen(db, { unknownOnly: true });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.status === 'unknown' && r.identifier === null)).toBe(true);
    expect(rows.map((r) => r.label)).toContain('3.电子政务平台申请数');
  });

  it('the command prints the same, as text and as JSON', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), 'labels', '--data-dir', tmp, ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
    const json = run('--unknown', '--json');
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(labelsSeen(db, { unknownOnly: true }));
    const text = run();
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^reports\ttable\tstatus\tidentifier\tlabel\texample/m);
    expect(text.stdout).toMatch(/\n2\tlegacy_stats\tunknown\t-\t3\.电子政务平台申请数\t#\d+/);
  }, 120_000);
});
