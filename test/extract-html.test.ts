import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes, detectCharset } from '../text/charset.ts';
import { sniffMediaType } from '../extract/sniff.ts';
import { isMostlyTraditional, toSimplified } from '../extract/chinese.ts';
import { extractHtml } from '../extract/html.ts';
import { cleanPageTitle } from '../text/title.ts';
import { documentText, ExtractError, type ExtractedDocument, type TableBlock } from '../extract/model.ts';
import { applicationsTableHtml, expectedApplicationsGrid, reportHtmlDocument } from './extract-fixtures.ts';

const REPORT_TITLE = '余姚市人民政府招商中心2021年度政府信息公开工作年度报告';
const REPORT_PARAS = [
  '一、总体情况',
  '2021年在市委市政府的领导下，市招商中心认真贯彻《中华人民共和国政府信息公开条例》的各项要求，结合招商引资工作实际，加强组织协调，完善体制机制，拓展公开内容，狠抓责任落实，扎实推进政府信息公开工作。',
  '2021全年在市政府信息公开中主动公开信息121条，微信公众号“投资余姚”主动公开基本信息55条；2021年市招商中心共受理政府信息公开申请0件。',
  '（一）强化组织领导，不断夯实信息公开工作基础',
  '中心高度重视政府信息公开工作，及时调整政府信息公开工作领导小组成员，中心主任为组长，分管副主任为副组长，各科室负责人为成员。明确政务公开具体工作由办公室负责。',
  '三、收到和处理政府信息公开申请情况',
];
const NEWS = Array.from({ length: 12 }, (_, i) => `余姚市召开2022年第${i + 1}次全市重点项目推进工作会议暨招商引资工作部署会`);

/** Report body markup (paragraphs with &nbsp;/U+3000 indents and the applications table). */
function reportBody(): string {
  return (
    REPORT_PARAS.map((p, i) => (i % 2 ? `<p style="text-indent:2em">&nbsp;&nbsp;${p}</p>` : `<p>\u3000\u3000${p}</p>`)).join('\n') +
    '\n' +
    applicationsTableHtml() +
    '\n<p>四、政府信息公开行政复议、行政诉讼情况</p>'
  );
}

/** A portal page: header, nav, breadcrumb, sidebar link lists, related links, footer. */
function portalPage(opts: { open: string; close: string; charset?: string; titleInside?: boolean }): string {
  const links = (items: string[]) => `<ul>${items.map((t, i) => `<li><a href="/art/${i}.html" title="${t}">${t}</a><span>2022-01-1${i % 10}</span></li>`).join('')}</ul>`;
  const heading = `<div class="article-title"><h2>${REPORT_TITLE}</h2></div><div class="info">发布时间：2022-01-18 信息来源：余姚市招商中心 浏览次数：128</div>`;
  return `<!DOCTYPE html>
<html><head>${opts.charset ? `<meta charset="${opts.charset}">` : ''}
<title>${REPORT_TITLE}_余姚市人民政府</title>
<meta name="SiteName" content="余姚市人民政府">
<script>var pageTitle = "主动公开政府信息999条"; document.write("<p>脚本生成的内容</p>");</script>
<style>.TRS_Editor p { margin: 0 }</style>
</head><body>
<div id="header"><h1 class="logo">余姚市人民政府</h1><div class="search">站内搜索 <input type="text"></div></div>
<div class="nav"><ul>${['首页', '政务公开', '政务服务', '互动交流', '走进余姚', '专题专栏'].map((t) => `<li><a href="#">${t}</a></li>`).join('')}</ul></div>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; <a href="/ndbg">年度报告</a></div>
<div class="wrap">
  <div class="left-col">
    <div class="box"><h3>热点专题</h3>${links(NEWS.slice(0, 6))}</div>
    <div class="box"><h3>通知公告</h3>${links(NEWS.slice(6))}<p>更多通知请关注余姚发布微信公众号。</p></div>
  </div>
  <div class="right-col">
    ${opts.titleInside ? '' : heading}
    ${opts.open}${opts.titleInside ? heading : ''}
    <!-- 正文开始 主动公开政府信息888条 -->
    ${reportBody()}
    ${opts.close}
    <div class="print"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
    <div class="related"><h4>相关链接</h4>${links(NEWS.slice(0, 5))}</div>
  </div>
</div>
<div class="footer"><p>主办单位：余姚市人民政府办公室 承办单位：余姚市大数据发展管理局</p>
<p>地址：浙江省余姚市阳明西路 邮编：315400 联系电话：0574-62712345</p>
<p>网站标识码：3302810001 浙ICP备05012345号 浙公网安备 33028102000123号</p>
<p><a href="#">网站地图</a> <a href="#">联系我们</a> <a href="#">隐私声明</a></p></div>
</body></html>`;
}

