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
  {
    version: 2,
    description: 'dataset: reports.portal, lookup indexes, full-text search (trigram + bigram), report_summary, applications_wide',
    sql: `
-- The portal a report was found on (agency renames are linked within a portal).
ALTER TABLE reports ADD COLUMN portal TEXT;

-- Usual lookups: by agency name as printed, by source page (republication), by rule.
CREATE INDEX reports_agency ON reports(agency);
CREATE INDEX reports_source_url ON reports(source_url);
CREATE INDEX agencies_name ON agencies(name);
CREATE INDEX findings_rule ON findings(rule);

-- Full-text search over current reports (rowid = reports.id), maintained by dataset/load.ts.
-- trigram finds any substring of 3+ characters; Chinese words are mostly 2 characters, so a
-- second index holds the text as overlapping character bigrams (unicode61 splits on the spaces
-- we insert) and answers 1-2 character queries.
CREATE VIRTUAL TABLE reports_fts USING fts5(title, text, content='reports', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE reports_bigram USING fts5(title, text, content='', contentless_delete=1, tokenize='unicode61');

-- The latest name of every agency, following agencies.renamed_to, so that a renamed agency is
-- counted once. A cycle in renamed_to yields no row (the view's users fall back to the agency).
CREATE VIEW agency_canonical AS
WITH RECURSIVE chain(agency_id, canonical_id, depth) AS (
  SELECT id, id, 0 FROM agencies
  UNION ALL
  SELECT c.agency_id, a.renamed_to, c.depth + 1
  FROM chain c JOIN agencies a ON a.id = c.canonical_id
  WHERE a.renamed_to IS NOT NULL AND c.depth < 32
)
SELECT c.agency_id, c.canonical_id
FROM chain c JOIN agencies a ON a.id = c.canonical_id
WHERE a.renamed_to IS NULL;

-- One row per current report with the harmonised fields of FORMATS.md ("Harmonised view"):
-- statutory reports read the statutory tables, all others legacy_stats then the narrative.
CREATE VIEW report_summary AS
SELECT
  r.id AS report_id,
  r.agency AS agency,
  r.agency_id AS agency_id,
  COALESCE(ac.canonical_id, r.agency_id) AS canonical_agency_id,
  COALESCE(ca.name, a.name, r.agency) AS canonical_agency,
  NULLIF(RTRIM(COALESCE(a.province || ' ', '') || COALESCE(a.city || ' ', '') || COALESCE(a.county, '')), '') AS region,
  a.province AS province,
  a.city AS city,
  a.county AS county,
  r.year AS year,
  r.format AS format,
  r.title AS title,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'proactive_items' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')) END AS proactive_items,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'new_received' AND col = 'total')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'applications_received' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'applications_received' AND col = 'value')) END AS applications_received,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_granted' AND col = 'value') END AS applications_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'partially_granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_partially_granted' AND col = 'value') END AS applications_partially_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'applications' AND col = 'total' AND row IN ('denied_state_secret', 'denied_prohibited_by_law', 'denied_security_stability', 'denied_third_party_rights', 'denied_internal_affairs', 'denied_process_information', 'denied_enforcement_files', 'denied_administrative_query'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_denied' AND col = 'value') END AS applications_denied,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND row = 'review' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'review_total' AND col = 'value') END AS review_cases,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND col = 'total' AND row IN ('litigation_direct', 'litigation_after_review'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'litigation_total' AND col = 'value') END AS litigation_cases,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'error') AS findings_error,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'warning') AS findings_warning,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'info') AS findings_info,
  r.portal AS portal,
  r.source_url AS source_url,
  r.document_url AS document_url,
  r.sha256 AS sha256,
  r.parser_version AS parser_version
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agency_canonical ac ON ac.agency_id = r.agency_id
LEFT JOIN agencies ca ON ca.id = ac.canonical_id
WHERE r.is_current = 1;

-- One row per current report and row of the applications table, with the seven applicant columns.
CREATE VIEW applications_wide AS
SELECT
  r.id AS report_id,
  r.agency AS agency,
  r.year AS year,
  r.format AS format,
  f.row AS row,
  MAX(CASE WHEN f.col = 'natural_person' THEN f.value END) AS natural_person,
  MAX(CASE WHEN f.col = 'commercial_enterprise' THEN f.value END) AS commercial_enterprise,
  MAX(CASE WHEN f.col = 'research_institution' THEN f.value END) AS research_institution,
  MAX(CASE WHEN f.col = 'social_welfare_org' THEN f.value END) AS social_welfare_org,
  MAX(CASE WHEN f.col = 'legal_service_org' THEN f.value END) AS legal_service_org,
  MAX(CASE WHEN f.col = 'other_org' THEN f.value END) AS other_org,
  MAX(CASE WHEN f.col = 'total' THEN f.value END) AS total
FROM reports r
JOIN facts f ON f.report_id = r.id AND f.tbl = 'applications'
WHERE r.is_current = 1
GROUP BY r.id, f.row;
`,
  },
  {
    version: 3,
    description: 'crawler: documents.filename (safe base name from Content-Disposition/URL), failure kind per queued URL, crawl_queue run lookup',
    sql: `
-- Base name the portal gave the file (Content-Disposition or URL), already stripped of any path:
-- jcms downfile.jsp answers are application/octet-stream and only the name says .pdf/.doc.
ALTER TABLE documents ADD COLUMN filename TEXT;
-- Why a URL failed (timeout, http-4xx, redirect-loop, robots, ...), kept for the next night's retry.
ALTER TABLE crawl_queue ADD COLUMN failure_kind TEXT;
CREATE INDEX crawl_queue_run_state ON crawl_queue(run_id, state);
`,
  },
  {
    version: 4,
    description: 'pipeline: extractions (document → blocks, stored so normalize re-runs without re-extracting)',
    sql: `
-- One row per (document bytes, extractor version). blocks is the ExtractedDocument as gzipped JSON.
CREATE TABLE extractions (
  sha256            TEXT NOT NULL,
  extractor_version TEXT NOT NULL,
  media_type        TEXT,
  status            TEXT NOT NULL,            -- 'ok' | 'needs-ocr' | 'failed'
  error_code        TEXT,
  error_message     TEXT,
  pages             INTEGER,
  blocks            BLOB,
  millis            INTEGER,                  -- extraction time
  extracted_at      TEXT NOT NULL,
  PRIMARY KEY (sha256, extractor_version)
);
`,
  },
  {
    version: 5,
    description: 'crawler: crawl_runs (crawl passes, for resume), separate from pipeline runs',
    sql: `
-- One row per crawl pass. crawl_queue.run_id points here. A pass still 'running' when a crawl
-- starts was killed: the new crawl resumes it (its done items stay done). Kept apart from
-- runs, which the pipeline writes for whole-command runs that contain a crawl.
CREATE TABLE crawl_runs (
  id          INTEGER PRIMARY KEY,
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  status      TEXT NOT NULL DEFAULT 'running', -- 'running' | 'ok' | 'partial' | 'stopped'
  resumed     INTEGER NOT NULL DEFAULT 0,      -- times a killed pass was picked up again
  counts      TEXT,                            -- JSON CrawlSummary without the URL list
  errors      TEXT                             -- JSON failed URLs
);
`,
  },
  {
    version: 6,
    description: 'facts: cell keys (table, row, column) stored once in fact_cells; facts becomes a view of the same columns; reports indexed by their republication slot',
    sql: `
-- A report has ~200 cells and every report has the same few hundred (table, row, column) keys.
-- Stored once, as integers, the two B-trees a fact goes into (per report, per cell) hold small
-- keys: alone, inserts go from ~210k to ~380k facts/s here and the file is 3.3x smaller. Analysts
-- read the facts view, with the same columns as the table it replaces.
CREATE TABLE fact_cells (
  id   INTEGER PRIMARY KEY,
  tbl  TEXT NOT NULL,                           -- canonical table identifier (FORMATS.md)
  row  TEXT NOT NULL,                           -- canonical row identifier
  col  TEXT NOT NULL,                           -- canonical column identifier
  UNIQUE (tbl, row, col)
);
CREATE TABLE fact_values (
  report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  cell_id    INTEGER NOT NULL,                -- fact_cells.id (cells are never deleted: no foreign-key check per fact)
  value      REAL,
  page       INTEGER,
  block      INTEGER,
  cell_row   INTEGER,
  cell_col   INTEGER,
  printed    TEXT,
  confidence REAL,
  PRIMARY KEY (report_id, cell_id)
) WITHOUT ROWID;
CREATE INDEX fact_values_cell ON fact_values(cell_id);
INSERT INTO fact_cells (tbl, row, col) SELECT DISTINCT tbl, row, col FROM facts ORDER BY tbl, row, col;
INSERT INTO fact_values (report_id, cell_id, value, page, block, cell_row, cell_col, printed, confidence)
  SELECT f.report_id, c.id, f.value, f.page, f.block, f.cell_row, f.cell_col, f.printed, f.confidence
  FROM facts f JOIN fact_cells c ON c.tbl = f.tbl AND c.row = f.row AND c.col = f.col;
DROP TABLE facts;
-- One row per cell, as before: report, table, row, column, value and where it was printed.
CREATE VIEW facts AS
  SELECT v.report_id, c.tbl, c.row, c.col, v.value, v.page, v.block, v.cell_row, v.cell_col, v.printed, v.confidence
  FROM fact_values v JOIN fact_cells c ON c.id = v.cell_id;

-- The loader looks for the current report of (agency, year, source page) for every new one: with
-- (agency_id, year) alone it reads every report of that agency and year.
DROP INDEX reports_agency_year;
CREATE INDEX reports_agency_year_source ON reports(agency_id, year, source_url);
`,
  },
  {
    version: 7,
    description: 'crawl completeness and coverage: the pages of every list with what it states (crawl_list_pages), stated vs found per list (crawl_listings), per portal and run (crawl_coverage), report years per agency (coverage_years)',
    sql: `
-- Crawl completeness: every page of every list a crawl read, with what the list states about its
-- size and the entries the page held (so a resumed run still counts the pages read before).
CREATE TABLE crawl_list_pages (
  run_id   INTEGER NOT NULL,
  list_url TEXT NOT NULL,                     -- the list's first page
  portal   TEXT NOT NULL,
  page_url TEXT NOT NULL,
  stated   TEXT,                              -- JSON {records, pageSize, pages, staticPages, evidence}
  entries  TEXT,                              -- JSON array of entry URLs on this page
  failed   TEXT,                              -- failure kind when the page could not be read
  PRIMARY KEY (run_id, list_url, page_url)
);
-- One row per list and run: stated vs found, and whether the list was read completely.
CREATE TABLE crawl_listings (
  run_id         INTEGER NOT NULL,
  portal         TEXT NOT NULL,
  list_url       TEXT NOT NULL,
  stated_records INTEGER,
  stated_pages   INTEGER,
  page_size      INTEGER,
  found          INTEGER NOT NULL,
  pages_read     INTEGER NOT NULL,
  pages_failed   INTEGER NOT NULL,
  complete       INTEGER NOT NULL,            -- 1 = found what it states (or states nothing and no page failed)
  evidence       TEXT,
  PRIMARY KEY (run_id, list_url)
);
-- Coverage per portal and run: listings read, stated vs found, report articles, attachments, skipped non-reports.
CREATE TABLE crawl_coverage (
  run_id              INTEGER NOT NULL,
  portal              TEXT NOT NULL,
  listings_read       INTEGER NOT NULL,
  listings_stated     INTEGER NOT NULL,
  stated_records      INTEGER NOT NULL,
  found_records       INTEGER NOT NULL,
  incomplete_listings INTEGER NOT NULL,
  report_articles     INTEGER NOT NULL,
  attachments         INTEGER NOT NULL,
  skipped_non_reports INTEGER NOT NULL,
  PRIMARY KEY (run_id, portal)
);
-- Per portal over time: which years have a current report for which agency.
CREATE VIEW coverage_years AS
  SELECT d.portal AS portal, r.agency_id AS agency_id, r.agency AS agency, r.year AS year, COUNT(*) AS reports
  FROM reports r JOIN documents d ON d.sha256 = r.sha256
  WHERE r.is_current = 1 AND r.year IS NOT NULL
  GROUP BY d.portal, r.agency_id, r.agency, r.year;
`,
  },
  {
    version: 9,
    description: 'places: division code, province/city/county, agency level and kind per report (places/gazetteer.ts); report_summary reads them; agency_years and region_years views',
    sql: `
-- The agency's place, resolved per report from its name, title, 本机关/地址 sentences, host and
-- portal through the GB/T 2260 gazetteer. NULL where it could not be placed (a place.unresolved
-- finding says why): never a guess. Filled for new reports by the loader; older rows stay NULL
-- until they are re-normalised.
ALTER TABLE reports ADD COLUMN division_code TEXT;
ALTER TABLE reports ADD COLUMN province TEXT;
ALTER TABLE reports ADD COLUMN city TEXT;
ALTER TABLE reports ADD COLUMN county TEXT;
ALTER TABLE reports ADD COLUMN agency_level TEXT;   -- province | prefecture | county | township
ALTER TABLE reports ADD COLUMN agency_kind TEXT;    -- government | department
ALTER TABLE agencies ADD COLUMN division_code TEXT;
CREATE INDEX reports_division ON reports(division_code);

DROP VIEW report_summary;
CREATE VIEW report_summary AS
SELECT
  r.id AS report_id,
  r.agency AS agency,
  r.agency_id AS agency_id,
  COALESCE(ac.canonical_id, r.agency_id) AS canonical_agency_id,
  COALESCE(ca.name, a.name, r.agency) AS canonical_agency,
  NULLIF(RTRIM(COALESCE(r.province || ' ', '') || CASE WHEN r.city = r.province THEN '' ELSE COALESCE(r.city || ' ', '') END || COALESCE(r.county, '')), '') AS region,
  r.province AS province,
  r.city AS city,
  r.county AS county,
  r.division_code AS division_code,
  r.agency_level AS agency_level,
  r.agency_kind AS agency_kind,
  r.year AS year,
  r.format AS format,
  r.title AS title,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'proactive_items' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')) END AS proactive_items,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'new_received' AND col = 'total')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'applications_received' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'applications_received' AND col = 'value')) END AS applications_received,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_granted' AND col = 'value') END AS applications_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'partially_granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_partially_granted' AND col = 'value') END AS applications_partially_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'applications' AND col = 'total' AND row IN ('denied_state_secret', 'denied_prohibited_by_law', 'denied_security_stability', 'denied_third_party_rights', 'denied_internal_affairs', 'denied_process_information', 'denied_enforcement_files', 'denied_administrative_query'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_denied' AND col = 'value') END AS applications_denied,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND row = 'review' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'review_total' AND col = 'value') END AS review_cases,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND col = 'total' AND row IN ('litigation_direct', 'litigation_after_review'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'litigation_total' AND col = 'value') END AS litigation_cases,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'error') AS findings_error,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'warning') AS findings_warning,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'info') AS findings_info,
  r.portal AS portal,
  r.source_url AS source_url,
  r.document_url AS document_url,
  r.sha256 AS sha256,
  r.parser_version AS parser_version
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agency_canonical ac ON ac.agency_id = r.agency_id
LEFT JOIN agencies ca ON ca.id = ac.canonical_id
WHERE r.is_current = 1;

-- One row per agency (under its latest name) and year with a current report: how many reports
-- and in which formats. Years missing between an agency's first and last are in coverage.csv and
-- the cross.missing_year findings.
CREATE VIEW agency_years AS
SELECT
  COALESCE(ac.canonical_id, r.agency_id) AS agency_id,
  COALESCE(ca.name, a.name) AS agency,
  MAX(r.division_code) AS division_code,
  MAX(r.province) AS province,
  MAX(r.city) AS city,
  MAX(r.county) AS county,
  r.year AS year,
  COUNT(*) AS reports,
  GROUP_CONCAT(DISTINCT r.format) AS formats
FROM reports r
JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agency_canonical ac ON ac.agency_id = r.agency_id
LEFT JOIN agencies ca ON ca.id = ac.canonical_id
WHERE r.is_current = 1 AND r.year IS NOT NULL
GROUP BY COALESCE(ac.canonical_id, r.agency_id), r.year;

-- Per region and year: how many agencies have a report (unplaced agencies under NULL).
CREATE VIEW region_years AS
SELECT province, city, county, division_code, year, COUNT(*) AS agencies, SUM(reports) AS reports
FROM agency_years GROUP BY province, city, county, division_code, year;
`,
  },
  {
    version: 10,
    description: 'search: one full-text index (character bigrams) serves every query, the trigram index goes; reports waiting for it in fts_pending (filled by the loader, indexed in one pass at the end of a load)',
    sql: `
-- The bigram index answers every query: a term of any length becomes a phrase of its
-- overlapping bigrams, which matches exactly where the term occurs (dataset/search.ts). The
-- trigram index cost more to fill than the bigram one (1.1 s vs 0.6 s per 1,200 reports of
-- 2,750 characters) and answered only what the bigram index answers too.
DROP TABLE reports_fts;
-- Current reports whose text is not yet in reports_bigram. The loader adds them; indexPending()
-- (dataset/search.ts) tokenizes them all in one statement at the end of a load, so a run's load
-- stores facts and text without paying for the index report by report. A killed run leaves its
-- ids here and the next load indexes them.
CREATE TABLE fts_pending (report_id INTEGER PRIMARY KEY);
`,
  },
  {
    version: 11,
    description: 'scale: reports by (province, year) for report_summary by province-year; agencies by renamed_to (partial) for the incremental cross-report checks',
    sql: `
-- report_summary WHERE province = ? AND year = ? read every report without it (and every report's
-- text on the way: province is stored after it in the row).
CREATE INDEX reports_province_year ON reports(province, year);
-- The incremental cross-report checks walk renames both ways; few agencies are renamed.
CREATE INDEX agencies_renamed_to ON agencies(renamed_to) WHERE renamed_to IS NOT NULL;
`,
  },
  {
    version: 12,
    description: 'agencies.canonical_id: the latest name of a renamed agency, stored (dataset/agency.ts linkAgencyRenames keeps it); report_summary and agency_years read it instead of the recursive agency_canonical view',
    sql: `
-- report_summary joined agency_canonical, a recursive view over every agency: SQLite built it
-- whole for any query on the summary, 0.38 s for one agency's rows at 100k reports (14k agencies)
-- and growing with the table. Stored, one agency's rows are an index lookup.
-- NULL: the agency is its own latest name (or sits in a renamed_to cycle, which has none).
ALTER TABLE agencies ADD COLUMN canonical_id INTEGER;
UPDATE agencies SET canonical_id = (SELECT c.canonical_id FROM agency_canonical c WHERE c.agency_id = agencies.id) WHERE renamed_to IS NOT NULL;
UPDATE agencies SET canonical_id = NULL WHERE canonical_id = id;
CREATE INDEX agencies_canonical ON agencies(canonical_id) WHERE canonical_id IS NOT NULL;

DROP VIEW region_years;
DROP VIEW agency_years;
DROP VIEW report_summary;
CREATE VIEW report_summary AS
SELECT
  r.id AS report_id,
  r.agency AS agency,
  r.agency_id AS agency_id,
  COALESCE(a.canonical_id, r.agency_id) AS canonical_agency_id,
  COALESCE(ca.name, a.name, r.agency) AS canonical_agency,
  NULLIF(RTRIM(COALESCE(r.province || ' ', '') || CASE WHEN r.city = r.province THEN '' ELSE COALESCE(r.city || ' ', '') END || COALESCE(r.county, '')), '') AS region,
  r.province AS province,
  r.city AS city,
  r.county AS county,
  r.division_code AS division_code,
  r.agency_level AS agency_level,
  r.agency_kind AS agency_kind,
  r.year AS year,
  r.format AS format,
  r.title AS title,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'proactive_items' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'proactive_items' AND col = 'value')) END AS proactive_items,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'new_received' AND col = 'total')
    ELSE COALESCE((SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'applications_received' AND col = 'value'), (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'narrative' AND row = 'applications_received' AND col = 'value')) END AS applications_received,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_granted' AND col = 'value') END AS applications_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'applications' AND row = 'partially_granted' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_partially_granted' AND col = 'value') END AS applications_partially_granted,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'applications' AND col = 'total' AND row IN ('denied_state_secret', 'denied_prohibited_by_law', 'denied_security_stability', 'denied_third_party_rights', 'denied_internal_affairs', 'denied_process_information', 'denied_enforcement_files', 'denied_administrative_query'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'replies_denied' AND col = 'value') END AS applications_denied,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND row = 'review' AND col = 'total')
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'review_total' AND col = 'value') END AS review_cases,
  CASE WHEN r.format IN ('statutory-2019', 'statutory-2021')
    THEN (SELECT SUM(value) FROM facts WHERE report_id = r.id AND tbl = 'review_litigation' AND col = 'total' AND row IN ('litigation_direct', 'litigation_after_review'))
    ELSE (SELECT value FROM facts WHERE report_id = r.id AND tbl = 'legacy_stats' AND row = 'litigation_total' AND col = 'value') END AS litigation_cases,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'error') AS findings_error,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'warning') AS findings_warning,
  (SELECT COUNT(*) FROM findings WHERE report_id = r.id AND severity = 'info') AS findings_info,
  r.portal AS portal,
  r.source_url AS source_url,
  r.document_url AS document_url,
  r.sha256 AS sha256,
  r.parser_version AS parser_version
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agencies ca ON ca.id = a.canonical_id
WHERE r.is_current = 1;

CREATE VIEW agency_years AS
SELECT
  COALESCE(a.canonical_id, r.agency_id) AS agency_id,
  COALESCE(ca.name, a.name) AS agency,
  MAX(r.division_code) AS division_code,
  MAX(r.province) AS province,
  MAX(r.city) AS city,
  MAX(r.county) AS county,
  r.year AS year,
  COUNT(*) AS reports,
  GROUP_CONCAT(DISTINCT r.format) AS formats
FROM reports r
JOIN agencies a ON a.id = r.agency_id
LEFT JOIN agencies ca ON ca.id = a.canonical_id
WHERE r.is_current = 1 AND r.year IS NOT NULL
GROUP BY COALESCE(a.canonical_id, r.agency_id), r.year;

CREATE VIEW region_years AS
SELECT province, city, county, division_code, year, COUNT(*) AS agencies, SUM(reports) AS reports
FROM agency_years GROUP BY province, city, county, division_code, year;
`,
  },
  {
    version: 13,
    description: 'crawl lists: which platform adapters read each list page and what they relied on (read_by), per page and per list',
    sql: `
-- What the platform adapters that read a list page relied on (crawler/platforms/*: a TRS page
-- count, a jcms dataproxy window, a JSON endpoint found in a script, an answer that was not JSON),
-- e.g. 'jcms (12 record link(s); dataproxy columnid=1229 perpage=15 total=14 in-page=12)'. Kept
-- per page so that a resumed run still knows how the pages read before it were read; the list's
-- row takes its first page's.
ALTER TABLE crawl_list_pages ADD COLUMN read_by TEXT;
ALTER TABLE crawl_listings ADD COLUMN read_by TEXT;
`,
  },
  {
    version: 14,
    description: 'load speed: fact_values without the per-row foreign key to reports (a trigger keeps the cascade on delete), so facts go in many rows to a statement',
    sql: `
-- The loader inserts a report's facts right after the report, in the same transaction, so the
-- foreign key checked nothing the loader does not already guarantee. It cost a lookup per fact,
-- and it made every INSERT of several rows open a statement journal (a foreign-key failure must
-- undo the rows already written), which copied each touched page: a 64-row INSERT was 2.5x
-- slower than 64 single-row ones. Without it a 64-row INSERT costs about half as much per fact.
-- Deleting a report still deletes its facts (the trigger below does what ON DELETE CASCADE did).
-- Rebuilt the way SQLite documents for changing a table's constraints: legacy_alter_table keeps
-- the rename from rewriting the views that read fact_values (facts, and through it the others).
PRAGMA legacy_alter_table = ON;
CREATE TABLE fact_values_v14 (
  report_id  INTEGER NOT NULL,                -- reports.id (deleting the report deletes its facts: trigger reports_delete_facts)
  cell_id    INTEGER NOT NULL,                -- fact_cells.id (cells are never deleted)
  value      REAL,
  page       INTEGER,
  block      INTEGER,
  cell_row   INTEGER,
  cell_col   INTEGER,
  printed    TEXT,
  confidence REAL,
  PRIMARY KEY (report_id, cell_id)
) WITHOUT ROWID;
INSERT INTO fact_values_v14 SELECT report_id, cell_id, value, page, block, cell_row, cell_col, printed, confidence FROM fact_values ORDER BY report_id, cell_id;
DROP TABLE fact_values;
ALTER TABLE fact_values_v14 RENAME TO fact_values;
CREATE INDEX fact_values_cell ON fact_values(cell_id);
PRAGMA legacy_alter_table = OFF;
CREATE TRIGGER reports_delete_facts AFTER DELETE ON reports BEGIN
  DELETE FROM fact_values WHERE report_id = old.id;
END;
`,
  },
  {
    version: 15,
    description: 'search speed: the bigram index rebuilt with the ascii tokenizer (the text is already split into bigrams) and a 16 MB pending-terms hash; every current report re-indexed',
    sql: `
-- reports_bigram holds text that store/bigrams.ts has already split into space-separated tokens
-- (and lower-cased where not ASCII): unicode61 re-read every character for case, categories and
-- diacritics, and was half the cost of indexing. ascii splits at the spaces and folds ASCII case.
-- hashsize: FTS5 writes a new segment each time its pending terms reach this size (1 MB by
-- default) and merges them later; 16 MB writes fewer, smaller merges (-8% on a 2,040-report load).
-- nianbao_bigrams is registered by migrate() (store/db.ts) before the migrations run.
DROP TABLE reports_bigram;
CREATE VIRTUAL TABLE reports_bigram USING fts5(title, text, content='', contentless_delete=1, tokenize='ascii');
INSERT INTO reports_bigram (reports_bigram, rank) VALUES ('hashsize', 16777216);
INSERT INTO reports_bigram (rowid, title, text)
  SELECT id, nianbao_bigrams(title), nianbao_bigrams(text) FROM reports WHERE is_current = 1 ORDER BY id;
DELETE FROM fts_pending;
`,
  },
];
