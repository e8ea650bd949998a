/**
 * Crawl options, Crawlee-style: every knob typed, with a documented default, resolved once.
 * Politeness, retries, limits and persistence are the crawler core's business; platform adapters
 * never see these numbers.
 */
import { z } from 'zod';

export interface CrawlOptions {
  /** Requests in flight per host. Default 1: government portals are small servers. */
  perHostConcurrency?: number;
  /**
   * Minimum gap between the starts of two requests to the same host, in ms. Default 1000. A
   * margin of 2% (≥ 25 ms) is added so the gap the server observes is never below it.
   */
  perHostDelayMs?: number;
  /** Attempts per URL for transient faults (5xx, 429, timeouts, resets, truncation). Default 4. */
  maxAttempts?: number;
  /** First backoff step in ms; doubles per attempt with ±50% jitter. Default 500. */
  backoffBaseMs?: number;
  /** Upper bound of one backoff sleep (also caps Retry-After). Default 60000. */
  maxBackoffMs?: number;
  /** Whole-request deadline (connect to last byte), ms. Default 30000. */
  timeoutMs?: number;
  /** Size cap per download (after decompression), bytes. Default 50 MiB. */
  maxBytes?: number;
  /** Redirect hops followed per URL. Default 5. */
  maxRedirects?: number;
  /** Contact URL put into the User-Agent. Default the project repository. */
  contactUrl?: string;
  /** Full User-Agent override. Default `nianbao/0.1 (+<contactUrl>)`. */
  userAgent?: string;
  /** Honour robots.txt. Default true; turning it off is logged as an explicit override. */
  respectRobots?: boolean;
  /** Extra hosts (exact, or `*.example.org`) that may be fetched besides the portals' own. */
  allowHosts?: string[];
  /** Pagination pages followed per listing column. Default 300. */
  maxListingPages?: number;
  /** Hops from a start page to a 年报 column through column links. Default 2. */
  maxListingDepth?: number;
  /** Menu hops walked from a start page toward its 年报 columns (政务公开 → 政府信息公开 → …). Default 3. */
  maxWalkHops?: number;
  /** Use Chromium for challenges and script-built lists. Default true. */
  browser?: boolean;
  /** Chromium binary. Default defaultChromiumPath(): env NIANBAO_CHROMIUM, else /usr/bin/chromium. */
  chromiumPath?: string;
  /** Consecutive connection failures after which a host counts as down for this run. Default 6. */
  hostDownAfter?: number;
  /**
   * Test hook: resolve these host names to fixed IPs (plain HTTP via a custom lookup, Chromium
   * via --host-resolver-rules), so one fixture server can play several virtual hosts.
   */
  hostOverrides?: Record<string, string>;
  /**
   * Nightly/backfill runs: skip report entries published before this date (YYYY-MM-DD), and stop
   * paging a list once a whole page holds only entries dated before it (lists are newest first).
   * An entry's date is the one printed beside its link on the list, else the one in its URL
   * (TRS t20220120_…, /202201/, jcms /art/2022/1/20/); entries without a date are never skipped.
   * Documents already stored are left as they are; attachments follow their article. Default
   * none (every entry, every page).
   */
  since?: string;
  /** Stop after this many requests (a budget for smoke runs). Default unlimited. */
  maxRequests?: number;
  /** Log lines (override notices, failures). Default: stderr. */
  log?: (line: string) => void;
  /** Called after every finished queue item, for progress displays. */
  onProgress?: (p: { done: number; queued: number; failed: number }) => void;
}

export type ResolvedOptions = Required<Omit<CrawlOptions, 'userAgent' | 'maxRequests' | 'log' | 'onProgress' | 'since'>> & {
  since: string | null;
  userAgent: string;
  maxRequests: number;
  log: (line: string) => void;
  onProgress?: CrawlOptions['onProgress'];
};

export const DEFAULT_CONTACT_URL = 'https://github.com/nianbao/nianbao';

/** Debian's Chromium; the one place its path is written. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** The Chromium binary every launch uses unless told otherwise: env NIANBAO_CHROMIUM, else Debian's. */
export function defaultChromiumPath(): string {
  return process.env.NIANBAO_CHROMIUM || DEFAULT_CHROMIUM_PATH;
}

/** A calendar date written YYYY-MM-DD (2024-02-30 is not one). */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function resolveOptions(o: CrawlOptions = {}): ResolvedOptions {
  const contactUrl = o.contactUrl ?? DEFAULT_CONTACT_URL;
  if (o.since && !isIsoDate(o.since)) throw new Error(`crawl option since: '${o.since}' is not a date YYYY-MM-DD`);
  return {
    since: o.since || null,
    perHostConcurrency: Math.max(1, o.perHostConcurrency ?? 1),
    perHostDelayMs: Math.max(0, o.perHostDelayMs ?? 1000),
    maxAttempts: Math.max(1, o.maxAttempts ?? 4),
    backoffBaseMs: o.backoffBaseMs ?? 500,
    maxBackoffMs: o.maxBackoffMs ?? 60_000,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxBytes: o.maxBytes ?? 50 * 1024 * 1024,
    maxRedirects: o.maxRedirects ?? 5,
    contactUrl,
    userAgent: o.userAgent ?? `nianbao/0.1 (+${contactUrl})`,
    respectRobots: o.respectRobots ?? true,
    allowHosts: o.allowHosts ?? [],
    maxListingPages: o.maxListingPages ?? 300,
    maxListingDepth: o.maxListingDepth ?? 2,
    maxWalkHops: o.maxWalkHops ?? 3,
    browser: o.browser ?? true,
    chromiumPath: o.chromiumPath ?? defaultChromiumPath(),
    hostDownAfter: o.hostDownAfter ?? 6,
    hostOverrides: o.hostOverrides ?? {},
    maxRequests: o.maxRequests ?? Number.POSITIVE_INFINITY,
    log: o.log ?? ((line) => process.stderr.write(`${line}\n`)),
    onProgress: o.onProgress,
  };
}

const whole = (min: number) => z.number().int().min(min);

/**
 * The crawl options a config file may set (`crawl` of --config): every JSON-expressible field of
 * CrawlOptions, unknown keys refused, so a typo is an error naming the key rather than a default.
 */
export const CrawlOptionsSchema = z.strictObject({
  perHostConcurrency: whole(1).optional(),
  perHostDelayMs: whole(0).optional(),
  maxAttempts: whole(1).optional(),
  backoffBaseMs: whole(0).optional(),
  maxBackoffMs: whole(0).optional(),
  timeoutMs: whole(1).optional(),
  maxBytes: whole(1).optional(),
  maxRedirects: whole(0).optional(),
  contactUrl: z.string().min(1).optional(),
  userAgent: z.string().min(1).optional(),
  respectRobots: z.boolean().optional(),
  allowHosts: z.array(z.string().min(1)).optional(),
  maxListingPages: whole(1).optional(),
  maxListingDepth: whole(0).optional(),
  browser: z.boolean().optional(),
  chromiumPath: z.string().min(1).optional(),
  hostDownAfter: whole(1).optional(),
  hostOverrides: z.record(z.string(), z.string()).optional(),
  since: z.string().refine(isIsoDate, 'takes a date YYYY-MM-DD').nullable().optional(),
  maxRequests: whole(1).optional(),
});
// Every schema field is a CrawlOptions field of the same type (a compile error otherwise).
const fitsOptions: z.infer<typeof CrawlOptionsSchema> extends Omit<CrawlOptions, 'since'> & { since?: string | null } ? true : never = true;
void fitsOptions;
