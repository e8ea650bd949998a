/**
 * Every list checks what it states against what it found. Each page read (or failed) is recorded
 * under its list (the list's first page URL) in `crawl_list_pages`, so a resumed run still counts
 * the pages read before it was killed. At the end, a list whose stated record count (or page
 * count) was not reached, or one of whose pages failed, is an incomplete listing.
 */
import type { DB } from '../store/db.ts';
import type { StatedSize } from './stated.ts';

export interface IncompleteListing {
  url: string;
  portal: string;
  /** Null when the list states nothing (it is incomplete because a page failed). */
  stated: number | null;
  found: number;
  /** What `stated` and `found` count: records, or (a list that states only its page count) pages read. */
  unit: 'records' | 'pages';
  /** With unit 'pages': the entries found on the pages read. */
  entries?: number;
  /** Pages of the list that could not be read (404, challenge not passed …). */
  failedPages?: { url: string; kind: string }[];
  /** The adapters that read the list's first page and what they relied on. */
  readBy?: string;
}

/** "states 25 records, found 20"; "states 3 pages, read 2 (8 entries)"; "states nothing, found 12". */
export function incompleteText(l: Pick<IncompleteListing, 'stated' | 'found' | 'unit' | 'entries'>): string {
  if (l.stated === null) return `states nothing, found ${l.found} entries`;
  if (l.unit === 'pages') return `states ${l.stated} pages, read ${l.found}${l.entries !== undefined ? ` (${l.entries} entries)` : ''}`;
  return `states ${l.stated} records, found ${l.found}`;
}

export interface ListState {
  url: string;
  portal: string;
  stated: StatedSize | null;
  entries: Set<string>;
  /** Entries per page read, in reading order (the first page's count is the page size when none is stated). */
  pages: Map<string, number>;
  /** The entries of each page read, in reading order. */
  pageEntries: Map<string, string[]>;
  failed: Map<string, string>;
  /** Per page read: the adapters that read it and what they relied on. */
  readBy: Map<string, string>;
}

export interface ListVerdict {
  list: ListState;
  complete: boolean;
  stated: number | null;
  found: number;
  unit: 'records' | 'pages';
}

export class ListTracker {
  private lists = new Map<string, ListState>();

  constructor(
    private db: DB,
    private runId: number,
  ) {
    const rows = db.prepare(`SELECT list_url, portal, page_url, stated, entries, failed, read_by FROM crawl_list_pages WHERE run_id = ?`).all(runId) as {
      list_url: string; portal: string; page_url: string; stated: string | null; entries: string | null; failed: string | null; read_by: string | null;
    }[];
    for (const r of rows) {
      if (r.failed) this.remember(r.list_url, r.portal, r.page_url, null, [], null, r.failed);
      else this.remember(r.list_url, r.portal, r.page_url, r.stated ? (JSON.parse(r.stated) as StatedSize) : null, r.entries ? (JSON.parse(r.entries) as string[]) : [], r.read_by);
    }
  }

  private state(list: string, portal: string): ListState {
    let s = this.lists.get(list);
    if (!s) this.lists.set(list, (s = { url: list, portal, stated: null, entries: new Set(), pages: new Map(), pageEntries: new Map(), failed: new Map(), readBy: new Map() }));
    return s;
  }

  private remember(list: string, portal: string, page: string, stated: StatedSize | null, entries: string[], readBy: string | null, failed?: string): ListState {
    const s = this.state(list, portal);
    if (failed) {
      if (!s.pages.has(page)) s.failed.set(page, failed);
      return s;
    }
    s.failed.delete(page);
    // The first page's statement counts; later pages repeat it (or state a window of it).
    if (stated && (!s.stated || page === list)) s.stated = stated;
    for (const e of entries) s.entries.add(e);
    s.pages.set(page, entries.length);
    s.pageEntries.set(page, entries);
    if (readBy) s.readBy.set(page, readBy);
    return s;
  }

  has(list: string): boolean {
    return this.lists.has(list);
  }

  get(list: string): ListState | undefined {
    return this.lists.get(list);
  }

  read(list: string, portal: string, page: string, stated: StatedSize | null, entries: string[], readBy: string | null = null): ListState {
    this.db
      .prepare(`INSERT OR REPLACE INTO crawl_list_pages (run_id, list_url, portal, page_url, stated, entries, failed, read_by) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)`)
      .run(this.runId, list, portal, page, stated ? JSON.stringify(stated) : null, JSON.stringify(entries), readBy || null);
    return this.remember(list, portal, page, stated, entries, readBy);
  }

  failed(list: string, portal: string, page: string, kind: string): void {
    const s = this.state(list, portal);
    if (s.pages.has(page)) return;
    this.db.prepare(`INSERT OR REPLACE INTO crawl_list_pages (run_id, list_url, portal, page_url, stated, entries, failed) VALUES (?, ?, ?, ?, NULL, NULL, ?)`).run(this.runId, list, portal, page, kind);
    this.remember(list, portal, page, null, [], null, kind);
  }

  /**
   * Entries found: each page's entries counted as listed (a list that shows one record twice
   * states it twice), except a page that brings nothing new (page 1 again under another address,
   * index.html beside the column's directory URL); never fewer than the distinct entries.
   */
  found(s: ListState): number {
    const seen = new Set<string>();
    let n = 0;
    for (const entries of s.pageEntries.values()) {
      if (entries.some((e) => !seen.has(e))) n += entries.length;
      for (const e of entries) seen.add(e);
    }
    return Math.max(n, s.entries.size);
  }

  verdict(s: ListState): ListVerdict {
    const found = this.found(s);
    const st = s.stated;
    if (st?.records !== undefined) return { list: s, complete: found >= st.records && s.failed.size === 0, stated: st.records, found, unit: 'records' };
    if (st?.pages !== undefined) return { list: s, complete: s.pages.size >= st.pages && s.failed.size === 0, stated: st.pages, found: s.pages.size, unit: 'pages' };
    // States nothing: judged by its pager links; a page that failed still leaves it incomplete.
    return { list: s, complete: s.failed.size === 0, stated: null, found, unit: 'records' };
  }

  /** How the list was read: its first page's adapters and evidence (else the first page read that has any). */
  readBy(s: ListState): string | null {
    return s.readBy.get(s.url) ?? s.readBy.values().next().value ?? null;
  }

  verdicts(): ListVerdict[] {
    return [...this.lists.values()].map((s) => this.verdict(s));
  }

  /** Writes one crawl_listings row per list; returns the incomplete ones. */
  finish(): IncompleteListing[] {
    const out: IncompleteListing[] = [];
    const ins = this.db.prepare(
      `INSERT OR REPLACE INTO crawl_listings (run_id, portal, list_url, stated_records, stated_pages, page_size, found, pages_read, pages_failed, complete, evidence, read_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const v of this.verdicts()) {
        const s = v.list;
        ins.run(this.runId, s.portal, s.url, s.stated?.records ?? null, s.stated?.pages ?? null, s.stated?.pageSize ?? null, this.found(s), s.pages.size, s.failed.size, v.complete ? 1 : 0, s.stated ? s.stated.evidence.join('; ') : null, this.readBy(s));
        if (!v.complete) {
          const inc: IncompleteListing = { url: s.url, portal: s.portal, stated: v.stated, found: v.found, unit: v.unit };
          if (v.unit === 'pages') inc.entries = this.found(s);
          if (s.failed.size) inc.failedPages = [...s.failed].map(([url, kind]) => ({ url, kind }));
          const readBy = this.readBy(s);
          if (readBy) inc.readBy = readBy;
          out.push(inc);
        }
      }
    })();
    return out;
  }
}