function tables(doc: ExtractedDocument): TableBlock[] {
  return doc.blocks.filter((b): b is TableBlock => b.kind === 'table');
}
function paragraphs(doc: ExtractedDocument): string[] {
  return doc.blocks.flatMap((b) => (b.kind === 'paragraph' ? [b.text] : []));
}

function expectReportOnly(doc: ExtractedDocument): void {
  const paras = paragraphs(doc);
  for (const p of REPORT_PARAS) expect(paras).toContain(p);
  expect(paras).toContain('四、政府信息公开行政复议、行政诉讼情况');
  const t = tables(doc);
  expect(t).toHaveLength(1);
  expect(t[0].rows).toEqual(expectedApplicationsGrid());
  const text = documentText(doc);
  for (const chrome of ['首页', '热点专题', '通知公告', '相关链接', NEWS[0], '网站标识码', '主办单位', '您当前的位置', '站内搜索', '网站地图']) {
    expect(text, `chrome text "${chrome}" leaked into the body`).not.toContain(chrome);
  }
  expect(text).not.toContain('999条'); // script
  expect(text).not.toContain('脚本生成的内容');
  expect(text).not.toContain('888条'); // comment
  expect(doc.declaredTitle).toBe(REPORT_TITLE);
  expect(doc.script).toBe('simplified');
  expect(doc.kind).toBe('html');
  expect(doc.status).toBe('ok');
}

