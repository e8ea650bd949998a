/** Portal sources as data (crawler/portals.json): who publishes, where their 年报 columns are. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrawlOptions } from './options.ts';

export interface PortalSource {
  name: string;
  region?: { province?: string; city?: string; county?: string };
  /** Start URLs: 年报 columns (preferred) or a portal page that links to them. */
  start: string[];
  /** Adapter that must read this portal's listings even without evidence: trs, jcms, jsonapi, generic. */
  platform?: string;
  /** Extra hosts this portal serves files from (e.g. a province-wide attachment CDN). */
  allowHosts?: string[];
  /** Per-portal option overrides (a slower delay for a fragile server, ...). */
  overrides?: Partial<Pick<CrawlOptions, 'perHostDelayMs' | 'perHostConcurrency' | 'timeoutMs' | 'maxBytes'>>;
  /** How sure we are of the start URLs. */
  note?: string;
  /** The embedded sample portal: start URLs are paths resolved against its address at run time. */
  sample?: boolean;
}

export const DEFAULT_PORTALS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'portals.json');

export function loadPortals(file = DEFAULT_PORTALS_FILE): PortalSource[] {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { portals?: PortalSource[] } | PortalSource[];
  const list = Array.isArray(data) ? data : (data.portals ?? []);
  for (const p of list) {
    if (!p.name || !Array.isArray(p.start) || p.start.length === 0) throw new Error(`${file}: portal entries need a name and start URLs`);
  }
  return list;
}

/** The sample portal's entry with its start paths resolved against a running sample portal. */
export function samplePortal(baseUrl: string, portals = loadPortals()): PortalSource {
  const p = portals.find((x) => x.sample);
  if (!p) throw new Error('no sample portal in the portals file');
  return { ...p, start: p.start.map((s) => new URL(s, baseUrl).href) };
}
