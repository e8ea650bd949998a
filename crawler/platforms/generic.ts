/**
 * Any HTML listing: plain anchors, 下一页/尾页 links and numbered sibling pages. Always runs, so
 * an unknown CMS still yields its links; platform adapters add what plain anchors miss.
 */
import type { PlatformAdapter } from '../types.ts';
import { anchors, paginationLinks } from '../discover.ts';

export const generic: PlatformAdapter = {
  name: 'generic',
  detect(page) {
    return page.kind === 'api' ? 0 : 0.1;
  },
  list(page) {
    const $ = page.$();
    const next = paginationLinks($, page.finalUrl);
    const pageNo = (page.extra.pageNo ?? 0) + 1;
    return {
      links: anchors($, page.finalUrl, { dates: true }),
      pages: next.map((url) => ({ url, kind: 'listing' as const, extra: { pageNo } })),
      evidence: next.length ? [`${next.length} pagination link(s)`] : [],
    };
  },
};
