/**
 * The versions stored with extractions and reports, in a module without zod so that the
 * normaliser (and `nianbao extract`) can name them without loading the row schemas
 * (./report.ts re-exports them).
 */
import { MAPPINGS_HASH } from './mappings.ts';

/** Bump when a change to extract/ or normalize/ code can change facts. */
export const PARSER_CODE_VERSION = '1.10.0'; // 1.10.0: narrative numbers: 登记 and 人次 for applications; 未发生依申请公开 and 依申请公开…0件 state 0; a plain count under a 主动公开 heading (section patterns), through one channel only when it is the section's one, and only when the row has no other count; a list item is never the figure. 1.9.0: narrative numbers: an agency named for a procedure (县行政审批局) counting disclosure; 其中…本级 a part of the area's total; 各类信息 with 其中政府信息 reads the latter; the year's figure after a running total; 办理 (handled) vs 新收; a colon-list item is never the figure; what follows the number may name disclosure; 宗, 信息…N项, counts with no verb (申请数量为15件); a number after a change word (较上年增加12件) is no count, nor 拟发布的政府信息N条. 1.8.0: one channel's count (微信公众号…55条) is never a conflicting total. 1.7.0: a lone Latin letter after a Chinese character in a title is an OCR speck, not part of the agency. 1.6.0: （六）其他处理 read both as one row and as sub-rows is a finding naming them. 1.5.0: narrative numbers: Chinese numerals with 万/亿 (一万二千), 万 after a decimal exact (1.36万 → 13600); 其中…上年结转 after the new ones; a subordinate unit's count is not the agency's; channels summed (…网站公开信息合计615条) and 公开…信息共计N条; passive 共有N件申请由…受理; a total after a colon list; 无依申请公开 → 0; a smaller general total beside the chosen one conflicts too, with the finding narrative.conflicting_totals. 1.4.0: narrative numbers: 未收到…申请 states 0; the agency's own count over its area's (全市…其中我局…); a total less the carried-over ones it includes; a running total since the regulation (以来累计); two conflicting totals give none; full-width ３．２. 1.3.0: narrative numbers: full-width digits, Chinese-numeral counts, what is counted after the number (收到12件…申请, 35条政府采购信息), a running total (截至…累计) loses to the year's count. 1.2.0: findings name the rows a misread may have taken (unplaced labels, row shapes, （六） sub-rows, rows printed twice). 1.1.0: region, agency level/kind, place.unresolved (places/); label snapping, narrative scope; damaged documents not classified

/**
 * The version stored with every report: the code version, and as semver build metadata the hash
 * of the mapping files (schema/mappings.ts). Editing labels.json, identifiers.json or
 * vocabulary.json changes it, so the next run re-normalises every stored extraction. Two versions
 * differing only in the hash have the same precedence: the loader lets the later run's win.
 */
export const PARSER_VERSION = `${PARSER_CODE_VERSION}+mappings.${MAPPINGS_HASH}`;

/** Bump when a change to extract/ can change the extracted blocks: stored documents are re-extracted. */
export const EXTRACTOR_VERSION = '1.3.0'; // 1.3.0: Word's repeated header rows printed by LibreOffice (a merged cell cut by the repeat, its text over the rows below; a cut part's data rows repeated) are dropped from the joined table; digits wrapped in a narrow cell at the foot of a page are not a page number; a closing bracket hanging over a column rule stays with its opening one. 1.2.0: a ruled table continued on the next page by too little text to look tabular (one row) is read as the table
