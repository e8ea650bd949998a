/**
 * The browser path: Debian's Chromium driven by playwright-core, used only where plain HTTP
 * cannot see the page (a 412/521 JavaScript cookie challenge, or a list built by script with no
 * recognisable API). Every request Chromium makes is routed through the same per-host scheduler
 * and scope check as plain requests, so the browser is exactly as polite and as confined; images,
 * fonts and media are never loaded. Cookies it earns are handed to the plain client's jar.
 */
import type { Browser, BrowserContext, Request } from 'playwright-core';
import { defaultChromiumPath } from './options.ts';
import type { HostScheduler } from './politeness.ts';
import type { Scope } from './url.ts';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Debian's Chromium (env NIANBAO_CHROMIUM overrides) with the flags above: for every launch outside the crawler too. */
export function chromiumLaunchOptions(): { executablePath: string; args: string[] } {
  return { executablePath: defaultChromiumPath(), args: CHROMIUM_ARGS };
}

export interface BrowserResult {
  status: number;
  finalUrl: string;
  /** DOM after scripts ran. */
  html: string;
  /** Raw body of the last document response, when Chromium still has it. */
  body: Buffer | null;
  contentType: string;
  cookies: { name: string; value: string; domain: string; path: string; expires: number }[];
  requests: number;
}

/** One page of a list paged in Chromium: its address after the click, its DOM, and the status of the last navigation. */
export interface BrowserPage {
  url: string;
  html: string;
  status: number;
}

export interface BrowserPathOptions {
  chromiumPath: string;
  userAgentToken: string;
  hostOverrides: Record<string, string>;
  timeoutMs: number;
  scheduler: HostScheduler;
  scope: Scope;
  log: (line: string) => void;
}

export class BrowserPath {
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  private starting: Promise<BrowserContext> | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private finishers = new Map<Request, () => void>();
  private requestCount = 0;
  launched = false;

  constructor(private o: BrowserPathOptions) {}

