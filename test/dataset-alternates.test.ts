/**
 * One report published twice on one page (HTML text + PDF attachment) counts once; a corrected
 * file replaces the old one; a rendering that tells more wins.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadReport } from '../dataset/load.ts';
import { buildReport } from './helpers/build-report.ts';
import { tempDb } from './dataset-fixtures.ts';
import { seedFile } from './helpers/expected.ts';

const page = 'http://portal.test/art/2022/1/20/art_1_1.html';
const pdf = 'http://portal.test/module/download/downfile.jsp?filename=nb.pdf';
const seed = fs.readFileSync(seedFile('002'), 'utf8');
// The seed texts stand for the extracted documents; the URLs below only say where they were found.
const report = (text: string, name: string) => buildReport(Buffer.from(text), { file: name.replace(/[^\w]+/g, '_') + '.txt' });
const current = (db: ReturnType<typeof tempDb>['db']) =>
  db.prepare('SELECT document_url, is_current FROM reports ORDER BY id').all() as { document_url: string; is_current: number }[];

describe('alternate renderings and republications', () => {
  it('the same report as page text and as attachment: one current report, the other kept as alternate', async () => {
    const { db } = tempDb();
    expect(loadReport(db, await report(seed, page), { documentUrl: page, sourceUrl: page }).status).toBe('new');
    // The attachment: same numbers, different bytes (another file type would do the same).
    const out = loadReport(db, await report(seed + '\n附件：', pdf), { documentUrl: pdf, sourceUrl: page });
    expect(out.status).toBe('alternate');
    expect(current(db)).toEqual([{ document_url: page, is_current: 1 }, { document_url: pdf, is_current: 0 }]);
    expect((db.prepare('SELECT COUNT(*) n FROM report_summary').get() as { n: number }).n).toBe(1);
  });

  it('an article page without the tables is replaced as current by the attachment that has them', async () => {
    const { db } = tempDb();
    const pageOnly = seed.split('二、主动公开政府信息情况')[0];
    loadReport(db, await report(pageOnly, page), { documentUrl: page, sourceUrl: page });
    expect(loadReport(db, await report(seed, pdf), { documentUrl: pdf, sourceUrl: page }).status).toBe('replaced');
    expect(current(db)).toEqual([{ document_url: page, is_current: 0 }, { document_url: pdf, is_current: 1 }]);
  });

  it('new bytes at the same document URL are a republication: the corrected file becomes current', async () => {
    const { db } = tempDb();
    loadReport(db, await report(seed, pdf), { documentUrl: pdf, sourceUrl: page });
    const corrected = seed.replace('共受理依申请公开1件', '共受理依申请公开1件。');
    expect(loadReport(db, await report(corrected, pdf), { documentUrl: pdf, sourceUrl: page }).status).toBe('replaced');
    expect(current(db).map((r) => r.is_current)).toEqual([0, 1]);
  });
});
