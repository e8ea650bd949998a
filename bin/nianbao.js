#!/bin/sh
':' /*
# The lines down to the end of this comment are read by sh, the rest by Node: this file is both
# the `nianbao` command (sh starts Node on it) and Node's entry (`node bin/nianbao.js` runs the
# same commands, in the environment it was given).
#
# Node starts in LAUNCH_ENV (bin/launch-env.js; test/launcher.test.ts keeps the two equal): glibc's
# allocator asks the kernel for transparent huge pages.
#
# Node 20 reads NODE_EXTRA_CA_CERTS as it starts and builds its whole certificate store then
# (~40 ms of every start on this machine, where the variable is set), whether or not the command
# ever opens a TLS connection. `extract` on local files and the help and version lines open none,
# so they start without it; every other command, and `extract --stored` (its store may be S3),
# keep it.
case "$1" in
  extract) case " $* " in *' --stored '*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac ;;
  ''|-h|--help|help|-V|--version) unset NODE_EXTRA_CA_CERTS ;;
esac
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 exec node "$0" "$@"
*/
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
