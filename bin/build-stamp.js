// The build stamp: every product source file with its size and modification time. scripts/build.js
// writes it to dist/.build-stamp; bin/nianbao.js recomputes it at start (a few ms of stat calls)
// and runs the compiled build only when the two are equal, so an edited, added or removed source
// file sends the command back to the TypeScript source instead of a stale build.
import fs from 'node:fs';
import path from 'node:path';

/** The folders compiled into dist/ (product code only: no scripts/, test/, bench/). */
export const SOURCE_DIRS = ['cli', 'crawler', 'dataset', 'extract', 'normalize', 'pipeline', 'places', 'sample', 'schema', 'store', 'text'];
export const STAMP_FILE = '.build-stamp';

/** Source files under root's SOURCE_DIRS, as sorted paths relative to root. */
export function sourceFiles(root) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(root, d))) walk(d);
  return out.sort();
}

/** One line per source file: path, size, mtime (ms). */
export function sourceStamp(root, files = sourceFiles(root)) {
  return files
    .map((f) => {
      const st = fs.statSync(path.join(root, f));
      return `${f}\t${st.size}\t${Math.round(st.mtimeMs)}`;
    })
    .join('\n');
}

/** The compiled build at root/dist, when its stamp matches the sources; otherwise undefined. */
export function freshBuild(root) {
  const dist = path.join(root, 'dist');
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(dist, STAMP_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return stamp === sourceStamp(root) ? dist : undefined;
}