describe('extractHtml: finding the article body in portal chrome', () => {
  it('div.TRS_Editor', () => {
    const doc = extractHtml(portalPage({ open: '<div class="TRS_Editor">', close: '</div>' }));
    expectReportOnly(doc);
    // the heading sits outside the body container and is put first
    expect(paragraphs(doc)[0]).toBe(REPORT_TITLE);
  });

  it('#zoom, with the heading inside the container', () => {
    const doc = extractHtml(portalPage({ open: '<div id="zoom">', close: '</div>', titleInside: true }));
    expectReportOnly(doc);
    expect(paragraphs(doc).filter((p) => p === REPORT_TITLE)).toHaveLength(1);
  });

  it('an unknown container class, found by content alone', () => {
    const doc = extractHtml(portalPage({ open: '<div class="xq-nr-box"><div>', close: '</div></div>' }));
    expectReportOnly(doc);
  });

  it('a .content hint that wraps the whole page does not drag the chrome in', () => {
    const page = portalPage({ open: '<section class="zw">', close: '</section>' }).replace('<body>', '<body><div class="content">').replace('</body>', '</div></body>');
    expectReportOnly(extractHtml(page));
  });

  it('old table-layout portal: the body is a <td> of a layout table', () => {
    const nav = ['首页', '政务公开', '政务服务', '互动交流'].map((t) => `<a href="#">${t}</a>`).join(' | ');
    const page = `<html><head><title>${REPORT_TITLE}-杭州市拱墅区人民政府门户网站</title></head><body>
      <table width="1000"><tr><td colspan="2">${nav}</td></tr>
      <tr><td width="200">${NEWS.map((n) => `<a href="#">${n}</a><br>`).join('')}</td>
      <td width="800"><table width="100%"><tr><td align="center"><b>${REPORT_TITLE}</b></td></tr>
      <tr><td>${reportBody()}</td></tr></table></td></tr>
      <tr><td colspan="2">版权所有：余姚市人民政府 网站标识码：3302810001</td></tr></table></body></html>`;
    const doc = extractHtml(page);
    const paras = paragraphs(doc);
    for (const p of REPORT_PARAS) expect(paras).toContain(p);
    expect(tables(doc)).toHaveLength(1); // the layout tables are not data
    expect(tables(doc)[0].rows).toEqual(expectedApplicationsGrid());
    expect(documentText(doc)).not.toContain(NEWS[0]);
    expect(documentText(doc)).not.toContain('版权所有');
    expect(doc.declaredTitle).toBe(REPORT_TITLE);
  });

  it('<meta name="ArticleTitle"> gives the title; no heading and no title fall back to nothing', () => {
    const page = `<html><head><title>政务公开_余姚市人民政府</title><meta name="ArticleTitle" content="${REPORT_TITLE}"></head>
      <body><div class="nav"><a href="#">首页</a><a href="#">政务公开</a><a href="#">互动交流</a></div><div>${reportBody()}</div></body></html>`;
    expect(extractHtml(page).declaredTitle).toBe(REPORT_TITLE);
    const bare = extractHtml(`<html><body><p>${REPORT_PARAS[1]}</p></body></html>`);
    expect(bare.declaredTitle).toBeUndefined();
    expect(paragraphs(bare)).toEqual([REPORT_PARAS[1]]);
  });

  it('Word-saved HTML: MsoNormal paragraphs, <o:p>, conditional comments, a title typed as a bold paragraph', () => {
    const html = `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><title>关于2019年报告 - 年度报告 - 余姚市人民政府</title></head><body>
<div class="main"><div class="TRS_Editor"><div class=TRS_Editor><p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt'>余姚市某局2019年政府信息公开
工作年度报告<o:p></o:p></span></b></p>
<p class=MsoNormal><span>现将2019年我局政府信息公开工作情况报告如下：</span></p>
<p class=MsoNormal><![if !supportLists]><span>一、</span><![endif]><span>总体情况<o:p></o:p></span></p>
<p class=MsoNormal style='text-indent:32.0pt'><span>2019年，我局主动公开政府信息<span lang=EN-US>147</span>条，其中<br>规范性文件<span lang=EN-US>3</span>件。<o:p></o:p></span></p>
<table class=MsoNormalTable border=1><tr><td><p class=MsoNormal><span>统计指标<o:p></o:p></span></p></td><td><p>单位</p></td><td><p>统计数</p></td></tr>
<tr><td><p class=MsoNormal><span>一、主动公开情况</span></p></td><td><p>——</p></td><td><p>——</p></td></tr></table>
</div></div><div class="fx"><a href="#">分享到微信</a><a href="#">微博</a><a href="#">QQ空间</a></div></div></body></html>`;
    const doc = extractHtml(html);
    expect(doc.declaredTitle).toBe('余姚市某局2019年政府信息公开工作年度报告');
    expect(paragraphs(doc)).toEqual([
      '余姚市某局2019年政府信息公开工作年度报告',
      '现将2019年我局政府信息公开工作情况报告如下：',
      '一、总体情况',
      '2019年，我局主动公开政府信息147条，其中',
      '规范性文件3件。',
    ]);
    expect(tables(doc)[0].rows).toEqual([
      ['统计指标', '单位', '统计数'],
      ['一、主动公开情况', '——', '——'],
    ]);
  });

  it('<title> minus site-name suffixes', () => {
    expect(cleanPageTitle(`${REPORT_TITLE}_余姚市人民政府`)).toBe(REPORT_TITLE);
    expect(cleanPageTitle('2021年政府信息公开工作年度报告-杭州市拱墅区人民政府门户网站')).toBe('2021年政府信息公开工作年度报告');
    expect(cleanPageTitle(`${REPORT_TITLE} - 年度报告 - 政府信息公开 - 余姚市人民政府`)).toBe(REPORT_TITLE);
    expect(cleanPageTitle(`余姚市人民政府|${REPORT_TITLE}`)).toBe(REPORT_TITLE);
    expect(cleanPageTitle(REPORT_TITLE)).toBe(REPORT_TITLE);
  });

  it('a page without text is an error, not an empty document; an image-only body needs OCR', () => {
    expect(() => extractHtml('<html><body><div class="nav"></div></body></html>')).toThrow(ExtractError);
    expect(() => extractHtml(new Uint8Array())).toThrow(/empty/);
    const scans = extractHtml('<html><body><div class="TRS_Editor"><img src="p1.jpg"><img src="p2.jpg"></div></body></html>');
    expect(scans.status).toBe('needs-ocr');
    expect(scans.blocks).toEqual([]);
  });
});

