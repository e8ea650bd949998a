/**
 * TRS WCM columns. Pagination is drawn by script, not links:
 *   createPageHTML(12, 0, "index", "htm")                    page count, current page, name, ext
 *   createPageHTML('page_div', 12, 1, 'index', 'htm', 174)   newer template: div id first, record count last
 *   var countPage = 12; var currentPage = 0; var prefix = "index"; var suffix = "htm";
 *   var _nPageCount = 12; var _nCurrIndex = 0; var _sPageName = "index"; var _sPageExt = "htm";
 * Page k (k ≥ 1) lives beside index.htm as index_k.htm. Articles are ./YYYYMM/tYYYYMMDD_N.htm.
 * List rows print the date beside the link (<span>, or a <td> cell); anchors() reads it.
 */
import type { Discovered, Page, PlatformAdapter } from '../types.ts';
import { anchors } from '../discover.ts';

interface Paging {
  count: number;
  /** Record count: the newer template's last argument. */
  records?: number;
  current: number;
  name: string;
  ext: string;
}

export function trsPaging(text: string): Paging | null {
  const call = /createPageHTML\s*\(([^)]*)\)/.exec(text);
  if (call) {
    const args = call[1]!.split(',').map((s) => s.trim().replace(/^["']|["']$/g, ''));
    const nums = args.map((a) => (/^\d+$/.test(a) ? Number(a) : null));
    const strs = args.filter((a, i) => nums[i] === null);
    const firstNum = nums.findIndex((n) => n !== null);
    // The name/extension pair are the two string arguments after the numbers.
    const ext = strs.find((s) => /^s?html?$/i.test(s)) ?? 'htm';
    const name = strs.filter((s) => !/^s?html?$/i.test(s)).pop() ?? 'index';
    if (firstNum >= 0 && nums[firstNum + 1] !== null && nums[firstNum + 1] !== undefined) {
      const last = nums[nums.length - 1];
      const records = nums.filter((n) => n !== null).length >= 3 && last !== null && last !== undefined && args.length > firstNum + 2 ? last : undefined;
      return { count: nums[firstNum]!, current: nums[firstNum + 1]!, name: /^[\w-]+$/.test(name) ? name : 'index', ext, ...(records !== undefined ? { records } : {}) };
    }
  }
  const v = (re: RegExp) => re.exec(text)?.[1];
  const count = v(/(?:countPage|_nPageCount|pageCount|totalPage)\s*=\s*["']?(\d+)/);
  if (count) {
    return {
      count: Number(count),
      current: Number(v(/(?:currentPage|_nCurrIndex|curPage)\s*=\s*["']?(\d+)/) ?? 0),
      name: v(/(?:prefix|_sPageName)\s*=\s*["']([\w-]+)["']/) ?? 'index',
      ext: v(/(?:suffix|_sPageExt)\s*=\s*["'](s?html?)["']/) ?? 'htm',
    };
  }
  return null;
}

export const trs: PlatformAdapter = {
  name: 'trs',
  detect(page) {
    if (page.kind === 'api') return 0;
    let score = 0;
    if (/createPageHTML\s*\(/.test(page.text)) score += 0.6;
    if (/_nPageCount|countPage\s*=/.test(page.text)) score += 0.4;
    if (/TRS_Editor|trs_editor|TRS WCM|\/t\d{8}_\d+\.s?html?/i.test(page.text)) score += 0.3;
    return Math.min(1, score);
  },
  list(page: Page) {
    const evidence: string[] = [];
    const pages: Discovered[] = [];
    const paging = trsPaging(page.text);
    if (paging && paging.count > 1) {
      evidence.push(`paging count=${paging.count} current=${paging.current} ${paging.name}.${paging.ext}`);
      // Only the first page fans out: every other page carries the same call.
      if (paging.current === 0) {
        const dir = page.finalUrl.replace(/[?#].*$/, '').replace(/[^/]*$/, '');
        for (let k = 1; k < paging.count; k++) {
          pages.push({ url: `${dir}${paging.name}_${k}.${paging.ext}`, kind: 'listing', extra: { pageNo: k } });
        }
      }
    }
    // TRS list items are plain anchors; the generic adapter reads them too, this keeps TRS
    // self-sufficient when it is forced by a platform hint.
    // The call states the list's page count (and, in the newer template, its record count).
    const stated = paging && paging.current === 0 ? { pages: paging.count, ...(paging.records !== undefined ? { records: paging.records } : {}), evidence: [`trs createPageHTML pages=${paging.count}${paging.records !== undefined ? ` records=${paging.records}` : ''}`] } : null;
    return { links: anchors(page.$(), page.finalUrl, { dates: true }), pages, evidence, stated };
  },
};
