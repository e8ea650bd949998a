/**
 * Chinese full-text search over current reports. FTS5's default tokenizer takes a run of Chinese
 * characters as one token, so the text is indexed as overlapping character bigrams (migration
 * 10): reports_bigram, over text we rewrite as space-separated bigrams (store/bigrams.ts; FTS5's
 * ascii tokenizer since migration 15, which only splits at the spaces). A query term of
 * any length becomes the phrase of its bigrams, which matches exactly where the term occurs; a
 * term of one character is a prefix query. (Migration 2 also kept a trigram index for terms of 3+
 * characters; it cost more to fill than this one and answered nothing this one does not.)
 *
 * The loader does not index report by report: it lists current reports in fts_pending and
 * indexPending() tokenizes them in one statement at the end of a load (loadReports does it
 * before it returns unless told to defer; the normalize stage defers to the end of the stage).
 */
import type Database from 'better-sqlite3';
import type { DB } from '../store/db.ts';
import { foldWord, registerBigrams, toBigrams } from '../store/bigrams.ts';

export { toBigrams };

// A run of Han characters, or a run of other letters/digits (kept whole, as toBigrams does).
const RUNS = /\p{Script=Han}+|(?:(?!\p{Script=Han})[\p{L}\p{N}])+/gu;
const HAN_START = /^\p{Script=Han}/u;

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
    if (!HAN_START.test(run)) {
      // Folded as toBigrams folds the text (the ascii tokenizer folds ASCII only).
      tokens.push(/[^\x00-\x7f]/.test(run) ? foldWord(run) : run);
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

// Prepared once per connection: the loader queues every current report it stores.
const ftsStatements = new WeakMap<DB, Record<'queue' | 'unqueue' | 'remove' | 'indexPending' | 'clearPending', Database.Statement<unknown[]>>>();

function fts(db: DB) {
  let s = ftsStatements.get(db);
  if (!s) {
    // The bigram splitter as an SQL function, so one INSERT … SELECT indexes a whole load.
    registerBigrams(db);
    s = {
      queue: db.prepare('INSERT OR IGNORE INTO fts_pending (report_id) VALUES (?)'),
      unqueue: db.prepare('DELETE FROM fts_pending WHERE report_id = ?'),
      // contentless_delete=1: a rowid not in the index is a no-op.
      remove: db.prepare('DELETE FROM reports_bigram WHERE rowid = ?'),
      // The text goes to nianbao_bigrams as UTF-8 bytes and its tokens come back so (store/bigrams.ts).
      indexPending: db.prepare(
        `INSERT INTO reports_bigram (rowid, title, text)
         SELECT r.id, nianbao_bigrams(CAST(r.title AS BLOB)), nianbao_bigrams(CAST(r.text AS BLOB))
         FROM fts_pending p JOIN reports r ON r.id = p.report_id
         WHERE r.is_current = 1
         ORDER BY r.id`,
      ),
      clearPending: db.prepare('DELETE FROM fts_pending'),
    };
    ftsStatements.set(db, s);
  }
  return s;
}

/** Queues a current report for the index (rowid = reports.id): indexPending() adds it. */
export function indexReport(db: DB, id: number): void {
  fts(db).queue.run(id);
}

/** Removes a report from the index (and from the queue, if it was not indexed yet). */
export function unindexReport(db: DB, id: number): void {
  const s = fts(db);
  s.remove.run(id);
  s.unqueue.run(id);
}

/**
 * Indexes every queued report that is still current, in one statement, and empties the queue.
 * Runs inside the caller's transaction if there is one. Returns the number of reports indexed.
 */
export function indexPending(db: DB): number {
  const s = fts(db);
  return db.transaction(() => {
    const n = s.indexPending.run().changes;
    s.clearPending.run();
    return n;
  }).immediate();
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
 * Current reports matching every whitespace-separated term of the query (each a phrase of bigrams
 * over reports_bigram), best first (FTS5 bm25 rank).
 */
export function searchReports(db: DB, query: string, opts: { limit?: number } = {}): SearchHit[] {
  const ts = terms(query);
  if (ts.length === 0) return [];
  const limit = opts.limit ?? 20;
  const table = 'reports_bigram';
  const phrases = ts.map(bigramPhrase).filter((p): p is string => p !== null);
  if (phrases.length === 0) return [];
  const match = phrases.join(' AND ');
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