describe('extractHtml: tables', () => {
  it('expands rowspan/colspan, keeps blank cells and records origins', () => {
    const html = `<table>
      <tr><th rowspan="2">指标</th><th colspan="2">数量</th><td rowspan="3">备注<br>说明</td></tr>
      <tr><td>本年</td><td>累计</td></tr>
      <tr><td>主动公开</td><td>&nbsp;</td><td>12</td></tr>
      <tr><td colspan="2">\u3000合计\u3000</td><td></td><td>x</td></tr>
    </table>`;
    const doc = extractHtml(`<html><body><p>统计表如下</p>${html}</body></html>`);
    const [t] = tables(doc);
    expect(t.rows).toEqual([
      ['指标', '数量', '数量', '备注说明'],
      ['指标', '本年', '累计', '备注说明'],
      ['主动公开', '', '12', '备注说明'],
      ['合计', '合计', '', 'x'],
    ]);
    expect(t.origins).toEqual([
      [{ row: 0, col: 0 }, { row: 0, col: 1 }, { row: 0, col: 1 }, { row: 0, col: 3 }],
      [{ row: 0, col: 0 }, { row: 1, col: 1 }, { row: 1, col: 2 }, { row: 0, col: 3 }],
      [{ row: 2, col: 0 }, { row: 2, col: 1 }, { row: 2, col: 2 }, { row: 0, col: 3 }],
      [{ row: 3, col: 0 }, { row: 3, col: 0 }, { row: 3, col: 2 }, { row: 3, col: 3 }],
    ]);
  });

  it('the statutory applications table (empty header row, <br> in headers, &nbsp; blanks) → exact grid', () => {
    const doc = extractHtml(reportHtmlDocument());
    const [t] = tables(doc);
    expect(t.rows).toEqual(expectedApplicationsGrid());
    for (const row of t.rows) for (const cell of row) expect(cell).not.toMatch(/[\n\u3000\u00a0]/);
    expect(t.rows[1]).toContain('商业企业');
    // a grid position covered by the 22-row 三、本年度办理结果 span points at its origin
    expect(t.origins![20][0]).toEqual({ row: 5, col: 0 });
  });

  it('line breaks, paragraphs and source wrapping inside a cell are joined', () => {
    const doc = extractHtml(`<table><tr><td>商业<br/>企业</td><td><p>科研</p><p>机构</p></td><td>结果
      纠正</td><td>  \u3000 17.7万\u3000</td></tr><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></table>`);
    expect(tables(doc)[0].rows[0]).toEqual(['商业企业', '科研机构', '结果纠正', '17.7万']);
  });

  it('nested layout tables: only the inner data table, content not duplicated', () => {
    const inner = '<table border="1"><tr><td>统计指标</td><td>单位</td><td>统计数</td></tr><tr><td>主动公开政府信息数</td><td>条</td><td>147</td></tr></table>';
    const page = `<html><body><table class="layout"><tr><td>
        <table><tr><td><p>二、主动公开情况</p><p>全年主动公开政府信息147条。</p></td></tr>
        <tr><td>${inner}</td></tr></table>
      </td><td></td></tr></table></body></html>`;
    const doc = extractHtml(page);
    const t = tables(doc);
    expect(t).toHaveLength(1);
    expect(t[0].rows).toEqual([
      ['统计指标', '单位', '统计数'],
      ['主动公开政府信息数', '条', '147'],
    ]);
    expect(paragraphs(doc)).toEqual(['二、主动公开情况', '全年主动公开政府信息147条。']);
  });

  it('absurd spans are clamped to the table', () => {
    const doc = extractHtml('<table><tr><td rowspan="9999">a</td><td>b</td></tr><tr><td>c</td></tr></table>');
    expect(tables(doc)[0].rows).toEqual([
      ['a', 'b'],
      ['a', 'c'],
    ]);
  });
});

