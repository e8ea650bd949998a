/**
 * Chinese full-text search over current reports. FTS5's default tokenizer takes a run of Chinese
 * characters as one token, so two indexes are kept (migration 2):
 * - reports_fts, trigram: any substring of 3 or more characters, with FTS5 ranking;
 * - reports_bigram, unicode61 over text we rewrite as space-separated overlapping bigrams: answers
 *   queries with a 1 or 2 character term (公开, 年), which trigram cannot.
 */
import type Database from 'better-sqlite3';
import type { DB } from '../store/db.ts';

const HAN = /\p{Script=Han}/u;
// A run of Han characters, or a run of other letters/digits (kept whole, as unicode61 would).
const RUNS = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;

/**
 * Text → bigram tokens. A Han run 中华人民 gives 中华 华人 人民 民: overlapping bigrams plus its
 * last character alone, so that a prefix query 民* finds a character at the end of a run too.
 * Other words stay whole.
 */
export function toBigrams(text: string): string {
  const out: string[] = [];
  for (const m of text.matchAll(RUNS)) {
    const run = m[0];
    if (!HAN.test(run[0]!)) {
      out.push(run);
      continue;
    }
    const chars = Array.from(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
    out.push(chars[chars.length - 1]!);
  }
  return out.join(' ');
}

/**
 * One query term → an FTS5 phrase over the bigram index that matches exactly where the term occurs
 * as a substring. Bigrams of each Han run; a run's last character alone only where the term goes
 * on after it (the text side has that unigram only at the end of a run); a term ending in a single
 * Han character becomes a prefix query (年 → "年"*, which matches 年度 and the unigram 年).
 */
function bigramPhrase(term: string): string | null {
  const runs = Array.from(term.matchAll(RUNS), (m) => m[0]);
  if (runs.length === 0) return null;
  const tokens: string[] = [];
  let prefix = false;
  runs.forEach((run, k) => {
    const last = k === runs.length - 1;
    if (!HAN.test(run[0]!)) {
      tokens.push(run);
      prefix = false;
      return;
    }
    const chars = Array.from(run);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
    if (chars.length === 1 || !last) tokens.push(chars[chars.length - 1]!);
    prefix = last && chars.length === 1;
  });
  return `"${tokens.join(' ').replace(/"/g, '""')}"${prefix ? '*' : ''}`;
}

function terms(query: string): string[] {
  return query.normalize('NFKC').split(/\s+/).filter(Boolean);
}

// Prepared once per connection: the loader indexes every current report it stores.
const ftsStatements = new WeakMap<DB, Record<'add' | 'addBigram' | 'remove' | 'removeBigram', Database.Statement<unknown[]>>>();

function fts(db: DB) {
  let s = ftsStatements.get(db);
  if (!s) {
    s = {
      add: db.prepare('INSERT INTO reports_fts (rowid, title, text) VALUES (?, ?, ?)'),
      addBigram: db.prepare('INSERT INTO reports_bigram (rowid, title, text) VALUES (?, ?, ?)'),
      // reports_fts is an external-content table: deleting needs the indexed values.
      remove: db.prepare(`INSERT INTO reports_fts (reports_fts, rowid, title, text) SELECT 'delete', id, title, text FROM reports WHERE id = ?`),
      removeBigram: db.prepare('DELETE FROM reports_bigram WHERE rowid = ?'),
    };
    ftsStatements.set(db, s);
  }
  return s;
}

/** Adds a current report to both indexes (rowid = reports.id). */
export function indexReport(db: DB, id: number, title: string | null, text: string | null): void {
  const s = fts(db);
  s.add.run(id, title, text);
  s.addBigram.run(id, toBigrams(title ?? ''), toBigrams(text ?? ''));
}

/** Removes a report from both indexes. Call before its title/text change. */
export function unindexReport(db: DB, id: number): void {
  const s = fts(db);
  s.remove.run(id);
  s.removeBigram.run(id);
}

export interface SearchHit {
  reportId: number;
  agency: string | null;
  year: number | null;
  title: string | null;
  snippet: string;
}

/** A window of the text around the first match, the match in 【】, whitespace collapsed. */
export function makeSnippet(text: string, needles: string[], width = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  let at = -1;
  let len = 0;
  for (const n of needles) {
    const i = lower.indexOf(n.toLowerCase());
    if (i >= 0 && (at < 0 || i < at)) {
      at = i;
      len = n.length;
    }
  }
  if (at < 0) return flat.slice(0, width * 2) + (flat.length > width * 2 ? '…' : '');
  const start = Math.max(0, at - width);
  const end = Math.min(flat.length, at + len + width);
  return (
    (start > 0 ? '…' : '') +
    flat.slice(start, at) +
    '【' +
    flat.slice(at, at + len) +
    '】' +
    flat.slice(at + len, end) +
    (end < flat.length ? '…' : '')
  );
}

/**
 * Current reports matching every whitespace-separated term of the query, best first. All terms of
 * 3+ characters: the trigram index (bm25 rank); otherwise the bigram index.
 */
export function searchReports(db: DB, query: string, opts: { limit?: number } = {}): SearchHit[] {
  const ts = terms(query);
  if (ts.length === 0) return [];
  const limit = opts.limit ?? 20;
  const trigram = ts.every((t) => Array.from(t).length >= 3);
  let match: string;
  let table: string;
  if (trigram) {
    table = 'reports_fts';
    match = ts.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
  } else {
    table = 'reports_bigram';
    const phrases = ts.map(bigramPhrase).filter((p): p is string => p !== null);
    if (phrases.length === 0) return [];
    match = phrases.join(' AND ');
  }
  const rows = db
    .prepare(
      `SELECT r.id, r.agency, r.year, r.title, r.text
       FROM ${table} s JOIN reports r ON r.id = s.rowid
       WHERE ${table} MATCH ? AND r.is_current = 1
       ORDER BY s.rank, r.id
       LIMIT ?`,
    )
    .all(match, limit) as Array<{ id: number; agency: string | null; year: number | null; title: string | null; text: string | null }>;
  return rows.map((r) => ({
    reportId: r.id,
    agency: r.agency,
    year: r.year,
    title: r.title,
    snippet: makeSnippet(r.text || r.title || '', ts),
  }));
}
