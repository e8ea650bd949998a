/**
 * What the fixture portal publishes: the columns, their items (reports and the non-reports that
 * share their columns), article bodies and attachments. Report documents come from the
 * renderings of the seed reports when `documentsDir` holds them (`<seedId>.html|pdf|docx|doc`),
 * else from small generated stand-ins, so tests never depend on the renderings.
 */
import fs from 'node:fs';
import path from 'node:path';

export type ColumnId = 'trs' | 'jcms' | 'json' | 'waf' | 'generic' | 'script';

export interface Attachment {
  /** Path on the portal (absolute path, may carry a query: jcms downfile.jsp). */
  path: string;
  ext: 'pdf' | 'doc' | 'docx' | 'xls' | 'wps';
  bytes: Buffer;
  /** Content-Disposition file name, when the portal sends one. */
  dispositionName?: string;
}

export interface Item {
  column: ColumnId;
  host: 'main' | 'h2';
  title: string;
  /** Text shown in the list (may be cut, with the full title in a title attribute or not at all). */
  listText?: string;
  listTitleAttr?: boolean;
  /** Article path. */
  path: string;
  /** How the list links it when different from `path` (relative forms, redirects). */
  href?: string;
  report: boolean;
  /** Under a robots.txt Disallow. */
  disallowed?: boolean;
  bodyHtml: string;
  /**
   * A whole article page in portal chrome (`<seedId>.portal.html` from the renderings: TRS
   * UTF-8 or jcms GBK), served as is with the attachment links added; else one is generated.
   */
  portalPage?: { bytes: Buffer; charset: string };
  attachments: Attachment[];
  date: string;
}

export const SEED_TITLES: Record<string, string> = {
  '000': '余姚市人民政府招商中心2021年度政府信息公开工作年度报告',
  '001': '余姚市人民政府招商局2017年政府信息公开年度报告',
  '002': '拱墅区投资促进局2021年政府信息公开工作年度报告',
  '003': '余姚市经济和信息化局2020年度政府信息公开工作年度报告',
  '004': '鄞州区投资促进中心2024年政府信息公开工作年度报告',
};

class Docs {
  constructor(private dir?: string) {}

  has(seed: string | undefined, ext: string): boolean {
    return !!this.dir && !!seed && fs.existsSync(path.join(this.dir, `${seed}.${ext}`));
  }

  private file(seed: string | undefined, ext: string): Buffer | null {
    if (!this.dir || !seed) return null;
    const f = path.join(this.dir, `${seed}.${ext}`);
    return fs.existsSync(f) ? fs.readFileSync(f) : null;
  }

  body(seed: string | undefined, title: string): string {
    const html = this.file(seed, 'html');
    if (html) return html.toString('utf8').replace(/<\/?(html|head|body)[^>]*>/gi, '');
    return `<p style="text-align:center"><b>${title}</b></p>
<p>本年度报告根据《中华人民共和国政府信息公开条例》要求编制。一、总体情况。本年度主动公开政府信息121条，收到政府信息公开申请3件。</p>
<table border="1"><tr><td>本年新收政府信息公开申请数量</td><td>3</td></tr><tr><td>结转下年度继续办理</td><td>0</td></tr></table>`;
  }

  portal(seed: string | undefined): Item['portalPage'] {
    const bytes = this.file(seed, 'portal.html');
    if (!bytes) return undefined;
    const charset = /charset=["']?([\w-]+)/i.exec(bytes.subarray(0, 2048).toString('latin1'))?.[1] ?? 'utf-8';
    return { bytes, charset };
  }

  attachment(seed: string | undefined, ext: Attachment['ext'], title: string): Buffer {
    const real = this.file(seed, ext);
    if (real) return real;
    // Stand-ins: the right magic bytes and the title, enough for type sniffing and sha256 identity.
    const tag = Buffer.from(` stand-in ${ext} for ${title}\n`, 'utf8');
    switch (ext) {
      case 'pdf':
        return Buffer.concat([Buffer.from('%PDF-1.4\n%'), tag, Buffer.from('%%EOF\n')]);
      case 'docx':
        return Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('word/document.xml'), tag]);
      case 'doc':
      case 'xls':
      case 'wps':
        return Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), tag]);
    }
  }
}

