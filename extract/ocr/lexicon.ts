/**
 * Post-correction of weakly read header cells by vocabulary: the column headers of the official
 * tables are a small, fixed set (plus the spellings seen in real reports, such as the 本年度止件数
 * typo). A header read with a low confidence that is one or two characters away from exactly one
 * of them is taken as that header (a seal over 本年度止件数 read as 本年度止件效 otherwise loses the
 * whole column). Values are never corrected this way.
 */
const HEADERS = [
  '信息内容', '本年制发件数', '本年废止件数', '本年度止件数', '现行有效件数', '本年新制作数量', '本年新公开数量',
  '对外公开总数量', '上一年项目数量', '本年增/减', '处理决定数量', '本年处理决定数量', '本年收费金额(单位:万元)',
  '采购项目数量', '采购总金额', '申请人情况', '自然人', '法人或其他组织', '商业企业', '科研机构', '社会公益组织',
  '社会组织', '法律服务机构', '其他', '总计', '行政复议', '行政诉讼', '结果维持', '结果纠正', '其他结果', '尚未审结',
  '未经复议直接起诉', '复议后起诉', '统计指标', '单位', '统计数', '指标名称', '计量单位', '历年累计',
];

/**
 * Each header as printed, and without its last character when that is the last line of a header
 * wrapped in a narrow column (采购项目数 / 量): a lone character under a line of them is the one
 * most often lost to JPEG blocking.
 */
const FORMS: [string, string][] = HEADERS.flatMap((h) => [[h, h] as [string, string], ...(h.length >= 5 ? [[h.slice(0, -1), h] as [string, string]] : [])]);

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The known header `text` most likely is, or undefined when none is close enough and unique. */
export function snapHeader(text: string): string | undefined {
  const t = text.replace(/[\s（）]/g, (c) => (c === '（' ? '(' : c === '）' ? ')' : '')).replace(/：/g, ':');
  if (t.length < 3 || HEADERS.includes(t)) return undefined;
  const max = t.length >= 8 ? 2 : 1;
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const [form, h] of FORMS) {
    if (Math.abs(form.length - t.length) > max) continue;
    const d = distance(t, form);
    if (d < bestD) {
      bestD = d;
      best = h;
      tie = false;
    } else if (d === bestD && h !== best) tie = true;
  }
  return best && bestD <= max && !tie ? best : undefined;
}

/**
 * The header a cell's text is when it is exactly a known header without its last character (the
 * wrapped last line lost, 采购项目数 for 采购项目数量), read confidently or not; else undefined.
 */
export function completeHeader(text: string): string | undefined {
  const t = text.replace(/\s/g, '');
  if (HEADERS.includes(t)) return undefined;
  const hits = new Set(FORMS.filter(([form, h]) => form !== h && form === t).map(([, h]) => h));
  return hits.size === 1 ? [...hits][0] : undefined;
}
