/**
 * The scale phases of `npm run bench -- --scale`: a database of N reports built through the
 * loader, then what an analyst and the nightly run do with it. Each runs in its own process
 * (scripts/bench/phase.ts), so peak RSS is its own.
 *
 *   scale-load     N reports (reportPlan: real counties, 7 departments, 2015–2024), each a seed
 *                  variant read back through the normalizer (~173 facts, ~2,750 characters of
 *                  text), loaded as the normalize stage loads: batches with the index deferred,
 *                  one index pass, the cross-report checks
 *   scale-query    report_summary for one agency, one province-year and the whole table; search
 *   scale-export   exportSnapshot: seconds and the process's peak RSS
 *   scale-nightly  1% new reports (the 2025 report of every ~14th agency) loaded as a nightly run
 *                  loads them: batches, index pass, cross-report checks of the agencies touched
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LoadContext, ReportInput } from '../../dataset/load.ts';
import { agencyOf, reportPlan, type PlannedReport } from './synthetic.ts';

type Item = { result: ReportInput; ctx: LoadContext };
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return round(Number(m[1]) / 1024, 1);
  } catch {
    /* not Linux */
  }
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/** Seed variants read back through the normalizer: the facts, findings and text of real-shaped reports. */
async function baseReports(n: number): Promise<ReportInput[]> {
  const { reportFromExtraction } = await import('../../normalize/report.ts');
  const { readSeeds, seedModel, variant } = await import('./corpus.ts');
  const { rng } = await import('../lib/rng.ts');
  const models = readSeeds().map(seedModel);
  return Array.from({ length: n }, (_, i) => {
    const v = variant(models[i % models.length]!, rng(0x5eed + i));
    return reportFromExtraction(v.doc, { file: `synthetic-${i}`, sha256: `synthetic-${i}`, withText: true });
  });
}

/** A planned report as the normalize stage would hand it to the loader. */
function item(base: ReportInput[], p: PlannedReport): Item {
  const b = base[p.n % base.length]!;
  const title = `${p.name}${p.year}年政府信息公开工作年度报告`;
  return {
    result: {
      ...b,
      file: `${p.agency}/${p.year}.pdf`,
      sha256: createHash('sha256').update(`scale/${p.agency}/${p.year}`).digest('hex'),
      agency: p.name,
      year: p.year,
      title,
      text: `${title}\n${b.text ?? ''}`,
      region: p.division,
      agencyLevel: 'county',
      agencyKind: p.kind,
    },
    ctx: { documentUrl: `http://scale.test/doc/${p.agency}/${p.year}.pdf`, sourceUrl: `http://scale.test/page/${p.agency}/${p.year}.html`, portal: 'scale' },
  };
}

async function stageModules() {
  const load = await import('../../dataset/load.ts');
  const search = await import('../../dataset/search.ts');
  const checks = await import('../../dataset/checks.ts');
  return { loadReports: load.loadReports, LOAD_BATCH: load.LOAD_BATCH, indexPending: search.indexPending, runCrossReportChecks: checks.runCrossReportChecks };
}

/** Loads items as the normalize stage does; returns wall and CPU time of each part. */
async function loadAsStage(db: import('../../store/db.ts').DB, items: Iterable<Item>, crossScope: 'all' | 'touched') {
  const { loadReports, LOAD_BATCH, indexPending, runCrossReportChecks } = await stageModules();
  const touched = new Set<number>();
  let reports = 0;
  let facts = 0;
  let batch: Item[] = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const flush = () => {
    for (const o of loadReports(db, batch, { deferIndex: true })) for (const a of o.agencies) touched.add(a);
    batch = [];
  };
  for (const it of items) {
    batch.push(it);
    reports++;
    facts += it.result.facts?.length ?? 0;
    if (batch.length >= LOAD_BATCH) flush();
  }
  flush();
  const loadMs = performance.now() - t0;
  const loadCpu = cpuMs(process.cpuUsage(c0));
  const i0 = performance.now();
  indexPending(db);
  const indexMs = performance.now() - i0;
  const indexCpu = cpuMs(process.cpuUsage(c0)) - loadCpu;
  const x0 = performance.now();
  runCrossReportChecks(db, crossScope === 'touched' ? { agencies: touched } : {});
  const checksMs = performance.now() - x0;
  const checksCpu = cpuMs(process.cpuUsage(c0)) - loadCpu - indexCpu;
  return {
    reports,
    facts,
    loadMs: round(loadMs),
    loadCpuMs: round(loadCpu),
    indexMs: round(indexMs),
    indexCpuMs: round(indexCpu),
    checksMs: round(checksMs),
    checksCpuMs: round(checksCpu),
    totalMs: round(loadMs + indexMs + checksMs),
    totalCpuMs: round(loadCpu + indexCpu + checksCpu),
    agenciesTouched: touched.size,
  };
}