/**
 * `realOnly` (the sample portal of `npm start`): every report serves a real rendering, so a sample
 * run has no broken documents. Reports without a seed are left out, except the first one of a
 * column that has no seeded report (the challenge and script-built columns): it takes the next
 * seed's documents and title. Attachment types without a rendering (xls, wps) are left out.
 */
export function buildContent(documentsDir?: string, opts: { redirectLoop?: boolean; realOnly?: boolean } = {}): Item[] {
  const docs = new Docs(documentsDir && fs.existsSync(documentsDir) ? documentsDir : undefined);
  const items: Item[] = [];
  const seeds = Object.keys(SEED_TITLES);
  let nextSeed = 0;
  // Columns below whose lists include one of the seed reports themselves.
  const columnsWithSeeds = new Set<ColumnId>(['trs', 'jcms', 'json']);
  const report = (i: Omit<Item, 'report' | 'bodyHtml' | 'attachments'> & { seed?: string; att?: Attachment['ext'][]; attPaths?: (ext: string, k: number) => string; disposition?: string }) => {
    if (opts.realOnly) {
      if (!i.seed) {
        if (columnsWithSeeds.has(i.column)) return;
        i.seed = seeds[nextSeed++ % seeds.length];
        i.title = SEED_TITLES[i.seed]!;
        i.listText = undefined;
      }
      i.att = (i.att ?? []).filter((ext) => docs.has(i.seed, ext));
      columnsWithSeeds.add(i.column);
    }
    const dir = i.path.replace(/[^/]*$/, '');
    const stamp = i.path.match(/t(\d{8})_(\d+)/)?.[1] ?? i.date.replace(/-/g, '');
    const attachments = (i.att ?? []).map((ext, k) => ({
      path: i.attPaths ? i.attPaths(ext, k) : `${dir}P0${stamp}${String(k + 1).padStart(6, '0')}${i.path.length % 97}.${ext}`,
      ext,
      bytes: docs.attachment(i.seed, ext, i.title),
      dispositionName: i.disposition ? `${i.disposition}.${ext}` : undefined,
    }));
    items.push({ ...i, report: true, bodyHtml: docs.body(i.seed, i.title), portalPage: docs.portal(i.seed), attachments });
  };
  const other = (i: Omit<Item, 'report' | 'bodyHtml' | 'attachments'>) =>
    items.push({ ...i, report: false, bodyHtml: `<p>${i.title}</p><p>各有关单位：现将有关事项通知如下。</p>`, attachments: [] });

  // ---- TRS WCM column (余姚市), GBK, three pages drawn by createPageHTML
  const T = '/trs/zfxxgknb/';
  report({ column: 'trs', host: 'main', title: SEED_TITLES['000']!, path: `${T}202201/t20220120_1234567.htm`, href: './202201/t20220120_1234567.htm', seed: '000', att: ['pdf'], date: '2022-01-20' });
  other({ column: 'trs', host: 'main', title: '2022年余姚市政务公开工作要点', path: `${T}202203/t20220301_1234600.htm`, href: './202203/t20220301_1234600.htm', date: '2022-03-01' });
  report({ column: 'trs', host: 'main', title: SEED_TITLES['001']!, path: `${T}201801/t20180125_1100001.htm`, href: './201801/t20180125_1100001.htm', seed: '001', att: ['doc'], date: '2018-01-25' });
  report({ column: 'trs', host: 'main', title: SEED_TITLES['003']!, listText: '余姚市经济和信息化局2020年度政府信息公...', listTitleAttr: true, path: `${T}202101/t20210128_1200002.htm`, href: './202101/t20210128_1200002.htm', seed: '003', att: ['docx', 'pdf'], date: '2021-01-28' });
  // page 1
  other({ column: 'trs', host: 'main', title: '关于做好2021年度政府信息公开工作年度报告编制发布工作的通知', path: `${T}202112/t20211210_1230001.htm`, href: './202112/t20211210_1230001.htm', date: '2021-12-10' });
  report({ column: 'trs', host: 'main', title: '余姚市农业农村局2021年政府信息公开工作年度报告', listText: '余姚市农业农村局2021年政府信息公开工作年...', path: `${T}202201/t20220125_1234800.htm`, href: './202201/t20220125_1234800.htm', att: ['pdf'], date: '2022-01-25' });
  report({ column: 'trs', host: 'main', title: '余姚市档案馆2021年政府信息公开工作年度报告', path: '/private/202201/t20220126_1234900.htm', disallowed: true, att: ['pdf'], date: '2022-01-26' });
  // page 2
  other({ column: 'trs', host: 'main', title: '关于2020年政府信息公开工作年度报告整改落实情况的函', path: `${T}202106/t20210601_1210001.htm`, href: './202106/t20210601_1210001.htm', date: '2021-06-01' });
  other({ column: 'trs', host: 'main', title: '余姚市2021年政府信息公开工作培训会议召开', listText: '余姚市2021年政府信息公开工作...', path: `${T}202105/t20210512_1209001.htm`, href: './202105/t20210512_1209001.htm', date: '2021-05-12' });
  // Listed through an old address that redirects (301) to the article.
  report({ column: 'trs', host: 'main', title: '余姚市教育局2019年政府信息公开工作年度报告', path: `${T}202001/t20200120_1150001.htm`, href: '/old/yyjy2019.htm', att: ['wps'], date: '2020-01-20' });

  // ---- Hanweb jcms column (拱墅区), datastore + dataproxy.jsp POST windows
  const jc = (n: number) => `/art/2022/1/${(n % 27) + 1}/art_1229486972_${59010000 + n}.html`;
  const down = (n: number) => (ext: string) => `/module/download/downfile.jsp?classid=0&filename=22012${n}1234.${ext}`;
  report({ column: 'jcms', host: 'main', title: SEED_TITLES['002']!, path: jc(1), seed: '002', att: ['docx'], attPaths: down(1), disposition: '../../etc/拱墅区投资促进局2021年报', date: '2022-01-20' });
  other({ column: 'jcms', host: 'main', title: '拱墅区2022年政务公开工作要点', path: jc(2), date: '2022-03-02' });
  report({ column: 'jcms', host: 'main', title: '拱墅区民政局2021年政府信息公开工作年度报告', path: jc(3), att: ['pdf'], attPaths: down(3), date: '2022-01-21' });
  report({ column: 'jcms', host: 'main', title: '拱墅区财政局2021年政府信息公开工作年度报告', path: jc(4), att: ['pdf'], attPaths: down(4), date: '2022-01-22' });
  other({ column: 'jcms', host: 'main', title: '关于开展政府信息公开工作年度报告检查的通知', path: jc(5), date: '2022-02-01' });
  report({ column: 'jcms', host: 'main', title: '拱墅区卫生健康局2020年政府信息公开工作年度报告', path: jc(6), att: ['doc'], attPaths: down(6), date: '2021-01-20' });
  report({ column: 'jcms', host: 'main', title: '拱墅区人民政府2021年政府信息公开年报', path: jc(7), date: '2022-01-15' });
  report({ column: 'jcms', host: 'main', title: '拱墅区司法局2020年政府信息公开工作年度报告', path: jc(8), att: ['pdf'], attPaths: down(8), date: '2021-01-22' });
  other({ column: 'jcms', host: 'main', title: '拱墅区关于2021年度政务公开考核结果的通报', path: jc(9), date: '2022-04-01' });
  report({ column: 'jcms', host: 'main', title: '拱墅区城管局2019年政府信息公开工作年度报告', path: jc(10), att: ['pdf'], attPaths: down(10), date: '2020-01-20' });
  report({ column: 'jcms', host: 'main', title: '拱墅区商务局2019年政府信息公开工作年度报告', path: jc(11), date: '2020-01-21' });
  report({ column: 'jcms', host: 'main', title: '拱墅区住建局2019年政府信息公开工作年度报告', path: jc(12), att: ['docx'], attPaths: down(12), date: '2020-01-22' });
  other({ column: 'jcms', host: 'main', title: '拱墅区政府信息公开指南', path: jc(13), date: '2019-05-01' });

  // ---- JSON-API column (鄞州区): the list exists only as JSON fetched by page script
  const J = '/json/nb/art/';
  report({ column: 'json', host: 'main', title: SEED_TITLES['004']!, path: `${J}2025/0120-4001.html`, seed: '004', att: ['pdf', 'doc'], date: '2025-01-20' });
  other({ column: 'json', host: 'main', title: '2024年鄞州区政务公开工作要点', path: `${J}2024/0301-4002.html`, date: '2024-03-01' });
  report({ column: 'json', host: 'main', title: '鄞州区教育局2023年政府信息公开工作年度报告', path: `${J}2024/0120-4003.html`, att: ['pdf'], date: '2024-01-20' });
  report({ column: 'json', host: 'main', title: '鄞州区交通运输局2023年政府信息公开工作年度报告', path: `${J}2024/0121-4004.html`, att: ['docx'], date: '2024-01-21' });
  other({ column: 'json', host: 'main', title: '关于印发《鄞州区政府信息公开工作年度报告编制规范》的通知', path: `${J}2023/1201-4005.html`, date: '2023-12-01' });
  report({ column: 'json', host: 'main', title: '鄞州区投资促进中心2023年政府信息公开工作年度报告', path: `${J}2024/0122-4006.html`, att: ['pdf'], date: '2024-01-22' });
  report({ column: 'json', host: 'main', title: '鄞州区2022年政务公开工作年度报告', path: `${J}2023/0120-4007.html`, date: '2023-01-20' });
  other({ column: 'json', host: 'main', title: '鄞州区关于2022年度政府信息公开工作年度报告落实情况的函', path: `${J}2023/0601-4008.html`, date: '2023-06-01' });
  report({ column: 'json', host: 'main', title: '鄞州区统计局2022年政府信息公开工作年度报告', path: `${J}2023/0121-4009.html`, att: ['xls'], date: '2023-01-21' });
  report({ column: 'json', host: 'main', title: '鄞州区审计局2022年政府信息公开工作年度报告', path: `${J}2023/0122-4010.html`, att: ['pdf'], date: '2023-01-22' });

  // ---- Challenge-protected column: everything under /waf/ needs the cookie the page script sets
  const W = '/waf/nb/art/';
  report({ column: 'waf', host: 'main', title: '泗洪县人民政府2023年政府信息公开工作年度报告', path: `${W}5001.html`, att: ['pdf'], date: '2024-01-20' });
  other({ column: 'waf', host: 'main', title: '泗洪县2024年政务公开工作要点', path: `${W}5002.html`, date: '2024-03-01' });
  report({ column: 'waf', host: 'main', title: '泗洪县发展和改革局2023年政府信息公开工作年度报告', path: `${W}5003.html`, att: ['docx'], date: '2024-01-21' });
  report({ column: 'waf', host: 'main', title: '泗洪县财政局2023年政府信息公开工作年度报告', path: `${W}5004.html`, date: '2024-01-22' });

  // ---- A list drawn by script from an endpoint assembled at run time (no literal URL to find):
  // only the browser path (render the page, read the DOM) sees these links.
  const S = '/script/nb/art/';
  report({ column: 'script', host: 'main', title: '洪泽区人民政府2023年政府信息公开工作年度报告', path: `${S}7001.html`, att: ['pdf'], date: '2024-01-20' });
  other({ column: 'script', host: 'main', title: '洪泽区2024年政务公开工作要点', path: `${S}7002.html`, date: '2024-03-01' });
  report({ column: 'script', host: 'main', title: '洪泽区民政局2023年政府信息公开工作年度报告', path: `${S}7003.html`, date: '2024-01-21' });

  // ---- Second host: a generic CMS, pagination by 下一页 links
  const G = '/gk/nb/';
  report({ column: 'generic', host: 'h2', title: '淮安市人民政府2023年政府信息公开工作年度报告', path: `${G}content_6001.html`, att: ['pdf'], date: '2024-01-20' });
  other({ column: 'generic', host: 'h2', title: '淮安市政府办公室关于做好政务公开工作的通知', path: `${G}content_6002.html`, date: '2024-02-01' });
  report({ column: 'generic', host: 'h2', title: '淮安市公安局2023年政府信息公开工作年度报告', path: `${G}content_6003.html`, att: ['doc'], date: '2024-01-21' });
  report({ column: 'generic', host: 'h2', title: '淮安市水利局2022年政府信息公开工作年度报告', path: `${G}content_6004.html`, att: ['pdf'], date: '2023-01-21' });
  report({ column: 'generic', host: 'h2', title: '淮安市人民政府2022年政府信息公开工作年度报告', path: `${G}content_6005.html`, att: ['pdf', 'docx'], date: '2023-01-20' });
  if (opts.redirectLoop) {
    report({ column: 'generic', host: 'h2', title: '淮安市林业局2022年政府信息公开工作年度报告', path: '/redirect/loop-a', date: '2023-01-22' });
  }
  return items;
}

export const PAGE_SIZE = { trs: 4, jcmsPerPage: 2, jcmsInPage: 6, json: 4, generic: 2 };
