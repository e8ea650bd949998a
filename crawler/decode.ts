/**
 * Bytes → text for pages the crawler must read (listings, articles, API answers), through the
 * shared decoder so the crawler and the extractor agree on GBK/GB2312/mislabelled pages.
 */
import { decodeBytes } from '../extract/charset.ts';
import { sniffMediaType } from '../extract/sniff.ts';

export function decodeText(bytes: Uint8Array, contentType?: string): string {
  return decodeBytes(bytes, contentType).text;
}

export { sniffMediaType };
