#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1 node
// The first line starts Node with LAUNCH_ENV (bin/launch-env.js): glibc's allocator asks the
// kernel for transparent huge pages. Run as `nianbao` or `bin/nianbao.js`; `node bin/nianbao.js`
// runs the same code without it.
// The `nianbao` command. It runs the compiled JavaScript in dist/ (built by `npm ci` through the
// prepare script, or `npm run build`) when that build matches the sources (bin/build-stamp.js);
// otherwise, and always with NIANBAO_FROM_SOURCE=1, it runs the TypeScript source through tsx,
// so an edited checkout never runs a stale build.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBuild } from './build-stamp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.NIANBAO_FROM_SOURCE === '1' ? undefined : freshBuild(root);
if (dist) {
  await import(pathToFileURL(path.join(dist, 'cli/main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
