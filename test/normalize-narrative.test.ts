/**
 * Narrative numbers in scope: a number read from the text must be stated about information
 * disclosure, not about another procedure (行政审批, 信访, 12345), a sub-category (政府采购项目信息)
 * or a channel, and the section's summary sentence wins over its sub-items. Measured on the seeds,
 * the real Huai'an report and paragraphs written the way real reports write them, with decoys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from './helpers/build-report.ts';
import { loadCompactExpected, repoRoot, seedFile, sharedDir } from './helpers/expected.ts';
import { parseNarrative, sentences } from '../normalize/narrative.ts';
import type { Finding } from '../schema/report.ts';

type Want = { proactive_items: number | null; applications_received: number | null };

/** Paragraphs as extractors give them (one per line; PDF lines wrapped mid-sentence). */
const CASES: { name: string; text: string; want: Want }[] = [
  {
    name: 'issue: approvals paragraph and procurement sub-category',
    text: `一、总体情况
2023年，我局深入推进政务公开工作。
（一）主动公开情况。全年主动公开政府信息1523条，其中主动公开政府采购项目信息188条。
（二）行政审批服务情况。市政务服务中心全年共受理申请136437件，办结136420件，按时办结率100%。
（三）依申请公开情况。全年共收到政府信息公开申请57件，均按时答复。`,
    want: { proactive_items: 1523, applications_received: 57 },
  },
  {
    name: 'approvals paragraph only: no application number',
    text: `一、总体情况
（一）主动公开情况
本年度主动公开政府信息326条。
（二）行政审批工作
全年受理申请136437件，办结136437件。`,
    want: { proactive_items: 326, applications_received: null },
  },
  {
    // 未收到 states 0 (product decision with the fifth blind batch; was null: "no number stated").
    name: 'procurement only: no proactive number, none received',
    text: `一、总体情况
2022年，我单位主动公开政府采购项目信息188条，公开招标公告12条。
全年未收到政府信息公开申请。`,
    want: { proactive_items: null, applications_received: 0 },
  },
  {
    name: 'petitions and hotline decoys',
    text: `一、总体情况
（一）依申请公开情况
2021年，共受理政府信息公开申请12件，其中自然人申请10件。
（二）其他工作
全年受理信访申请45件，12345热线受理群众诉求申请2300件。
主动公开政府信息共计845条。`,
    want: { proactive_items: 845, applications_received: 12 },
  },
  {
    name: 'summary sentence after sub-items',
    text: `二、主动公开政府信息情况
通过政府网站主动公开信息320条，通过政务微博主动公开信息150条，通过微信公众号主动公开信息90条。
全年共主动公开政府信息560条。`,
    want: { proactive_items: 560, applications_received: null },
  },
  {
    name: 'bracketed breakdown after the total',
    text: `2019年度，本机关在政府信息公开中主动公开政务信息412条（法规公文类信息30条，工作动态类信息350条，人事信息32条）。
2019年度，本机关共受理政府信息公开申请3件，全部按期答复。`,
    want: { proactive_items: 412, applications_received: 3 },
  },
  {
    name: 'wrapped PDF lines',
    text: `（一）主动公开情况。2024 年，区政府网站主动公开各类政
府信息 3200 余条，全年新增公开区政府规范性文件 6 件。
（二）依申请公开情况。2024 年，全区共受理政府信息公开申
请 215 件，答复 210 件。`,
    want: { proactive_items: 3200, applications_received: 215 },
  },
  {
    name: '万 and thousands separators',
    text: `一、总体情况
全年累计主动公开政府信息1.2万条。
共受理政府信息公开申请1,024件，较上年增长12%。`,
    want: { proactive_items: 12000, applications_received: 1024 },
  },
  {
    name: 'administrative licensing counts are not applications',
    text: `（一）主动公开
本年主动公开政府信息98条。
（二）行政许可
受理行政许可申请560件，作出准予许可决定548件。`,
    want: { proactive_items: 98, applications_received: null },
  },
  {
    name: 'dates, phones and document numbers are never counts',
    text: `本报告由区政府办公室编制，电话：0517-83605210。依据《条例》（国令第711号）。
2020年12月31日前，我区共收到依申请公开申请8件。主动公开文件第3条规定的信息。
全年主动公开政府信息2,008条。`,
    want: { proactive_items: 2008, applications_received: 8 },
  },
  {
    name: 'legacy style report',
    text: `一、概述
2015年，我局认真贯彻落实《条例》。
二、主动公开政府信息情况
2015年，我局共主动公开政府信息265条，其中通过政府网站公开200条。
三、依申请公开政府信息情况
2015年，我局共受理政府信息公开申请2件，均已办结。`,
    want: { proactive_items: 265, applications_received: 2 },
  },
  {
    name: 'complaints and suggestions are other procedures',
    text: `一、总体情况
全年共办理人大代表建议和政协提案申请35件。受理投诉举报申请14件。
全年收到政府信息公开申请6件。主动公开信息407条。`,
    want: { proactive_items: 407, applications_received: 6 },
  },
  {
    name: 'applications only under a disclosure heading',
    text: `（二）依申请公开情况
全年共受理申请19件，其中当面申请2件，网络申请17件。`,
    want: { proactive_items: null, applications_received: 19 },
  },
  {
    name: 'no disclosure anywhere: a procedure report',
    text: `一、工作概况
本中心全年受理各类申请88120件，办结率99.8%。发布各类信息5000条。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: 'new media channel numbers are sub-items',
    text: `一、总体情况
（一）主动公开情况
全县政务新媒体主动公开信息1900条。全年主动公开政府信息7600条，其中规范性文件21件。`,
    want: { proactive_items: 7600, applications_received: null },
  },
  {
    name: 'interpretations and press conferences',
    text: `（一）主动公开情况。主动公开政策解读信息45条，新闻发布会8场。全年主动公开政府信息1302条。
（二）依申请公开情况。本年新收政府信息公开申请31件，上年结转2件。`,
    want: { proactive_items: 1302, applications_received: 31 },
  },
  {
    name: 'administrative review is not an application',
    text: `（二）依申请公开
本年度收到政府信息公开申请0件。因政府信息公开申请行政复议2件，行政诉讼1件。`,
    want: { proactive_items: null, applications_received: 0 },
  },
  {
    name: 'Traditional-style wording still simplified upstream; numbering with Arabic digits',
    text: `1.主动公开情况
全年共计主动公开政府信息条目4410条。
2.依申请公开情况
受理依申请公开申请共计23件。`,
    want: { proactive_items: 4410, applications_received: 23 },
  },
  // Added with the fourth blind batch's fixes: what is counted may follow the number.
  {
    name: 'count before its noun: another procedure named after the number',
    text: `政府信息公开方面，全年受理15件行政复议申请，收到3件政府信息公开申请。`,
    want: { proactive_items: null, applications_received: 3 },
  },
  {
    name: 'count before its noun: a sub-category named after the number',
    text: `（一）主动公开情况
全年主动公开35条政府采购信息，收到政府信息公开申请2件。`,
    want: { proactive_items: null, applications_received: 2 },
  },
  // Added with the fifth blind batch's fixes: a statement of none is 0 only for disclosure.
  {
    name: 'none received of another procedure is no disclosure zero',
    text: `一、总体情况
本年度主动公开政府信息210条。全年未收到行政复议申请，无投诉举报申请。`,
    want: { proactive_items: 210, applications_received: null },
  },
  {
    name: 'a count beats a statement of none; none published stated',
    text: `（一）主动公开情况。本年度未主动公开政府信息。
（二）依申请公开情况。全年收到政府信息公开申请4件，未收到涉及国家秘密的申请。`,
    want: { proactive_items: 0, applications_received: 4 },
  },
  {
    name: "a whole area's larger figure is no conflicting total",
    text: `2017年，市环境保护局共主动公开政府信息687条。全市共主动公开政府信息2万条。`,
    want: { proactive_items: 687, applications_received: null },
  },
  // Added with the sixth blind batch's fixes: the same mechanisms in other words.
  {
    name: "the agency with its subordinate units counts; a subordinate unit's alone does not",
    text: `一、总体情况
2019年，本局及所属单位共主动公开政府信息860条；局属事业单位收到政府信息公开申请2件。`,
    want: { proactive_items: 860, applications_received: null },
  },
  {
    name: 'Chinese numerals in a colon list and its sum',
    text: `（二）依申请公开情况
全年收到政府信息公开申请：网上申请十二件、信函申请三件，合计十五件。`,
    want: { proactive_items: null, applications_received: 15 },
  },
  {
    name: 'topics summed stay a sub-category; 万 with two decimals exact',
    text: `一、总体情况
本单位公开财政预算、政府采购等信息共计56条。
（二）依申请公开情况
2023年共有1.05万件政府信息公开申请由市政府办公室受理。`,
    want: { proactive_items: null, applications_received: 10500 },
  },
];


/**
 * Written after the rules above were fixed and not used to tune them: the rate on these is the
 * honest one (reported, and held to the same ≥ 90%). First run: 14/16, two abstentions (发布政府信息, 1.6万件), both pattern gaps since fixed in labels.json.
 */
const HELD_OUT: { name: string; text: string; want: Want }[] = [
  {
    name: 'county report, approvals and disclosure in one paragraph',
    text: `一、总体情况
2023年，县行政审批局共受理各类审批申请2.3万件；县政府门户网站全年主动公开政府信息6812条。
二、收到和处理政府信息公开申请情况
全年新收政府信息公开申请44件，上年结转3件。`,
    want: { proactive_items: 6812, applications_received: 44 },
  },
  {
    name: 'town report with 网上申请 breakdown',
    text: `（二）依申请公开情况
今年我镇共接到政府信息公开申请7件（其中网上申请5件、信函申请2件），已全部答复。
（一）主动公开情况
今年我镇共主动公开各类信息1035条。`,
    want: { proactive_items: 1035, applications_received: 7 },
  },
  {
    name: 'bureau with procurement and fee sub-items first',
    text: `一、主动公开政府信息情况
本年度公开行政事业性收费信息3条，政府集中采购项目信息16条，主动公开政府信息合计890条。`,
    want: { proactive_items: 890, applications_received: null },
  },
  {
    name: '12345 and 信访 with disclosure heading',
    text: `（二）依申请公开情况
本年度，我委受理12345转办申请310件，信访申请22件；收到政府信息公开申请18件。`,
    want: { proactive_items: null, applications_received: 18 },
  },
  {
    name: 'proactive count stated with 发布',
    text: `二、主动公开政府信息情况
全年在区政府门户网站信息公开专栏累计发布政府信息2260条，其中政策文件110条。`,
    want: { proactive_items: 2260, applications_received: null },
  },
  {
    name: 'applications in 万',
    text: `（二）依申请公开情况。全市各级行政机关共受理政府信息公开申请1.6万件，同比增长8%。`,
    want: { proactive_items: null, applications_received: 16000 },
  },
  {
    name: 'service centre numbers only',
    text: `三、政务服务工作
大厅全年受理办件申请54000余件，发布办事指南1200条。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    // 未收到 states 0 (product decision with the fifth blind batch; was null: "no number stated").
    name: 'no numbers stated, none received',
    text: `一、总体情况
本年度我局未收到政府信息公开申请，主动公开工作有序推进。`,
    want: { proactive_items: null, applications_received: 0 },
  },
  // Third batch, also written blind: 15/16 on first run (合计367条 after an enumeration lost to its
  // first item); the enumeration rule (、 after a count makes it a sub-item) came after.
  { name: 'subdistrict with channels and 其中', text: `一、总体情况\n（一）主动公开\n2022年，街道通过门户网站、政务新媒体等渠道主动公开各类政府信息共计1288条，其中政策文件12条。\n（二）依申请公开\n2022年共收到信息公开申请4件，其中线上申请3件。`, want: { proactive_items: 1288, applications_received: 4 } },
  { name: '来信来访 beside the disclosure count', text: `2018年，我办共收到政府信息公开申请15件，同比下降20%；共处理人民来信来访申请130件。`, want: { proactive_items: null, applications_received: 15 } },
  { name: 'enumerated items with 合计', text: `二、主动公开政府信息情况\n本年度累计主动公开文件类信息56条、动态类信息311条，合计367条。`, want: { proactive_items: 367, applications_received: null } },
  { name: '政务服务 in 万 then disclosure', text: `（三）政务服务\n全年网上受理办件申请31万件，其中“一网通办”申请28万件。\n（二）依申请公开\n全年受理依申请公开申请共9件。`, want: { proactive_items: null, applications_received: 9 } },
  { name: '重大建设项目 sub-category after the total', text: `一、主动公开情况\n本局主动公开政府信息数量达到2456条。主动公开重大建设项目信息45条。`, want: { proactive_items: 2456, applications_received: null } },
  { name: '行政复议 applications after disclosure ones', text: `三、依申请公开情况\n2016年，我委受理政府信息公开申请21件，其中当面申请5件，网上申请16件；受理行政复议申请3件。`, want: { proactive_items: null, applications_received: 21 } },
  { name: '万 with decimals, press conferences', text: `（一）主动公开情况。全年主动公开政府信息10.5万条。组织新闻发布会36场。\n（二）依申请公开情况。全市共收到政府信息公开申请5830件，较上年增长6.2%。`, want: { proactive_items: 105000, applications_received: 5830 } },
  { name: 'citizen hotline before the disclosure sentence', text: `一、总体情况\n全年受理市民热线诉求申请8800件。今年以来，我局主动公开政府信息共计520条，收到政府信息公开申请2件。`, want: { proactive_items: 520, applications_received: 2 } },
];

