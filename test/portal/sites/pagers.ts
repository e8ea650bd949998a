/**
 * Fixture: 年报 columns of several county portals that announce their size the way real CMSs
 * do, none of them through a createPageHTML call or plain page links:
 *
 * - `recordcount`: a home-grown PageBar object {recordCount, pageSize, pageIndex}; pages index_1/index_2.html
 * - `totaldata`:   jquery.pagination({totalData, showData}); pages list_2.htm, list_3.htm
 * - `laypage`:     layui laypage.render({count, limit, jump}); pages index_1.shtml, index_2.shtml
 * - `jsoncfg`:     pager settings as JSON in <script type="application/json"> {paging:{total_count, per_page, static_pages}}; index_2.html …
 * - `textonly`:    nothing in scripts; the text says 共 12 条 / 第 1/3 页; 下一页 calls goPage(n) → p2.html (no convention guesses it)
 * - `gone`:        window.__PAGER__ = {"recordTotal":25,"rows":10}; index_1.htm exists, index_2.htm answers 404
 *
 * Every list holds report articles plus a couple of notices about reports (entries all the
 * same: the stated count counts them). The pager is drawn by script in the browser only.
 */
import { articlePage, NOTICE_BODY, pdfBytes, REPORT_BODY, serveSite, type Answer, type Site } from './kit.ts';

export interface PagerCase {
  id: string;
  start: string;
  stated: number;
  /** Entries the list really has on pages that answer. */
  reachable: number;
  reports: string[];
  attachments: string[];
  nonReports: string[];
  /** The list cannot be completed (a page is gone). */
  incomplete: boolean;
}

export interface PagersSite extends Site {
  cases: PagerCase[];
}

const AGENCIES = ['县发展和改革局', '县教育局', '县科学技术局', '县公安局', '县民政局', '县司法局', '县财政局', '县人力资源和社会保障局', '县自然资源局', '县生态环境分局', '县住房和城乡建设局', '县交通运输局', '县水利局', '县农业农村局', '县商务局', '县文化和旅游局', '县卫生健康局', '县退役军人事务局', '县应急管理局', '县审计局', '县市场监督管理局', '县统计局', '县医疗保障局', '县林业局', '县城市管理局', '县行政审批局', '县信访局', '县机关事务中心', '县档案馆', '县融媒体中心', '县供销社', '县残联'];

interface Entry {
  href: string;
  title: string;
  date: string;
  report: boolean;
}