function dbBytes(file: string): number {
  return [file, `${file}-wal`].reduce((s, f) => s + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

export async function scaleLoad(a: { dbFile: string; reports: number }) {
  const { openDatabase } = await import('../../store/db.ts');
  for (const f of [a.dbFile, `${a.dbFile}-wal`, `${a.dbFile}-shm`]) fs.rmSync(f, { force: true });
  fs.mkdirSync(path.dirname(a.dbFile), { recursive: true });
  const base = await baseReports(50);
  const db = openDatabase(a.dbFile);
  function* items() {
    for (const p of reportPlan(a.reports)) yield item(base, p);
  }
  const r = await loadAsStage(db, items(), 'all');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { ...r, factsPerS: Math.round((r.facts * 1000) / r.loadMs), factsPerCpuS: Math.round((r.facts * 1000) / r.loadCpuMs), dbBytes: dbBytes(a.dbFile), peakRssMb: peakRssMb() };
}

/** Median of `runs` timed calls after one untimed (warm) call. */
function timed(runs: number, f: () => unknown): { medianMs: number; maxMs: number; firstMs: number } {
  const f0 = performance.now();
  f();
  const firstMs = performance.now() - f0;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  return { medianMs: round(ms[Math.floor(ms.length / 2)]!, 3), maxMs: round(ms[ms.length - 1]!, 3), firstMs: round(firstMs, 3) };
}

export async function scaleQuery(a: { dbFile: string }) {
  const { openDatabase } = await import('../../store/db.ts');
  const { searchReports } = await import('../../dataset/search.ts');
  const db = openDatabase(a.dbFile, { readonly: true });
  const agencies = db.prepare('SELECT MAX(id) FROM agencies').pluck().get() as number;
  // Twenty agencies spread over the table; each query timed on its own agency.
  const ids = Array.from({ length: 20 }, (_, i) => 1 + Math.floor(((i + 0.5) * agencies) / 20));
  const byAgency = db.prepare('SELECT * FROM report_summary WHERE agency_id = ?');
  let k = 0;
  const agency = timed(19, () => byAgency.all(ids[k++ % ids.length]));
  const agencyRows = byAgency.all(ids[0]).length;
  const prov = db.prepare(`SELECT province, year FROM reports WHERE province IS NOT NULL AND is_current = 1 AND id = (SELECT MAX(id) / 2 FROM reports)`).get() as { province: string; year: number };
  const byProvinceYear = db.prepare('SELECT * FROM report_summary WHERE province = ? AND year = ?');
  const provinceYear = timed(3, () => byProvinceYear.all(prov.province, prov.year));
  const provinceYearRows = byProvinceYear.all(prov.province, prov.year).length;
  const all = db.prepare('SELECT * FROM report_summary');
  let wholeRows = 0;
  const whole = timed(1, () => {
    wholeRows = 0;
    for (const _ of all.iterate()) wholeRows++;
  });
  const name = (db.prepare('SELECT name FROM agencies WHERE id = ?').pluck().get(ids[3]) as string).slice(0, 6);
  // hits: up to 1,000.
  const search: Record<string, { medianMs: number; maxMs: number; firstMs: number; hits: number }> = {};
  for (const q of ['依申请', '公开', name]) {
    const t = timed(5, () => searchReports(db, q));
    search[q] = { ...t, hits: searchReports(db, q, { limit: 1000 }).length };
  }
  db.close();
  return { agency: { ...agency, rows: agencyRows }, provinceYear: { ...provinceYear, rows: provinceYearRows, province: prov.province, year: prov.year }, whole: { ...whole, rows: wholeRows }, search, peakRssMb: peakRssMb() };
}

export async function scaleExport(a: { dbFile: string; dataDir: string }) {
  const { openDatabase } = await import('../../store/db.ts');
  const { exportSnapshot } = await import('../../dataset/export.ts');
  const db = openDatabase(a.dbFile);
  fs.rmSync(a.dataDir, { recursive: true, force: true });
  fs.mkdirSync(a.dataDir, { recursive: true });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const snap = await exportSnapshot(db, { dataDir: a.dataDir, date: '2000-01-01' });
  const ms = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(c0));
  db.close();
  const bytes = snap.files.reduce((s, f) => s + f.bytes, 0);
  fs.rmSync(a.dataDir, { recursive: true, force: true });
  return { ms: round(ms), cpuMs: round(cpu), files: snap.files.length, bytes, peakRssMb: peakRssMb() };
}

export async function scaleNightly(a: { dbFile: string; reports: number; share?: number }) {
  const { openDatabase } = await import('../../store/db.ts');
  const base = await baseReports(50);
  await stageModules(); // loaded before the clock starts, as in a run
  const db = openDatabase(a.dbFile);
  const agencies = db.prepare('SELECT COUNT(*) FROM agencies').pluck().get() as number;
  const fresh = Math.max(1, Math.round(a.reports * (a.share ?? 0.01)));
  // The 2025 report of agencies spread evenly over the table (plan order = agency order).
  function* items() {
    for (let i = 0; i < fresh; i++) {
      const p = agencyOf(Math.floor((i * agencies) / fresh));
      yield item(base, { ...p, n: a.reports + i, year: 2025, format: 'statutory-2021' });
    }
  }
  const r = await loadAsStage(db, items(), 'touched');
  db.close();
  return { ...r, perReportMs: round(r.totalMs / r.reports, 3), perReportCpuMs: round(r.totalCpuMs / r.reports, 3), peakRssMb: peakRssMb() };
}