  private async start(): Promise<BrowserContext> {
    const { chromium } = await import('playwright-core');
    const args = [...CHROMIUM_ARGS];
    const rules = Object.entries(this.o.hostOverrides).map(([h, ip]) => `MAP ${h} ${ip}`);
    if (rules.length) args.push(`--host-resolver-rules=${rules.join(', ')}`);
    this.browser = await chromium.launch({ executablePath: this.o.chromiumPath, headless: true, args });
    this.launched = true;
    const version = this.browser.version();
    const context = await this.browser.newContext({
      // A normal Chrome UA (challenges reject "HeadlessChrome") that still names the crawler.
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36 ${this.o.userAgentToken}`,
      locale: 'zh-CN',
      javaScriptEnabled: true,
    });
    const finish = (r: Request) => {
      const f = this.finishers.get(r);
      if (f) {
        this.finishers.delete(r);
        f();
      }
    };
    context.on('requestfinished', finish);
    context.on('requestfailed', finish);
    await context.route('**/*', async (route) => {
      const req = route.request();
      const url = req.url();
      if (this.o.scope.check(url) !== null) return route.abort('blockedbyclient');
      if (['image', 'font', 'media', 'stylesheet'].includes(req.resourceType())) return route.abort('blockedbyclient');
      const host = new URL(url).host.toLowerCase();
      await this.o.scheduler.run(host, async (sent) => {
        this.requestCount++;
        // Hold the host's slot until the response is read, like a plain request.
        let timer: NodeJS.Timeout | undefined;
        const finished = new Promise<void>((resolve) => {
          this.finishers.set(req, resolve);
          // A response that never finishes must not hold the host forever (nor keep Node alive).
          timer = setTimeout(resolve, this.o.timeoutMs);
          timer.unref();
        }).finally(() => clearTimeout(timer));
        await route.continue().catch(() => this.finishers.get(req)?.());
        sent();
        await finished;
      }, 1);
    });
    this.context = context;
    return context;
  }

  private async ctx(): Promise<BrowserContext> {
    if (this.context) return this.context;
    this.starting ??= this.start();
    return this.starting;
  }

  /**
   * Opens `url` and waits for a document answer below 400 (a challenge answers 412/521 first,
   * sets its cookie and reloads), then for the page's own requests to settle.
   */
  fetch(url: string): Promise<BrowserResult> {
    // One page at a time: the browser path is rare and each host is serialised anyway.
    const run = this.lock.then(() => this.fetchNow(url));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async fetchNow(url: string): Promise<BrowserResult> {
    const context = await this.ctx();
    const page = await context.newPage();
    const before = this.requestCount;
    try {
      const ok = page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && r.status() < 400, { timeout: this.o.timeoutMs * 2 });
      const first = await page.goto(url, { waitUntil: 'commit', timeout: this.o.timeoutMs }).catch(() => null);
      let resp = first && first.status() < 400 ? first : await ok.catch(() => null);
      ok.catch(() => undefined);
      if (!resp) {
        const status = first?.status() ?? 0;
        return { status, finalUrl: page.url(), html: await page.content().catch(() => ''), body: null, contentType: '', cookies: await context.cookies(url), requests: this.requestCount - before };
      }
      await page.waitForLoadState('load', { timeout: this.o.timeoutMs }).catch(() => undefined);
      // Lists built by script: wait for their XHRs (which queue behind the host's delay).
      await page.waitForLoadState('networkidle', { timeout: this.o.timeoutMs }).catch(() => undefined);
      const body = await resp.body().catch(() => null);
      return {
        status: resp.status(),
        finalUrl: page.url(),
        html: await page.content(),
        body,
        contentType: (await resp.headerValue('content-type').catch(() => null)) ?? 'text/html',
        cookies: await context.cookies(),
        requests: this.requestCount - before,
      };
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  /**
   * Pages a list the way a reader does: opens it, then clicks 下一页 / 下页 (or the next page
   * number) until `enough` says so, the pager stops changing the page, or `maxPages` is reached.
   * A click may navigate or redraw the list by script; either way the DOM after it is returned.
   * Clicking runs the page's own paging function, whatever it is called.
   */
  paginate(url: string, maxPages: number, enough: (pages: BrowserPage[]) => boolean): Promise<BrowserPage[]> {
    const run = this.lock.then(() => this.paginateNow(url, maxPages, enough));
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async paginateNow(url: string, maxPages: number, enough: (pages: BrowserPage[]) => boolean): Promise<BrowserPage[]> {
    const context = await this.ctx();
    const page = await context.newPage();
    const out: BrowserPage[] = [];
    let status = 0;
    page.on('response', (r) => {
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) status = r.status();
    });
    const settle = async () => {
      await page.waitForLoadState('load', { timeout: this.o.timeoutMs }).catch(() => undefined);
      await page.waitForLoadState('networkidle', { timeout: this.o.timeoutMs }).catch(() => undefined);
    };
    try {
      const first = await page.goto(url, { waitUntil: 'load', timeout: this.o.timeoutMs }).catch(() => null);
      if (!first || first.status() >= 400) return out;
      await settle();
      let prev = await page.content();
      for (let n = 2; n <= maxPages; n++) {
        const found = await page.evaluate((want: number) => {
          document.querySelectorAll('[data-nb-next]').forEach((e) => e.removeAttribute('data-nb-next'));
          const els = Array.from(document.querySelectorAll<HTMLElement>('a, button, span, li, input[type=button], input[type=submit], em, b, font, div'));
          const text = (e: HTMLElement) => ((e as HTMLInputElement).value || e.innerText || '').replace(/\s+/g, '');
          const usable = (e: HTMLElement) => e.offsetParent !== null && !/disabled/i.test(e.className) && !e.hasAttribute('disabled');
          const next = els.find((e) => /^(下一页|下页|下一頁|后一页|后页|next|>|›|»)$/i.test(text(e)) && usable(e));
          const num = els.find((e) => text(e) === String(want) && e.children.length === 0 && usable(e) && e.closest('[class*=page], [id*=page], [class*=pag], [id*=pag]'));
          const target = next ?? num;
          if (!target) return false;
          target.setAttribute('data-nb-next', '1');
          return true;
        }, n);
        if (!found) break;
        status = 200;
        await page.click('[data-nb-next]', { timeout: this.o.timeoutMs }).catch(() => undefined);
        await settle();
        const html = await page.content().catch(() => '');
        if (!html || html === prev) break;
        out.push({ url: page.url(), html, status });
        if (status >= 400 || enough(out)) break;
        prev = html;
      }
      return out;
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  get requests(): number {
    return this.requestCount;
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    this.browser = null;
    this.context = null;
    this.starting = null;
  }
}
