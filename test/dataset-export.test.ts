import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { asyncBufferFromFile, parquetReadObjects, parquetMetadataAsync } from 'hyparquet';
import parquetjs from '@dsnp/parquetjs';
import { describe, expect, it } from 'vitest';
import { loadReport } from '../dataset/load.ts';
import { runCrossReportChecks } from '../dataset/checks.ts';
import { exportSnapshot, newestSnapshot } from '../dataset/export.ts';
import { RESOURCES } from '../dataset/resources.ts';
import { corpus, statutory, tempDb, transportCorrected } from './dataset-fixtures.ts';

function loaded() {
  const t = tempDb();
  for (const item of corpus()) loadReport(t.db, item.result, item.ctx);
  const { result, ctx } = transportCorrected();
  loadReport(t.db, result, ctx);
  runCrossReportChecks(t.db);
  return t;
}

/** A resource's rows read the plain way (one SQL query, row by row), to check the streamed export. */
function rowsOf(db: ReturnType<typeof tempDb>['db'], name: string): unknown[][] {
  const src = RESOURCES.find((r) => r.name === name)!.source;
  if ('rows' in src) return Array.from(src.rows(db));
  return db.prepare(`SELECT ${src.columns.join(', ')} FROM ${src.from} ORDER BY ${src.order}`).raw().all() as unknown[][];
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('exportSnapshot', () => {
  it('writes CSV, Parquet, datapackage.json, index.html and manifest.json', async () => {
    const { db, dir } = loaded();
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    expect(snap.dir).toBe(path.join(dir, 'snapshots', '2024-05-01'));
    const names = fs.readdirSync(snap.dir).sort();
    expect(names).toEqual(
      [...[...RESOURCES.map((r) => r.name), 'changes'].flatMap((n) => [`${n}.csv`, `${n}.parquet`]), 'datapackage.json', 'explore', 'index.html', 'manifest.json'].sort(),
    );
    // The explorer's data: meta, agencies and one chunk of reports for this small corpus.
    const explore = fs.readdirSync(path.join(snap.dir, 'explore')).sort().map((n) => `explore/${n}`);
    expect(explore).toEqual(['explore/agencies.js', 'explore/meta.js', 'explore/reports-0.js']);
    expect(snap.files.map((f) => f.path).sort()).toEqual([...names.filter((n) => n !== 'explore'), ...explore].sort());
  });

  it('CSVs are UTF-8 with a BOM, RFC 4180 quoted, Chinese intact, identical to csv-stringify', async () => {
    const { db, dir } = loaded();
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    for (const spec of RESOURCES) {
      const bytes = fs.readFileSync(path.join(snap.dir, `${spec.name}.csv`));
      expect([...bytes.subarray(0, 3)], spec.name).toEqual([0xef, 0xbb, 0xbf]);
      const expected = '\uFEFF' + stringify([spec.fields.map((f) => f.name), ...rowsOf(db, spec.name)], { record_delimiter: 'windows', cast: { boolean: (b) => (b ? '1' : '0') } });
      expect(bytes.toString('utf8'), spec.name).toBe(expected);
    }
    const reports = fs.readFileSync(path.join(snap.dir, 'reports.csv'), 'utf8');
    expect(reports.split('\r\n')[0]).toBe('\uFEFFreport_id,agency,agency_id,canonical_agency_id,province,city,county,division_code,agency_level,agency_kind,year,format,format_reason,title,portal,source_url,document_url,sha256,media_type,parser_version,extracted_at,is_current,superseded_by,error_code,error_message');
    // A field with a comma, quotes and a line break is quoted, quotes doubled.
    expect(reports).toContain(',"淮安市交通运输局2021年政府信息公开工作年度报告,""初稿""\n第一版",');
    expect(reports).toContain(',淮安市清江浦区人民政府,');
    // Every fixture agency is placed: division code, level and kind from the gazetteer.
    expect(reports).toMatch(/,淮安市清江浦区人民政府,\d+,\d+,江苏省,淮安市,清江浦区,320812,county,government,2017,/);
    const facts = fs.readFileSync(path.join(snap.dir, 'facts.csv'), 'utf8');
    expect(facts.startsWith('\uFEFFreport_id,table,row,col,value,')).toBe(true);
    const summary = fs.readFileSync(path.join(snap.dir, 'summary.csv'), 'utf8').split('\r\n');
    expect(summary).toHaveLength(corpus().length + 2); // header, one row per current report, final CRLF
  });

  it('coverage.csv: per agency the years with a report, the years missing in between and each year\'s format; region_coverage.csv per division and year', async () => {
    const { db, dir } = loaded();
    loadReport(db, statutory('huaian-2018', 'statutory-2019', '淮安市人民政府', 2018, { applications: { new_received: 90 } }), { sourceUrl: 'https://www.huaian.gov.cn/col/2018.html', portal: 'huaian' });
    runCrossReportChecks(db);
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    const lines = fs.readFileSync(path.join(snap.dir, 'coverage.csv'), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n').map((l) => l.split(','));
    const head = lines[0]!;
    const row = (agency: string) => Object.fromEntries(head.map((h, i) => [h, lines.find((l) => l[1] === agency)![i]]));
    expect(row('淮安市人民政府')).toMatchObject({
      division_code: '320800', province: '江苏省', city: '淮安市', first_year: '2018', last_year: '2022', years_with_report: '4', years_missing: '1',
      years: '2018;2020;2021;2022', missing_years: '2019', formats: '2018:statutory-2019;2020:statutory-2019;2021:statutory-2021;2022:statutory-2021',
    });
    expect(row('淮安市档案馆')).toMatchObject({ first_year: '2012', last_year: '2012', missing_years: '', formats: '2012:legacy' });
    // One line per agency with a dated current report.
    expect(lines.length - 1).toBe(db.prepare('SELECT COUNT(DISTINCT agency_id) FROM agency_years').pluck().get());
    const regions = fs.readFileSync(path.join(snap.dir, 'region_coverage.csv'), 'utf8');
    expect(regions).toContain('\r\n2018,320800,江苏省,淮安市,,1,1\r\n');
    const findings = fs.readFileSync(path.join(snap.dir, 'findings.csv'), 'utf8');
    expect(findings).toMatch(/cross\.missing_year,info,no report for 2019/);
  });

  it('Parquet files read back by two independent readers equal the SQLite rows', async () => {
    const { db, dir } = loaded();
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    for (const spec of RESOURCES) {
      const file = path.join(snap.dir, `${spec.name}.parquet`);
      const expected = rowsOf(db, spec.name).map((r) => Object.fromEntries(spec.fields.map((f, i) => [f.name, r[i] ?? null])));
      const buffer = await asyncBufferFromFile(file);
      const meta = await parquetMetadataAsync(buffer);
      expect(meta.schema.slice(1).map((s) => s.name), spec.name).toEqual(spec.fields.map((f) => f.name));
      expect(Number(meta.num_rows), spec.name).toBe(expected.length);
      const got = await parquetReadObjects({ file: buffer });
      expect(got, spec.name).toEqual(expected);
      // A reader outside the hyparquet family (the writer's companion) as well.
      const reader = await parquetjs.ParquetReader.openFile(file);
      const cursor = reader.getCursor();
      const other: Record<string, unknown>[] = [];
      for (let rec = await cursor.next(); rec; rec = await cursor.next()) {
        other.push(Object.fromEntries(spec.fields.map((f) => [f.name, (rec as Record<string, unknown>)[f.name] ?? null])));
      }
      await reader.close();
      expect(other, spec.name).toEqual(expected);
    }
  });

  it('streams in row groups, keeps decimals exact, and exports an empty database', async () => {
    const { db, dir } = loaded();
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01', rowGroupSize: 100 });
    const file = path.join(snap.dir, 'facts.parquet');
    const buffer = await asyncBufferFromFile(file);
    expect((await parquetMetadataAsync(buffer)).row_groups.length).toBeGreaterThan(5);
    const facts = await parquetReadObjects({ file: buffer });
    expect(facts).toEqual(rowsOf(db, 'facts').map((r) => Object.fromEntries(RESOURCES[1]!.fields.map((f, i) => [f.name, r[i] ?? null]))));
    const values = new Set(facts.map((f) => f.value));
    for (const v of [-185, 25.1, 0.1 + 0.2, 96171.6, 3985758]) expect(values.has(v), String(v)).toBe(true);
    const csv = fs.readFileSync(path.join(snap.dir, 'facts.csv'), 'utf8');
    expect(csv).toContain(',administrative_fees,amount_10k_yuan,96171.6,');
    expect(csv).toContain(',0.30000000000000004,');

    const empty = tempDb();
    const e = await exportSnapshot(empty.db, { dataDir: empty.dir, date: '2024-05-01' });
    expect(fs.readFileSync(path.join(e.dir, 'facts.csv'), 'utf8')).toBe('\uFEFFreport_id,table,row,col,value,page,block,cell_row,cell_col,printed,confidence\r\n');
    expect(await parquetReadObjects({ file: await asyncBufferFromFile(path.join(e.dir, 'facts.parquet')) })).toEqual([]);
    expect(e.files.find((f) => f.path === 'dictionary.csv')!.rows).toBeGreaterThan(100);
  });

  it('datapackage.json describes every CSV column, and manifest.json has the rows and sha256 of every file', async () => {
    const { db, dir } = loaded();
    const snap = await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    const pkg = JSON.parse(fs.readFileSync(path.join(snap.dir, 'datapackage.json'), 'utf8'));
    expect(pkg.profile).toBe('tabular-data-package');
    const csvResources = pkg.resources.filter((r: { format: string }) => r.format === 'csv');
    expect(csvResources.map((r: { path: string }) => r.path).sort()).toEqual([...RESOURCES.map((r) => `${r.name}.csv`), 'changes.csv'].sort());
    for (const r of pkg.resources as Array<{ path: string; schema: { fields: Array<{ name: string; type: string; title: string; description: string }> } }>) {
      expect(fs.existsSync(path.join(snap.dir, r.path)), r.path).toBe(true);
      const csvPath = r.path.replace(/\.parquet$/, '.csv');
      const header = fs.readFileSync(path.join(snap.dir, csvPath), 'utf8').replace(/^\uFEFF/, '').split('\r\n')[0]!.split(',');
      expect(r.schema.fields.map((f) => f.name), r.path).toEqual(header);
      for (const f of r.schema.fields) {
        expect(['integer', 'number', 'string']).toContain(f.type);
        expect(f.title, `${r.path} ${f.name}`).toMatch(/\p{Script=Han}|SHA/u);
        expect(f.description, `${r.path} ${f.name}`).toMatch(/^[\x20-\x7e\u00a0-\u2fff\u3000-\u9fff\uff00-\uffef]+$/u);
        expect(f.description.length).toBeGreaterThan(5);
      }
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(snap.dir, 'manifest.json'), 'utf8'));
    const listed = manifest.files.map((f: { path: string }) => f.path).sort();
    expect(listed).toEqual(fs.readdirSync(snap.dir, { recursive: true, encoding: 'utf8' }).filter((n) => n !== 'manifest.json' && n !== 'explore').sort());
    for (const f of manifest.files as Array<{ path: string; sha256: string; bytes: number; rows?: number }>) {
      expect(f.sha256, f.path).toBe(sha256(path.join(snap.dir, f.path)));
      expect(f.bytes).toBe(fs.statSync(path.join(snap.dir, f.path)).size);
    }
    const rows = Object.fromEntries(manifest.files.filter((f: { rows?: number }) => f.rows !== undefined).map((f: { path: string; rows: number }) => [f.path, f.rows]));
    expect(rows['facts.csv']).toBe(db.prepare('SELECT COUNT(*) FROM facts').pluck().get());
    expect(rows['facts.parquet']).toBe(rows['facts.csv']);
    expect(rows['reports.csv']).toBe(corpus().length + 1);
    expect(rows['summary.csv']).toBe(corpus().length);
    expect(rows['findings.csv']).toBe(db.prepare('SELECT COUNT(*) FROM findings').pluck().get());
  });

  it('never shows a partial snapshot: temp folder hidden, a failed export leaves latest as it was', async () => {
    const { db, dir } = loaded();
    const snapshots = path.join(dir, 'snapshots');
    await exportSnapshot(db, { dataDir: dir, date: '2024-05-01' });
    expect(fs.readlinkSync(path.join(snapshots, 'latest'))).toBe('2024-05-01');
    expect(fs.readdirSync(snapshots).sort()).toEqual(['2024-05-01', 'latest']);

    const seenMidway: string[][] = [];
    await expect(
      exportSnapshot(db, {
        dataDir: dir,
        date: '2024-05-02',
        onFile: (f) => {
          seenMidway.push(fs.readdirSync(snapshots).sort());
          // While writing: the temp folder is not a snapshot, latest still points to the old one.
          expect(newestSnapshot(snapshots)).toBe('2024-05-01');
          expect(fs.readlinkSync(path.join(snapshots, 'latest'))).toBe('2024-05-01');
          if (f === 'facts.parquet') throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(seenMidway[0]!.some((n) => n.startsWith('.tmp-2024-05-02-'))).toBe(true);
    expect(fs.readdirSync(snapshots).sort()).toEqual(['2024-05-01', 'latest']);
    expect(fs.readlinkSync(path.join(snapshots, 'latest'))).toBe('2024-05-01');
    expect(fs.existsSync(path.join(snapshots, 'latest', 'manifest.json'))).toBe(true);

    await exportSnapshot(db, { dataDir: dir, date: '2024-05-02' });
    expect(fs.readlinkSync(path.join(snapshots, 'latest'))).toBe('2024-05-02');
    // Re-exporting a day replaces it whole; an older date does not move latest.
    await exportSnapshot(db, { dataDir: dir, date: '2024-05-02' });
    await exportSnapshot(db, { dataDir: dir, date: '2024-04-30' });
    expect(fs.readdirSync(snapshots).sort()).toEqual(['2024-04-30', '2024-05-01', '2024-05-02', 'latest']);
    expect(fs.readlinkSync(path.join(snapshots, 'latest'))).toBe('2024-05-02');
  });

  it('nianbao export writes a snapshot of the data folder', () => {
    const { db, dir } = loaded();
    db.close();
    const out = execFileSync(process.execPath, [path.resolve('bin/nianbao.js'), 'export', '--data-dir', dir, '--date', '2024-06-01'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain(`snapshot ${path.join(dir, 'snapshots', '2024-06-01')}`);
    expect(out).toMatch(/facts\.csv\s+\d+ rows/);
    expect(fs.readlinkSync(path.join(dir, 'snapshots', 'latest'))).toBe('2024-06-01');
  });
});
