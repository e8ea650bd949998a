import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReport, loadReports } from '../dataset/load.ts';
import { indexPending, searchReports, toBigrams } from '../dataset/search.ts';
import { registerBigrams } from '../store/bigrams.ts';
import { corpus, tempDb, transportCorrected } from './dataset-fixtures.ts';

function loaded() {
  const t = tempDb();
  const ids: Record<string, number> = {};
  for (const item of corpus()) ids[item.name] = loadReport(t.db, item.result, item.ctx).reportId;
  return { ...t, ids };
}

const hitIds = (hits: Array<{ reportId: number }>) => hits.map((h) => h.reportId).sort((a, b) => a - b);

describe('searchReports', () => {
  it('splits Chinese text into overlapping bigrams and keeps other words whole', () => {
    expect(toBigrams('依申请公开 2021年，PDF')).toBe('依申 申请 请公 公开 开 2021 年 PDF');
  });

  it('finds a three-character word, with a snippet', () => {
    const { db, ids } = loaded();
    const hits = searchReports(db, '依申请');
    expect(hitIds(hits)).toEqual([ids['huaian-2020'], ids['archives-2012']].sort((a, b) => a! - b!));
    const h = hits.find((x) => x.reportId === ids['huaian-2020'])!;
    expect(h).toMatchObject({ agency: '淮安市人民政府', year: 2020, title: '淮安市人民政府2020年政府信息公开工作年度报告' });
    expect(h.snippet).toContain('【依申请】');
  });

  it('finds two-character words', () => {
    const { db, ids } = loaded();
    // 公开 is in every report's title; 总体 only in the statutory texts.
    expect(searchReports(db, '公开', { limit: 100 })).toHaveLength(corpus().length);
    const statutory = corpus().filter((i) => i.result.format.startsWith('statutory')).map((i) => ids[i.name]!);
    expect(hitIds(searchReports(db, '总体', { limit: 100 }))).toEqual(statutory.sort((a, b) => a - b));
    // A 2-character query matches only where the two characters are adjacent.
    expect(searchReports(db, '馆查')).toEqual([]);
    expect(hitIds(searchReports(db, '档案'))).toEqual([ids['archives-2012']]);
    expect(searchReports(db, '档案')[0]!.snippet).toContain('【档案】');
  });

  it('finds a one-character query at the start, middle and end of a run', () => {
    const { db, ids } = loaded();
    expect(hitIds(searchReports(db, '档'))).toEqual([ids['archives-2012']]);
    // 馆 ends the run 查阅服务设在档案馆 (and the agency name in the title).
    expect(hitIds(searchReports(db, '馆'))).toEqual([ids['archives-2012']]);
    expect(hitIds(searchReports(db, '阅'))).toEqual([ids['archives-2012']]);
    // Mixed terms: all must match.
    expect(hitIds(searchReports(db, '档案 2012年'))).toEqual([ids['archives-2012']]);
    expect(searchReports(db, '档案 2013年')).toEqual([]);
  });

  it('searches current reports only', () => {
    const { db, ids } = loaded();
    expect(hitIds(searchReports(db, '专栏'))).toEqual([ids['transport-2021']]);
    const { result, ctx } = transportCorrected();
    const corrected = loadReport(db, result, ctx).reportId;
    expect(searchReports(db, '专栏')).toEqual([]);
    expect(hitIds(searchReports(db, '更正版'))).toEqual([corrected]);
    expect(hitIds(searchReports(db, '更正'))).toEqual([corrected]);
  });

  it('finds longer phrases only where they occur whole, and Latin words and numbers as words', () => {
    const { db, ids } = loaded();
    expect(hitIds(searchReports(db, '依申请公开'))).toEqual([ids['huaian-2020'], ids['archives-2012']].sort((a, b) => a! - b!));
    // Both bigrams of 案馆查 occur in the archives report, but not adjacent as one phrase.
    expect(searchReports(db, '档案馆查阅')).toEqual([]);
    expect(hitIds(searchReports(db, '2012'))).toEqual([ids['archives-2012']]);
  });

  it('a deferred load is searchable after indexPending, and a report replaced before it never is', () => {
    const t = tempDb();
    const items = corpus().map((i) => ({ result: i.result, ctx: i.ctx }));
    const outcomes = loadReports(t.db, items, { deferIndex: true });
    expect(searchReports(t.db, '公开', { limit: 100 })).toEqual([]);
    expect(t.db.prepare('SELECT COUNT(*) FROM fts_pending').pluck().get()).toBe(outcomes.length);
    // The corrected transport report replaces the original while both wait for the index.
    const { result, ctx } = transportCorrected();
    const corrected = loadReports(t.db, [{ result, ctx }], { deferIndex: true })[0]!.reportId;
    expect(indexPending(t.db)).toBe(outcomes.length);
    expect(t.db.prepare('SELECT COUNT(*) FROM fts_pending').pluck().get()).toBe(0);
    expect(searchReports(t.db, '公开', { limit: 100 })).toHaveLength(corpus().length);
    expect(searchReports(t.db, '专栏')).toEqual([]);
    expect(hitIds(searchReports(t.db, '更正版'))).toEqual([corrected]);
  });

  it('folds the case and diacritics of Latin words, ASCII or not, and splits a run that starts outside the BMP into bigrams too', () => {
    expect(toBigrams('ÉCOLE PDF 𠀀国中')).toBe('ecole PDF 𠀀国 国中 中');
    const t = tempDb();
    const { result, ctx } = transportCorrected();
    const id = loadReport(t.db, { ...result, text: '附件：ÉCOLE 报告（PDF 版），𠀀国中心。' }, ctx).reportId;
    for (const q of ['école', 'École', 'ecole', 'pdf', 'Pdf', '国中', '𠀀国', '中心']) expect(hitIds(searchReports(t.db, q)), q).toEqual([id]);
    expect(searchReports(t.db, 'écoles')).toEqual([]);
  });

  it('the index pass reads the text as UTF-8 bytes: the same tokens as from a string, a malformed byte a separator, a text past the reused buffer whole', () => {
    const t = tempDb();
    registerBigrams(t.db);
    const viaBlob = (text: string | Buffer) => Buffer.from(t.db.prepare('SELECT nianbao_bigrams(CAST(? AS BLOB))').pluck().get(text) as Uint8Array).toString('utf8');
    for (const text of ['依申请公开 2021年，PDF', 'ÉCOLE PDF 𠀀国中', 'ﬀ İstanbul Дом 々〇中', '\ud800中华\udc00人民', ''])
      expect(viaBlob(text), text).toBe(toBigrams(text));
    // 0xff never starts a UTF-8 character; a lead byte cut short by the end is one too.
    expect(viaBlob(Buffer.concat([Buffer.from('中华'), Buffer.from([0xff]), Buffer.from('人民'), Buffer.from([0xe4, 0xb8])]))).toBe('中华 华 人民 民');
    // Longer than the buffer kept between calls (4 MB of output), and a short text right after it.
    const long = '中华人民共和国'.repeat(100_000);
    expect(viaBlob(long)).toBe(toBigrams(long));
    expect(viaBlob(long).length).toBe(long.length * 3 - 2); // (n − 1) bigrams and spaces, then the last character
    expect(viaBlob('公开')).toBe('公开 开');
  });

  it('nianbao search prints matching reports with a snippet', () => {
    const { db, dir } = loaded();
    db.close();
    const out = execFileSync(process.execPath, [path.resolve('bin/nianbao.js'), 'search', '依申请', '--data-dir', dir], { encoding: 'utf8' });
    expect(out).toContain('淮安市人民政府  2020');
    expect(out).toContain('【依申请】');
    const json = JSON.parse(execFileSync(process.execPath, [path.resolve('bin/nianbao.js'), 'search', '档', '--json', '--data-dir', dir], { encoding: 'utf8' }));
    expect(json).toHaveLength(1);
    expect(json[0].agency).toBe('淮安市档案馆');
  });
});
