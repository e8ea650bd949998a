/**
 * Real published files (../shared/real): each document's output must equal its expected JSON
 * exactly — agency, year, format and every table fact.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from './helpers/build-report.ts';
import { factLines, sharedDir } from './helpers/expected.ts';

const realDir = path.join(sharedDir, 'real');
const cases = fs.existsSync(realDir) ? fs.readdirSync(realDir).filter((f) => f.endsWith('.json')) : [];

describe('real published reports', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThan(0));
  for (const name of cases) {
    it(name, async () => {
      const expected = JSON.parse(fs.readFileSync(path.join(realDir, name), 'utf8'));
      const input = path.join(realDir, expected.input);
      const r = await buildReport(fs.readFileSync(input), { file: input });
      expect(r.error).toBeUndefined();
      expect({ agency: r.agency, year: r.year, format: r.format }).toEqual({ agency: expected.agency, year: expected.year, format: expected.format });
      expect(factLines(r.facts)).toEqual(factLines(expected.facts));
      expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    }, 120_000);
  }
});