/**
 * One case per mechanism added with batch 7's misses and the generalisation check (narrfix), in
 * other words than the paragraphs that showed the gap; each fails without its mechanism (the
 * approvals-only case guards the procedure-named agency against over-reach).
 */
const MECHANISMS: { name: string; text: string; want: Want }[] = [
  {
    name: 'an agency named for a procedure counts disclosure; its procedure counts stay out',
    text: `一、总体情况
2019年，市信访局主动公开政府信息86条，全年受理来信来访1,230件次，收到政府信息公开申请3件。
2022年，市政务服务管理办公室全年受理各类申请8.6万件。`,
    want: { proactive_items: 86, applications_received: 3 },
  },
  {
    name: 'an agency named for a procedure, its own approvals only',
    text: `县行政审批服务局全年受理企业开办申请2,140件，办结2,140件。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: "the level's own count after 其中 is a part of the area's total",
    text: `2020年，全省共受理政府信息公开申请4,862件，其中省本级受理1,035件。`,
    want: { proactive_items: null, applications_received: 4862 },
  },
  {
    name: 'information of every kind with its government information inside',
    text: `（一）主动公开情况
2018年主动公开各类信息1.1万余条，其中政府信息6,420条，其余为新闻动态。`,
    want: { proactive_items: 6420, applications_received: null },
  },
  {
    name: 'what is counted after the number names disclosure',
    text: `本年度，我办共接到6件依申请公开的申请，均已按时答复。`,
    want: { proactive_items: null, applications_received: 6 },
  },
  {
    name: "a running total with the year's figure after 其中",
    text: `截至2011年末，全县历年累计主动公开政府信息2.4万条，其中本年度主动公开3,150条。
截至2012年底，累计受理政府信息公开申请41件，其中2012年度受理12件。`,
    want: { proactive_items: 3150, applications_received: 12 },
  },
  {
    name: 'applications handled include carried-over ones; the new ones are received',
    text: `2022年，本机关共办理政府信息公开申请75件，其中当年新收69件，上年结转6件。`,
    want: { proactive_items: null, applications_received: 69 },
  },
  {
    name: 'a colon list with words before the colon, and a list with no sum',
    text: `（二）依申请公开情况
收到政府信息公开申请的方式：网上申请11件，信函申请4件，合计15件。`,
    want: { proactive_items: null, applications_received: 15 },
  },
  {
    name: 'an item of a colon list is never the figure',
    text: `全年收到政府信息公开申请：当面申请2件，网上申请5件。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: '共公开信息 under a disclosure heading; 无依申请公开情况',
    text: `（一）主动公开情况
2016年，我街道共公开信息684条，均通过区政府网站发布。
（二）依申请公开情况
2016年度我街道无依申请公开情况。`,
    want: { proactive_items: 684, applications_received: 0 },
  },
  {
    name: 'applications in 宗 and information in 项; tasks in 项 are no information',
    text: `（一）主动公开情况
2020年，市住房和城乡建设局完成主动公开重点工作任务18项，主动公开政府信息共752项。
（二）依申请公开情况
2020年，本局共受理政府信息公开申请27宗，其中网上申请19宗。`,
    want: { proactive_items: 752, applications_received: 27 },
  },
  {
    name: 'a count stated with no verb; another procedure stated the same way stays out',
    text: `（二）依申请公开情况
2023年，本机关行政复议申请数量为2件，政府信息公开申请总量为41件。`,
    want: { proactive_items: null, applications_received: 41 },
  },
  {
    name: 'a count stated with 共有 before it',
    text: `2019年度本机关共有5件政府信息公开申请，均已按时答复。`,
    want: { proactive_items: null, applications_received: 5 },
  },
  {
    name: 'a change over last year is no count',
    text: `（一）主动公开情况
2021年，区教育局主动公开政府信息比2020年增加了148条。
（二）依申请公开情况
2021年，区教育局收到的政府信息公开申请较上年减少4件。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: "the year's applications with no noun after a running total; service guides are a topic",
    text: `截至2010年12月底，本办累计接收政府信息公开申请19件，今年受理6件。
县政务服务中心主动公开服务指南信息640条。`,
    want: { proactive_items: null, applications_received: 6 },
  },
  {
    name: 'information reviewed before publication is no count of it',
    text: `（三）政府信息管理
2022年，办公室逐条审核拟公开政府信息1,150条，未发生泄密情况。`,
    want: { proactive_items: null, applications_received: null },
  },
  // Added with the eighth and ninth blind batches' fixes (lead): each in other words.
  {
    name: 'registered applications (登记) and applications counted in 人次',
    text: `2016年，区政府办公室共登记政府信息公开申请64件。
二、依申请公开情况
全年受理公民依申请公开政府信息17人次。`,
    want: { proactive_items: null, applications_received: 64 },
  },
  {
    name: 'applications counted in 人次 alone',
    text: `三、依申请公开政府信息情况
2012年，我局受理依申请公开政府信息申请23人次，均已办结。`,
    want: { proactive_items: null, applications_received: 23 },
  },
  {
    name: 'no application occurred (未发生 / 未有), or 0件 stated',
    text: `（二）依申请公开
全年未有依申请公开事项。`,
    want: { proactive_items: null, applications_received: 0 },
  },
  {
    name: 'zero applications stated as a number',
    text: `2014年，乡政府主动公开政府信息65条，依申请公开政府信息零件。`,
    want: { proactive_items: 65, applications_received: 0 },
  },
  {
    name: "under a proactive heading, the section's one plain count through its one channel",
    text: `二、主动公开政府信息情况
2017年，街道办事处在区政府网站街道专栏发布信息213条，主要包括工作动态、通知公告等。`,
    want: { proactive_items: 213, applications_received: null },
  },
  {
    name: 'under a proactive heading, counts through several channels and no total: none',
    text: `（一）主动公开
2021年，区卫健委通过区政府网站公开信息512条，通过“健康某区”微信公众号发布信息1,874条。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: 'a plain count outside a proactive section is not read',
    text: `（三）政府信息管理
本年度通过内网发布信息86条。`,
    want: { proactive_items: null, applications_received: null },
  },
  {
    name: "a plain count under the heading loses to the row's own count (posts of every kind vs disclosure)",
    text: `二、主动公开政府信息情况
2020年，县政府网站全年发布信息6,240条，其中主动公开政府信息1,318条。`,
    want: { proactive_items: 1318, applications_received: null },
  },
  {
    name: 'under a proactive heading, 发布各类政务信息N条 is the plain count',
    text: `（一）主动公开
2023年，我委在市政府网站部门专栏发布各类政务信息386条，其中规范性文件3件。`,
    want: { proactive_items: 386, applications_received: null },
  },
  {
    name: 'applications by channel with no total: one item of the list is not the figure',
    text: `2023年，我街道收到信函申请3件、网上申请5件，均按时答复。`,
    want: { proactive_items: null, applications_received: null },
  },
];

