/** URL normalisation, crawl scope and address safety. */
import net from 'node:net';

/**
 * The identity of a URL for dedup: fragment dropped, host lower-cased, default port removed,
 * `/./` and `/../` resolved (the URL parser does that). Query order is kept: portals' servers
 * may care about it.
 */
export function normalizeUrl(raw: string, base?: string): string | null {
  const trimmed = raw.trim().replace(/[\r\n\t]/g, '');
  if (!trimmed || /^(javascript|mailto|tel|data|about|vbscript):/i.test(trimmed) || trimmed.startsWith('#')) return null;
  let u: URL;
  try {
    u = base ? new URL(trimmed, base) : new URL(trimmed);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  if (u.username || u.password) return null;
  return u.href;
}

export function hostOf(url: string): string {
  return new URL(url).host.toLowerCase();
}

export function hostnameOf(url: string): string {
  return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/**
 * The "site" a host belongs to, for scope: the last three labels under .gov.cn/.edu.cn/.org.cn
 * style second-level suffixes (www.yy.gov.cn → yy.gov.cn), else the last two. IPs are their own site.
 */
export function siteOf(hostname: string): string {
  if (net.isIP(hostname)) return hostname;
  const labels = hostname.split('.');
  const twoLevel = labels.length >= 3 && ['gov', 'edu', 'org', 'com', 'net', 'ac'].includes(labels[labels.length - 2]!) && labels[labels.length - 1]!.length === 2;
  return labels.slice(twoLevel ? -3 : -2).join('.');
}

/** Which hosts a crawl may touch: the portals' own sites plus an explicit allowlist. */
export class Scope {
  private sites = new Set<string>();
  private exact = new Set<string>();
  private wildcards: string[] = [];
  /** Hosts that were configured explicitly, so they may resolve to loopback/private addresses. */
  readonly localOk = new Set<string>();

  addPortalUrl(url: string): void {
    const h = hostnameOf(url);
    this.sites.add(siteOf(h));
    this.exact.add(h);
    this.localOk.add(h);
  }

  addAllowHost(pattern: string): void {
    const p = pattern.toLowerCase();
    // Allowlisted hosts may be fetched, but only configured portals may live on private or
    // loopback addresses: an allowlist entry is no licence to reach the local network.
    if (p.startsWith('*.')) this.wildcards.push(p.slice(1));
    else this.exact.add(p);
  }

  /** null when in scope, else the reason it is not. */
  check(url: string): string | null {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'bad-url';
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'bad-scheme';
    const h = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    if (this.exact.has(h)) return null;
    if (this.wildcards.some((w) => h.endsWith(w))) return null;
    if (!net.isIP(h) && this.sites.has(siteOf(h))) return null;
    return 'off-scope';
  }
}

/** Loopback, link-local, private and unspecified addresses: never fetched unless configured. */
export function isPrivateAddress(ip: string): boolean {
  const v = ip.toLowerCase();
  if (net.isIPv4(v)) {
    const [a, b] = v.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (net.isIPv6(v)) {
    if (v === '::1' || v === '::') return true;
    if (v.startsWith('::ffff:')) {
      // IPv4-mapped: URL parsing writes ::ffff:127.0.0.1 as ::ffff:7f00:1, which connects to 127.0.0.1.
      const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v.slice(7));
      if (hex) {
        const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
        return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
      }
      return isPrivateAddress(v.slice(7));
    }
    return /^(fe[89ab]|fc|fd)/.test(v);
  }
  return false;
}

/** A file name from Content-Disposition or a URL, reduced to a safe base name (never a path). */
export function safeFileName(name: string | undefined | null): string | null {
  if (!name) return null;
  let n = name;
  try {
    n = decodeURIComponent(n);
  } catch {
    /* keep as is */
  }
  n = n.replace(/\\/g, '/').split('/').pop() ?? '';
  // Control characters, reserved characters and leading dots would let a name hide or escape.
  n = n.replace(/[\x00-\x1f<>:"|?*]/g, '_').replace(/^\.+/, '').trim();
  if (!n || n === '.' || n === '..') return null;
  return n.slice(0, 200);
}

export function contentDispositionFileName(header: string | undefined): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) return safeFileName(star[2]!.trim().replace(/^"|"$/g, ''));
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  if (plain) {
    let raw = (plain[2] ?? plain[1] ?? '').trim();
    // Chinese servers often send raw UTF-8 (or GBK) bytes, which Node hands over as latin1.
    if (/[\x80-\xff]/.test(raw)) raw = Buffer.from(raw, 'latin1').toString('utf8');
    return safeFileName(raw);
  }
  return null;
}
