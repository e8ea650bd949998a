/**
 * The tolerant vocabulary of printed labels (schema/vocabulary.json): canonical forms (numbering,
 * synonyms, suffixes) and the confusion-weighted edit distance that snaps an unmatched label to
 * the official row it is closest to. Every Chinese word involved is data; this is the mechanism.
 */
import { mapping } from '../schema/mappings.ts';

interface VocabularyFile {
  numbering: string[];
  note: string;
  synonyms: { canonical: string; variants: string[] }[];
  suffixes: { pattern: string; replace: string }[];
  confusions: string[];
  snap: { confusion_cost: number; max_distance: number; min_margin: number; unplaced_max_distance: number };
}

const vocab = mapping<VocabularyFile>('vocabulary.json');
const numbering = vocab.numbering.map((p) => new RegExp(p, 'u'));
const synonyms = vocab.synonyms.flatMap((s) => s.variants.map((v) => ({ re: new RegExp(v, 'gu'), to: s.canonical })));
const note = new RegExp(vocab.note, 'u');
const suffixes = vocab.suffixes.map((s) => ({ re: new RegExp(s.pattern, 'u'), to: s.replace }));
export const SNAP = vocab.snap;

/** Character → the groups of characters it is confused with (a character may sit in several). */
const confusable = new Map<string, Set<string>>();
for (const group of vocab.confusions) {
  const chars = [...group];
  for (const c of chars) {
    const set = confusable.get(c) ?? new Set<string>();
    for (const d of chars) if (d !== c) set.add(d);
    confusable.set(c, set);
  }
}

/** Drops leading outline numbering and 其中： (repeatedly: （三）2. or 其中：1.). Input is normalizeLabel'd. */
export function stripNumbering(l: string): string {
  let prev: string;
  let s = l;
  do {
    prev = s;
    for (const re of numbering) s = s.replace(re, '');
  } while (s !== prev && s.length > 0);
  return s.length > 0 ? s : l;
}

/** The label without its trailing parenthetical note, unless the note is all there is. */
export function dropNote(l: string): string {
  const s = l.replace(note, '');
  return [...stripNumbering(s)].length >= 2 ? s : l;
}

/** Note dropped, numbering stripped, synonyms replaced by their canonical word, suffixes rewritten. */
export function canonicalLabel(l: string): string {
  let s = stripNumbering(dropNote(l));
  for (const { re, to } of synonyms) s = s.replace(re, to);
  for (const { re, to } of suffixes) s = s.replace(re, to);
  return s;
}

/** The forms a label is tried in, most literal first, without repeats. */
export function labelForms(l: string): string[] {
  const bare = dropNote(l);
  const forms = [bare, stripNumbering(bare), canonicalLabel(l)];
  return forms.filter((f, i) => f.length > 0 && forms.indexOf(f) === i);
}

export const areConfusable = (a: string, b: string) => confusable.get(a)?.has(b) ?? false;

/**
 * Edit distance where substituting two confusable characters costs SNAP.confusion_cost, divided
 * by the longer length (0 = same, 1 = nothing in common).
 */
export function labelDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  if (x.length === 0 || y.length === 0) return 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      const sub = x[i - 1] === y[j - 1] ? 0 : areConfusable(x[i - 1], y[j - 1]) ? SNAP.confusion_cost : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub);
    }
    prev = cur;
  }
  return prev[y.length] / Math.max(x.length, y.length);
}

export interface SnapCandidate {
  id: string;
  /** The official printed label(s) of the row, normalised. */
  labels: string[];
}

export interface Snap {
  id: string;
  distance: number;
  /** Distance of the runner-up (1 when there is none). */
  runnerUp: number;
  /** The candidates were limited by the row's position between matched rows. */
  placed: boolean;
}

/**
 * Snaps `label` to one of `candidates`: the closest by labelDistance on canonical forms, if close
 * enough and clearly closer than the runner-up; else null (the label stays unknown). Candidates
 * `placed` by position (between the rows that did match) get the looser threshold; unplaced ones
 * (the position says nothing) must be much closer.
 */
export function snapLabel(label: string, candidates: SnapCandidate[], placed: boolean): Snap | null {
  const l = canonicalLabel(label);
  if ([...l].length < 2) return null;
  const scored = candidates
    .map((c) => ({ id: c.id, d: Math.min(...c.labels.map((x) => labelDistance(l, canonicalLabel(x)))) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (!best) return null;
  const runnerUp = scored.find((s) => s.id !== best.id)?.d ?? 1;
  const max = placed ? SNAP.max_distance : SNAP.unplaced_max_distance;
  if (best.d > max || runnerUp - best.d < SNAP.min_margin) return null;
  return { id: best.id, distance: best.d, runnerUp, placed };
}

/**
 * Rows of an official order that may stand between the last row matched before a label and the
 * first matched after it (exclusive), minus those already seen. `null` bounds are open ends.
 */
export function rowsBetween(order: string[], before: string | null, after: string | null, seen: Set<string>): string[] {
  const lo = before === null ? -1 : order.indexOf(before);
  const hi = after === null ? order.length : order.indexOf(after);
  if ((before !== null && lo < 0) || (after !== null && hi < 0) || hi <= lo) return [];
  return order.slice(lo + 1, hi).filter((r) => !seen.has(r));
}
