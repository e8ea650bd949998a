/**
 * `npm run bench -- --scale [--sizes 10000,100000,1000000] [--keep]`: the cost curve to national
 * size. For each size a database of that many reports is built through the loader (scale-load),
 * queried (scale-query), exported (scale-export) and given a nightly run of 1% new reports
 * (scale-nightly), each phase in its own process (scripts/bench/scale.ts). Prints the figures per
 * size, the growth exponent k of each (time ∝ size^k, least squares on log–log), the targets, and
 * an extrapolation to the sizes not measured; writes bench/scale-results.json and bench/SCALE.md.
 *
 * A size whose database would not fit the free disk (estimated from the largest size measured,
 * with room for the export) is skipped and said so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CACHE_DIR, repoRoot } from './corpus.ts';
import { spawnPhase } from './spawn-phase.ts';

type Figures = {
  load: { reports: number; facts: number; loadMs: number; loadCpuMs: number; indexMs: number; indexCpuMs: number; checksMs: number; totalMs: number; totalCpuMs: number; factsPerS: number; factsPerCpuS: number; dbBytes: number; peakRssMb: number };
  query: {
    agency: { medianMs: number; maxMs: number; rows: number };
    provinceYear: { medianMs: number; maxMs: number; rows: number; province: string; year: number };
    whole: { medianMs: number; rows: number };
    search: Record<string, { medianMs: number; maxMs: number; hits: number }>;
  };
  export: { ms: number; cpuMs: number; bytes: number; peakRssMb: number };
  nightly: { reports: number; totalMs: number; totalCpuMs: number; loadMs: number; indexMs: number; checksMs: number; perReportMs: number; perReportCpuMs: number };
};

const log = (s: string) => process.stderr.write(`bench --scale: ${s}\n`);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function phase<T>(name: string, args: object): Promise<T> {
  return spawnPhase<T>(name, [process.execPath, path.join(repoRoot, 'bin/run-script.js'), 'scripts/bench/phase.ts', name, JSON.stringify(args)]);
}

function freeBytes(dir: string): number {
  const r = spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim().split('\n').pop());
  return Number.isFinite(n) ? n : Infinity;
}

/** k of y ∝ x^k: least squares on (log x, log y). */
export function exponent(xs: number[], ys: number[]): number | null {
  const pts = xs.map((x, i) => [Math.log(x), Math.log(ys[i]!)] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const num = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den ? num / den : null;
}

interface Metric {
  name: string;
  unit: string;
  of: (f: Figures) => number;
  /** Target on the exponent, and/or on the value at 1M reports. */
  kMax?: number;
  at1M?: { max: number; label: string };
}

// Time metrics of the phases that report CPU are taken in CPU seconds: on a shared machine the
// wall clock of two sizes measured minutes apart compares the machine's load, not the sizes.
const METRICS: Metric[] = [
  { name: 'load: CPU (batches + index pass)', unit: 's', of: (f) => (f.load.loadCpuMs + f.load.indexCpuMs) / 1000 },
  { name: 'load: wall (batches + index pass + checks)', unit: 's', of: (f) => f.load.totalMs / 1000 },
  { name: 'load: facts per CPU-second (batches, full text stored, index deferred)', unit: 'facts/s', of: (f) => f.load.factsPerCpuS },
  { name: 'load: index pass CPU per report', unit: 'ms', of: (f) => f.load.indexCpuMs / f.load.reports },
  { name: 'database size', unit: 'MB', of: (f) => f.load.dbBytes / 1e6 },
  { name: 'report_summary, one agency', unit: 'ms', of: (f) => f.query.agency.medianMs, at1M: { max: 10, label: '< 10 ms at 1M' } },
  { name: 'report_summary, one province-year', unit: 'ms', of: (f) => f.query.provinceYear.medianMs },
  { name: 'report_summary, whole table', unit: 's', of: (f) => f.query.whole.medianMs / 1000 },
  { name: "search '依申请' (top 20)", unit: 'ms', of: (f) => f.query.search['依申请']?.medianMs ?? NaN },
  { name: "search '公开' (top 20)", unit: 'ms', of: (f) => f.query.search['公开']?.medianMs ?? NaN },
  { name: 'search an agency name (top 20)', unit: 'ms', of: (f) => Object.values(f.query.search)[2]?.medianMs ?? NaN },
  { name: 'export: CSV + Parquet snapshot, CPU', unit: 's', of: (f) => f.export.cpuMs / 1000, kMax: 1.05 },
  { name: 'export: wall', unit: 's', of: (f) => f.export.ms / 1000 },
  { name: 'export: peak RSS', unit: 'MB', of: (f) => f.export.peakRssMb, at1M: { max: 1024, label: '≤ 1 GB at any size' } },
  { name: 'nightly, 1% new reports: whole, wall', unit: 's', of: (f) => f.nightly.totalMs / 1000 },
  { name: 'nightly: CPU per new report', unit: 'ms', of: (f) => f.nightly.perReportCpuMs, kMax: 0.1 },
  { name: 'nightly: wall per new report', unit: 'ms', of: (f) => f.nightly.perReportMs },
];

const fmt = (x: number) => (!Number.isFinite(x) ? '—' : x >= 100 ? Math.round(x).toLocaleString('en') : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

export async function scaleMain(argv: string[]): Promise<number> {
  const val = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const sizes = (val('--sizes') ?? '10000,100000,1000000').split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) {
    console.error('bench --scale: --sizes takes report counts of at least 100, e.g. 10000,100000');
    return 2;
  }
  const keep = argv.includes('--keep');
  const started = Date.now();
  let loadBefore = os.loadavg();
  const measured: Array<{ size: number; f: Figures }> = [];
  const skipped: Array<{ size: number; why: string }> = [];
  // --report-only: the table again from bench/scale-results.json (after a change to the table, not the figures).
  const previous = argv.includes('--report-only') ? (JSON.parse(fs.readFileSync(path.join(repoRoot, 'bench', 'scale-results.json'), 'utf8')) as { date: string; durationS: number; machine: { loadAverageBefore: number[]; loadAverageAfter: number[] }; skipped: typeof skipped; figures: typeof measured }) : null;
  if (previous) {
    measured.push(...previous.figures);
    skipped.push(...previous.skipped);
    loadBefore = previous.machine.loadAverageBefore;
  }
  for (const size of previous ? [] : sizes) {
    const dir = path.join(CACHE_DIR, `scale-${size}`);
    fs.mkdirSync(dir, { recursive: true });
    // Bytes per report from the largest size measured (≈30 KB before any), ×2 for the WAL, the export and the nightly.
    const last = measured.at(-1);
    const perReport = last ? (last.f.load.dbBytes + last.f.export.bytes) / last.size : 60_000;
    const need = perReport * size * 2;
    const free = freeBytes(dir);
    if (need > free * 0.8) {
      const why = `needs ~${(need / 1e9).toFixed(0)} GB, ${(free / 1e9).toFixed(0)} GB free`;
      log(`${size.toLocaleString('en')} reports skipped: ${why}`);
      skipped.push({ size, why });
      continue;
    }
    const dbFile = path.join(dir, 'nianbao.sqlite');
    const t = Date.now();
    log(`${size.toLocaleString('en')} reports: load …`);
    const load = await phase<Figures['load']>('scale-load', { dbFile, reports: size });
    log(`  ${load.facts.toLocaleString('en')} facts in ${(load.totalMs / 1000).toFixed(1)} s, ${(load.dbBytes / 1e6).toFixed(0)} MB; queries …`);
    const query = await phase<Figures['query']>('scale-query', { dbFile });
    log('  export …');
    const exp = await phase<Figures['export']>('scale-export', { dbFile, dataDir: path.join(dir, 'export') });
    log('  nightly …');
    const nightly = await phase<Figures['nightly']>('scale-nightly', { dbFile, reports: size });
    if (!keep) for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
    measured.push({ size, f: { load, query, export: exp, nightly } });
    log(`  done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
  const xs = measured.map((m) => m.size);
  const rows = METRICS.map((m) => {
    const ys = measured.map((x) => m.of(x.f));
    const k = exponent(xs, ys);
    const lastM = measured.at(-1);
    const at1M = lastM && k !== null ? lastM.size >= 1_000_000 ? m.of(lastM.f) : m.of(lastM.f) * (1_000_000 / lastM.size) ** k : NaN;
    const checks: string[] = [];
    let ok: boolean | null = null;
    if (m.kMax !== undefined && k !== null) {
      checks.push(`k ≤ ${m.kMax}`);
      ok = k <= m.kMax;
    }
    if (m.at1M) {
      checks.push(m.at1M.label);
      // One size gives no k and no 1M figure: only 'any size' can be checked, on what was measured.
      const anySize = m.at1M.label.includes('any size');
      const value = anySize ? Math.max(...ys, ...(Number.isFinite(at1M) ? [at1M] : [])) : at1M;
      if (Number.isFinite(value)) {
        const pass = value <= m.at1M.max;
        ok = ok === null ? pass : ok && pass;
      }
    }
    return { metric: m.name, unit: m.unit, values: ys, k: k === null ? null : round(k, 3), at1M: round(at1M, 3), extrapolated: !lastM || lastM.size < 1_000_000, target: checks.join('; ') || '—', ok };
  });
  const machine = { cores: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: round(os.totalmem() / 2 ** 30, 1), node: process.version, loadAverageBefore: loadBefore.map((x) => round(x)), loadAverageAfter: os.loadavg().map((x) => round(x)) };
  if (previous) machine.loadAverageAfter = previous.machine.loadAverageAfter;
  const report = { date: previous?.date ?? new Date().toISOString(), durationS: previous?.durationS ?? round((Date.now() - started) / 1000, 1), machine, sizes: measured.map((m) => m.size), skipped, rows, figures: measured };
  fs.writeFileSync(path.join(repoRoot, 'bench', 'scale-results.json'), JSON.stringify(report, null, 2) + '\n');
  const head = ['metric', ...measured.map((m) => `${m.size.toLocaleString('en')} reports`), 'k', '1M reports', 'target', 'ok?'];
  const cells = rows.map((r) => [`${r.metric} (${r.unit})`, ...r.values.map(fmt), r.k === null ? '—' : r.k.toFixed(2), `${fmt(r.at1M)}${r.extrapolated ? ' (extrapolated)' : ''}`, r.target, r.ok === null ? '' : r.ok ? 'yes' : 'NO']);
  const facts = measured.map((m) => `${m.size.toLocaleString('en')} reports = ${m.f.load.facts.toLocaleString('en')} facts, nightly +${m.f.nightly.reports.toLocaleString('en')}`).join('; ');
  const notes = [
    `Sizes: ${facts}.`,
    ...skipped.map((s) => `${s.size.toLocaleString('en')} reports not measured (${s.why}): the 1M column is extrapolated from the largest size with each metric's k.`),
    ...(measured.at(-1) && measured.at(-1)!.size < 1_000_000 && !skipped.some((s) => s.size >= 1_000_000) ? ['1M reports not in --sizes: the 1M column is extrapolated from the largest size with each metric\'s k.'] : []),
    "Time metrics with CPU in their name are CPU seconds of the phase's process (all threads): they compare sizes measured minutes apart on a shared machine; the wall figures beside them carry the machine's load of the moment.",
    'k: time ∝ size^k, least squares over the sizes measured. The nightly target is on the CPU per new report (1% new at each size: its whole time grows with the new reports by design). The nightly run here is the load of the new reports as the normalize stage loads them (batches, index pass, cross-report checks of the agencies touched); the snapshot export is the export row.',
  ];
  const md = [
    '# Scale curve',
    '',
    `Written by \`npm run bench -- --scale\` on ${report.date.slice(0, 10)} (${report.date}), ${report.durationS} s; every figure is in scale-results.json when that file is from the same run.`,
    '',
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}; load average ${machine.loadAverageBefore.join(' ')} → ${machine.loadAverageAfter.join(' ')}. All figures are absolute (this machine, this load) except k, a ratio between sizes of the same run.`,
    '',
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...cells.map((c) => `| ${c.join(' | ')} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(repoRoot, 'bench', 'SCALE.md'), md);
  const w = head.map((h, i) => Math.max([...h].length, ...cells.map((c) => [...c[i]!].length)));
  const line = (c: string[]) => c.map((x, i) => x + ' '.repeat(w[i]! - [...x].length)).join(' | ');
  console.log(`\nnianbao bench --scale — ${machine.cores} cores (${machine.cpuModel}), node ${process.version}; load average before ${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')}; ${report.durationS} s\n`);
  console.log([line(head), w.map((n) => '-'.repeat(n)).join('-|-'), ...cells.map(line)].join('\n'));
  console.log(`\n${notes.join('\n')}\nfigures: bench/scale-results.json, bench/SCALE.md`);
  return 0;
}
