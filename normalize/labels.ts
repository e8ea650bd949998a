/**
 * Loads the label-to-identifier mapping data (schema/labels.json) and matches normalised labels
 * against it. Code never spells a Chinese label itself: it asks this module.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface LabelEntry {
  id: string;
  match: string[];
  within?: string;
  variant?: string;
  unit?: string;
}

interface LabelEntryCompiled extends LabelEntry {
  patterns: RegExp[];
  withinPattern?: RegExp;
}

interface LabelsFile {
  version: number;
  applications: { cols: LabelEntry[]; rows: LabelEntry[]; sections: string[] };
  review_litigation: { rows: LabelEntry[]; cols: LabelEntry[] };
  proactive: { rows: LabelEntry[]; cols: LabelEntry[] };
  legacy_stats: {
    sections: LabelEntry[];
    headers: Record<'value' | 'cumulative' | 'unit' | 'label', string[]>;
    rows: LabelEntry[];
  };
  narrative: LabelEntry[];
  report_sections: { legacy: string[]; statutory: string[] };
}

const raw = JSON.parse(
  fs.readFileSync(fileURLToPath(new URL('../schema/labels.json', import.meta.url)), 'utf8'),
) as LabelsFile;

export const LABELS_VERSION = raw.version;

/** A compiled list of entries; `find` returns the first entry whose pattern matches. */
export class LabelList {
  private entries: LabelEntryCompiled[];
  constructor(entries: LabelEntry[]) {
    this.entries = entries.map((e) => ({
      ...e,
      patterns: e.match.map((m) => new RegExp(m, 'u')),
      withinPattern: e.within ? new RegExp(e.within, 'u') : undefined,
    }));
  }
  /** First entry matching `label`; entries with `within` need `section` to match it. */
  find(label: string, section?: string): LabelEntry | undefined {
    for (const e of this.entries) {
      if (e.within && !(section && (e.withinPattern!.test(section) || e.within === section))) continue;
      if (e.patterns.some((p) => p.test(label))) return e;
    }
    return undefined;
  }
  /** Every entry matching, in table order. */
  all(): LabelEntry[] {
    return this.entries;
  }
}

export const labels = {
  applicationsRows: new LabelList(raw.applications.rows),
  applicationsCols: new LabelList(raw.applications.cols),
  applicationsSections: raw.applications.sections.map((s) => new RegExp(s, 'u')),
  reviewRows: new LabelList(raw.review_litigation.rows),
  reviewCols: new LabelList(raw.review_litigation.cols),
  proactiveRows: new LabelList(raw.proactive.rows),
  proactiveCols: new LabelList(raw.proactive.cols),
  legacySections: new LabelList(raw.legacy_stats.sections),
  legacyRows: new LabelList(raw.legacy_stats.rows),
  legacyHeaders: Object.fromEntries(
    Object.entries(raw.legacy_stats.headers).map(([k, v]) => [k, v.map((s) => new RegExp(s, 'u'))]),
  ) as Record<'value' | 'cumulative' | 'unit' | 'label', RegExp[]>,
  reportSections: {
    legacy: raw.report_sections.legacy.map((s) => new RegExp(s, 'u')),
    statutory: raw.report_sections.statutory.map((s) => new RegExp(s, 'u')),
  },
  narrative: raw.narrative.map((e) => ({ id: e.id, patterns: e.match.map((m) => new RegExp(m, 'gu')) })),
};
