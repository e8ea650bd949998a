/**
 * index.html of a snapshot: one offline page (no CDN, nothing from the web) to look at before
 * opening a file — the explorer (search by agency or place, in Chinese or pinyin initials; filters;
 * a sortable, paged table with a link to each source document; one agency's years as a chart;
 * per-province totals), what changed, coverage, applications and their outcomes over the years as
 * inline SVG, the findings, and links to every file. Everything but the explorer's rows is in the
 * HTML; the rows come from explore/*.js (dataset/explore.ts), loaded after the first paint by
 * dataset/explorer.js, which is inlined here.
 */
import fs from 'node:fs';
import type { DB } from '../store/db.ts';
import { RESOURCES } from './resources.ts';

export interface YearRow {
  year: number;
  reports: number;
  agencies: number;
  /** Reports that state how many applications they received. */
  withApplications: number;
  received: number;
  granted: number;
  partiallyGranted: number;
  denied: number;
}

export interface PageData {
  totals: { reports: number; history: number; agencies: number; facts: number; findings: number };
  formats: string[];
  coverage: Array<{ year: number | null; counts: Record<string, number> }>;
  regions: Array<{ province: string | null; city: string | null; reports: number; agencies: number; firstYear: number | null; lastYear: number | null }>;
  /** Per province: current reports, agencies and applications received (unplaced under null). */
  provinces: Array<{ province: string | null; reports: number; agencies: number; received: number | null }>;
  years: YearRow[];
  findingsByRule: Array<{ rule: string; severity: string; count: number }>;
  findings: Array<{ reportId: number | null; agency: string | null; year: number | null; rule: string; severity: string; message: string }>;
  findingsShown: number;
  /** Counts of changes.csv, and the snapshot compared with. */
  changes?: { previous: string | null; counts: Record<'added' | 'replaced' | 'withdrawn', number> };
}

const FORMAT_ORDER = ['legacy', 'statutory-2019', 'statutory-2021', 'unknown'];
const FINDINGS_LISTED = 300;

