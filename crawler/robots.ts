/**
 * robots.txt per origin, fetched once per run through the same polite request path as
 * everything else. RFC 9309: 4xx means no rules; an unreachable robots.txt (5xx or network
 * failure after retries) means "disallow everything" for this run, since the site may be
 * struggling. Here that disallow takes the form of a failure of the URL with the fault's own kind
 * (refused, timeout, http-5xx …): nothing on the origin is fetched, the fault is retried like
 * any transient one, and a portal that stays down is recorded for the next night's run rather
 * than silently skipped. Crawl-delay raises the host's gap.
 */
import { FetchError } from './http.ts';
import robotsParserModule from 'robots-parser';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getMatchingLineNumber(url: string, ua?: string): number;
  getCrawlDelay(ua?: string): number | undefined;
}
// A CommonJS function export; TypeScript's NodeNext view of its d.ts is the namespace.
const robotsParser = ((robotsParserModule as unknown as { default?: unknown }).default ?? robotsParserModule) as unknown as (url: string, body: string) => Robot;

export interface RobotsFetchResult {
  status: number | null; // null: unreachable
  body: string;
  error?: FetchError;
}

export class RobotsCache {
  private cache = new Map<string, Promise<Robot | FetchError | null>>();

  constructor(
    private userAgent: string,
    private fetchRobots: (robotsUrl: string) => Promise<RobotsFetchResult>,
  ) {}

  private load(origin: string): Promise<Robot | FetchError | null> {
    let p = this.cache.get(origin);
    if (!p) {
      const url = `${origin}/robots.txt`;
      p = this.fetchRobots(url).then((r) => {
        if (r.status === null || r.status >= 500 || r.status === 429) {
          // Not cached: the next attempt asks again.
          this.cache.delete(origin);
          return r.error ?? new FetchError(r.status === 429 ? 'http-429' : 'http-5xx', `robots.txt answered HTTP ${r.status}`, r.status ?? undefined);
        }
        if (r.status >= 400) return null;
        return robotsParser(url, r.body);
      });
      this.cache.set(origin, p);
    }
    return p;
  }

  /** null if allowed, else why not. */
  async check(url: string): Promise<string | null> {
    const r = await this.load(new URL(url).origin);
    if (r === null) return null;
    if (r instanceof FetchError) throw new FetchError(r.kind, `robots.txt unreachable, nothing fetched from this origin (RFC 9309): ${r.message}`, r.status, r.retryAfterMs);
    return r.isAllowed(url, this.agentToken()) === false ? `disallowed by robots.txt line ${r.getMatchingLineNumber(url, this.agentToken())}` : null;
  }

  async crawlDelayMs(origin: string): Promise<number | undefined> {
    const r = await this.load(origin);
    if (!r || r instanceof FetchError) return undefined;
    const d = r.getCrawlDelay(this.agentToken());
    return d === undefined ? undefined : Math.min(60_000, d * 1000);
  }

  /** The product token robots.txt groups match against ("nianbao"). */
  private agentToken(): string {
    return this.userAgent.split(/[\s/]/)[0] ?? this.userAgent;
  }
}