describe('charset decoding', () => {
  const page = (charset: string | null, extra = '') =>
    `<html><head>${charset ? `<meta http-equiv="Content-Type" content="text/html; charset=${charset}">` : ''}<title>${REPORT_TITLE}_余姚市人民政府</title></head>
<body><div class="TRS_Editor"><p>${REPORT_PARAS[1]}</p><p>${REPORT_PARAS[2]}${extra}</p></div></body></html>`;

  it('GBK bytes with <meta charset=gb2312> decode as GB18030 (GBK-only characters survive)', () => {
    // 镕 and 堃 are in GBK but not in GB2312
    const bytes = iconv.encode(page('gb2312', '经办人：朱镕基、王堃。'), 'gbk');
    const r = decodeBytes(bytes);
    expect(r.charset).toBe('gb18030');
    expect(r.warnings).toEqual([]);
    expect(r.text).toContain('经办人：朱镕基、王堃。');
    const doc = extractHtml(bytes);
    expect(paragraphs(doc)).toContain(REPORT_PARAS[2] + '经办人：朱镕基、王堃。');
    expect(doc.declaredTitle).toBe(REPORT_TITLE);
  });

  it('a GBK page labelled utf-8 is caught, re-decoded and warned about', () => {
    const bytes = iconv.encode(page('utf-8'), 'gbk');
    const r = decodeBytes(bytes);
    expect(r.charset).toBe('gb18030');
    expect(r.warnings.join(' ')).toMatch(/utf-8.*wrong/);
    expect(r.text).toContain(REPORT_PARAS[1]);
    const doc = extractHtml(bytes);
    expect(paragraphs(doc)).toContain(REPORT_PARAS[1]);
    expect(doc.warnings.join(' ')).toMatch(/wrong/);
  });

  it('the same page labelled utf-8 by the HTTP header only', () => {
    const bytes = iconv.encode(page(null), 'gbk');
    const r = decodeBytes(bytes, 'text/html; charset=UTF-8');
    expect(r.charset).toBe('gb18030');
    expect(r.text).toContain(REPORT_PARAS[2]);
  });

  it('HTTP charset beats <meta>; BOM beats both', () => {
    const gbk = iconv.encode(page('utf-8'), 'gbk');
    expect(decodeBytes(gbk, 'text/html;charset=GBK')).toMatchObject({ charset: 'gb18030', warnings: [] });
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page('gbk'), 'utf8')]);
    const r = decodeBytes(utf8, 'text/html; charset=gbk');
    expect(r.charset).toBe('utf-8');
    expect(r.text.startsWith('<html>')).toBe(true);
  });

  it('a legacy label on bytes that are really UTF-8', () => {
    const r = decodeBytes(Buffer.from(page('gb2312'), 'utf8'));
    expect(r.charset).toBe('utf-8');
    expect(r.warnings.join(' ')).toMatch(/valid UTF-8/);
    expect(r.text).toContain(REPORT_PARAS[1]);
  });

  it('no label: detection (GBK, Big5, UTF-8)', () => {
    expect(decodeBytes(iconv.encode(page(null), 'gbk'))).toMatchObject({ charset: 'gb18030' });
    expect(decodeBytes(Buffer.from(page(null), 'utf8'))).toMatchObject({ charset: 'utf-8', warnings: [] });
    const trad = '本年度報告根據《中華人民共和國政府資訊公開條例》要求編製，收到和處理政府資訊公開申請情況如下。';
    const big5 = iconv.encode(`<html><body><p>${trad}</p></body></html>`, 'big5');
    expect(detectCharset(big5)).toBe('big5');
    expect(decodeBytes(big5).text).toContain(trad);
    expect(decodeBytes(Buffer.from('plain ascii'))).toMatchObject({ charset: 'utf-8', text: 'plain ascii' });
  });

  it('unknown labels are ignored with a warning', () => {
    const r = decodeBytes(iconv.encode(page('x-no-such-charset'), 'gbk'));
    expect(r.charset).toBe('gb18030');
    expect(r.warnings.join(' ')).toMatch(/unknown charset label/);
  });
});

