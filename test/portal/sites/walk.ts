/**
 * Fixture: a county portal and one of its departments' sites, to be crawled from their home
 * pages, the way a new user would start:
 *
 *   www.qy.gov.cn  /  → 政务公开 /zwgk/ → 政府信息公开 /zwgk/xxgk/ → 政府信息公开年报 /zwgk/xxgk/ndbg/ (2 pages, 共 14 条)
 *     The column lists the county's reports and its departments' reports (some hosted on the
 *     departments' sites), plus notices about reports (关于报送…, 关于做好…编制发布工作的通知),
 *     a 工作要点, a 统计年报, and one notice posted under a report's name (only its content says so).
 *     The home page also carries news, a service hall, a search box and a link off the site.
 *   jtj.qy.gov.cn  /  → 政府信息公开 /col/col_xxgk/index.html (its only link to the column) → 年度报告 /col/col_nb/index.html
 *
 * Markup of its own (a different CMS from the pager fixtures): <ul class="nav-list">, column
 * blocks <div class="gk-block">, list rows <p class="r"><a><i>date</i></p>.
 */
import { articlePage, NOTICE_BODY, pdfBytes, REPORT_BODY, serveSite, type Answer, type Site } from './kit.ts';

export const COUNTY_HOST = 'www.qy.gov.cn';
export const DEPT_HOST = 'jtj.qy.gov.cn';

export interface WalkSite extends Site {
  home: string;
  deptHome: string;
  /** Reports reachable from the county home page (county column, incl. department-hosted ones). */
  countyReports: string[];
  countyAttachments: string[];
  /** Reports in the department's own column. */
  deptReports: string[];
  /** Notices and look-alikes that must never be stored. */
  nonReports: string[];
  /** Paths a crawl looking for reports has no business requesting. */
  offLimits: RegExp;
}

