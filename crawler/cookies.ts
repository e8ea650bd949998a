/**
 * The plain HTTP client's cookie jar: tough-cookie (RFC 6265, with the public-suffix list), so
 * a cookie never crosses registrable domains: `Domain=gov.cn` from www.yy.gov.cn is refused
 * (gov.cn is a public suffix), and a cookie for yy.gov.cn is never sent to zz.gov.cn. Its main
 * job is to carry the cookies a challenge page made Chromium set (WAF tokens) over to plain
 * requests, plus ordinary Set-Cookie handling.
 */
import { Cookie, CookieJar as ToughJar } from 'tough-cookie';

/** A cookie as Playwright reports it from Chromium's context. */
export interface BrowserCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Seconds since the epoch; -1 for a session cookie. */
  expires: number;
  secure?: boolean;
  httpOnly?: boolean;
}

export class CookieJar {
  private jar = new ToughJar(undefined, { rejectPublicSuffixes: true, looseMode: true });

  setFromHeader(url: string, header: string | string[] | undefined): void {
    if (!header) return;
    for (const line of Array.isArray(header) ? header : [header]) {
      // A cookie the jar refuses (public-suffix domain, another site's domain) is dropped, not fatal.
      this.jar.setCookieSync(line, url, { ignoreError: true });
    }
  }

  /** The Cookie header for a request, or undefined. */
  header(url: string): string | undefined {
    const s = this.jar.getCookieStringSync(url);
    return s ? s : undefined;
  }

  /** Cookies Chromium earned, set as if their own site had sent them (a leading dot = a domain cookie). */
  importBrowserCookies(list: BrowserCookie[]): number {
    let n = 0;
    for (const b of list) {
      const host = b.domain.replace(/^\./, '');
      const c = new Cookie({
        key: b.name,
        value: b.value,
        path: b.path || '/',
        secure: !!b.secure,
        httpOnly: !!b.httpOnly,
        expires: b.expires > 0 ? new Date(b.expires * 1000) : 'Infinity',
        ...(b.domain.startsWith('.') ? { domain: host } : {}),
      });
      const set = this.jar.setCookieSync(c, `${b.secure ? 'https' : 'http'}://${host}${b.path || '/'}`, { ignoreError: true });
      if (set) n++;
    }
    return n;
  }

  size(): number {
    return this.jar.serializeSync()?.cookies.length ?? 0;
  }
}