describe('sniffMediaType', () => {
  const html = Buffer.from('\n  <!DOCTYPE html><html><head><title>404</title></head><body>页面不存在</body></html>');
  it('magic bytes first', () => {
    expect(sniffMediaType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), 'a.html', 'text/html')).toBe('pdf');
    expect(sniffMediaType(html, 'report.pdf', 'application/pdf')).toBe('html');
    expect(sniffMediaType(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...Buffer.from('WordDocument', 'utf16le')]), 'x.pdf')).toBe('doc');
    expect(sniffMediaType(Buffer.from('PK\x03\x04\x14\x00\x00\x00word/document.xml', 'latin1'), 'x.doc')).toBe('docx');
    expect(sniffMediaType(Buffer.from('PK\x03\x04\x14\x00\x00\x00xl/workbook.xml', 'latin1'), 'x.xlsx')).toBe('unknown');
    // A zip named .docx without word/document.xml in view goes to the DOCX reader, which tells a
    // cut-off DOCX (damaged) from another zip (type-mismatch).
    expect(sniffMediaType(Buffer.from('PK\x03\x04\x14\x00\x00\x00xl/workbook.xml', 'latin1'), 'x.docx')).toBe('docx');
    expect(sniffMediaType(Buffer.from('{\\rtf1\\ansi'), 'x.doc')).toBe('unknown');
  });
  it('then content type, then extension', () => {
    const text = Buffer.from('2021年政府信息公开工作年度报告\n一、总体情况\n');
    expect(sniffMediaType(text, 'a.txt')).toBe('text');
    expect(sniffMediaType(text, undefined, 'text/plain; charset=utf-8')).toBe('text');
    expect(sniffMediaType(Buffer.from('<p>片段</p>'), 'x.txt')).toBe('html');
    expect(sniffMediaType(Buffer.from([0, 1, 2, 3, 0xff, 0x00]), 'x.pdf', 'application/pdf')).toBe('unknown');
    expect(sniffMediaType(new Uint8Array(), 'x.html')).toBe('unknown');
  });
});

describe('Traditional-character pages', () => {
  const trad = `<html><head><meta charset="big5"><title>余姚市經濟和信息化局2020年度政府信息公開工作年度報告_余姚市人民政府</title></head><body>
    <div id="zoom"><p>一、總體情況</p><p>本報告根據《中華人民共和國政府信息公開條例》以及本局政府信息公開工作制度編製。2020年，我局主動公開政府信息276條。</p>
    <table><tr><td colspan="3">申請人情況</td><td>自然人</td><td>商業<br>企業</td><td>科研機構</td><td>社會公益組織</td><td>法律服務機構</td><td>其他</td><td>總計</td></tr>
    <tr><td colspan="3">一、本年新收政府信息公開申請數量</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr></table></div></body></html>`;

  it('detected and flagged, original text kept, toSimplified gives the labels', () => {
    const doc = extractHtml(iconv.encode(trad, 'big5'));
    expect(doc.script).toBe('traditional');
    expect(doc.warnings.join(' ')).toMatch(/Traditional/);
    const [t] = tables(doc);
    expect(t.rows[0][4]).toBe('商業企業'); // original kept
    expect(t.rows[0].map(toSimplified)).toEqual([
      '申请人情况', '申请人情况', '申请人情况', '自然人', '商业企业', '科研机构', '社会公益组织', '法律服务机构', '其他', '总计',
    ]);
    expect(toSimplified(t.rows[1][0])).toBe('一、本年新收政府信息公开申请数量');
    expect(paragraphs(doc)).toContain('一、總體情況');
    expect(doc.declaredTitle).toBe('余姚市經濟和信息化局2020年度政府信息公開工作年度報告');
  });

  it('isMostlyTraditional / toSimplified', () => {
    expect(isMostlyTraditional('本報告根據《中華人民共和國政府信息公開條例》編製，主動公開政府信息276條。')).toBe(true);
    expect(isMostlyTraditional(REPORT_PARAS.join(''))).toBe(false);
    expect(isMostlyTraditional('总计 显著 著名 干部 里面')).toBe(false);
    expect(isMostlyTraditional('總計')).toBe(true);
    expect(isMostlyTraditional('no chinese')).toBe(false);
    // simplified input is left alone (显著 is not turned into 显着)
    expect(toSimplified('显著提升，著名，乾隆，面条')).toBe('显著提升，著名，乾隆，面条');
    expect(toSimplified('裡面 爲 臺灣 結果糾正 尚未審結')).toBe('里面 为 台湾 结果纠正 尚未审结');
  });
});
