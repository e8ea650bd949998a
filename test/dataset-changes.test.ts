/**
 * changes.csv across two snapshots of one database: a corrected republication and a parser bump
 * are 'replaced' with the facts that changed, a report whose page the last crawl of its portal no
 * longer saw is 'withdrawn', a new report is 'added'; the page and manifest show the counts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvWriter, parseCsv, readCsvRows } from '../dataset/csv.ts';
import { exportSnapshot } from '../dataset/export.ts';
import { loadReport } from '../dataset/load.ts';
import { corpus, statutory, tempDb, transportCorrected } from './dataset-fixtures.ts';

const read = (dir: string, name: string) => {
  const [head, ...rows] = parseCsv(fs.readFileSync(path.join(dir, name), 'utf8'));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i]])));
};

describe('changes.csv', () => {
  it('first snapshot: every current report added; next snapshot: added, replaced (with the facts), withdrawn (no longer listed)', async () => {
    const { db, dir } = tempDb();
    const items = corpus();
    const ids: Record<string, number> = {};
    for (const i of items) ids[i.name] = loadReport(db, i.result, i.ctx).reportId;
    const current = db.prepare('SELECT COUNT(*) FROM reports WHERE is_current = 1').pluck().get() as number;

    const first = (await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' })).dir;
    const c1 = read(first, 'changes.csv');
    expect(c1).toHaveLength(current);
    expect(new Set(c1.map((c) => `${c.change}/${c.reason}`))).toEqual(new Set(['added/first snapshot']));
    expect(JSON.parse(fs.readFileSync(path.join(first, 'manifest.json'), 'utf8'))).toMatchObject({ previous_snapshot: null, changes: { added: current, replaced: 0, withdrawn: 0 } });

    // Between the snapshots: a corrected file at a new address of the same page, a new parser
    // for one report with one number read differently, a new report, and a crawl of the portal
    // that no longer saw the archives page.
    const corrected = transportCorrected();
    loadReport(db, corrected.result, corrected.ctx);
    const huaian2022 = items.find((i) => i.name === 'huaian-2022')!;
    const reparsed = { ...huaian2022.result, parserVersion: '9.0.0', facts: huaian2022.result.facts.map((f) => (f.table === 'applications' && f.row === 'granted' && f.col === 'total' ? { ...f, value: 71 } : f)) };
    const bumped = loadReport(db, reparsed).reportId;
    const added = loadReport(db, statutory('sihong', 'statutory-2021', '泗洪县财政局', 2023, { applications: { new_received: 3 } }), { sourceUrl: 'https://www.sihong.gov.cn/a.html', portal: 'sihong' }).reportId;
    const doc = db.prepare(`INSERT INTO documents (url, portal, kind, first_seen, last_seen) VALUES (?, 'huaian', 'article', ?, ?)`);
    const crawlStart = '2024-05-20T00:00:00.000Z';
    for (const name of ['2020', '2021', '2022', 'qjp-2017', 'finance-2021-a', 'finance-2021-b', 'transport-2021']) doc.run(`https://www.huaian.gov.cn/col/${name}.html`, '2024-04-01T00:00:00.000Z', '2024-05-20T01:00:00.000Z');
    doc.run('https://www.huaian.gov.cn/col/archives-2012.html', '2024-04-01T00:00:00.000Z', '2024-04-02T00:00:00.000Z');
    db.prepare(`INSERT INTO crawl_runs (started_at, ended_at, status) VALUES (?, ?, 'ok')`).run(crawlStart, '2024-05-20T02:00:00.000Z');

    const second = (await exportSnapshot(db, { dataDir: dir, date: '2024-06-01' })).dir;
    const c2 = read(second, 'changes.csv');
    const by = (kind: string) => c2.filter((c) => c.change === kind);
    expect(by('added').map((c) => [c.report_id, c.agency, c.division_code])).toEqual([[String(added), '泗洪县财政局', '321324']]);
    const replaced = Object.fromEntries(by('replaced').map((c) => [c.previous_report_id, c]));
    expect(Object.keys(replaced).sort()).toEqual([String(ids['huaian-2022']), String(ids['transport-2021'])].sort());
    expect(replaced[ids['huaian-2022']!]).toMatchObject({ report_id: String(bumped), reason: expect.stringMatching(/new parser version .* → 9\.0\.0/), facts_changed: '1', changed_facts: 'applications.granted.total: 70 → 71' });
    expect(replaced[ids['transport-2021']!]!.reason).toMatch(/new rendering|republished/);
    expect(Number(replaced[ids['transport-2021']!]!.facts_changed)).toBeGreaterThan(0);
    expect(by('withdrawn').map((c) => [c.previous_report_id, c.agency, c.reason])).toEqual([[String(ids['archives-2012']), '淮安市档案馆', expect.stringMatching(/no longer listed/)]]);
    // A portal the crawl did not visit (nhc) says nothing: its reports are not withdrawn.
    expect(c2).toHaveLength(4);

    const manifest = JSON.parse(fs.readFileSync(path.join(second, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ previous_snapshot: '2024-05-01', changes: { added: 1, replaced: 2, withdrawn: 1 } });
    const html = fs.readFileSync(path.join(second, 'index.html'), 'utf8');
    expect(html).toMatch(/id="changes"[\s\S]*2024-05-01[\s\S]*added[^<]*<[^>]*>\s*1\b/);
  });

  it('parseCsv reads back quoted fields with commas, quotes and line breaks', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x,""y""\n z",\r\n')).toEqual([['a', 'b'], ['x,"y"\n z', '']]);
  });
});

describe('reading a previous summary.csv', () => {
  it('a few bytes at a time gives the rows of the whole file: quoted commas, quotes, line breaks and CJK across chunk edges', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-csv-'));
    const file = path.join(dir, 'summary.csv');
    const w = new CsvWriter(file, ['report_id', 'agency', 'note']);
    const rows = Array.from({ length: 50 }, (_, i) => [i, `淮安市第${i}局`, i % 3 === 0 ? `line one\nline "two", with comma` : i % 3 === 1 ? '' : '公开，依申请']);
    w.writeColumns([rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
    w.close();
    const whole = parseCsv(fs.readFileSync(file, 'utf8'));
    expect(whole).toHaveLength(51);
    for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) expect([...readCsvRows(file, chunk)]).toEqual(whole);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