const page = (title: string, nav: string, main: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body>
<div class="head"><img src="/img/logo.png" alt="庆元县人民政府"><form action="/search/"><input name="q"><button>搜索</button></form></div>
<ul class="nav-list">${nav}</ul>
<div class="wrap">${main}</div>
<div class="foot"><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a> 庆元县人民政府办公室 主办</div></body></html>`;

export async function startWalkSite(): Promise<WalkSite> {
  const county = new Map<string, Answer>();
  const dept = new Map<string, Answer>();
  const countyReports: string[] = [];
  const countyAttachments: string[] = [];
  const deptReports: string[] = [];
  const nonReports: string[] = [];
  const C = (p: string) => `http://${COUNTY_HOST}:PORT${p}`;
  const D = (p: string) => `http://${DEPT_HOST}:PORT${p}`;

  const nav = `<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/zjqy/">走进庆元</a></li>`;

  // Home: news, service hall, off-site link; the road to the reports is only through 政务公开.
  const news = Array.from({ length: 12 }, (_, i) => `<li><a href="/art/2024/3/${i + 1}/art_1201_${700 + i}.html">庆元县召开2024年第${i + 1}次常务会议</a><span>2024-03-${String(i + 1).padStart(2, '0')}</span></li>`).join('');
  for (let i = 0; i < 12; i++) county.set(`/art/2024/3/${i + 1}/art_1201_${700 + i}.html`, { body: articlePage({ title: `庆元县召开2024年第${i + 1}次常务会议`, date: '2024-03-01', body: '<p>会议研究了……</p>' }) });
  county.set('/', { body: page('庆元县人民政府门户网站', nav, `<div class="news"><h3>庆元要闻</h3><ul>${news}</ul></div><div class="links"><a href="http://www.zj.gov.cn/">浙江省人民政府</a><a href="/zwfw/">网上办事大厅</a></div>`) });
  county.set('/zwfw/', { body: page('政务服务', nav, '<ul>' + Array.from({ length: 8 }, (_, i) => `<li><a href="/zwfw/item_${i}.html">办事指南${i}</a></li>`).join('') + '</ul>') });
  county.set('/hdjl/', { body: page('互动交流', nav, '<a href="/hdjl/xjxx/">县长信箱</a>') });

  // 政务公开: blocks, one of them 政府信息公开.
  county.set('/zwgk/', {
    body: page('政务公开-庆元县人民政府', nav, `<div class="gk-block"><h3><a href="/zwgk/xxgk/">政府信息公开</a></h3></div>
<div class="gk-block"><h3><a href="/zwgk/zcjd/">政策解读</a></h3></div><div class="gk-block"><h3><a href="/zwgk/xwfbh/">新闻发布会</a></h3></div>
<div class="gk-block"><h3><a href="/zwgk/zdly/">重点领域信息公开</a></h3></div>`),
  });
  // 政府信息公开 directory: guide, rules, the 年报 column, the departments.
  county.set('/zwgk/xxgk/', {
    body: page('政府信息公开-庆元县人民政府', nav, `<div class="gk-side"><ul>
<li><a href="/zwgk/xxgk/gkzn/">政府信息公开指南</a></li><li><a href="/zwgk/xxgk/gkzd/">政府信息公开制度</a></li>
<li><a href="/zwgk/xxgk/fdzdgknr/">法定主动公开内容</a></li><li><a href="/zwgk/xxgk/ndbg/">政府信息公开年报</a></li>
<li><a href="/zwgk/xxgk/ysqgk/">依申请公开</a></li></ul></div>
<div class="bm"><h4>部门</h4><a href="http://${DEPT_HOST}:PORT/">县交通运输局</a><a href="/zwgk/xxgk/bm/jyj/">县教育局</a></div>`),
  });
  county.set('/zwgk/xxgk/fdzdgknr/', { body: page('法定主动公开内容', nav, '<ul><li><a href="/zwgk/xxgk/fdzdgknr/jgzn/">机构职能</a></li><li><a href="/zwgk/xxgk/fdzdgknr/ghjh/">规划计划</a></li></ul>') });

  // The 年报 column: 14 entries over 2 pages, linked by number; decoys among them.
  type E = { href: string; title: string; date: string; kind: 'report' | 'notice' | 'other'; host: 'county' | 'dept'; pdf?: boolean };
  const col: E[] = [];
  const agencies = ['庆元县人民政府', '庆元县人民政府办公室', '庆元县教育局', '庆元县财政局', '庆元县卫生健康局', '庆元县民政局'];
  for (const [i, a] of agencies.entries()) for (const y of [2023, 2022]) if (col.length < 9) col.push({ href: `/zwgk/xxgk/ndbg/${y}${String(i + 1).padStart(2, '0')}/t${y + 1}0120_${4000 + col.length}.html`, title: `${a}${y}年政府信息公开工作年度报告`, date: `${y + 1}-01-2${i % 9}`, kind: 'report', host: 'county', pdf: col.length % 3 === 0 });
  col.push({ href: '/art/2024/1/15/art_1229_5001.html', title: '庆元县交通运输局2023年政府信息公开工作年度报告', date: '2024-01-15', kind: 'report', host: 'dept' });
  col.push({ href: '/zwgk/xxgk/ndbg/202312/t20231201_3901.html', title: '关于报送2023年度政府信息公开工作年度报告的通知', date: '2023-12-01', kind: 'notice', host: 'county' });
  col.push({ href: '/zwgk/xxgk/ndbg/202311/t20231120_3900.html', title: '关于做好2023年度政府信息公开工作年度报告编制发布工作的通知', date: '2023-11-20', kind: 'notice', host: 'county' });
  col.push({ href: '/zwgk/xxgk/ndbg/202303/t20230301_3800.html', title: '庆元县2023年政务公开工作要点', date: '2023-03-01', kind: 'other', host: 'county' });
  // Posted under a report's name; the page is the notice asking for the reports.
  col.push({ href: '/zwgk/xxgk/ndbg/202212/t20221210_3700.html', title: '2022年度政府信息公开工作年度报告', date: '2022-12-10', kind: 'notice', host: 'county' });
  for (const [k, chunk] of [col.slice(0, 7), col.slice(7)].entries()) {
    const rows = chunk.map((e) => `<p class="r"><a href="${e.host === 'dept' ? D(e.href) : e.href}" target="_blank">${e.title}</a><i>${e.date}</i></p>`).join('\n');
    const pager = `<div class="pagination">共 ${col.length} 条 ${k === 0 ? '<span>1</span> <a href="index_1.html">2</a> <a href="index_1.html">下一页</a>' : '<a href="index.html">上一页</a> <a href="index.html">1</a> <span>2</span>'}</div>`;
    county.set(`/zwgk/xxgk/ndbg/${k === 0 ? 'index' : 'index_1'}.html`, { body: page('政府信息公开年报-庆元县人民政府', nav, `<div class="list">${rows}</div>${pager}`) });
  }
  for (const e of col) {
    const table = e.host === 'dept' ? dept : county;
    const url = e.host === 'dept' ? D(e.href) : C(e.href);
    const att = e.pdf ? { href: e.href.replace(/\.html$/, '.pdf'), text: '点击下载' } : undefined;
    table.set(e.href, { body: articlePage({ title: e.title, date: e.date, body: e.kind === 'report' ? REPORT_BODY(e.title.replace(/\d{4}年.*$/, ''), 2023) : e.kind === 'notice' ? NOTICE_BODY(2023) : '<p>一、深化重点领域信息公开……</p>', attachment: att, chrome: '庆元县人民政府' }) });
    if (att) table.set(att.href, { type: 'application/pdf', body: pdfBytes(e.title) });
    if (e.kind === 'report') {
      countyReports.push(url);
      if (att) countyAttachments.push(C(att.href));
    } else nonReports.push(url);
  }

  // The department's site: 年报 column linked only from its 政府信息公开 directory.
  const dnav = `<li><a href="/">首页</a></li><li><a href="/col/col_jggk/index.html">机构概况</a></li><li><a href="/col/col_xxgk/index.html">政府信息公开</a></li><li><a href="/col/col_tzgg/index.html">通知公告</a></li>`;
  dept.set('/', { body: page('庆元县交通运输局', dnav, '<div class="tzgg"><a href="/col/col_tzgg/index.html">通知公告</a></div>') });
  dept.set('/col/col_tzgg/index.html', { body: page('通知公告', dnav, '<p class="r"><a href="/art/2024/2/1/art_1230_6001.html">关于春运期间道路运输安全的通知</a><i>2024-02-01</i></p>') });
  dept.set('/art/2024/2/1/art_1230_6001.html', { body: articlePage({ title: '关于春运期间道路运输安全的通知', date: '2024-02-01', body: '<p>各运输企业：……特此通知。</p>' }) });
  dept.set('/col/col_xxgk/index.html', {
    body: page('政府信息公开-县交通运输局', dnav, `<div class="gk-side"><a href="/col/col_jgzn/index.html">机构职能</a><a href="/col/col_zcwj/index.html">政策文件</a><a href="/col/col_ghjh/index.html">规划计划</a><a href="/col/col_nb/index.html">年度报告</a></div>`),
  });
  const drows: string[] = [];
  for (const y of [2023, 2022, 2021, 2020]) {
    const href = y === 2023 ? '/art/2024/1/15/art_1229_5001.html' : `/art/${y + 1}/1/18/art_1229_${5000 - y}.html`;
    const title = `庆元县交通运输局${y}年政府信息公开工作年度报告`;
    drows.push(`<p class="r"><a href="${href}">${title}</a><i>${y + 1}-01-18</i></p>`);
    if (y !== 2023) dept.set(href, { body: articlePage({ title, date: `${y + 1}-01-18`, body: REPORT_BODY('庆元县交通运输局', y) }) });
    deptReports.push(D(href));
  }
  drows.push(`<p class="r"><a href="/art/2023/12/5/art_1229_4999.html">关于报送2023年度政府信息公开工作年度报告的通知</a><i>2023-12-05</i></p>`);
  dept.set('/art/2023/12/5/art_1229_4999.html', { body: articlePage({ title: '关于报送2023年度政府信息公开工作年度报告的通知', date: '2023-12-05', body: NOTICE_BODY(2023) }) });
  nonReports.push(D('/art/2023/12/5/art_1229_4999.html'));
  dept.set('/col/col_nb/index.html', { body: page('年度报告-县交通运输局', dnav, `<div class="list">${drows.join('\n')}</div><div class="pagination">共 5 条</div>`) });

  const site = await serveSite(new Map([['', county], [COUNTY_HOST, county], [DEPT_HOST, dept]]));
  const fix = (u: string) => u.replace('PORT', String(site.port));
  // Links written with PORT inside page bodies.
  for (const t of [county, dept]) for (const [k, v] of t) if (typeof v.body === 'string' && v.body.includes(':PORT')) t.set(k, { ...v, body: fix(v.body) });
  return {
    ...site,
    home: fix(C('/')),
    deptHome: fix(D('/')),
    countyReports: countyReports.map(fix),
    countyAttachments: countyAttachments.map(fix),
    deptReports: deptReports.map(fix),
    nonReports: nonReports.map(fix),
    offLimits: /^\/(zwfw|hdjl|search|art\/2024\/3\/|zwgk\/zcjd|zwgk\/xwfbh|col\/col_tzgg|art\/2024\/2\/1)/,
  };
}
