/** Shapes shared by the crawler core, the discovery logic and the platform adapters. */
import type { CheerioAPI } from 'cheerio';
import type { StatedSize } from './stated.ts';

export type QueueKind = 'listing' | 'article' | 'attachment' | 'api';

/** A request the frontier can replay after a restart (so POST paging survives a kill). */
export interface RequestSpec {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

export interface QueueExtra extends RequestSpec {
  /** Adapter that produced the request and must read its answer (jcms dataproxy, json api). */
  platform?: string;
  /** Adapter-private paging state (record window, page number, template). */
  paging?: Record<string, unknown>;
  /** Link text where it differs from the stored title (attachments carry the article title). */
  linkText?: string;
  /** Listing title said "maybe a report" (truncated): keep the article only if its page agrees. */
  verify?: boolean;
  /** The list this page continues (the list's first page URL): its entries count toward that list's stated size. */
  list?: string;
  /** Reached as a 年报 column (by its link text): checked for completeness even before it lists a report. */
  column?: boolean;
  /** Reached by walking the site's menus (政务公开, 政府信息公开 …) looking for 年报 columns. */
  walk?: number;
  /** Pagination pages followed so far for this column. */
  pageNo?: number;
  /** Platform hint from the portals file: that adapter reads the page even without evidence. */
  hint?: string;
  /** Render with Chromium (the list is built by script and no API was recognised). */
  render?: boolean;
  /**
   * `since` crawls page a list one page at a time: the further pages of this list already known
   * (TRS index_k, jcms windows, JSON pages), in reading order, requested only while pages still
   * hold entries dated on or after `since`.
   */
  sinceNext?: Discovered[];
}

/** A fetched page as adapters see it. */
export interface Page {
  url: string;
  finalUrl: string;
  kind: QueueKind;
  status: number;
  contentType: string;
  text: string;
  /** Parsed lazily; JSON/XML answers may not need it. */
  $: () => CheerioAPI;
  extra: QueueExtra;
  /** True when the HTML came from Chromium's DOM (scripts ran). */
  rendered: boolean;
}

/** A link found on a listing: an item the shared logic will classify. */
export interface ListedLink {
  url: string;
  title: string;
  /** Date printed beside the link on the list (YYYY-MM-DD): a jcms record's span, a TRS date cell, a JSON pubDate. */
  date?: string;
}

/** Something to fetch next. */
export interface Discovered {
  url: string;
  kind: QueueKind;
  title?: string;
  extra?: QueueExtra;
  /**
   * The request opens a list of its own (a JSON endpoint found in a page's script) rather than
   * continuing the page's list: a `since` crawl never stops it because of the page's dates.
   */
  opensList?: boolean;
}

export interface ListingResult {
  /** Items (articles, attachments, columns) for the shared classifier. */
  links: ListedLink[];
  /** Further pages of the same list (pagination, API pages, dataproxy windows), in reading order. */
  pages: Discovered[];
  /**
   * What the adapter relied on (a page count it read, an endpoint it found, an answer it could not
   * parse), in a few words: recorded with the list page (crawl_list_pages.read_by, and the list's
   * crawl_listings.read_by), and printed with an incomplete listing.
   */
  evidence: string[];
  /** The list's entries on this page, when the adapter reads records (XML/JSON) rather than HTML rows. */
  entries?: string[];
  /** What the answer states about the list's size (a JSON total), when the adapter reads it. */
  stated?: StatedSize | null;
  /**
   * Why an answer to the adapter's own request could not be read (an HTML busy page where JSON
   * was asked for): a later page of a list then counts as failed, not as an empty page.
   */
  unreadable?: string;
}

export interface PlatformAdapter {
  name: string;
  /** Evidence score 0..1 that this adapter understands the page; 0 = not mine. */
  detect(page: Page): number;
  /** Read a listing page (or an answer to a request this adapter queued). */
  list(page: Page): ListingResult;
}
