/**
 * A small cookie jar for the plain HTTP client. Its main job is to carry cookies a challenge
 * page made Chromium set (WAF tokens) over to plain requests, plus ordinary Set-Cookie handling.
 */
export interface Cookie {
  name: string;
  value: string;
  domain: string; // without leading dot
  hostOnly: boolean;
  path: string;
  expires?: number; // epoch ms
}

export class CookieJar {
  private cookies = new Map<string, Cookie>();

  set(c: Cookie): void {
    const key = `${c.domain}|${c.path}|${c.name}`;
    if (c.expires !== undefined && c.expires <= Date.now()) this.cookies.delete(key);
    else this.cookies.set(key, c);
  }

  setFromHeader(url: string, header: string | string[] | undefined): void {
    if (!header) return;
    const u = new URL(url);
    for (const line of Array.isArray(header) ? header : [header]) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const c: Cookie = { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), domain: u.hostname, hostOnly: true, path: '/' };
      for (const a of attrs) {
        const [k, ...v] = a.split('=');
        const key = k!.trim().toLowerCase();
        const val = v.join('=').trim();
        if (key === 'domain' && val) {
          const d = val.replace(/^\./, '').toLowerCase();
          // A server may only set cookies for its own domain.
          if (u.hostname === d || u.hostname.endsWith(`.${d}`)) {
            c.domain = d;
            c.hostOnly = false;
          }
        } else if (key === 'path' && val.startsWith('/')) c.path = val;
        else if (key === 'max-age') c.expires = Date.now() + Number(val) * 1000;
        else if (key === 'expires' && c.expires === undefined) {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) c.expires = t;
        }
      }
      this.set(c);
    }
  }

  /** The Cookie header for a request, or undefined. */
  header(url: string): string | undefined {
    const u = new URL(url);
    const now = Date.now();
    const out: string[] = [];
    for (const c of this.cookies.values()) {
      if (c.expires !== undefined && c.expires <= now) continue;
      const domainOk = c.hostOnly ? u.hostname === c.domain : u.hostname === c.domain || u.hostname.endsWith(`.${c.domain}`);
      if (domainOk && u.pathname.startsWith(c.path)) out.push(`${c.name}=${c.value}`);
    }
    return out.length ? out.join('; ') : undefined;
  }

  /** Cookies in Playwright's shape, from Chromium's context. */
  importBrowserCookies(list: { name: string; value: string; domain: string; path: string; expires: number }[]): number {
    for (const b of list) {
      const hostOnly = !b.domain.startsWith('.');
      this.set({ name: b.name, value: b.value, domain: b.domain.replace(/^\./, ''), hostOnly, path: b.path || '/', expires: b.expires > 0 ? b.expires * 1000 : undefined });
    }
    return list.length;
  }

  size(): number {
    return this.cookies.size;
  }
}
