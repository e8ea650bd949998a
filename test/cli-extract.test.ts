/** `nianbao extract`: the command-line contract of issue 2 (JSON lines, exit codes, per-file errors). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, seedsDir, sharedDir } from './helpers/expected.ts';

const nianbao = (...args: string[]) => nianbaoEnv(process.env, ...args);
const nianbaoEnv = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(repoRoot, 'bin/nianbao.js'), ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000, env });

describe('nianbao extract', () => {
  it('--json on the seeds folder: five lines, formats, years and agencies right, identities hold', () => {
    const r = nianbao('extract', '--json', seedsDir());
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => [l.format, l.year, l.agency])).toEqual([
      ['statutory-2021', 2021, '余姚市人民政府招商中心'],
      ['legacy', 2017, '余姚市人民政府招商局'],
      ['statutory-2021', 2021, '拱墅区投资促进局'],
      ['statutory-2019', 2020, '余姚市经济和信息化局'],
      ['statutory-2021', 2024, '鄞州区投资促进中心'],
    ]);
    // region: the agency's GB/T 2260 division, from the document alone.
    expect(lines.map((l) => l.region)).toEqual([
      { code: '330281', province: '浙江省', city: '宁波市', county: '余姚市' },
      { code: '330281', province: '浙江省', city: '宁波市', county: '余姚市' },
      { code: '330105', province: '浙江省', city: '杭州市', county: '拱墅区' },
      { code: '330281', province: '浙江省', city: '宁波市', county: '余姚市' },
      { code: '330212', province: '浙江省', city: '宁波市', county: '鄞州区' },
    ]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(['file', 'sha256', 'mediaType', 'format', 'year', 'agency', 'title', 'region', 'facts', 'findings']));
      expect(l.file.startsWith(seedsDir())).toBe(true);
      expect(l.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(l.findings.filter((f: { severity: string }) => f.severity !== 'info')).toEqual([]);
    }
  });

  it('a failed file still gets its line with an error, and the exit code is 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-cli-'));
    fs.writeFileSync(path.join(dir, 'empty.pdf'), '');
    fs.copyFileSync(path.join(seedsDir(), fs.readdirSync(seedsDir()).find((f) => f.startsWith('000'))!), path.join(dir, 'ok.txt'));
    const r = nianbao('extract', '--json', dir, path.join(dir, 'missing.html'));
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [path.basename(l.file), l.error?.code ?? null])).toEqual([
      ['empty.pdf', 'empty-file'],
      ['ok.txt', null],
      ['missing.html', 'unreadable'],
    ]);
    expect(lines[2].error.message).toContain('missing.html');
    expect(lines.map((l) => l.region === null)).toEqual([true, false, true]);
  });

  it('usage errors exit 2', () => {
    expect(nianbao('extract').status).toBe(2);
    expect(nianbao('extract', '--no-such-flag', 'x').status).toBe(2);
  });

  it('prints a readable summary by default', () => {
    const r = nianbao('extract', path.join(seedsDir(), fs.readdirSync(seedsDir()).find((f) => f.startsWith('003'))!));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('format statutory-2019');
    expect(r.stdout).toMatch(/200 facts: proactive 22, applications 161, review_litigation 15, narrative 2/);
  });
});

describe('start-up cost (issue 13)', () => {
  const HEAVY = /node_modules\/(mupdf|pdfjs-dist|tesseract\.js|onnxruntime[^/]*|playwright-core|cheerio|mammoth)\//;
  /** Every module URL the command resolves, from a resolve hook registered before it starts. */
  const loaded = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const hook = `export async function resolve(s, c, n) { const r = await n(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; }`;
    const reg = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(reg)}`, path.join(repoRoot, 'bin/nianbao.js'), ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000, env });
    return { ...r, urls: r.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7)) };
  };

  it('--help and status load none of the extractors, the crawler parser or the browser', () => {
    const help = loaded(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.urls.some((u) => u.includes('commander'))).toBe(true); // the hook saw the modules
    expect(help.urls.filter((u) => HEAVY.test(u))).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-status-'));
    try {
      const run = loaded(['status', '--data-dir', dir]);
      expect(run.status).toBe(2); // no database yet
      expect(run.stderr).toContain('no database');
      expect(run.urls.some((u) => u.includes('zod'))).toBe(true);
      expect(run.urls.filter((u) => HEAVY.test(u))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('extract on one PDF loads the PDF extractor only, and no config loader when there is no config to read', () => {
    const pdf = path.join(sharedDir, 'real/huaian-2024.pdf');
    const noNianbaoEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NIANBAO_')));
    const r = loaded(['extract', '--json', pdf], noNianbaoEnv);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).facts.length).toBeGreaterThan(100);
    expect(r.urls.some((u) => u.includes('node_modules/mupdf/'))).toBe(true);
    expect(r.urls.filter((u) => /node_modules\/(zod|pdfjs-dist|cheerio|mammoth|word-extractor|opencc-js|iconv-lite|chardet|tesseract\.js)\//.test(u))).toEqual([]);
    // A NIANBAO_* variable to check: the config loader runs, and a bad value is still an error.
    const bad = nianbaoEnv({ ...noNianbaoEnv, NIANBAO_WORKERS: '0' }, 'extract', '--json', pdf);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/NIANBAO_WORKERS/);
  });

  it('the lists written out for a light start agree with their sources', async () => {
    const { STAGE_NAMES } = await import('../cli/run.ts');
    const { STAGES } = await import('../pipeline/run.ts');
    expect(STAGE_NAMES).toEqual(STAGES);
    const { PLATFORMS } = await import('../pipeline/config.ts');
    const { ADAPTERS } = await import('../crawler/index.ts');
    expect(PLATFORMS).toEqual(ADAPTERS.map((a) => a.name));
  });

  it('a build is used only while its stamp matches the sources', async () => {
    const { freshBuild, sourceStamp, STAMP_FILE } = await import('../bin/build-stamp.js');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-stamp-'));
    try {
      fs.mkdirSync(path.join(root, 'cli'));
      fs.mkdirSync(path.join(root, 'dist'));
      fs.writeFileSync(path.join(root, 'cli/a.ts'), 'export const a = 1;\n');
      expect(freshBuild(root)).toBeUndefined(); // no stamp: no build
      fs.writeFileSync(path.join(root, 'dist', STAMP_FILE), sourceStamp(root));
      expect(freshBuild(root)).toBe(path.join(root, 'dist'));
      fs.writeFileSync(path.join(root, 'cli/a.ts'), 'export const a = 22;\n'); // edited
      expect(freshBuild(root)).toBeUndefined();
      fs.writeFileSync(path.join(root, 'dist', STAMP_FILE), sourceStamp(root));
      fs.writeFileSync(path.join(root, 'cli/b.ts'), ''); // added
      expect(freshBuild(root)).toBeUndefined();
      fs.rmSync(path.join(root, 'cli/b.ts'));
      expect(freshBuild(root)).toBe(path.join(root, 'dist'));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
