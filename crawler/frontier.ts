/**
 * Crawl state in SQLite: the frontier (crawl_queue) and the documents table. Everything a killed
 * crawl needs to resume is here; every transition is one short transaction, and a document row
 * is written only after its bytes are in the raw store, so a kill at any point leaves either the
 * old state or the new one.
 *
 * Passes: a crawl pass is a `crawl_runs` row. A pass that never finished (status 'running') is
 * resumed by the next crawl: its done items stay done. A new run re-queues what it
 * rediscovers (listings always, documents with conditional requests).
 */
import type { DB } from '../store/db.ts';
import { nowIso } from '../store/db.ts';
import type { QueueExtra, QueueKind } from './types.ts';

export interface QueueRow {
  url: string;
  portal: string | null;
  kind: QueueKind;
  referrer: string | null;
  title: string | null;
  depth: number;
  state: string;
  attempts: number;
  extra: QueueExtra;
}

export interface DocumentRow {
  id: number;
  url: string;
  sha256: string | null;
  etag: string | null;
  last_modified: string | null;
  http_status: number | null;
}

export interface StoredDoc {
  url: string;
  finalUrl: string;
  referrer: string | null;
  portal: string | null;
  kind: 'article' | 'attachment';
  title: string | null;
  status: number;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  sha256: string;
  size: number;
  filename: string | null;
}

export type DocOutcome = 'new' | 'changed' | 'unchanged';

export class Frontier {
  readonly runId: number;
  readonly resumed: boolean;
  private stmts;

  constructor(private db: DB) {
    const open = db.prepare(`SELECT id FROM crawl_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1`).get() as { id: number } | undefined;
    if (open) {
      this.runId = open.id;
      this.resumed = true;
      db.prepare(`UPDATE crawl_runs SET resumed = resumed + 1 WHERE id = ?`).run(open.id);
    } else {
      this.runId = Number(db.prepare(`INSERT INTO crawl_runs (started_at, status) VALUES (?, 'running')`).run(nowIso()).lastInsertRowid);
      this.resumed = false;
    }
    this.stmts = {
      // Within a run a URL is queued once; a later run re-queues it (re-check, retry failures),
      // except pages already read and found not to be reports (a cut listing title).
      enqueue: db.prepare(`
        INSERT INTO crawl_queue (url, portal, kind, referrer, title, depth, state, attempts, run_id, updated_at, extra)
        VALUES (@url, @portal, @kind, @referrer, @title, @depth, 'pending', 0, @run, @now, @extra)
        ON CONFLICT(url) DO UPDATE SET state = 'pending', attempts = 0, last_error = NULL, failure_kind = NULL,
          last_status = NULL, run_id = @run, updated_at = @now, portal = excluded.portal, kind = excluded.kind,
          referrer = excluded.referrer, title = COALESCE(excluded.title, crawl_queue.title), depth = excluded.depth,
          extra = excluded.extra
        WHERE crawl_queue.run_id IS NOT @run AND crawl_queue.failure_kind IS NOT 'non-report'`),
      pending: db.prepare(`SELECT * FROM crawl_queue WHERE run_id = ? AND state = 'pending' ORDER BY rowid LIMIT ?`),
      inRun: db.prepare(`SELECT 1 FROM crawl_queue WHERE url = ? AND run_id = ?`),
      setState: db.prepare(`UPDATE crawl_queue SET state = @state, attempts = @attempts, last_error = @error, failure_kind = @failure,
          last_status = @status, updated_at = @now WHERE url = @url`),
      doc: db.prepare(`SELECT id, url, sha256, etag, last_modified, http_status FROM documents WHERE url = ?`),
      insertDoc: db.prepare(`INSERT INTO documents (url, final_url, referrer, portal, kind, title, http_status, content_type, etag,
          last_modified, sha256, size, first_seen, last_seen, last_changed, filename)
        VALUES (@url, @finalUrl, @referrer, @portal, @kind, @title, @status, @contentType, @etag, @lastModified, @sha256, @size,
          @now, @now, @now, @filename)`),
      updateDoc: db.prepare(`UPDATE documents SET final_url = @finalUrl, referrer = COALESCE(@referrer, referrer), portal = COALESCE(@portal, portal),
          kind = @kind, title = COALESCE(@title, title), http_status = @status, content_type = @contentType, etag = @etag,
          last_modified = @lastModified, sha256 = @sha256, size = @size, last_seen = @now,
          last_changed = CASE WHEN sha256 IS @sha256 THEN last_changed ELSE @now END, filename = COALESCE(@filename, filename)
        WHERE url = @url`),
      touchDoc: db.prepare(`UPDATE documents SET last_seen = @now, etag = COALESCE(@etag, etag),
          last_modified = COALESCE(@lastModified, last_modified), referrer = COALESCE(@referrer, referrer), title = COALESCE(@title, title)
        WHERE url = @url`),
    };
  }

