import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from './helpers/build-report.ts';
import { factLines, loadCompactExpected, repoRoot, seedFile } from './helpers/expected.ts';

const SEEDS = ['000', '001', '002', '003', '004'];

describe('seed reports (plain text) match the hand-written expected facts', () => {
  for (const id of SEEDS) {
    it(`seed ${id}`, async () => {
      const expected = loadCompactExpected(path.join(repoRoot, `test/fixtures/expected/seed-${id}.json`));
      const file = seedFile(id);
      const r = await buildReport(fs.readFileSync(file), { file });
      expect(r.error).toBeUndefined();
      expect(r.format).toBe(expected.format);
      expect(r.year).toBe(expected.year);
      expect(r.agency).toBe(expected.agency);
      expect(factLines(r.facts)).toEqual(factLines(expected.facts));
      // Every identity holds in the seeds: no error or warning findings.
      expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    });
  }

  it('keeps provenance: each table fact points at its table block and cell', async () => {
    const file = seedFile('002');
    const r = await buildReport(fs.readFileSync(file), { file });
    const granted = r.facts.find((f) => f.table === 'applications' && f.row === 'granted' && f.col === 'natural_person')!;
    expect(granted.value).toBe(1);
    expect(granted.source).toMatchObject({ text: '1' });
    expect(typeof granted.source!.block).toBe('number');
    expect(typeof granted.source!.cellRow).toBe('number');
  });
});
