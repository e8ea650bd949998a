/**
 * A yes/no check compiled from a zod schema: one closure per node, no issue objects, no output
 * copy. It exists for the loader's hot path: a report carries ~170 facts, and zod's parse of them
 * was a third of a cold load's CPU, nearly all of it V8 warming up zod's general machinery (the
 * first 50 reports cost as much as the next 500). The schema stays the only definition: the check
 * is read from it, and a schema using anything this file does not know compiles to null (use zod).
 *
 * Only the answer is the check's; on `false`, parse with zod for its error. It agrees with
 * `schema.safeParse(x).success` for every x (test/schema-check.test.ts compares them on valid and
 * broken facts), but it does not transform: unknown keys are left in place (zod would strip them)
 * and defaults are not applied, so it compiles only schemas without defaults or transforms.
 */
import type { z } from 'zod';

export type Check = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: Array<{ _zod: { def: Record<string, unknown> & { check: string } } }>;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  catchall?: z.ZodType;
  coerce?: boolean;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The check for `schema`, or null if it uses anything not listed below. */
export function compileCheck(schema: z.ZodType): Check | null {
  const lines: string[] = [];
  try {
    emit(schema, 'value', lines, { n: 0 });
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
  // Straight-line code, as zod generates for its objects: no call per node, so it runs fast
  // from its first call on, before V8 has optimised anything.
  try {
    return new Function('value', `${lines.join('\n')}\nreturn true;`) as Check;
  } catch {
    return null; // code generation disallowed
  }
}

class Unsupported extends Error {}

/** Appends statements that `return false` unless `value` (a JS expression) matches `schema`. */
function emit(schema: z.ZodType, value: string, out: string[], names: { n: number }): void {
  const def = defOf(schema);
  // Refinements, transforms and custom checks live in `checks` or in other node types: any check
  // not listed is a reason to give up, never to skip it.
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  const unsupported = (): never => {
    throw new Unsupported(`${def.type}${checks.length ? ` (${checks.map((c) => c.check).join(', ')})` : ''}`);
  };
  const number = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? String(x) : unsupported());
  if (def.coerce) unsupported();
  switch (def.type) {
    case 'string': {
      out.push(`if (typeof ${value} !== 'string') return false;`);
      for (const c of checks) {
        // zod counts code points; a floor of 1 is the same in UTF-16 units (a non-empty string).
        if (c.check === 'min_length' && (c.minimum === 0 || c.minimum === 1)) out.push(`if (${value}.length < ${c.minimum}) return false;`);
        else unsupported();
      }
      return;
    }
    case 'number': {
      // zod's number refuses NaN and ±Infinity before any check.
      out.push(`if (typeof ${value} !== 'number' || !Number.isFinite(${value})) return false;`);
      for (const c of checks) {
        if (c.check === 'number_format' && c.format === 'safeint') out.push(`if (!Number.isSafeInteger(${value})) return false;`);
        else if (c.check === 'greater_than') out.push(`if (!(${value} ${c.inclusive ? '>=' : '>'} ${number(c.value)})) return false;`);
        else if (c.check === 'less_than') out.push(`if (!(${value} ${c.inclusive ? '<=' : '<'} ${number(c.value)})) return false;`);
        else unsupported();
      }
      return;
    }
    case 'optional':
    case 'nullable': {
      if (checks.length) unsupported();
      out.push(`if (${value} !== ${def.type === 'optional' ? 'undefined' : 'null'}) {`);
      emit(def.innerType!, value, out, names);
      out.push('}');
      return;
    }
    case 'array': {
      if (checks.length) unsupported();
      const a = `a${names.n++}`;
      const i = `i${names.n++}`;
      out.push(`const ${a} = ${value};`, `if (!Array.isArray(${a})) return false;`, `for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {`);
      const e = `e${names.n++}`;
      out.push(`const ${e} = ${a}[${i}];`);
      emit(def.element!, e, out, names);
      out.push('}');
      return;
    }
    case 'object': {
      // Strict objects and catch-alls have a `catchall`; plain objects strip unknown keys.
      if (checks.length || def.catchall) unsupported();
      // What zod's object parse asks of its input (zod/v4/core util.isObject).
      const o = `o${names.n++}`;
      out.push(`const ${o} = ${value};`, `if (typeof ${o} !== 'object' || ${o} === null || Array.isArray(${o})) return false;`);
      for (const [key, field] of Object.entries(def.shape!)) {
        const v = `v${names.n++}`;
        out.push(`const ${v} = ${o}[${JSON.stringify(key)}];`);
        emit(field, v, out, names);
      }
      return;
    }
    default:
      unsupported();
  }
}
