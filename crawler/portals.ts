/**
 * Portal sources as data (crawler/portals.json): who publishes, where their 年报 columns are.
 * The file is validated (zod, unknown keys refused): a mistyped key or platform is an error that
 * names the file and the key, never a silent fallback to detection.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export interface PortalSource {
  name: string;
  region?: { province?: string; city?: string; county?: string };
  /** Start URLs: 年报 columns (preferred) or a portal page that links to them. */
  start: string[];
  /** Adapter that must read this portal's listings even without evidence: trs, jcms, jsonapi, generic. */
  platform?: string;
  /** Extra hosts this portal serves files from (e.g. a province-wide attachment CDN). */
  allowHosts?: string[];
  /** How sure we are of the start URLs. */
  note?: string;
  /** The embedded sample portal: start URLs are paths resolved against its address at run time. */
  sample?: boolean;
}

/** One portal entry. Adding a field to PortalSource means adding it here too (checked by the type below). */
export const PortalSourceSchema = z.strictObject({
  name: z.string().min(1),
  region: z.strictObject({ province: z.string().optional(), city: z.string().optional(), county: z.string().optional() }).optional(),
  start: z.array(z.string().min(1)).min(1, 'needs at least one start URL'),
  platform: z.string().min(1).optional(),
  allowHosts: z.array(z.string().min(1)).optional(),
  note: z.string().optional(),
  sample: z.boolean().optional(),
});
// The schema and the interface describe the same entry (a compile error when they drift apart).
const sameShape: [z.infer<typeof PortalSourceSchema>, PortalSource] extends [PortalSource, z.infer<typeof PortalSourceSchema>] ? true : never = true;
void sameShape;

/** A portals file: `{ "portals": [...] }` (with an optional `$comment`) or the bare list. */
export const PortalsFileSchema = z.union([
  z.array(PortalSourceSchema),
  z.strictObject({ $comment: z.string().optional(), portals: z.array(PortalSourceSchema) }),
]);

export class PortalsError extends Error {}

export const DEFAULT_PORTALS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'portals.json');

/** `portals[2].platform`-style key of a zod issue path (with a prefix such as `portals`). */
export function keyOf(issuePath: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const k of issuePath) out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`;
  return out || '(top level)';
}

/** The first problems of a failed parse, one per line: `<where>: <key>: <message>`. */
export function describeIssues(where: string, error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${where}: ${keyOf(i.path, prefix)}: ${i.message}`)
    .join('\n');
}

/**
 * Check a list of portal entries. `platforms` (the adapters' names) makes an unknown `platform`
 * an error; `where` names the file for the message, `prefix` the key the list sits under.
 */
export function validatePortals(data: unknown, where: string, opts: { platforms?: readonly string[]; prefix?: string } = {}): PortalSource[] {
  const isList = Array.isArray(data);
  const parsed = (isList ? PortalsFileSchema.options[0] : PortalsFileSchema.options[1]).safeParse(data);
  const prefix = opts.prefix ?? '';
  if (!parsed.success) throw new PortalsError(describeIssues(where, parsed.error, prefix));
  const list: PortalSource[] = Array.isArray(parsed.data) ? parsed.data : parsed.data.portals;
  const listKey = isList ? prefix : keyOf(['portals'], prefix);
  if (opts.platforms) {
    list.forEach((p, i) => {
      if (p.platform !== undefined && !opts.platforms!.includes(p.platform))
        throw new PortalsError(`${where}: ${keyOf([i, 'platform'], listKey)}: '${p.platform}' is not a platform (${opts.platforms!.join(', ')})`);
    });
  }
  return list;
}

export function loadPortals(file = DEFAULT_PORTALS_FILE, opts: { platforms?: readonly string[] } = {}): PortalSource[] {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PortalsError(`${file}: cannot read the portals file: ${(e as Error).message}`);
  }
  return validatePortals(data, file, opts);
}

/** The sample portal's entry with its start paths resolved against a running sample portal. */
export function samplePortal(baseUrl: string, portals = loadPortals()): PortalSource {
  const p = portals.find((x) => x.sample);
  if (!p) throw new Error('no sample portal in the portals file');
  return { ...p, start: p.start.map((s) => new URL(s, baseUrl).href) };
}
