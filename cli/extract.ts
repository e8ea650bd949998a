/**
 * `nianbao extract [--json] <file-or-folder>...` — extract and normalize local files, without a
 * database. Exit 0 when every file was read, 1 when some failed (each still gets its line).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildReport } from '../normalize/report.ts';
import type { ReportResult } from '../schema/report.ts';

export function register(program: Command): void {
  program
    .command('extract')
    .description('extract and normalize report files (HTML, PDF, DOCX, DOC, text); folders are read recursively')
    .argument('[paths...]', 'files or folders')
    .option('--json', 'one JSON line per file: {file, sha256, mediaType, format, year, agency, title, facts, findings, error?}')
    .option('--text', 'with --json, include the extracted text')
    .option('--stored', 'run the pipeline\'s extract stage over the documents stored in --data-dir instead')
    .option('--data-dir <dir>', 'with --stored: the data folder; env NIANBAO_DATA_DIR')
    .action(async (paths: string[], opts: { json?: boolean; text?: boolean; stored?: boolean; dataDir?: string }, cmd: Command) => {
      if (opts.stored) {
        if (paths.length) cmd.error('nianbao extract: give either paths or --stored, not both', { exitCode: 2 });
        const { runStage } = await import('./run.ts');
        process.exitCode = await runStage('extract', { dataDir: opts.dataDir, json: opts.json });
        return;
      }
      if (!paths.length) cmd.error("error: missing required argument 'paths' (or --stored)", { exitCode: 2 });
      const files = listFiles(paths);
      let failed = 0;
      for (const f of files) {
        const result = await extractFile(f.path, f.display, !!opts.text);
        if (result.error) failed++;
        process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : summarize(result));
      }
      if (!opts.json) process.stdout.write(`${files.length} file(s), ${failed} failed\n`);
      process.exitCode = failed ? 1 : 0;
    });
}

export async function extractFile(file: string, display: string, withText = false): Promise<ReportResult> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      file: display, sha256: '', mediaType: 'application/octet-stream', format: 'unknown', year: null, agency: null, title: null,
      facts: [], findings: [], parserVersion: '', error: { code: 'unreadable', message: `${display}: ${err.code ?? ''} ${err.message}`.trim() },
    };
  }
  return buildReport(bytes, { file: display, withText });
}

/** Files named on the command line, folders expanded (sorted, hidden files skipped). */
function listFiles(paths: string[]): { path: string; display: string }[] {
  const out: { path: string; display: string }[] = [];
  const walk = (p: string, display: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      out.push({ path: p, display }); // reported as unreadable with its reason
      return;
    }
    if (!st.isDirectory()) {
      out.push({ path: p, display });
      return;
    }
    for (const name of fs.readdirSync(p).sort()) {
      if (name.startsWith('.')) continue;
      walk(path.join(p, name), path.join(display, name));
    }
  };
  for (const p of paths) walk(p, p);
  return out;
}

function summarize(r: ReportResult): string {
  const lines = [`${r.file}`];
  if (r.error) lines.push(`  error ${r.error.code}: ${r.error.message}`);
  lines.push(`  format ${r.format}${r.formatReason ? ` (${r.formatReason})` : ''}; year ${r.year ?? '?'}; agency ${r.agency ?? '?'}`);
  const byTable = new Map<string, number>();
  for (const f of r.facts) byTable.set(f.table, (byTable.get(f.table) ?? 0) + 1);
  lines.push(`  ${r.facts.length} facts${byTable.size ? ': ' + [...byTable].map(([t, n]) => `${t} ${n}`).join(', ') : ''}`);
  for (const f of r.findings) lines.push(`  ${f.severity} ${f.rule}: ${f.message}`);
  return lines.join('\n') + '\n';
}
