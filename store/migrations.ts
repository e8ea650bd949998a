/**
 * Versioned schema migrations. Each entry runs once, in order, inside a transaction; the applied
 * version is kept in `PRAGMA user_version`. Never edit an applied migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'documents, crawl state, agencies, reports, facts, findings, runs',
    sql: `
CREATE TABLE documents (
  id             INTEGER PRIMARY KEY,
  url            TEXT NOT NULL UNIQUE,        -- URL as discovered (after normalisation)
  final_url      TEXT,                        -- after redirects
  referrer       TEXT,                        -- page that linked to it
  portal         TEXT,                        -- portal name from the sources file (or the start host)
  kind           TEXT NOT NULL,               -- 'article' | 'attachment'
  title          TEXT,                        -- article title / link text
  http_status    INTEGER,
  content_type   TEXT,
  etag           TEXT,
  last_modified  TEXT,
  sha256         TEXT,                        -- of the raw bytes in data/raw/
  size           INTEGER,
  first_seen     TEXT NOT NULL,
  last_seen      TEXT NOT NULL,
  last_changed   TEXT                         -- when sha256 last changed
);
CREATE INDEX documents_sha256 ON documents(sha256);

-- Frontier of a crawl: what is still to fetch, so a killed crawl resumes where it stopped.
CREATE TABLE crawl_queue (
  url            TEXT PRIMARY KEY,
  portal         TEXT,
  kind           TEXT NOT NULL,               -- 'listing' | 'article' | 'attachment' | 'api'
  referrer       TEXT,
  title          TEXT,
  depth          INTEGER NOT NULL DEFAULT 0,
  state          TEXT NOT NULL DEFAULT 'pending', -- 'pending' | 'done' | 'failed' | 'skipped'
  attempts       INTEGER NOT NULL DEFAULT 0,
  last_error     TEXT,
  last_status    INTEGER,
  run_id         INTEGER,
  updated_at     TEXT NOT NULL,
  extra          TEXT                         -- JSON: method/body for POST listing calls etc.
);
CREATE INDEX crawl_queue_state ON crawl_queue(state);

CREATE TABLE agencies (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  normalized_name TEXT NOT NULL UNIQUE,
  province        TEXT,
  city            TEXT,
  county          TEXT,
  portal          TEXT,
  renamed_to      INTEGER REFERENCES agencies(id)   -- a later name of the same agency
);

CREATE TABLE reports (
  id             INTEGER PRIMARY KEY,
  sha256         TEXT NOT NULL,               -- the document's bytes
  document_url   TEXT,                        -- the file the facts came from
  source_url     TEXT,                        -- the article page that published it
  agency_id      INTEGER REFERENCES agencies(id),
  agency         TEXT,
  year           INTEGER,
  format         TEXT NOT NULL,
  format_reason  TEXT,
  title          TEXT,
  media_type     TEXT,
  parser_version TEXT NOT NULL,
  extracted_at   TEXT NOT NULL,
  is_current     INTEGER NOT NULL DEFAULT 1,  -- 0 = superseded by a re-publication or a newer parser
  superseded_by  INTEGER REFERENCES reports(id),
  error_code     TEXT,
  error_message  TEXT,
  text           TEXT,
  UNIQUE (sha256, parser_version)
);
CREATE INDEX reports_agency_year ON reports(agency_id, year);
CREATE INDEX reports_year ON reports(year);
CREATE INDEX reports_format ON reports(format);

CREATE TABLE facts (
  report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  tbl        TEXT NOT NULL,
  row        TEXT NOT NULL,
  col        TEXT NOT NULL,
  value      REAL,
  page       INTEGER,
  block      INTEGER,
  cell_row   INTEGER,
  cell_col   INTEGER,
  printed    TEXT,
  confidence REAL,
  PRIMARY KEY (report_id, tbl, row, col)
) WITHOUT ROWID;
CREATE INDEX facts_tbl_row_col ON facts(tbl, row, col);

CREATE TABLE findings (
  id        INTEGER PRIMARY KEY,
  report_id INTEGER REFERENCES reports(id) ON DELETE CASCADE,
  rule      TEXT NOT NULL,
  severity  TEXT NOT NULL,
  message   TEXT NOT NULL,
  cells     TEXT,                             -- JSON array of table.row.col
  expected  REAL,
  printed   REAL
);
CREATE INDEX findings_report ON findings(report_id);

CREATE TABLE runs (
  id         INTEGER PRIMARY KEY,
  command    TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  status     TEXT NOT NULL DEFAULT 'running', -- 'running' | 'ok' | 'partial' | 'failed'
  counts     TEXT,                            -- JSON per stage
  errors     TEXT                             -- JSON list
);
`,
  },
];
