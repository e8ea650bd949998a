/**
 * Mappings version themselves: the mapping files agree with each other, and an edit to one of
 * them re-normalises the stored reports on the next normalize run (real SQLite, real stage).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { repoRoot, seedFile } from './helpers/expected.ts';

const read = (f: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, f), 'utf8'));

describe('the mapping files agree', () => {
  const labels = read('schema/labels.json');
  const ids = read('schema/identifiers.json').tables;
  const dict = read('dataset/dictionary.json').tables;
  const proactiveRows = new Set(Object.values(ids.proactive.variants as Record<string, Record<string, string[]>>).flatMap((v) => Object.keys(v)));
  const proactiveCols = new Set(Object.values(ids.proactive.variants as Record<string, Record<string, string[]>>).flatMap((v) => Object.values(v).flat()));
  const entries = (list: { id: string }[]) => list.map((e) => e.id);
  const groups: [string, 'rows' | 'cols', string[], Set<string>][] = [
    ['applications', 'rows', entries(labels.applications.rows), new Set(ids.applications.rows)],
    ['applications', 'cols', entries(labels.applications.cols), new Set(ids.applications.cols)],
    ['review_litigation', 'rows', entries(labels.review_litigation.rows), new Set(ids.review_litigation.rows)],
    ['review_litigation', 'cols', entries(labels.review_litigation.cols), new Set(ids.review_litigation.cols)],
    ['proactive', 'rows', entries(labels.proactive.rows), proactiveRows],
    ['proactive', 'cols', entries(labels.proactive.cols), proactiveCols],
    ['legacy_stats', 'rows', entries(labels.legacy_stats.rows), new Set(ids.legacy_stats.rows)],
    ['narrative', 'rows', entries(labels.narrative.rows), new Set(ids.narrative.rows)],
  ];

  for (const [table, kind, mapped, known] of groups) {
    it(`${table} ${kind}: every identifier in labels.json is in identifiers.json and the dictionary, and every identifier has a mapping`, () => {
      expect(mapped.length).toBeGreaterThan(0);
      expect(mapped.filter((id) => !known.has(id))).toEqual([]);
      expect(mapped.filter((id) => !(id in (dict[table]?.[kind] ?? {})))).toEqual([]);
      expect([...known].filter((id) => !mapped.includes(id))).toEqual([]);
    });
  }

  it('every row a label can snap to carries its official printed label', () => {
    for (const t of ['applications', 'review_litigation', 'proactive', 'legacy_stats']) {
      const missing = (labels[t].rows as { id: string; label?: string }[]).filter((e) => !e.label).map((e) => `${t}.${e.id}`);
      expect(missing).toEqual([]);
    }
  });

  it('vocabulary.json: every pattern compiles, confusion groups are sets of single characters, thresholds are fractions', () => {
    const v = read('schema/vocabulary.json');
    const titles = Object.entries(v.titles as Record<string, string | string[]>).filter(([k]) => k !== 'about').flatMap(([, p]) => p);
    expect(titles.length).toBeGreaterThan(10);
    const patterns = [...v.numbering, v.note, ...v.synonyms.flatMap((s: { variants: string[] }) => s.variants), ...v.suffixes.map((s: { pattern: string }) => s.pattern), ...titles];
    for (const p of patterns) expect(() => new RegExp(p, 'u'), p).not.toThrow();
    for (const g of v.confusions as string[]) {
      expect([...g].length, g).toBeGreaterThanOrEqual(2);
      expect(new Set(g).size, g).toBe([...g].length);
    }
    for (const k of ['confusion_cost', 'max_distance', 'min_margin', 'unplaced_max_distance']) {
      expect(v.snap[k], k).toBeGreaterThan(0);
      expect(v.snap[k], k).toBeLessThan(1);
    }
    expect(v.snap.unplaced_max_distance).toBeLessThan(v.snap.max_distance);
  });

  it('every pattern compiles', () => {
    const patterns: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === 'match' ? patterns.push(...(x as string[])) : walk(x);
    };
    walk(labels);
    expect(patterns.length).toBeGreaterThan(100);
    for (const p of patterns) expect(() => new RegExp(p, 'u'), p).not.toThrow();
  });
});

describe('a mapping edit re-normalises stored reports', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-remap-'));
  const mappings = path.join(tmp, 'mappings');
  fs.mkdirSync(mappings);
  for (const f of ['labels.json', 'identifiers.json', 'vocabulary.json']) fs.copyFileSync(path.join(repoRoot, 'schema', f), path.join(mappings, f));
  afterAll(() => {
    delete process.env.NIANBAO_MAPPINGS_DIR;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The stage and everything it loads, fresh: the mapping files are read when modules load. */
  async function freshModules() {
    process.env.NIANBAO_MAPPINGS_DIR = mappings;
    vi.resetModules();
    const stage = await import('../pipeline/normalize-stage.ts');
    const report = await import('../schema/report.ts');
    return { runNormalizeStage: stage.runNormalizeStage, version: report.PARSER_VERSION };
  }

  it('edit labels.json, run normalize again: the stored report is re-normalised with the new mapping', async () => {
    const { openDatabase } = await import('../store/db.ts');
    const { extractDocument } = await import('../extract/index.ts');
    const { packDocument } = await import('../pipeline/extract-stage.ts');
    const { EXTRACTOR_VERSION } = await import('../schema/report.ts');

    // A legacy report whose province prints its online-application row in words no mapping knows.
    const text = fs.readFileSync(seedFile('001'), 'utf8').replace('3.网络申请数', '3.电子政务平台申请数');
    expect(text).toContain('电子政务平台申请数');
    const doc = await extractDocument(Buffer.from(text, 'utf8'), { fileName: 'province.txt' });
    const db = openDatabase(path.join(tmp, 'nianbao.db'));
    db.prepare(`INSERT INTO extractions (sha256, extractor_version, media_type, status, blocks, extracted_at) VALUES ('abc', ?, 'text/plain', 'ok', ?, '2026-01-01')`)
      .run(EXTRACTOR_VERSION, packDocument(doc));
    const current = () => db.prepare(`SELECT id, parser_version FROM reports WHERE sha256 = 'abc' AND is_current = 1`).all() as { id: number; parser_version: string }[];
    const online = (id: number) => db.prepare(`SELECT value FROM facts WHERE report_id = ? AND tbl = 'legacy_stats' AND row = 'applications_online'`).pluck().get(id);

    const v1 = await freshModules();
    expect(v1.version).toMatch(/^\d+\.\d+\.\d+\+mappings\.[0-9a-f]{12}$/);
    const first = await v1.runNormalizeStage(db);
    expect(first).toMatchObject({ total: 1, new: 1 });
    const [r1] = current();
    expect(r1.parser_version).toBe(v1.version);
    expect(online(r1.id)).toBeUndefined();
    expect(db.prepare(`SELECT COUNT(*) FROM findings WHERE report_id = ? AND rule = 'parse.unknown_indicator' AND message LIKE '%电子政务平台申请数%'`).pluck().get(r1.id)).toBe(1);

    // Nothing changed: nothing to do. Reformatting a file is not an edit.
    const labelsFile = path.join(mappings, 'labels.json');
    const labels = JSON.parse(fs.readFileSync(labelsFile, 'utf8'));
    fs.writeFileSync(labelsFile, JSON.stringify(labels));
    const same = await freshModules();
    expect(same.version).toBe(v1.version);
    expect((await same.runNormalizeStage(db)).total).toBe(0);

    // The maintainer maps the province's label.
    labels.legacy_stats.rows.find((e: { id: string }) => e.id === 'applications_online').match.push('电子政务平台申请');
    fs.writeFileSync(labelsFile, JSON.stringify(labels, null, 2));
    const v2 = await freshModules();
    expect(v2.version).not.toBe(v1.version);
    const second = await v2.runNormalizeStage(db);
    expect(second).toMatchObject({ total: 1, replaced: 1 });
    const [r2] = current();
    expect(r2.parser_version).toBe(v2.version);
    expect(online(r2.id)).toBe(0);
    expect(db.prepare(`SELECT is_current, superseded_by FROM reports WHERE id = ?`).get(r1.id)).toEqual({ is_current: 0, superseded_by: r2.id });
    expect(db.prepare(`SELECT COUNT(*) FROM findings WHERE report_id = ? AND rule = 'parse.unknown_indicator'`).pluck().get(r2.id)).toBe(0);
    db.close();
  });
});
