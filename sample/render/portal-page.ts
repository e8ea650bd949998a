/**
 * The report inside government-portal chrome, as crawled pages look: a TRS WCM article page
 * (header, navigation, breadcrumb, sidebar link lists, 信息公开 metadata table,
 * <div class="TRS_Editor"> body, footer with 主办单位 and ICP备案) and a Hanweb jcms page (table
 * layout, <div id="zoom"> body between <!--<$[信息内容]>begin--> markers), which is served in GBK.
 */
import iconv from 'iconv-lite';
import { readMetadata } from '../../normalize/metadata.ts';
import { bodyHtml, esc, REPORT_CSS } from './html.ts';
import type { RenderDoc } from './report-doc.ts';

export type PortalStyle = 'trs' | 'jcms';

interface Site {
  name: string;
  city: string;
  agency: string;
  year: number;
  pubDate: string;
  indexNo: string;
}

function siteFor(doc: RenderDoc): Site {
  const meta = readMetadata([{ kind: 'paragraph', text: doc.title }]);
  const agency = meta.agency ?? '本机关';
  const m = /^(.{1,8}?[市区县])/u.exec(agency);
  const city = m ? m[1] : agency.slice(0, 3);
  const year = meta.year ?? 2021;
  const day = 10 + (Number(doc.id) * 7) % 18;
  const pubDate = `${year + 1}-01-${String(day).padStart(2, '0')}`;
  const indexNo = `${(11330200 + Number(doc.id) * 37).toString()}MB${String(1000 + Number(doc.id) * 13)}/${year + 1}-${String(10000 + Number(doc.id) * 271)}`;
  return { name: `${city}人民政府`, city, agency, year, pubDate, indexNo };
}

const otherYears = (doc: RenderDoc, s: Site) =>
  [1, 2, 3].map((d) => {
    const y = s.year - d;
    return { title: `${s.agency}${y}年度政府信息公开工作年度报告`, href: `../${y + 1}01/t${y + 1}0118_${1000 + d}.html` };
  });

