/**
 * One title rule for every stage (text/title.ts, data in schema/vocabulary.json `titles`): the
 * crawler's verdict on a link, extract's choice of a document's own title, the guard telling a
 * report from an error page and normalize's reading of the title agree on the same titles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { classifyTitle, cleanPageTitle, isReportColumnTitle, isReportMenuTitle, namesDisclosureReport, namesReport } from '../text/title.ts';
import { errorPageUnderDocumentName } from '../extract/guard.ts';
import { extractHtml } from '../extract/html.ts';
import { readMetadata } from '../normalize/metadata.ts';
import { repoRoot } from './helpers/expected.ts';

// Printed the ways agencies print them: spaces inside, 年报 for 年度报告, 政务公开 for 政府信息公开, brackets.
const REPORTS = [
  ['余姚市人民政府招商中心2021年度政府信息公开工作年度报告', '余姚市人民政府招商中心'],
  ['鄞州区投资促进中心 2024 年政府信息公开工作 年度报告', '鄞州区投资促进中心'],
  ['拱墅区人民政府2021年政府信息公开年报', '拱墅区人民政府'],
  ['某县交通运输局2019年政务公开工作年度报告', '某县交通运输局'],
  ['市统计局2018年信息公开年度报告', '市统计局'],
  ['某区司法局2022年度政务公开年报', '某区司法局'],
] as const;
const compact = (t: string) => t.replace(/\s+/g, '');
const ABOUT_REPORTS = ['关于做好2021年度政府信息公开工作年度报告编制发布工作的通知', '关于2020年政府信息公开工作年度报告整改落实情况的函', '2021年政府信息公开工作年度报告解读'];
const OTHER = ['2021年统计年报', '2022年政务公开工作要点', '政府信息公开指南', '关于开展2021年度企业年报公示工作的通知'];

describe('one title rule, every stage', () => {
  it('a report title is a report to the crawler, names a report to extract, and gives normalize its agency', () => {
    for (const [title, agency] of REPORTS) {
      expect(classifyTitle(title), title).toBe('report');
      expect(namesReport(title), title).toBe(true);
      expect(namesDisclosureReport(title), title).toBe(true);
      const meta = readMetadata([{ kind: 'paragraph', text: title }, { kind: 'paragraph', text: '一、总体情况' }]);
      expect(meta.agency, title).toBe(agency);
      // The page's own title wins over the site and column names around it, whichever the separator.
      expect(compact(cleanPageTitle(`政府信息公开年报_${title}_某某市人民政府门户网站`)), title).toBe(compact(title));
      // Extract takes it as the document's title, and a small page under a .pdf name that carries it is not an error page.
      const html = `<html><head><title>${title} - 某某市人民政府</title></head><body><div class="article"><h1>网站导航</h1><p>${title}</p><p>一、总体情况。本年度主动公开政府信息121条。</p></div></body></html>`;
      expect(compact(extractHtml(html).declaredTitle ?? ''), title).toBe(compact(title));
      expect(errorPageUnderDocumentName(`<title>${title}</title><p>页面错误</p>`, 'pdf', 'a.pdf'), title).toBeNull();
    }
  });

  it('a title about reports names one but is not one; other 年报 are neither', () => {
    for (const t of ABOUT_REPORTS) {
      expect(classifyTitle(t), t).toBe('no');
      expect(namesDisclosureReport(t), t).toBe(true);
    }
    for (const t of OTHER) {
      expect(classifyTitle(t), t).toBe('no');
      expect(namesDisclosureReport(t), t).toBe(false);
    }
    // The agency of a notice that publishes a report is the report's.
    expect(readMetadata([{ kind: 'paragraph', text: '某县人民政府办公室关于印发某县2022年政府信息公开工作年度报告的通知' }]).agency).toBe('某县');
  });

  it('columns and menus on the way to them are told apart from reports', () => {
    for (const t of ['政府信息公开年报', '年度报告专栏', '政府信息公开工作年度报告']) expect(isReportColumnTitle(t), t).toBe(true);
    expect(isReportColumnTitle('拱墅区人民政府2021年政府信息公开年报')).toBe(false);
    expect(isReportMenuTitle('政府信息公开目录')).toBe(true);
    expect(isReportMenuTitle('政府信息公开年报')).toBe(false);
  });

  it('a title variant is one edit in schema/vocabulary.json, seen by the crawler and normalize alike', async () => {
    // 政务信息公开年度报表: a wording the data does not know yet.
    const variant = '某县农业农村局2023年政务信息公开年度报表';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-titles-'));
    try {
      for (const f of ['labels.json', 'identifiers.json', 'vocabulary.json']) fs.copyFileSync(path.join(repoRoot, 'schema', f), path.join(dir, f));
      const vocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocabulary.json'), 'utf8'));
      vocab.titles.report.push('政务信息公开年度报表');
      vocab.titles.names_report += '|报表';
      vocab.titles.agency_suffix.unshift('政务信息公开年度报表.*$');
      fs.writeFileSync(path.join(dir, 'vocabulary.json'), JSON.stringify(vocab, null, 2));
      const fresh = async () => {
        vi.resetModules();
        const { classifyTitle: classify } = await import('../text/title.ts');
        const { readMetadata: read } = await import('../normalize/metadata.ts');
        return { crawler: classify(variant), agency: read([{ kind: 'paragraph', text: variant }]).agency };
      };
      expect(await fresh()).toEqual({ crawler: 'no', agency: null });
      process.env.NIANBAO_MAPPINGS_DIR = dir;
      expect(await fresh()).toEqual({ crawler: 'report', agency: '某县农业农村局' });
    } finally {
      delete process.env.NIANBAO_MAPPINGS_DIR;
      vi.resetModules();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