export function buildPageData(db: DB): PageData {
  const one = (sql: string) => db.prepare(sql).pluck().get() as number;
  const totals = {
    reports: one('SELECT COUNT(*) FROM reports WHERE is_current = 1'),
    history: one('SELECT COUNT(*) FROM reports WHERE is_current = 0'),
    agencies: one('SELECT COUNT(DISTINCT canonical_agency_id) FROM report_summary'),
    facts: one('SELECT COUNT(*) FROM facts WHERE report_id IN (SELECT id FROM reports WHERE is_current = 1)'),
    findings: one('SELECT COUNT(*) FROM findings f LEFT JOIN reports r ON r.id = f.report_id WHERE f.report_id IS NULL OR r.is_current = 1'),
  };

  const cov = db.prepare('SELECT year, format, COUNT(*) AS n FROM report_summary GROUP BY year, format ORDER BY year').all() as Array<{
    year: number | null;
    format: string;
    n: number;
  }>;
  const formats = FORMAT_ORDER.filter((f) => cov.some((c) => c.format === f)).concat(
    [...new Set(cov.map((c) => c.format))].filter((f) => !FORMAT_ORDER.includes(f)),
  );
  const coverage: PageData['coverage'] = [];
  for (const c of cov) {
    let row = coverage.find((r) => r.year === c.year);
    if (!row) coverage.push((row = { year: c.year, counts: {} }));
    row.counts[c.format] = c.n;
  }

  const regions = db
    .prepare(
      `SELECT province, city, COUNT(*) AS reports, COUNT(DISTINCT canonical_agency_id) AS agencies, MIN(year) AS firstYear, MAX(year) AS lastYear
       FROM report_summary GROUP BY province, city ORDER BY reports DESC, province, city`,
    )
    .all() as PageData['regions'];

  const provinces = db
    .prepare(
      // Central agencies (国家…, …部) have no division: shown as national, apart from the unplaced.
      `SELECT CASE WHEN province IS NULL AND agency_level = 'national' THEN '中央 national' ELSE province END AS province,
              COUNT(*) AS reports, COUNT(DISTINCT canonical_agency_id) AS agencies, SUM(applications_received) AS received
       FROM report_summary GROUP BY 1 ORDER BY reports DESC, 1`,
    )
    .all() as PageData['provinces'];

  // Sums per year count each agency once per year: of duplicate reports (and of the old and new
  // name of a renamed agency) only the latest report counts.
  const latest = new Map<string, { year: number; row: Record<string, number | null> }>();
  const rows = db
    .prepare(
      `SELECT report_id, canonical_agency_id, year, applications_received, applications_granted, applications_partially_granted, applications_denied
       FROM report_summary WHERE year IS NOT NULL ORDER BY report_id`,
    )
    .iterate() as Iterable<Record<string, number | null>>;
  for (const r of rows) {
    const key = `${r.canonical_agency_id ?? `report${r.report_id}`}:${r.year}`;
    latest.set(key, { year: r.year as number, row: r });
  }
  const byYear = new Map<number, YearRow>();
  const agencies = new Map<number, Set<string>>();
  for (const [key, { year, row }] of latest) {
    let y = byYear.get(year);
    if (!y) {
      byYear.set(year, (y = { year, reports: 0, agencies: 0, withApplications: 0, received: 0, granted: 0, partiallyGranted: 0, denied: 0 }));
      agencies.set(year, new Set());
    }
    y.reports++;
    agencies.get(year)!.add(key);
    if (row.applications_received !== null) y.withApplications++;
    y.received += row.applications_received ?? 0;
    y.granted += row.applications_granted ?? 0;
    y.partiallyGranted += row.applications_partially_granted ?? 0;
    y.denied += row.applications_denied ?? 0;
  }
  const years = [...byYear.values()].sort((a, b) => a.year - b.year);
  for (const y of years) y.agencies = agencies.get(y.year)!.size;

  const current = 'FROM findings f LEFT JOIN reports r ON r.id = f.report_id WHERE f.report_id IS NULL OR r.is_current = 1';
  const findingsByRule = db
    .prepare(`SELECT f.rule, f.severity, COUNT(*) AS count ${current} GROUP BY f.rule, f.severity ORDER BY count DESC, f.rule`)
    .all() as PageData['findingsByRule'];
  const findings = db
    .prepare(
      `SELECT f.report_id AS reportId, r.agency, r.year, f.rule, f.severity, f.message ${current}
       ORDER BY CASE f.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, f.rule, f.id LIMIT ?`,
    )
    .all(FINDINGS_LISTED) as PageData['findings'];
  return { totals, formats, coverage, regions, provinces, years, findingsByRule, findings, findingsShown: findings.length };
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (n: number): string => n.toLocaleString('en-US');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

/** The smallest 1/2/5 × 10^k at or above v, so axis ticks are round numbers. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export interface Series {
  key: string;
  label: string;
  color: string;
  values: number[];
}

/**
 * A bar chart as SVG: one <g data-year> per year holding one <rect> per non-zero series value,
 * stacked. Axis with round ticks; a dashed line where the 2019 regulation's format begins.
 */
export function barChart(id: string, title: string, years: number[], series: Series[]): string {
  const W = 760;
  const H = 300;
  const m = { l: 70, r: 16, t: 16, b: 36 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  if (years.length === 0) {
    return `<svg id="${id}" class="chart" viewBox="0 0 ${W} 80" role="img" aria-label="${esc(title)}"><text x="${W / 2}" y="45" text-anchor="middle" class="muted">no data 无数据</text></svg>`;
  }
  const totals = years.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = niceMax(Math.max(...totals));
  const band = iw / years.length;
  const bw = Math.max(4, Math.min(48, band * 0.7));
  const y = (v: number) => m.t + ih - (v / max) * ih;
  const parts: string[] = [];
  for (let k = 0; k <= 5; k++) {
    const v = (max / 5) * k;
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`,
      `<text x="${m.l - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="tick">${num(v)}</text>`,
    );
  }
  const i2019 = years.indexOf(2019);
  if (i2019 > 0) {
    const x = m.l + band * i2019;
    parts.push(
      `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${m.t}" y2="${m.t + ih}" class="era"/>`,
      `<text x="${(x + 4).toFixed(1)}" y="${m.t + 12}" class="tick">2019 新条例 new regulation →</text>`,
    );
  }
  const labelEvery = Math.ceil(years.length / 16);
  years.forEach((year, i) => {
    const x = m.l + band * i + (band - bw) / 2;
    let base = 0;
    const rects: string[] = [];
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const top = y(base + v);
      rects.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(1, y(base) - top).toFixed(1)}" fill="${s.color}" data-series="${s.key}"><title>${year} ${esc(s.label)}: ${num(v)}</title></rect>`,
      );
      base += v;
    }
    const label = i % labelEvery === 0 ? `<text x="${(x + bw / 2).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle" class="tick">${year}</text>` : '';
    parts.push(`<g class="year" data-year="${year}">${rects.join('')}${label}</g>`);
  });
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${m.t + ih}" y2="${m.t + ih}" class="axis"/>`);
  const legend =
    series.length > 1
      ? `<p class="legend">${series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.label)}</span>`).join('')}</p>`
      : '';
  return `<svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>${legend}`;
}

const EXPLORER_JS = fs.readFileSync(new URL('./explorer.js', import.meta.url), 'utf8').replace(/<\/script/gi, '<\\/script');

const FILE_NOTES: Record<string, string> = Object.fromEntries(
  RESOURCES.flatMap((r) => [
    [`${r.name}.csv`, `${r.title} — CSV (UTF-8, Excel)`],
    [`${r.name}.parquet`, `${r.title} — Parquet`],
  ]),
);
FILE_NOTES['changes.csv'] = 'Changes (变更) since the previous snapshot — CSV (UTF-8, Excel)';
FILE_NOTES['changes.parquet'] = 'Changes (变更) — Parquet';
FILE_NOTES['datapackage.json'] = '数据说明 Data package: fields, types, descriptions (Frictionless)';
FILE_NOTES['manifest.json'] = '清单 Manifest: row counts and SHA-256 of every file';

export function renderPage(data: PageData, ctx: { date: string; files: Array<{ path: string; bytes: number; rows?: number; sha256: string }> }): string {
  // The charts' axis runs through every year from the first to the last, so a year without
  // reports shows as a gap instead of disappearing.
  const byYear = new Map(data.years.map((y) => [y.year, y]));
  const first = data.years[0]?.year;
  const last = data.years.at(-1)?.year;
  const years = first === undefined || last === undefined ? [] : Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const series = (pick: (y: YearRow) => number) => years.map((y) => (byYear.has(y) ? pick(byYear.get(y)!) : 0));
  const received = barChart('chart-received', '收到申请 Applications received', years, [
    { key: 'received', label: '收到申请 received', color: '#1f6feb', values: series((y) => y.received) },
  ]);
  const outcomes = barChart('chart-outcomes', '办理结果 Outcomes', years, [
    { key: 'granted', label: '予以公开 granted', color: '#2e7d32', values: series((y) => y.granted) },
    { key: 'partially_granted', label: '部分公开 partially granted', color: '#e0a800', values: series((y) => y.partiallyGranted) },
    { key: 'denied', label: '不予公开 denied', color: '#c62828', values: series((y) => y.denied) },
  ]);

  const yearTable = data.years
    .map(
      (y) =>
        `<tr><td>${y.year}</td><td>${num(y.reports)}</td><td>${num(y.agencies)}</td><td>${num(y.withApplications)}</td><td>${num(y.received)}</td><td>${num(y.granted)}</td><td>${num(y.partiallyGranted)}</td><td>${num(y.denied)}</td></tr>`,
    )
    .join('');

  const coverageRows = data.coverage
    .map((c) => {
      const total = Object.values(c.counts).reduce((a, b) => a + b, 0);
      return `<tr><td>${c.year ?? '年度不明 unknown'}</td>${data.formats.map((f) => `<td class="${c.counts[f] ? '' : 'zero'}">${num(c.counts[f] ?? 0)}</td>`).join('')}<td><b>${num(total)}</b></td></tr>`;
    })
    .join('');

  const regionRows = data.regions
    .map(
      (r) =>
        `<tr><td>${esc(r.province ?? '—')}</td><td>${esc(r.city ?? '—')}</td><td>${num(r.reports)}</td><td>${num(r.agencies)}</td><td>${r.firstYear ?? ''}${r.lastYear !== r.firstYear ? `–${r.lastYear ?? ''}` : ''}</td></tr>`,
    )
    .join('');

  const ruleRows = data.findingsByRule
    .map((f) => `<tr><td><code>${esc(f.rule)}</code></td><td><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span></td><td>${num(f.count)}</td></tr>`)
    .join('');
  const findingRows = data.findings
    .map(
      (f) =>
        `<tr><td>${f.reportId ?? ''}</td><td>${esc(f.agency)}</td><td>${f.year ?? ''}</td><td><code>${esc(f.rule)}</code></td><td><span class="sev ${esc(f.severity)}">${esc(f.severity)}</span></td><td>${esc(f.message)}</td></tr>`,
    )
    .join('');

  const maxReports = Math.max(1, ...data.provinces.map((p) => p.reports));
  const provinceRows = data.provinces
    .map(
      (p) =>
        `<tr><td>${esc(p.province ?? '未定位 not placed')}</td><td class="bar"><i style="width:${((100 * p.reports) / maxReports).toFixed(1)}%"></i></td><td>${num(p.reports)}</td><td>${num(p.agencies)}</td><td>${p.received === null ? '' : num(p.received)}</td></tr>`,
    )
    .join('');

  const fileRows = [...ctx.files, { path: 'manifest.json', bytes: NaN, sha256: '' }]
    .filter((f) => f.path !== 'index.html' && !f.path.startsWith('explore/'))
    .map(
      (f) =>
        `<tr><td><a href="${esc(encodeURI(f.path))}">${esc(f.path)}</a></td><td>${esc(FILE_NOTES[f.path] ?? '')}</td><td>${f.rows === undefined ? '' : num(f.rows)}</td><td>${Number.isNaN(f.bytes) ? '' : bytes(f.bytes)}</td><td><code title="${esc(f.sha256)}">${esc(f.sha256.slice(0, 12))}</code></td></tr>`,
    )
    .join('');

  const ch = data.changes;
  const changes = ch
    ? `<p id="changes" class="changes">变更 <b>What changed</b> since ${ch.previous ? `snapshot ${esc(ch.previous)}` : 'nothing (first snapshot)'}:
