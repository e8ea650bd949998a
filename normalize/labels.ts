/**
 * Loads the label-to-identifier mapping data (schema/labels.json) and matches normalised labels
 * against it. Code never spells a Chinese label itself: it asks this module.
 */
import { mapping } from '../schema/mappings.ts';
import { normalizeLabel } from './cells.ts';
import { canonicalLabel, labelDistance, labelForms, SNAP, type SnapCandidate } from './vocabulary.ts';

export interface LabelEntry {
  id: string;
  /** The label as the official table prints it (what unmatched labels snap to). */
  label?: string;
  match: string[];
  within?: string;
  variant?: string;
  unit?: string;
}

interface LabelEntryCompiled extends LabelEntry {
  /** Canonical form of `label`, computed on first use. */
  canonical?: string;
  patterns: RegExp[];
  withinPattern?: RegExp;
}

interface LabelsFile {
  version: number;
  applications: { cols: LabelEntry[]; rows: LabelEntry[]; sections: string[]; other_section: string };
  review_litigation: { rows: LabelEntry[]; cols: LabelEntry[]; header: { cols: string; review: string; litigation: string } };
  proactive: { rows: LabelEntry[]; cols: LabelEntry[] };
  legacy_stats: {
    sections: LabelEntry[];
    headers: Record<'value' | 'cumulative' | 'unit' | 'label', string[]>;
    rows: LabelEntry[];
    table_header: string;
    units: string;
    top_level: string;
  };
  narrative: {
    /** `none`: sentences stating that there were none (未收到…申请): group 1 the word that says so. */
    rows: (LabelEntry & { none?: string[]; section?: { heading: string; match: string[] } })[];
    scope: Record<'heading' | 'top_heading' | 'not_a_count' | 'enumeration' | 'disclosure' | 'other_procedure' | 'sub_category' | 'summary' | 'sub_item' | 'running_total' | 'this_year' | 'area' | 'own' | 'carried_over' | 'subordinate' | 'channel' | 'channel_list' | 'across' | 'colon_list' | 'generic' | 'level' | 'procedure_agency' | 'broad' | 'defined', string>;
  };
  report_sections: { legacy: string[]; statutory: string[] };
}

