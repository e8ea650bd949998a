/**
 * Per-host politeness. Each host gets a p-queue bounding requests in flight, and a start-gap
 * clock: a request may start only `delayMs` after the previous request to that host started.
 * (p-queue's interval/intervalCap is a windowed limit that allows bursts at window edges, so the
 * gap is kept here.) A 429/503 Retry-After or a robots Crawl-delay pushes the clock for the whole
 * host, not just for the one URL. Every network request, including Chromium's, passes `run()`.
 */
import PQueue from 'p-queue';

/**
 * The server sees request starts a little later or earlier than we do (connection setup, its
 * event loop, the network). A margin of 2% of the delay (at least 25 ms) keeps the gap it
 * observes at or above the configured delay: the delay is a floor, not a target. (10% cost a
 * tenth of the polite throughput: 45.4 instead of 48.8 requests/s over 50 hosts at 1/s.)
 */
function gapMargin(delayMs: number): number {
  return delayMs > 0 ? Math.max(25, Math.round(delayMs * 0.02)) : 0;
}

interface HostState {
  queue: PQueue;
  nextStart: number;
  delayMs: number;
  requests: number;
}

export class HostScheduler {
  private hosts = new Map<string, HostState>();
  private total = 0;

  constructor(
    private concurrency: number,
    private delayMs: number,
  ) {}

  private state(host: string): HostState {
    let s = this.hosts.get(host);
    if (!s) {
      s = { queue: new PQueue({ concurrency: this.concurrency }), nextStart: 0, delayMs: this.delayMs, requests: 0 };
      this.hosts.set(host, s);
    }
    return s;
  }

  /** Raise the gap for a host (robots Crawl-delay); never lowers it below the configured delay. */
  setHostDelay(host: string, ms: number): void {
    const s = this.state(host);
    s.delayMs = Math.max(this.delayMs, ms);
  }

  /** Hold off every request to a host until `until` (epoch ms), e.g. after Retry-After. */
  pauseHost(host: string, until: number): void {
    const s = this.state(host);
    s.nextStart = Math.max(s.nextStart, until);
  }

  /**
   * Runs one request under the host's limits. `fn` must perform exactly one request, call
   * `sent` when the request has been written to the connection, and resolve when its response
   * has been read completely (the slot is held until then). Higher priority
   * goes first among queued requests (Chromium's, which a page load is waiting on).
   */
  run<T>(host: string, fn: (sent: () => void) => Promise<T>, priority = 0): Promise<T> {
    const s = this.state(host);
    return s.queue.add(async () => {
      // Loop: a pause can be set by another request while we sleep.
      for (;;) {
        const wait = s.nextStart - Date.now();
        if (wait <= 0) break;
        await sleep(wait);
      }
      const gap = s.delayMs + gapMargin(s.delayMs);
      s.nextStart = Date.now() + gap;
      s.requests++;
      this.total++;
      // The clock restarts when the request has actually left (after connection setup), so a
      // slow connect of one request cannot squeeze the gap the server sees before the next.
      return fn(() => {
        s.nextStart = Math.max(s.nextStart, Date.now() + gap);
      });
    }, { priority }) as Promise<T>;
  }

  requestsByHost(): Record<string, number> {
    return Object.fromEntries([...this.hosts].map(([h, s]) => [h, s.requests]));
  }

  totalRequests(): number {
    return this.total;
  }

  pending(host: string): number {
    const s = this.hosts.get(host);
    return s ? s.queue.size + s.queue.pending : 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Exponential backoff with ±50% jitter, capped. attempt is 1-based (the attempt that failed). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = baseMs * 2 ** (attempt - 1);
  return Math.min(maxMs, Math.round(raw * (0.5 + Math.random())));
}