<span class="chg added">新增 added <b>${num(ch.counts.added)}</b></span> <span class="chg replaced">更新 replaced <b>${num(ch.counts.replaced)}</b></span> <span class="chg withdrawn">撤下 withdrawn <b>${num(ch.counts.withdrawn)}</b></span> — <a href="changes.csv">changes.csv</a></p>`
    : '';
  const t = data.totals;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>政府信息公开年报数据集 ${esc(ctx.date)} · nianbao snapshot</title>
<style>
:root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bg:#fbfbfd; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h2 small, h1 small { color: var(--muted); font-weight: normal; font-size: 14px; }
p.lead { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: right; vertical-align: top; }
th { background: #f1f3f7; font-weight: 600; }
td:first-child, th:first-child, td.l, th.l { text-align: left; }
td.zero { color: #b7bcc6; }
.findings td:nth-child(n+2) { text-align: left; }
.findings td:nth-child(2), .findings td:nth-child(4) { white-space: nowrap; }
.files td:nth-child(2) { text-align: left; color: var(--muted); }
.scroll { max-height: 420px; overflow: auto; border: 1px solid var(--line); }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
svg .grid { stroke: #edf0f4; } svg .axis { stroke: #8a93a3; } svg .era { stroke: #8a93a3; stroke-dasharray: 4 4; }
svg .tick, svg .muted { fill: var(--muted); font-size: 12px; }
.legend span { margin-right: 16px; font-size: 13px; color: var(--muted); }
.legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; border-radius: 2px; vertical-align: -1px; }
.sev { padding: 0 6px; border-radius: 4px; font-size: 12px; }
.sev.error { background: #fde2e1; color: #a11; } .sev.warning { background: #fff1c2; color: #7a5800; } .sev.info { background: #e3eefc; color: #1b4f9c; }
code { font-size: 12.5px; }
.note { color: var(--muted); font-size: 13px; }
.controls { display:flex; flex-wrap:wrap; gap:8px; margin: 8px 0; }
.controls input { flex: 1 1 260px; font-size: 16px; padding: 6px 10px; border:1px solid #b9c0cc; border-radius:6px; }
.controls select { font-size: 14px; padding: 5px; max-width: 200px; }
.scroll.tall { max-height: 640px; }
table.explore td, table.explore th { white-space: nowrap; }
table.explore th[data-key] { cursor: pointer; user-select: none; }
table.explore th[aria-sort="ascending"]::after { content: " ▲"; } table.explore th[aria-sort="descending"]::after { content: " ▼"; }
.pager button { font-size: 14px; padding: 3px 10px; }
td.bar { width: 40%; text-align: left; } td.bar i { display:inline-block; height: 11px; background:#1f6feb; border-radius: 2px; }
#x-chart h3 { font-size: 16px; margin: 12px 0 4px; } #x-chart h3 small { color: var(--muted); font-weight: normal; }
#x-chart svg { background:#fff; border:1px solid var(--line); border-radius:8px; }
#x-chart .miss { fill: #c62828; font-size: 13px; }
.changes { background:#fff; border:1px solid var(--line); border-radius:8px; padding:8px 14px; }
.chg { margin: 0 8px; } .chg.added b { color:#2e7d32; } .chg.replaced b { color:#7a5800; } .chg.withdrawn b { color:#a11; }
</style>
</head>
<body>
<main>
<h1>政府信息公开工作年度报告数据集 <small>snapshot ${esc(ctx.date)}</small></h1>
<p class="lead">Chinese government information disclosure annual reports: the numbers of every report, read from the published documents. 每个数字均可追溯到原始文件。</p>
<div class="cards">
<div class="card"><b>${num(t.reports)}</b><span>报告 current reports</span></div>
<div class="card"><b>${num(t.agencies)}</b><span>机关 agencies</span></div>
<div class="card"><b>${num(t.facts)}</b><span>数字 numbers (facts)</span></div>
<div class="card"><b>${num(t.findings)}</b><span>校验发现 findings</span></div>
<div class="card"><b>${num(t.history)}</b><span>历史版本 superseded versions</span></div>
</div>
${changes}

<h2>查找 <small>Find an agency or a place — 机关名称、地名或拼音首字母 (e.g. hzq = 洪泽区)</small></h2>
<div class="controls">
<input id="q" type="search" placeholder="机关或地名 agency or place: 洪泽 / hzq / 320813" autocomplete="off">
<select id="f-province"><option value="">全部省份 all provinces</option></select>
<select id="f-city"><option value="">全部城市 all cities</option></select>
<select id="f-year"><option value="">全部年度 all years</option></select>
<select id="f-format"><option value="">全部格式 all formats</option></select>
</div>
<p id="x-status" class="note">加载中 loading…</p>
<div class="scroll tall"><table id="x-table" class="explore"><thead><tr><th class="l" data-key="agency">机关 agency</th><th class="l" data-key="place">地区 place</th><th data-key="year">年度 year</th><th class="l" data-key="format">格式 format</th><th data-key="received">收到申请 received</th><th data-key="granted">予以公开 granted</th><th data-key="partial">部分公开 partial</th><th data-key="denied">不予公开 denied</th><th data-key="review">复议 review</th><th data-key="litigation">诉讼 lawsuits</th><th>原文</th></tr></thead><tbody id="x-rows"></tbody></table></div>
<p class="pager"><button id="x-prev" type="button">← 上一页 prev</button> <span id="x-page">1 / 1</span> <button id="x-next" type="button">下一页 next →</button> <span class="note">Click a column to sort; click an agency for its years.</span></p>
<div id="x-chart"></div>

<h2>各省 <small>Per province: current reports, agencies, applications received</small></h2>
<div class="scroll"><table id="province-totals"><thead><tr><th>省 province</th><th class="l">报告 reports</th><th></th><th>机关 agencies</th><th>收到申请 received</th></tr></thead><tbody>${provinceRows}</tbody></table></div>

<h2>收到申请 <small>Applications received, by report year</small></h2>
${received}
<h2>办理结果 <small>Outcomes of the applications</small></h2>
${outcomes}
<p class="note">Each agency counts once per year (the latest of duplicate reports; a renamed agency under its new name). Before 2019 the figures come from the legacy statistics table or the narrative, from 2019 on from the statutory tables; blanks count as nothing.</p>
<table id="years"><thead><tr><th>年度 year</th><th>报告 reports</th><th>机关 agencies</th><th>有申请数据 with applications</th><th>收到 received</th><th>予以公开 granted</th><th>部分公开 partial</th><th>不予公开 denied</th></tr></thead><tbody>${yearTable}</tbody></table>

<h2>覆盖范围 <small>Coverage by year and format</small></h2>
<table id="coverage"><thead><tr><th>年度 year</th>${data.formats.map((f) => `<th>${esc(f)}</th>`).join('')}<th>合计 total</th></tr></thead><tbody>${coverageRows}</tbody></table>

<h2>地区 <small>Coverage by region</small></h2>
<div class="scroll"><table id="regions"><thead><tr><th>省 province</th><th class="l">市 city</th><th>报告 reports</th><th>机关 agencies</th><th>年度 years</th></tr></thead><tbody>${regionRows}</tbody></table></div>

<h2>校验发现 <small>Findings</small></h2>
<table id="rules"><thead><tr><th>规则 rule</th><th class="l">severity</th><th>数量 count</th></tr></thead><tbody>${ruleRows}</tbody></table>
<p class="note">Showing ${num(data.findingsShown)} of ${num(t.findings)} findings; all are in <a href="findings.csv">findings.csv</a>.</p>
<div class="scroll"><table id="findings" class="findings"><thead><tr><th>报告 report</th><th class="l">机关 agency</th><th class="l">年度</th><th class="l">rule</th><th class="l">severity</th><th class="l">说明 message</th></tr></thead><tbody>${findingRows}</tbody></table></div>

<h2>文件 <small>Files</small></h2>
<table id="files" class="files"><thead><tr><th>文件 file</th><th class="l">内容 contents</th><th>行 rows</th><th>大小 size</th><th>SHA-256</th></tr></thead><tbody>${fileRows}</tbody></table>
<p class="note">CSV files are UTF-8 with a byte-order mark and open in Excel; field descriptions are in datapackage.json, identifier labels in dictionary.csv.</p>
</main>
<script>
${EXPLORER_JS}
</script>
</body>
</html>
`;
}
