/**
 * Done-when (issue 11, part 4): no cookie crosses from one registrable domain to another. The jar
 * is tough-cookie with the public-suffix list; these are the cases the hand-written jar got wrong
 * (Domain=gov.cn accepted, then sent to every *.gov.cn host) and the ones it must keep right.
 */
import { describe, expect, it } from 'vitest';
import { CookieJar } from '../crawler/cookies.ts';

describe('cookie jar: cookies never cross registrable domains', () => {
  it('refuses Domain=gov.cn from www.yy.gov.cn: it is sent neither to www.zz.gov.cn nor back', () => {
    const jar = new CookieJar();
    jar.setFromHeader('https://www.yy.gov.cn/col/index.html', ['wide=1; Domain=gov.cn; Path=/', 'wider=1; Domain=.cn; Path=/']);
    expect(jar.header('https://www.zz.gov.cn/')).toBeUndefined();
    expect(jar.header('https://www.yy.gov.cn/')).toBeUndefined();
    expect(jar.size()).toBe(0);
  });

  it('keeps a site cookie on its own registrable domain, and a host-only cookie on its host', () => {
    const jar = new CookieJar();
    jar.setFromHeader('http://www.yy.gov.cn/a/', ['site=s; Domain=.yy.gov.cn; Path=/', 'host=h; Path=/', 'other=o; Domain=zz.gov.cn; Path=/']);
    expect(jar.header('http://jtj.yy.gov.cn/x')).toBe('site=s');
    expect(jar.header('http://www.yy.gov.cn/x')).toBe('site=s; host=h');
    expect(jar.header('http://www.zz.gov.cn/x')).toBeUndefined();
    expect(jar.header('http://yy.gov.cn.evil.com/x')).toBeUndefined();
  });

  it('honours Path, Max-Age and expiry', () => {
    const jar = new CookieJar();
    jar.setFromHeader('http://www.yy.gov.cn/', ['p=1; Path=/col', 'gone=1; Max-Age=0', 'old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header('http://www.yy.gov.cn/col/x.html')).toBe('p=1');
    expect(jar.header('http://www.yy.gov.cn/art/x.html')).toBeUndefined();
  });

  it('takes Chromium cookies (WAF tokens) under the same rules', () => {
    const jar = new CookieJar();
    const n = jar.importBrowserCookies([
      { name: 'waf', value: 't', domain: 'www.yy.gov.cn', path: '/', expires: -1 },
      { name: 'sitewide', value: 'u', domain: '.yy.gov.cn', path: '/', expires: Date.now() / 1000 + 3600 },
      { name: 'suffix', value: 'v', domain: '.gov.cn', path: '/', expires: -1 },
    ]);
    expect(n).toBe(2);
    expect(jar.header('http://www.yy.gov.cn/')).toBe('waf=t; sitewide=u');
    expect(jar.header('http://jtj.yy.gov.cn/')).toBe('sitewide=u');
    expect(jar.header('http://www.zz.gov.cn/')).toBeUndefined();
    // Loopback fixture portals keep working.
    jar.setFromHeader('http://127.0.0.1:8080/waf/', 'nbwaf=1; Path=/');
    expect(jar.header('http://127.0.0.1:8080/waf/x')).toBe('nbwaf=1');
  });
});