const valueOf = (facts: { row: string; value: number | null }[], row: string) => facts.find((f) => f.row === row)?.value ?? null;

/**
 * Blind answers we read otherwise on purpose (a product choice, not a miss to fix; each still
 * counts as wrong in the batch's score):
 * - a running total standing alone is read (截至2018年底…累计主动公开政府信息56,213条): reports of
 *   new agencies state the year's figure this way (seed 004: 截至2024年12月底…累计发布70条);
 * - a city's (or district's) report giving the area-wide total with its own level's after 其中
 *   reads the area-wide total, the headline such a report gives (the writers: ambiguous);
 */
const DISAGREE = [
  'County 2018, only a cumulative proactive figure: proactive_items',
  'Statutory 2019 city report giving city-wide totals and municipal-level sub-totals: ',
  'District government 2021, portal posts vs proactive items and district-wide vs own applications: applications_received',
  // 主动公开政府信息目录312条，公开政府信息全文297条: the catalogue's count is what is disclosed (the
  // writer: ambiguous between the two).
  'District civil affairs bureau 2013 legacy, catalogue vs full-text counts: proactive_items',
];

/** A blind batch's misses (`name: row = got, want …`) and its number of values. */
function blindBatch(file: string): { wrong: string[]; total: number } {
  const batch: { cases: { name: string; text: string; want: Want }[] } = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'test/fixtures', file), 'utf8'),
  );
  const wrong: string[] = [];
  let total = 0;
  for (const c of batch.cases) {
    const facts = parseNarrative(c.text.split('\n'));
    for (const row of ['proactive_items', 'applications_received'] as const) {
      total++;
      const got = valueOf(facts, row);
      if (got !== c.want[row]) wrong.push(`${c.name}: ${row} = ${got}, want ${c.want[row]}`);
    }
  }
  return { wrong, total };
}

