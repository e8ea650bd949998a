#!/usr/bin/env node
// Compiles the product TypeScript (bin/build-stamp.js SOURCE_DIRS) to JavaScript in dist/, file
// by file with esbuild (the transpiler tsx itself uses, so the output behaves the same), keeping
// the folder layout; other files (JSON data, explorer.js, seeds) are copied beside them so paths
// built from import.meta.url resolve the same way. Relative '.ts' specifiers become '.js'.
// Run by `npm ci` / `npm install` (the prepare script) and by `npm run build`. bin/nianbao.js uses
// dist/ only while its stamp matches the sources.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { sourceFiles, sourceStamp, STAMP_FILE } from '../bin/build-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = performance.now();

// The stamp is taken before reading the sources: a file edited during the build makes it stale.
const files = sourceFiles(root);
const stamp = sourceStamp(root, files);
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));

const tmp = `${dist}.tmp-${process.pid}`;
fs.rmSync(tmp, { recursive: true, force: true });
let compiled = 0;
await Promise.all(
  files.map(async (f) => {
    const src = path.join(root, f);
    const isTs = f.endsWith('.ts') && !f.endsWith('.d.ts');
    const out = path.join(tmp, isTs ? f.replace(/\.ts$/, '.js') : f);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (!isTs) {
      fs.copyFileSync(src, out);
      return;
    }
    const r = await transform(fs.readFileSync(src, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: f,
      tsconfigRaw: { compilerOptions: tsconfig.compilerOptions },
    });
    fs.writeFileSync(out, rewriteSpecifiers(r.code));
    compiled++;
  }),
);
fs.writeFileSync(path.join(tmp, STAMP_FILE), stamp);
fs.writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}\n');
fs.rmSync(dist, { recursive: true, force: true });
fs.renameSync(tmp, dist);
console.log(`nianbao build: ${compiled} modules compiled, ${files.length - compiled} files copied to dist/ in ${Math.round(performance.now() - started)} ms`);

/** './x.ts' and '../y/z.ts' string literals (imports, dynamic imports, new URL) → '.js'. */
function rewriteSpecifiers(code) {
  return code.replace(/(["'`])(\.{1,2}\/[^"'`\n]*?)\.ts\1/g, '$1$2.js$1');
}