function trsPage(doc: RenderDoc): string {
  const s = siteFor(doc);
  const links = otherYears(doc, s)
    .map((l) => `          <li><a href="${l.href}" target="_blank" title="${esc(l.title)}">${esc(l.title)}</a></li>`)
    .join('\n');
  return `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge" />
<title>${esc(doc.title)}_${esc(s.name)}</title>
<meta name="SiteName" content="${esc(s.name)}" />
<meta name="SiteDomain" content="www.example.gov.cn" />
<meta name="ColumnName" content="政府信息公开年报" />
<meta name="ColumnType" content="政府信息公开年报" />
<meta name="ArticleTitle" content="${esc(doc.title)}" />
<meta name="PubDate" content="${s.pubDate} 09:30" />
<meta name="ContentSource" content="${esc(s.agency)}" />
<meta name="Keywords" content="政府信息公开,年度报告" />
<link rel="stylesheet" type="text/css" href="../../images/common.css" />
<style type="text/css">
  body { margin: 0; font-family: 'WenQuanYi Micro Hei', sans-serif; background: #f3f3f3; }
  .top, .header, .nav, .position, .main, .footer { width: 1100px; margin: 0 auto; }
  .top { font-size: 12px; color: #666; text-align: right; padding: 4px 0; }
  .header { background: #b40000; color: #fff; height: 96px; }
  .header .logo { font-size: 30px; line-height: 96px; padding-left: 30px; float: left; }
  .header .search { float: right; padding: 34px 30px 0 0; }
  .nav ul { margin: 0; padding: 0; background: #8f0000; height: 44px; }
  .nav li { float: left; list-style: none; width: 157px; text-align: center; line-height: 44px; }
  .nav a { color: #fff; text-decoration: none; font-size: 17px; }
  .position { font-size: 13px; padding: 10px 0; color: #555; }
  .main { overflow: hidden; background: #fff; }
  .left-side { float: left; width: 230px; padding: 16px; font-size: 14px; }
  .left-side h3 { background: #b40000; color: #fff; margin: 0 0 6px; padding: 6px 10px; font-size: 16px; }
  .left-side ul { margin: 0 0 16px; padding-left: 18px; line-height: 2; }
  .right-content { float: right; width: 780px; padding: 20px 24px; }
  .xxgk-info { width: 100%; border-collapse: collapse; font-size: 13px; margin-bottom: 18px; }
  .xxgk-info td { border: 1px solid #ddd; padding: 4px 8px; }
  .article h1.title { text-align: center; font-size: 24px; color: #b40000; margin: 10px 0; }
  .article .info { text-align: center; font-size: 13px; color: #888; border-bottom: 1px dashed #ccc; padding-bottom: 10px; }
  .tools { text-align: right; font-size: 13px; padding: 20px 0; }
  .footer { background: #8f0000; color: #fff; text-align: center; font-size: 13px; padding: 14px 0; line-height: 2; }
  .footer a { color: #fff; }
${REPORT_CSS.replace(/\.report/g, '.TRS_Editor')}
</style>
<script type="text/javascript" src="../../js/jquery-1.12.4.min.js"></script>
</head>
<body>
<div class="top"><a href="#">无障碍浏览</a> | <a href="#">长者模式</a> | <a href="#">繁體版</a> | <a href="#">登录</a> | <a href="#">注册</a></div>
<div class="header">
  <div class="logo">${esc(s.name)}</div>
  <div class="search"><form action="/search" method="get"><input type="text" name="q" placeholder="请输入关键字" /><button type="submit">搜索</button></form></div>
</div>
<div class="nav">
  <ul>
    <li><a href="../../index.html">首页</a></li>
    <li><a href="../../zwgk/index.html">政务公开</a></li>
    <li><a href="../../zwfw/index.html">政务服务</a></li>
    <li><a href="../../hdjl/index.html">互动交流</a></li>
    <li><a href="../../zjwm/index.html">走进${esc(s.city)}</a></li>
    <li><a href="../../ztzl/index.html">专题专栏</a></li>
    <li><a href="../../sjkf/index.html">数据开放</a></li>
  </ul>
</div>
<div class="position">当前位置：<a href="../../index.html">首页</a> &gt; <a href="../../zwgk/index.html">政务公开</a> &gt; <a href="../index.html">政府信息公开</a> &gt; <a href="./index.html">政府信息公开年报</a></div>
<div class="main">
  <div class="left-side">
    <div class="side-box">
      <h3>政府信息公开</h3>
      <ul>
        <li><a href="../zn/index.html">政府信息公开指南</a></li>
        <li><a href="../zd/index.html">政府信息公开制度</a></li>
        <li><a href="../fdzdgknr/index.html">法定主动公开内容</a></li>
        <li><a href="./index.html">政府信息公开年报</a></li>
        <li><a href="../ysqgk/index.html">依申请公开</a></li>
      </ul>
    </div>
    <div class="side-box">
      <h3>往年年报</h3>
      <ul>
${links}
      </ul>
    </div>
  </div>
  <div class="right-content">
    <table class="xxgk-info" cellspacing="0" cellpadding="0">
      <tr><td>索引号：</td><td>${esc(s.indexNo)}</td><td>发布机构：</td><td>${esc(s.agency)}</td></tr>
      <tr><td>生成日期：</td><td>${s.pubDate}</td><td>公开方式：</td><td>主动公开</td></tr>
      <tr><td>主题分类：</td><td>综合政务/其他</td><td>公开范围：</td><td>面向社会</td></tr>
    </table>
    <div class="article">
      <h1 class="title">${esc(doc.title)}</h1>
      <div class="info"><span>发布日期：${s.pubDate}</span>&nbsp;&nbsp;<span>来源：${esc(s.agency)}</span>&nbsp;&nbsp;<span>浏览次数：<script>document.write(Math.floor(Math.random()*1000));</script></span>&nbsp;&nbsp;<span>字号：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a></span></div>
      <div class="TRS_Editor"><style type="text/css">.TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:1.75;font-family:宋体;font-size:12pt;}</style>
${bodyHtml(doc, '        ')}
      </div>
      <div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
    </div>
  </div>
</div>
<div class="footer">
  <p><a href="#">网站地图</a> | <a href="#">联系我们</a> | <a href="#">网站声明</a> | <a href="#">隐私保护</a></p>
  <p>主办单位：${esc(s.name)}办公室&nbsp;&nbsp;承办单位：${esc(s.city)}大数据发展管理局</p>
  <p>网站标识码：3302810001&nbsp;&nbsp;<a href="https://beian.miit.gov.cn/" target="_blank">浙ICP备05003383号</a>&nbsp;&nbsp;浙公网安备 33028102000123号</p>
</div>
<script type="text/javascript">var _trsgather = { siteId: 1, channelId: 42 };</script>
</body>
</html>
`;
}