describe('narrative numbers in scope', () => {
  it('splits sections and sentences, with headings on their own line or opening the paragraph', () => {
    const ss = sentences(['一、总体情况', '（一）主动公开情况。2024 年，市政府网站主动公开各类政', '府信息 5500 余条。', '（二）依申请公开情况', '全年受理申请3件。']);
    expect(ss).toEqual([
      { text: '2024 年，市政府网站主动公开各类政府信息 5500 余条。', heading: '总体情况 主动公开情况' },
      { text: '全年受理申请3件。', heading: '总体情况 依申请公开情况' },
    ]);
  });

  it('written paragraphs with decoys: ≥ 90% right and never a number from another procedure', async () => {
    let right = 0;
    let total = 0;
    const wrong: string[] = [];
    for (const c of CASES) {
      const facts = parseNarrative(c.text.split('\n'));
      for (const row of ['proactive_items', 'applications_received'] as const) {
        total++;
        const got = valueOf(facts, row);
        if (got === c.want[row]) right++;
        else wrong.push(`${c.name}: ${row} = ${got}, want ${c.want[row]}`);
      }
    }
    console.log(`narrative (written cases): ${right}/${total} right`, wrong);
    expect(right / total).toBeGreaterThanOrEqual(0.9);
    // A number from another procedure or a sub-category: where the answer is "none", none is given.
    const invented = wrong.filter((w) => /want null$/.test(w));
    expect(invented).toEqual([]);
  });

  it('held-out paragraphs (not used to tune the rules): ≥ 90% right, no number from another procedure', () => {
    const wrong: string[] = [];
    let total = 0;
    for (const c of HELD_OUT) {
      const facts = parseNarrative(c.text.split('\n'));
      for (const row of ['proactive_items', 'applications_received'] as const) {
        total++;
        const got = valueOf(facts, row);
        if (got !== c.want[row]) wrong.push(`${c.name}: ${row} = ${got}, want ${c.want[row]}`);
      }
    }
    console.log(`narrative (held-out): ${total - wrong.length}/${total} right`, wrong);
    expect((total - wrong.length) / total).toBeGreaterThanOrEqual(0.9);
    expect(wrong.filter((w) => /want null$/.test(w))).toEqual([]);
  });

  /**
   * Fourth blind batch (test/fixtures/narrative-blind-4.json): 40 paragraphs, 80 values, written
   * before reading this parser or its mapping data, with each judgement call noted in the file.
   * FIRST RUN (the honest figure): 70/80 = 87.5%, below the 90% bar. No invented number (every
   * want-null was null); one wrong number (a cumulative-since-2008 total taken for the year's) and nine
   * abstentions: full-width digits (2), 多 approximation, 达到 after a percentage, unit 篇, number before
   * its noun (共收到12件…申请), a Chinese-numeral count (三件), and 未收到 read as no number where the
   * batch wants 0 (2).
   * AFTER THE FIXES (not an honest figure: the batch then showed the gaps): 78/80. The two left were
   * 未收到 → 0; with the fifth batch the product decision is that 未收到 states 0: 80/80.
   *
   * Fifth blind batch (test/fixtures/narrative-blind-5.json): 40 paragraphs, 80 values, written
   * before reading this parser or its mapping data. FIRST RUN (the honest figure): 69/80 = 86%, below
   * the 90% bar, no invented number. Misses: 未收到 read as no number where the batch wants 0 (3);
   * a city-wide figure taken over the bureau's own (全市…1,210件，其中我局收到21件); a total including
   * last year's carried-over one (19件（其中上年结转1件）→ 18); a total mixing in consultations
   * with the applications as its sub-item (28); a cumulative-since-the-regulation total (以来累计)
   * taken for the year's; full-width ３．２万; two conflicting proactive totals read as one (want
   * none); 累计公开各类信息259条 in a hospital's report, and its 未收到 (2).
   * AFTER THE FIXES (not an honest figure: the batch showed the gaps): 80/80.
   *
   * Sixth blind batch (test/fixtures/narrative-blind-6.json): 40 paragraphs, 80 values, written
   * without reading the rules or earlier batches. FIRST RUN (the honest figure, against the rules
   * after batch 5): 68/80 = 85%, below the 90% bar; two numbers where the answer is none (a
   * subordinate centre's 3 applications; 2,380 of two conflicting totals). Misses: a received
   * total whose carried-over ones are named as a sub-item after the new ones (共收到3,412件，其中本年新收3,287件，上年结转125件 → 3287); Chinese
   * numerals with 万 in a proactive total (三百二十条, 一万二千余条) (2); the bureau's own count (局机关
   * 312) beside its subordinate units' (局属各单位 1,087), read as two conflicting totals, and the
   * subordinate centre's applications (局属…中心受理…3件) taken for the bureau's (2); a summary word
   * after what is disclosed (公开停电信息…等信息共计1,147条; 通过院务公开栏、医院网站公开信息合计615条,
   * channels summed) (2); passive phrasing (共有93件…申请由本机关受理); 无依申请公开事项 (→ 0); 1.36万
   * wrapped at the point read as 13600.000000000002; a total after a colon list (申请：当面申请2件，…，
   * 总计44件 → 44, was 2); two conflicting totals where the larger ranked first (1,560 and
   * 累计公开各类信息2,380 → none: the rule only looked for a larger rival).
   * AFTER THE FIXES (not an honest figure: the batch showed the gaps): 80/80.
   *
   * Seventh blind batch (test/fixtures/narrative-blind-7.json): 40 paragraphs, 80 values (55
   * non-null), written without reading the rules or earlier batches, asked to weigh sentences the
   * way real reports print them (mostly standard county/city wording, a minority of hard cases;
   * batches 4–6 were asked for hard cases). FIRST RUN (the honest figure, against the rules after
   * batch 6): 77/80 = 96%, no number where the answer is none. Misses: a proactive count beside an
   * administrative-approval decoy not read (532); a city's total (2,315) lost to its own level's
   * subset (218); 各类信息2,300余条，其中政府信息1,870条 read as 2,300 (want the 政府信息 1,870).
   * First runs over batches 4–7: 284/320 = 88.75%. Fixed later (narrfix) as general mechanisms,
   * each shown in MECHANISMS in other words: an agency named for a procedure (县行政审批局) counting
   * disclosure; 其中…本级 a part of its area's total; 各类信息 with 其中政府信息 inside: 80/80 after.
   */
  it.each([4, 5, 6, 7, 8, 9, 10, 11])('blind batch %i (written before reading the rules): ≥ 90% right, no invented number', (n) => {
    const { wrong, total } = blindBatch(`narrative-blind-${n}.json`);
    console.log(`narrative (blind batch ${n}): ${total - wrong.length}/${total} right`, wrong);
    expect(total).toBe(80);
    expect((total - wrong.length) / total).toBeGreaterThanOrEqual(0.9);
    // Where the batch says none and we read a number, only the readings we chose knowingly.
    expect(wrong.filter((w) => /want null$/.test(w) && !DISAGREE.some((d) => w.startsWith(d)))).toEqual([]);
  });

  it.each(MECHANISMS)('mechanism: $name', ({ text, want }) => {
    const facts = parseNarrative(text.split('\n'));
    expect({ proactive_items: valueOf(facts, 'proactive_items'), applications_received: valueOf(facts, 'applications_received') }).toEqual(want);
  });

  /**
   * Fresh paragraphs for the generalisation check. narrative-fresh.json: the batch 4–6 mechanisms
   * in other words, and real shapes no batch had (statutory sub-sections, channel splits, 上年结转,
   * townships, 2008–2010 running totals). FIRST RUN (before the narrfix changes): 65/72; its misses
   * were fixed as mechanisms, so no honest figure any more. narrative-fresh-2.json, written after
   * those fixes: 38/40 on first run (the same with the rules before them); 39/40 after 发布政府信息
   * 共计N条 was read. Left: 依申请公开政府信息11件 (applications or items disclosed? none read).
   */
  it.each(['narrative-fresh.json', 'narrative-fresh-2.json'])('fresh generalisation paragraphs %s: ≥ 90% right, no invented number', (file) => {
    const batch: { cases: unknown[] } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures', file), 'utf8'));
    const { wrong, total } = blindBatch(file);
    console.log(`narrative (${file}): ${total - wrong.length}/${total} right`, wrong);
    expect(total).toBe(batch.cases.length * 2);
    expect((total - wrong.length) / total).toBeGreaterThanOrEqual(0.9);
    expect(wrong.filter((w) => /want null$/.test(w))).toEqual([]);
  });

  it('two conflicting totals give no number and a finding saying so', () => {
    const findings: Finding[] = [];
    const facts = parseNarrative(['2016年，我局主动公开政府信息1,560条，主要包括机构职能等。全年累计公开各类信息2,380条，其中在局网站公开1,980条。收到政府信息公开申请13件。'], findings);
    expect(valueOf(facts, 'proactive_items')).toBeNull();
    expect(valueOf(facts, 'applications_received')).toBe(13);
    expect(findings).toEqual([expect.objectContaining({ rule: 'narrative.conflicting_totals', severity: 'warning', cells: ['narrative.proactive_items.value'] })]);
    expect(findings[0].message).toMatch(/1560.*2380|2380.*1560/u);
    // One total with its sub-items: no finding.
    const none: Finding[] = [];
    parseNarrative(['全年共主动公开政府信息560条，其中通过政府网站主动公开信息320条。'], none);
    expect(none).toEqual([]);
  });

  it('a report whose text states two conflicting totals carries the finding', async () => {
    const text = ['某市统计局2016年政府信息公开工作年度报告', '一、概述',
      '2016年，我局主动公开政府信息1,560条，主要包括机构职能、政策法规、规划计划等。全年累计公开各类信息2,380条，其中在局网站公开1,980条。',
      '二、依申请公开政府信息情况', '全年收到政府信息公开申请13件，均按时答复。'].join('\n');
    const r = await buildReport(Buffer.from(text), { file: 'conflicting-totals.txt' });
    expect(r.facts.filter((f) => f.table === 'narrative').map((f) => `${f.row}=${f.value}`)).toEqual(['applications_received=13']);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'narrative.conflicting_totals', cells: ['narrative.proactive_items.value'] }));
  });

  it('seeds and the real report: every narrative number right', async () => {
    let right = 0;
    let total = 0;
    const wrong: string[] = [];
    const check = (name: string, facts: { table: string; row: string; value: number | null }[], want: { row: string; value: number | null }[]) => {
      for (const row of ['proactive_items', 'applications_received']) {
        total++;
        const got = valueOf(facts.filter((f) => f.table === 'narrative'), row);
        const exp = want.find((f) => f.row === row)?.value ?? null;
        if (got === exp) right++;
        else wrong.push(`${name} ${row}: ${got} want ${exp}`);
      }
    };
    for (const id of ['000', '001', '002', '003', '004']) {
      const exp = loadCompactExpected(path.join(repoRoot, `test/fixtures/expected/seed-${id}.json`));
      const r = await buildReport(fs.readFileSync(seedFile(id)), { file: seedFile(id) });
      check(`seed ${id}`, r.facts, exp.facts.filter((f) => f.table === 'narrative'));
    }
    const real = JSON.parse(fs.readFileSync(path.join(sharedDir, 'real/huaian-2024.json'), 'utf8'));
    const input = path.join(sharedDir, 'real', real.input);
    const r = await buildReport(fs.readFileSync(input), { file: input });
    check('huaian', r.facts, real.facts.filter((f: { table: string }) => f.table === 'narrative'));
    console.log(`narrative (seeds + real): ${right}/${total} right`);
    expect(wrong).toEqual([]);
  }, 60_000);
});