export async function startPagersSite(): Promise<PagersSite> {
  const pages = new Map<string, Answer>();
  const cases: PagerCase[] = [];

  /** Entries of one list: reports of the agencies, two notices among them. */
  const entries = (county: string, dir: string, n: number, ext: string): Entry[] => {
    const out: Entry[] = [];
    for (let i = 0; i < n; i++) {
      const year = 2023 - (i % 3);
      const day = String(28 - (i % 27)).padStart(2, '0');
      if (i === 3 || i === n - 2) {
        out.push({ href: `${dir}content/post_${9100 + i}.${ext}`, title: i === 3 ? `关于报送${year}年度政府信息公开工作年度报告的通知` : `关于做好${year}年度政府信息公开工作年度报告编制发布工作的通知`, date: `${year + 1}-01-${day}`, report: false });
      } else {
        out.push({ href: `${dir}content/post_${9100 + i}.${ext}`, title: `${county}${AGENCIES[i % AGENCIES.length]}${year}年政府信息公开工作年度报告`, date: `${year + 1}-01-${day}`, report: true });
      }
    }
    return out;
  };

  const addArticles = (c: PagerCase, county: string, list: Entry[], reachableCount: number) => {
    list.forEach((e, i) => {
      const withPdf = e.report && i % 4 === 0;
      const att = withPdf ? { href: e.href.replace(/\.\w+$/, '.pdf'), text: `${e.title}.pdf` } : undefined;
      pages.set(e.href, { body: articlePage({ title: e.title, date: e.date, body: e.report ? REPORT_BODY(county, 2022) : NOTICE_BODY(2022), attachment: att, chrome: `${county}人民政府` }) });
      if (att) pages.set(att.href, { type: 'application/pdf', body: pdfBytes(e.title) });
      if (i >= reachableCount) return;
      if (e.report) {
        c.reports.push(e.href);
        if (att) c.attachments.push(att.href);
      } else c.nonReports.push(e.href);
    });
  };

  const shell = (county: string, listHtml: string, pager: string, extraHead = '') => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报-${county}人民政府</title>${extraHead}</head><body>
<div class="header"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>
<div class="main-list">${listHtml}</div>
${pager}
<div class="footer">${county}人民政府办公室主办 <a href="/wzdt/">网站地图</a></div></body></html>`;

  const paged = <T,>(all: T[], size: number) => Array.from({ length: Math.ceil(all.length / size) }, (_, k) => all.slice(k * size, k * size + size));

  // ---- recordcount: PageBar({recordCount, pageSize}); index.html, index_1.html, index_2.html
  {
    const county = '青田县', dir = '/art/nb/rc/';
    const list = entries(county, dir, 23, 'html');
    const c: PagerCase = { id: 'recordcount', start: `http://127.0.0.1:PORT${dir}`, stated: 23, reachable: 23, reports: [], attachments: [], nonReports: [], incomplete: false };
    paged(list, 10).forEach((chunk, k) => {
      const rows = chunk.map((e) => `<tr><td class="bt"><a href="${e.href}" target="_blank" title="${e.title}">${e.title}</a></td><td class="rq">${e.date}</td></tr>`).join('\n');
      const pager = `<div id="pb"></div><script src="/js/pagebar.js"></script><script>
  var bar = new PageBar({ target: 'pb', recordCount: 23, pageSize: 10, pageIndex: ${k + 1}, urlPattern: 'index_{n}.html' });
  bar.render();</script>`;
      pages.set(`${dir}${k === 0 ? 'index' : `index_${k}`}.html`, { body: shell(county, `<table class="tb_list">${rows}</table>`, pager) });
    });
    pages.set('/js/pagebar.js', { type: 'application/javascript', body: `function PageBar(o){this.o=o;} PageBar.prototype.render=function(){var o=this.o,n=Math.ceil(o.recordCount/o.pageSize),h='';for(var i=1;i<=n;i++){h+= i==o.pageIndex?'<b>'+i+'</b>':'<a href="'+(i==1?'index.html':o.urlPattern.replace('{n}',i-1))+'">'+i+'</a>';} document.getElementById(o.target).innerHTML=h;};` });
    addArticles(c, county, list, 23);
    cases.push(c);
  }

  // ---- totaldata: jquery.pagination({totalData, showData}); list.htm, list_2.htm, list_3.htm
  {
    const county = '缙云县', dir = '/zfxxgk/ndbg/';
    const list = entries(county, dir, 19, 'htm');
    const c: PagerCase = { id: 'totaldata', start: `http://127.0.0.1:PORT${dir}list.htm`, stated: 19, reachable: 19, reports: [], attachments: [], nonReports: [], incomplete: false };
    paged(list, 8).forEach((chunk, k) => {
      const rows = chunk.map((e) => `<li><span class="time">${e.date.replace(/-/g, '/')}</span><a href="${e.href}">${e.title}</a></li>`).join('\n');
      const pager = `<div class="M-box" id="Pagination"></div><script>
  $(function () { $('#Pagination').pagination({ totalData: 19, showData: 8, current: ${k + 1}, coping: true, homePage: '首页', endPage: '末页', prevContent: '上页', nextContent: '下页',
    callback: function (api) { var p = api.getCurrent(); window.location.href = p == 1 ? 'list.htm' : 'list_' + p + '.htm'; } }); });</script>`;
      pages.set(`${dir}${k === 0 ? 'list' : `list_${k + 1}`}.htm`, { body: shell(county, `<ul class="xxgk-list">${rows}</ul>`, pager) });
    });
    addArticles(c, county, list, 19);
    cases.push(c);
  }

  // ---- laypage: laypage.render({count, limit}); index.shtml, index_1.shtml, index_2.shtml
  {
    const county = '遂昌县', dir = '/gk/nbzl/';
    const list = entries(county, dir, 31, 'shtml');
    const c: PagerCase = { id: 'laypage', start: `http://127.0.0.1:PORT${dir}index.shtml`, stated: 31, reachable: 31, reports: [], attachments: [], nonReports: [], incomplete: false };
    paged(list, 15).forEach((chunk, k) => {
      const rows = chunk.map((e) => `<div class="news-item"><a href="${e.href}"><p class="t">${e.title}</p></a><em>${e.date}</em></div>`).join('\n');
      const pager = `<div id="pg"></div><script>
layui.use(['laypage'], function () { var laypage = layui.laypage;
  laypage.render({ elem: 'pg', count: 31, limit: 15, curr: ${k + 1}, layout: ['prev', 'page', 'next', 'count'],
    jump: function (obj, first) { if (!first) { location.href = obj.curr == 1 ? 'index.shtml' : 'index_' + (obj.curr - 1) + '.shtml'; } } }); });</script>`;
      pages.set(`${dir}${k === 0 ? 'index' : `index_${k}`}.shtml`, { body: shell(county, rows, pager) });
    });
    addArticles(c, county, list, 31);
    cases.push(c);
  }

  // ---- jsoncfg: <script type="application/json">{"paging":{"total_count":12,"per_page":5,"static_pages":3}}</script>
  {
    const county = '松阳县', dir = '/col/col1229337/';
    const list = entries(county, dir, 12, 'html');
    const c: PagerCase = { id: 'jsoncfg', start: `http://127.0.0.1:PORT${dir}index.html`, stated: 12, reachable: 12, reports: [], attachments: [], nonReports: [], incomplete: false };
    paged(list, 5).forEach((chunk, k) => {
      const rows = chunk.map((e) => `<dl class="item"><dt><a href="${e.href}" title="${e.title}">${e.title.slice(0, 18)}…</a></dt><dd>${e.date}</dd></dl>`).join('\n');
      const cfg = `<script type="application/json" id="list-config">{"column":{"id":1229337,"name":"政府信息公开年报"},"paging":{"total_count":12,"per_page":5,"static_pages":3,"current":${k + 1}}}</script>
<div class="pager" data-role="pager"></div><script src="/static/js/list-pager.min.js"></script>`;
      pages.set(`${dir}${k === 0 ? 'index' : `index_${k + 1}`}.html`, { body: shell(county, rows, cfg) });
    });
    addArticles(c, county, list, 12);
    cases.push(c);
  }

  // ---- textonly: 共 12 条 / 第 1/3 页 printed; 下一页 → goPage(n) → p2.html, p3.html (Chromium pages it)
  {
    const county = '庆元县', dir = '/news/xxgknb/';
    const list = entries(county, dir, 12, 'html');
    const c: PagerCase = { id: 'textonly', start: `http://127.0.0.1:PORT${dir}index.html`, stated: 12, reachable: 12, reports: [], attachments: [], nonReports: [], incomplete: false };
    paged(list, 5).forEach((chunk, k) => {
      const rows = chunk.map((e) => `<div class="row"><span class="dot">·</span><a href="${e.href}">${e.title}</a><span class="d">[${e.date}]</span></div>`).join('\n');
      const pager = `<div class="fy">共 12 条　每页 5 条　第 ${k + 1}/3 页　<a href="javascript:;" onclick="goPage(1)">首页</a> <a href="javascript:;" onclick="goPage(${Math.max(1, k)})">上一页</a> <a href="javascript:;" onclick="goPage(${Math.min(3, k + 2)})">下一页</a> <a href="javascript:;" onclick="goPage(3)">尾页</a></div>
<script>function goPage(n){ location.href = n == 1 ? 'index.html' : 'p' + n + '.html'; }</script>`;
      pages.set(`${dir}${k === 0 ? 'index' : `p${k + 1}`}.html`, { body: shell(county, rows, pager) });
    });
    addArticles(c, county, list, 12);
    cases.push(c);
  }

  // ---- gone: window.__PAGER__ = {"recordTotal":25,"rows":10}; index_2.htm is gone (404)
  {
    const county = '龙泉市', dir = '/zwgk/fdzdgknr/nb/';
    const list = entries(county, dir, 25, 'htm');
    const c: PagerCase = { id: 'gone', start: `http://127.0.0.1:PORT${dir}index.htm`, stated: 25, reachable: 20, reports: [], attachments: [], nonReports: [], incomplete: true };
    paged(list, 10).forEach((chunk, k) => {
      if (k === 2) return; // the third page is gone
      const rows = chunk.map((e) => `<tr><td><a href="${e.href}">${e.title}</a></td><td align="center">${e.date}</td></tr>`).join('\n');
      const pager = `<div id="page-nav"></div><script>window.__PAGER__ = {"recordTotal":25,"rows":10,"cur":${k + 1}};
(function(p){var n=Math.ceil(p.recordTotal/p.rows),h='';if(p.cur<n){h+='<a href="index_'+p.cur+'.htm">下一页</a>';}document.getElementById('page-nav').innerHTML=h;})(window.__PAGER__);</script>`;
      pages.set(`${dir}${k === 0 ? 'index' : `index_${k}`}.htm`, { body: shell(county, `<table width="100%">${rows}</table>`, pager) });
    });
    addArticles(c, county, list, 20);
    cases.push(c);
  }

  const site = await serveSite(new Map([['', pages]]));
  const fix = (u: string) => u.replace('PORT', String(site.port));
  for (const c of cases) {
    c.start = fix(c.start);
    c.reports = c.reports.map((u) => site.url + u);
    c.attachments = c.attachments.map((u) => site.url + u);
    c.nonReports = c.nonReports.map((u) => site.url + u);
  }
  return { ...site, cases };
}
