/**
 * Format detection from the tables' headers and rows, never from the year: a 2023 report may
 * print the 2019 tables and a 2019 report may still be legacy.
 */
import type { Format } from '../schema/report.ts';
import type { StatutoryParse } from './statutory.ts';

export interface Detection {
  format: Format;
  reason: string;
}

export interface DetectionInput {
  statutory: StatutoryParse;
  legacyTableFound: boolean;
  hasReportTitle: boolean;
  /** Headings of the 2008 regulation's narrative sections were found. */
  legacySections: number;
  /** Headings of the statutory report outline were found. */
  statutorySections: number;
  narrativeFacts: number;
  needsOcr: boolean;
}

export function detectFormat(d: DetectionInput): Detection {
  if (d.needsOcr) return { format: 'unknown', reason: 'needs-ocr: image-only document, no text layer' };
  const { v2021, v2019 } = d.statutory.evidence;
  const tables = d.statutory.tablesFound;
  if (tables.size > 0 || v2021.length || v2019.length) {
    // Proactive-table headers are the strongest signal; the （六）其他处理 split decides otherwise.
    const proactive2021 = v2021.filter((e) => !e.startsWith('other_')).length;
    const proactive2019 = v2019.filter((e) => e !== 'other').length;
    if (proactive2021 > proactive2019) return { format: 'statutory-2021', reason: `2021 proactive columns: ${uniq(v2021).join(', ')}` };
    if (proactive2019 > proactive2021) return { format: 'statutory-2019', reason: `2019 proactive columns: ${uniq(v2019).join(', ')}` };
    if (v2021.length > v2019.length) return { format: 'statutory-2021', reason: '（六）其他处理 split into three rows' };
    if (v2019.length > v2021.length) return { format: 'statutory-2019', reason: '（六）其他处理 printed as one row' };
    return { format: 'statutory-2021', reason: `statutory tables (${[...tables].join(', ')}) without variant markers` };
  }
  if (d.legacyTableFound) return { format: 'legacy', reason: 'legacy statistics table 政府信息公开情况统计表' };
  if (!d.hasReportTitle) return { format: 'unknown', reason: 'not an annual report: no report title and no report tables' };
  // The legacy heading 主动公开政府信息(的)情况 also matches the statutory 二、主动公开政府信息情况:
  // the outline is statutory when it has more statutory headings than legacy ones.
  if (d.statutorySections >= 2 && d.statutorySections > d.legacySections)
    return { format: 'unknown', reason: 'statutory report outline without its tables (tables may be in an attachment or an image)' };
  if (d.legacySections >= 1 || d.narrativeFacts > 0) return { format: 'legacy', reason: 'legacy narrative report without statistics table' };
  return { format: 'unknown', reason: 'report title but no tables and no recognisable report sections' };
}

const uniq = (a: string[]) => [...new Set(a)];