  /** Queue a URL for this run; false when it is already queued (or done) in this run. */
  enqueue(item: { url: string; kind: QueueKind; portal: string | null; referrer?: string | null; title?: string | null; depth?: number; extra?: QueueExtra }): boolean {
    const r = this.stmts.enqueue.run({
      url: item.url,
      portal: item.portal,
      kind: item.kind,
      referrer: item.referrer ?? null,
      title: item.title ?? null,
      depth: item.depth ?? 0,
      run: this.runId,
      now: nowIso(),
      extra: JSON.stringify(item.extra ?? {}),
    });
    return r.changes > 0;
  }

  enqueueMany(items: Parameters<Frontier['enqueue']>[0][]): number {
    let n = 0;
    this.db.transaction(() => {
      for (const i of items) if (this.enqueue(i)) n++;
    })();
    return n;
  }

  /** The URL is queued (or done) in this run. */
  queuedInRun(url: string): boolean {
    return this.stmts.inRun.get(url, this.runId) !== undefined;
  }

  pending(limit: number): QueueRow[] {
    return (this.stmts.pending.all(this.runId, limit) as (Omit<QueueRow, 'extra'> & { extra: string | null })[]).map((r) => ({
      ...r,
      extra: r.extra ? (JSON.parse(r.extra) as QueueExtra) : {},
    }));
  }

  private set(url: string, state: string, attempts: number, status: number | null, error: string | null, failure: string | null): void {
    this.stmts.setState.run({ url, state, attempts, status, error, failure, now: nowIso() });
  }

  done(url: string, attempts: number, status: number | null): void {
    this.set(url, 'done', attempts, status, null, null);
  }

  failed(url: string, attempts: number, status: number | null, kind: string, message: string): void {
    this.set(url, 'failed', attempts, status, message.slice(0, 500), kind);
  }

  skipped(url: string, reason: string): void {
    this.set(url, 'skipped', 0, null, reason, reason);
  }

  /** Finish an item and queue what it led to, atomically: a kill never loses the children. */
  complete(url: string, attempts: number, status: number | null, children: Parameters<Frontier['enqueue']>[0][], doc?: () => void): number {
    let n = 0;
    this.db.transaction(() => {
      doc?.();
      for (const c of children) if (this.enqueue(c)) n++;
      this.done(url, attempts, status);
    })();
    return n;
  }

  document(url: string): DocumentRow | undefined {
    return this.stmts.doc.get(url) as DocumentRow | undefined;
  }

  /** Upsert a fetched document; the bytes must already be in the raw store. */
  storeDocument(d: StoredDoc): DocOutcome {
    const prev = this.document(d.url);
    const params = { ...d, now: nowIso() };
    if (!prev) {
      this.stmts.insertDoc.run(params);
      return 'new';
    }
    this.stmts.updateDoc.run(params);
    return prev.sha256 === d.sha256 ? 'unchanged' : 'changed';
  }

  /** A 304: the stored bytes are still current. */
  touchDocument(url: string, p: { etag: string | null; lastModified: string | null; referrer: string | null; title: string | null }): void {
    this.stmts.touchDoc.run({ url, ...p, now: nowIso() });
  }

  finishRun(status: 'ok' | 'partial', counts: unknown, errors: unknown): void {
    this.db.prepare(`UPDATE crawl_runs SET ended_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?`).run(nowIso(), status, JSON.stringify(counts), JSON.stringify(errors), this.runId);
  }
}

/** Crawl counts as stored: documents, distinct bytes, and the frontier's pending and failed items. */
export function crawlCounts(db: DB): { documents: number; documentsWithBytes: number; crawlPending: number; crawlFailed: number } {
  return db
    .prepare(
      `SELECT (SELECT COUNT(*) FROM documents) AS documents,
              (SELECT COUNT(DISTINCT sha256) FROM documents WHERE sha256 IS NOT NULL) AS documentsWithBytes,
              (SELECT COUNT(*) FROM crawl_queue WHERE state = 'pending') AS crawlPending,
              (SELECT COUNT(*) FROM crawl_queue WHERE state = 'failed') AS crawlFailed`,
    )
    .get() as { documents: number; documentsWithBytes: number; crawlPending: number; crawlFailed: number };
}

/** Where a document's bytes were first found: its URL, the page that linked it, its kind and portal. */
export interface DocumentOrigin {
  url: string;
  final_url: string | null;
  referrer: string | null;
  kind: string;
  portal: string | null;
}

/** A reader of the first document row with these bytes (by sha256). Prepared once, called per document. */
export function documentOriginReader(db: DB): (sha256: string) => DocumentOrigin | undefined {
  const first = db.prepare(`SELECT url, final_url, referrer, kind, portal FROM documents WHERE sha256 = ? ORDER BY id LIMIT 1`);
  return (sha256) => first.get(sha256) as DocumentOrigin | undefined;
}