const raw = mapping<LabelsFile>('labels.json');


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
  /**
   * First entry matching `label` as printed; failing that, in its canonical forms (numbering,
   * synonyms, suffixes of vocabulary.json). Entries with `within` need `section` to match it.
   */
  find(label: string, section?: string): LabelEntry | undefined {
    const key = `${section ?? ''}\u0000${label}`;
    if (this.cache.has(key)) return this.cache.get(key);
    if (this.cache.size > 20_000) this.cache.clear();
    let hit: LabelEntryCompiled | undefined;
    for (const form of labelForms(label)) {
      hit = this.findExact(form, section);
      if (hit) break;
    }
    if (hit) hit = this.closerRow(label, hit, section);
    this.cache.set(key, hit);
    return hit;
  }
  private cache = new Map<string, LabelEntry | undefined>();
  /**
   * A pattern is a few characters of the label; a label that is a near-copy of another row's
   * official label (主要负同志参加…在线访谈 with one character lost) belongs to that row, not to the
   * shorter pattern it still contains.
   */
  private closerRow(label: string, hit: LabelEntryCompiled, section?: string): LabelEntryCompiled {
    if (!hit.label) return hit;
    const l = canonicalLabel(label);
    const dist = (e: LabelEntryCompiled) => labelDistance(l, (e.canonical ??= canonicalLabel(normalizeLabel(e.label!))));
    const own = Math.min(...this.entries.filter((e) => e.id === hit.id && e.label).map(dist));
    if (own === 0) return hit;
    let best: { e: LabelEntryCompiled; d: number } | undefined;
    for (const e of this.entries) {
      if (!e.label || e.id === hit.id) continue;
      if (e.within && !(section && (e.withinPattern!.test(section) || e.within === section))) continue;
      const d = dist(e);
      if (!best || d < best.d) best = { e, d };
    }
    return best && best.d <= SNAP.unplaced_max_distance && own - best.d >= SNAP.min_margin ? best.e : hit;
  }
  private findExact(label: string, section?: string): LabelEntryCompiled | undefined {
    for (const e of this.entries) {
      if (e.within && !(section && (e.withinPattern!.test(section) || e.within === section))) continue;
      if (e.patterns.some((p) => p.test(label))) return e;
    }
    return undefined;
  }
  /**
   * The rows as snap candidates, in `order` (the official row order of identifiers.json), each with
   * the labels official tables print for it; `within` limits them to one section as in `find`.
   */
  candidates(order: string[], section?: string): SnapCandidate[] {
    const usable = this.entries.filter((e) => e.label && (!e.within || (section && (e.withinPattern!.test(section) || e.within === section))));
    return order.flatMap((id) => {
      const ls = usable.filter((e) => e.id === id).map((e) => normalizeLabel(e.label!));
      return ls.length ? [{ id, labels: ls }] : [];
    });
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
  applicationsOtherSection: new RegExp(raw.applications.other_section, 'u'),
  reviewHeader: {
    cols: new RegExp(raw.review_litigation.header.cols, 'u'),
    review: new RegExp(raw.review_litigation.header.review, 'u'),
    litigation: new RegExp(raw.review_litigation.header.litigation, 'u'),
  },
  legacyTableHeader: new RegExp(raw.legacy_stats.table_header, 'u'),
  legacyUnit: new RegExp(raw.legacy_stats.units, 'u'),
  legacyTopLevel: new RegExp(raw.legacy_stats.top_level, 'u'),
  reportSections: {
    legacy: raw.report_sections.legacy.map((s) => new RegExp(s, 'u')),
    statutory: raw.report_sections.statutory.map((s) => new RegExp(s, 'u')),
  },
  // `d`: the number's own position (group 1), where a second number may come first in the match.
  narrative: raw.narrative.rows.map((e) => ({
    id: e.id,
    patterns: e.match.map((m) => new RegExp(m, 'dgu')),
    none: (e.none ?? []).map((m) => new RegExp(m, 'dgu')),
    // Read only in a section whose heading names the row (（一）主动公开 … 发布信息128条).
    section: e.section ? { heading: new RegExp(e.section.heading, 'u'), patterns: e.section.match.map((m) => new RegExp(m, 'dgu')) } : null,
  })),
  narrativeScope: {
    heading: new RegExp(raw.narrative.scope.heading, 'u'),
    topHeading: new RegExp(raw.narrative.scope.top_heading, 'u'),
    notACount: new RegExp(raw.narrative.scope.not_a_count, 'u'),
    enumeration: new RegExp(raw.narrative.scope.enumeration, 'u'),
    disclosure: new RegExp(raw.narrative.scope.disclosure, 'u'),
    otherProcedure: new RegExp(raw.narrative.scope.other_procedure, 'u'),
    subCategory: new RegExp(raw.narrative.scope.sub_category, 'u'),
    summary: new RegExp(raw.narrative.scope.summary, 'u'),
    subItem: new RegExp(raw.narrative.scope.sub_item, 'u'),
    runningTotal: new RegExp(raw.narrative.scope.running_total, 'u'),
    thisYear: new RegExp(raw.narrative.scope.this_year, 'u'),
    area: new RegExp(raw.narrative.scope.area, 'u'),
    own: new RegExp(raw.narrative.scope.own, 'u'),
    carriedOver: new RegExp(raw.narrative.scope.carried_over, 'u'),
    subordinate: new RegExp(raw.narrative.scope.subordinate, 'u'),
    channel: new RegExp(raw.narrative.scope.channel, 'u'),
    channelList: new RegExp(raw.narrative.scope.channel_list, 'u'),
    generic: new RegExp(raw.narrative.scope.generic, 'u'),
    across: new RegExp(raw.narrative.scope.across, 'u'),
    colonList: new RegExp(raw.narrative.scope.colon_list, 'u'),
    level: new RegExp(raw.narrative.scope.level, 'u'),
    procedureAgency: new RegExp(raw.narrative.scope.procedure_agency, 'gu'),
    broad: new RegExp(raw.narrative.scope.broad, 'u'),
    defined: new RegExp(raw.narrative.scope.defined, 'u'),
  },
};

/**
 * Matches every official label of the mapping data against every label list, as the normaliser
 * does with a document's row and column labels: compiles the lists' patterns, fills their caches
 * with the labels official tables print, and warms the matching code. Run where a thread would
 * otherwise wait (normalize/index.ts warmNormalizer); one step per label list.
 */
export function warmLabelSteps(): (() => void)[] {
  const lists = Object.values(labels).filter((v): v is LabelList => v instanceof LabelList);
  const official = [...new Set(lists.flatMap((l) => l.all().flatMap((e) => (e.label ? [normalizeLabel(e.label)] : []))))];
  return lists.map((list) => () => {
    for (const l of official) list.find(l);
  });
}

interface IdentifiersFile {
  tables: {
    applications: { rows: string[]; cols: string[] };
    review_litigation: { rows: string[]; cols: string[] };
    proactive: { variants: Record<string, Record<string, string[]>> };
    legacy_stats: { rows: string[]; cols: string[] };
    narrative: { rows: string[] };
  };
}

/** The output contract (schema/identifiers.json): official row orders and table shapes. */
export const identifiers = mapping<IdentifiersFile>('identifiers.json');

/** Official row order of the proactive table: the union of its variants, in printed order. */
export const PROACTIVE_ORDER = labels.proactiveRows.all().map((e) => e.id).filter((id, i, a) => a.indexOf(id) === i);

export const APPLICATION_COLS = identifiers.tables.applications.cols;
export const REVIEW_ROWS = identifiers.tables.review_litigation.rows;
export const REVIEW_COLS = identifiers.tables.review_litigation.cols;
