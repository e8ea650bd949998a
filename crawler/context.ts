/**
 * What every part of one crawl shares: the resolved options, the stores, the clients, the
 * scope, and the summary being counted. Built once by crawl() (index.ts).
 */
import type { DB } from '../store/db.ts';
import type { RawStore } from '../store/raw.ts';
import type { ResolvedOptions } from './options.ts';
import type { FailureKind, HttpClient } from './http.ts';
import type { CookieJar } from './cookies.ts';
import type { HostScheduler } from './politeness.ts';
import type { RobotsCache } from './robots.ts';
import type { BrowserPath } from './browser.ts';
import type { Frontier } from './frontier.ts';
import type { Scope } from './url.ts';
import type { IncompleteListing, ListTracker } from './completeness.ts';

export interface FailedUrl {
  url: string;
  kind: FailureKind | string;
  status: number | null;
  message: string;
  attempts: number;
}

export interface CrawlSummary {
  runId: number;
  /** This call continued a crawl that had been killed. */
  resumed: boolean;
  /** Stopped on the request budget; the next call resumes. */
  stoppedEarly: boolean;
  /** Documents (articles + attachments) answered 200 or 304. */
  fetched: number;
  new: number;
  changed: number;
  /** 304 answers plus 200 answers with the stored sha256. */
  unchanged: number;
  notModified: number;
  listingsRead: number;
  reportsFound: number;
  attachmentsFound: number;
  failed: number;
  failures: Record<string, number>;
  failedUrls: FailedUrl[];
  /** Transient faults that a later attempt got past. */
  retried: Record<string, number>;
  /**
   * Links not followed: robots.txt, off the portal, not a report, and (with `since`) report
   * entries dated before `since` (distinct URLs, not counting one fetched anyway through an
   * undated listing or as an article's attachment).
   */
  skipped: { robots: number; offScope: number; nonReport: number; beforeSince: number };
  /** Body bytes received by the plain client (all kinds). */
  bytesDownloaded: number;
  /** Body bytes of article/attachment answers only: 0 on a re-run where nothing changed. */
  documentBytes: number;
  requestsByHost: Record<string, number>;
  browserFetches: number;
  browserRequests: number;
  platforms: Record<string, number>;
  robotsOverridden: boolean;
  /** Requests spent guessing a list's static page names (index_1.htm, list_2.html …). */
  pagingProbes: number;
  /** Lists that state more than was found, or whose later pages failed: the run is not 'ok'. */
  incompleteListings: IncompleteListing[];
  /** Per portal: listing pages read, lists stated vs found, report articles, attachments, skipped non-reports. */
  coverage: Record<string, PortalCoverage>;
  /** Lists checked against what they state, and how many stated a size. */
  listings: ListingsTally;
  durationMs: number;
}


/**
 * Lists checked, by what they state. A list stating its record count is judged by records found;
 * one stating only its page count (a TRS createPageHTML pager) by pages read, its entries counted
 * beside; one stating nothing by its pager links.
 */
export interface ListingsTally {
  checked: number;
  /** Lists that state their size at all (records or pages). */
  stated: number;
  /** Lists that state a record count, the records they state and the entries found in them. */
  recordLists: number;
  statedRecords: number;
  foundRecords: number;
  /** Lists that state only a page count, the pages they state, the pages read and the entries on them. */
  pageLists: number;
  statedPages: number;
  pagesRead: number;
  pageListEntries: number;
}

export function emptyListings(): ListingsTally {
  return { checked: 0, stated: 0, recordLists: 0, statedRecords: 0, foundRecords: 0, pageLists: 0, statedPages: 0, pagesRead: 0, pageListEntries: 0 };
}

export interface PortalCoverage {
  listingsRead: number;
  /** Lists checked against what they state. */
  listingsChecked: number;
  /** Lists that state their size (records or pages). */
  listingsStated: number;
  /** Of those, the ones stating a record count: records stated, entries found. */
  listingsStatedRecords: number;
  statedRecords: number;
  foundRecords: number;
  /** The ones stating only a page count: pages stated, pages read, entries on them. */
  listingsStatedPages: number;
  statedPages: number;
  pagesRead: number;
  pageListEntries: number;
  incompleteListings: number;
  reportArticles: number;
  attachments: number;
  skippedNonReports: number;
}

export function emptyCoverage(): PortalCoverage {
  return { listingsRead: 0, listingsChecked: 0, listingsStated: 0, listingsStatedRecords: 0, statedRecords: 0, foundRecords: 0, listingsStatedPages: 0, statedPages: 0, pagesRead: 0, pageListEntries: 0, incompleteListings: 0, reportArticles: 0, attachments: 0, skippedNonReports: 0 };
}

/** Counts one event for a portal's coverage row. */
export function tally(ctx: Ctx, portal: string | null, key: 'listingsRead' | 'reportArticles' | 'attachments' | 'skippedNonReports'): void {
  const p = portal ?? '';
  (ctx.summary.coverage[p] ??= emptyCoverage())[key]++;
}

export interface Ctx {
  o: ResolvedOptions;
  db: DB;
  raw: RawStore;
  frontier: Frontier;
  client: HttpClient;
  jar: CookieJar;
  scheduler: HostScheduler;
  robots: RobotsCache;
  browser: BrowserPath;
  scope: Scope;
  summary: CrawlSummary;
  hostFailures: Map<string, number>;
  downHosts: Set<string>;
  challengeSolves: Map<string, Promise<void>>;
  budgetHit: boolean;
  hints: Map<string, string>;
  /** URLs of report entries left out for being dated before `since`. */
  beforeSince: Set<string>;
  lists: ListTracker;
}


/** Thrown when the request budget is spent: the loop stops, the next call resumes. */
export class BudgetExhausted extends Error {}