function jcmsPage(doc: RenderDoc, charset: string): string {
  const s = siteFor(doc);
  const links = otherYears(doc, s)
    .map((l) => `<tr><td height="26" class="lm_link">·<a href="${l.href}" target="_blank">${esc(l.title)}</a></td></tr>`)
    .join('\n');
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=${charset}">
<title>${esc(s.name)} ${esc(doc.title)}</title>
<meta name="ArticleTitle" content="${esc(doc.title)}">
<meta name="PubDate" content="${s.pubDate} 15:12">
<meta name="ContentSource" content="${esc(s.agency)}">
<meta name="ColumnName" content="政府信息公开年度报告">
<meta name="SiteName" content="${esc(s.name)}">
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<script language="javascript" src="/module/jslib/urite/urite.min.js"></script>
<link href="/images/1/style.css" rel="stylesheet" type="text/css">
<style>
  body { margin: 0; font-family: 'WenQuanYi Micro Hei', sans-serif; font-size: 12px; }
  .bt_link, .bt_link a { color: #333; font-size: 12px; }
  .title { font-size: 22px; font-weight: bold; color: #0a4b8f; }
  .lm_link a { color: #333; }
  #zoom { font-size: 15px; line-height: 1.75; }
${REPORT_CSS.replace(/\.report/g, '#zoom')}
</style>
</head>
<body>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="110" background="/images/1/top_bg.jpg" style="font-size:30px;color:#0a4b8f;padding-left:30px">${esc(s.name)}</td></tr>
  <tr><td height="40" bgcolor="#0a4b8f" align="center"><a href="/" style="color:#fff">首页</a> | <a href="/col/col1/index.html" style="color:#fff">政务公开</a> | <a href="/col/col2/index.html" style="color:#fff">政务服务</a> | <a href="/col/col3/index.html" style="color:#fff">互动交流</a> | <a href="/col/col4/index.html" style="color:#fff">走进${esc(s.city)}</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="36" class="bt_link">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col1/index.html">政务公开</a> &gt; <a href="/col/col1229/index.html">政府信息公开年度报告</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="230" valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td height="34" bgcolor="#0a4b8f" style="color:#fff;font-size:15px;padding-left:12px">政府信息公开</td></tr>
        <tr><td height="26" class="lm_link">·<a href="/col/col1225/index.html">政府信息公开指南</a></td></tr>
        <tr><td height="26" class="lm_link">·<a href="/col/col1226/index.html">政府信息公开制度</a></td></tr>
        <tr><td height="26" class="lm_link">·<a href="/col/col1227/index.html">法定主动公开内容</a></td></tr>
        <tr><td height="26" class="lm_link">·<a href="/col/col1229/index.html">政府信息公开年度报告</a></td></tr>
        <tr><td height="34" bgcolor="#0a4b8f" style="color:#fff;font-size:15px;padding-left:12px">相关信息</td></tr>
${links}
      </table>
    </td>
    <td width="20"></td>
    <td valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td height="60" align="center" class="title">${esc(doc.title)}</td></tr>
        <tr><td height="30" align="center" style="color:#888;border-bottom:1px solid #ddd">发布日期：${s.pubDate}&nbsp;&nbsp;信息来源：${esc(s.agency)}&nbsp;&nbsp;浏览次数：<span id="hits"></span>&nbsp;&nbsp;【字体：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</td></tr>
        <tr><td style="padding:20px 10px">
<div id="zoom"><!--<$[信息内容]>begin-->
${bodyHtml(doc)}
<!--<$[信息内容]>end--></div>
        </td></tr>
        <tr><td align="right" style="padding:10px">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
      </table>
    </td>
  </tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" bgcolor="#0a4b8f">
  <tr><td height="90" align="center" style="color:#fff;line-height:24px">主办单位：${esc(s.name)}办公室　承办单位：${esc(s.city)}大数据发展管理局<br>
  网站标识码：3302810001　<a href="https://beian.miit.gov.cn/" target="_blank" style="color:#fff">浙ICP备05003383号</a>　浙公网安备 33028102000123号<br>
  建议使用1280×800分辨率浏览</td></tr>
</table>
<script language="javascript">$(function(){ $('#hits').load('/module/visitcount/articlehits.jsp?colid=1229&artid=${Number(doc.id) + 7000}'); });</script>
</body>
</html>
`;
}

/** Encodes HTML in GBK; characters GBK lacks become numeric character references. */
export function encodeGbk(html: string): Buffer {
  let out = '';
  for (const ch of html) {
    const enc = iconv.encode(ch, 'gbk');
    out += iconv.decode(enc, 'gbk') === ch ? ch : `&#x${ch.codePointAt(0)!.toString(16)};`;
  }
  return iconv.encode(out, 'gbk');
}

/** Odd seeds get the jcms page in GBK, even seeds the TRS page in UTF-8. */
export function portalStyleFor(id: string): PortalStyle {
  return Number(id) % 2 === 1 ? 'jcms' : 'trs';
}

export function portalPage(doc: RenderDoc): { bytes: Buffer; style: PortalStyle; charset: string } {
  const style = portalStyleFor(doc.id);
  if (style === 'jcms') return { bytes: encodeGbk(jcmsPage(doc, 'gb2312')), style, charset: 'gbk' };
  return { bytes: Buffer.from(trsPage(doc), 'utf8'), style, charset: 'utf-8' };
}
