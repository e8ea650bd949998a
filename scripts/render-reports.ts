/**
 * Development CLI of the sample renderer (sample/render.ts): renders the seed reports into the
 * tests' cache (test/.cache/renderings) or another folder.
 *
 *   node bin/run-script.js scripts/render-reports.ts [outDir] [--kinds html,pdf,...] [--force]
 *   node bin/run-script.js scripts/render-reports.ts --fresh --seed N   (scripts/bench/fresh.ts)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReports, repoRoot, type RenderKind } from '../sample/render.ts';

export * from '../sample/render.ts';

/** Where the tests look for the renderings (git-ignored). */
export const DEFAULT_OUT_DIR = path.join(repoRoot, 'test/.cache/renderings');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes('--fresh')) {
    const { freshMain } = await import('./bench/fresh.ts');
    process.exit(await freshMain(args));
  }
  const force = args.includes('--force');
  const ki = args.indexOf('--kinds');
  const kinds = ki >= 0 ? (args[ki + 1].split(',') as RenderKind[]) : undefined;
  const positional = args.filter((a, i) => !a.startsWith('--') && !(ki >= 0 && i === ki + 1));
  const outDir = path.resolve(positional[0] ?? DEFAULT_OUT_DIR);
  const t0 = Date.now();
  const index = await renderReports({ outDir, kinds, force, log: (m) => console.log(m) });
  console.log(`${index.files.length} file(s) in ${outDir} (${Date.now() - t0} ms); index.json key ${index.key.slice(0, 12)}`);
}
