/**
 * schema/check.ts: the check compiled from a zod schema says yes exactly where zod's parse
 * succeeds, and parseReportResult gives the loader what ReportResult.parse gives it (or zod's own
 * error). Values are the facts of the dataset fixtures, then each field of a fact replaced by
 * every odd value a JSON file or a bug could put there.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCheck } from '../schema/check.ts';
import { Fact, parseReportResult, ReportResult } from '../schema/report.ts';
import { corpus } from './dataset-fixtures.ts';

const ODD: unknown[] = [
  undefined, null, '', 'x', '😀', '0', 0, -0, 1, -1, 0.5, 1.5, 2, -0.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e300,
  NaN, Infinity, -Infinity, true, false, {}, [], [1], { text: 'x' }, new Date(0), () => 1, Object.create(null), 10n,
];

function variants(fact: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  const keys = ['table', 'row', 'col', 'value', 'source', 'confidence', 'extra'];
  for (const k of keys) for (const v of ODD) out.push({ ...fact, [k]: v });
  for (const k of keys) {
    const { [k]: _, ...rest } = fact;
    out.push(rest);
  }
  const src = (fact.source ?? { text: '12' }) as Record<string, unknown>;
  for (const k of ['block', 'cellRow', 'cellCol', 'page', 'text', 'extra']) {
    for (const v of ODD) out.push({ ...fact, source: { ...src, [k]: v } });
    const { [k]: _, ...rest } = src;
    out.push({ ...fact, source: rest });
  }
  return out;
}

const facts = corpus().flatMap((c) => c.result.facts);

describe('compileCheck', () => {
  it('agrees with Fact.safeParse on the fixtures’ facts and on every field of one made odd', () => {
    const check = compileCheck(Fact)!;
    expect(check).not.toBeNull();
    expect(facts.length).toBeGreaterThan(100);
    // A table cell's fact with every provenance field, and a narrative number's (text only).
    const withSource = { ...facts[0]!, source: { page: 2, block: 1, cellRow: 3, cellCol: 4, text: '12' } };
    const narrative = { ...facts[0]!, source: { text: '12' } };
    const cases: unknown[] = [...facts, ...ODD, ...variants(withSource), ...variants(narrative), ...variants({ ...withSource, confidence: 0.9 })];
    let accepted = 0;
    let refused = 0;
    for (const c of cases) {
      const zod = Fact.safeParse(c).success;
      expect({ c, check: check(c) }).toEqual({ c, check: zod });
      if (zod) accepted++;
      else refused++;
    }
    // Both answers occur, many times over: the comparison is not one-sided.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(200);
    const list = compileCheck(z.array(Fact))!;
    expect(list(facts)).toBe(true);
    expect(list([...facts, { ...withSource, value: NaN }])).toBe(false);
    expect(list({ length: 0 })).toBe(false);
  });

  it('compiles nothing it does not know, rather than skipping a rule', () => {
    for (const s of [
      z.string().min(2), // zod counts code points
      z.string().max(5),
      z.string().regex(/x/),
      z.string().transform((s) => s.length),
      z.number().multipleOf(2),
      z.number().refine((n) => n > 1),
      z.coerce.number(),
      z.object({ a: z.string() }).strict(),
      z.object({ a: z.string() }).passthrough(),
      z.object({ a: z.string().default('x') }),
      z.array(z.string()).min(1),
      z.enum(['a', 'b']),
      z.boolean(),
    ]) {
      expect(compileCheck(s as z.ZodType)).toBeNull();
    }
  });
});

describe('parseReportResult', () => {
  it('gives what ReportResult.parse gives, facts as given', () => {
    for (const { result } of corpus()) {
      const fast = parseReportResult(result);
      const zod = ReportResult.parse(result);
      expect(fast).toEqual(zod);
      expect(fast.facts).toBe(result.facts);
    }
  });

  it('throws zod’s own error for a bad fact or a bad head', () => {
    const { result } = corpus()[0]!;
    const bad = [
      { ...result, facts: [...result.facts.slice(0, 3), { ...result.facts[0]!, value: Infinity }] },
      { ...result, facts: [{ ...result.facts[0]!, source: { text: 'x', page: 0 } }] },
      { ...result, year: '2020' },
      { ...result, findings: [{ rule: 'x', severity: 'fatal', message: 'm' }] },
    ];
    for (const b of bad) {
      const zod = ReportResult.safeParse(b);
      expect(zod.success).toBe(false);
      expect(() => parseReportResult(b)).toThrow(zod.error!.message);
    }
  });
});
