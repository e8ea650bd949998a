/** Generates the benchmark corpus ahead of a run: node bin/run-script.js scripts/bench/make-corpus.ts [N] */
import { ensureCorpus } from './corpus.ts';

const n = Number(process.argv[2] ?? 2000);
const { dir, manifest } = await ensureCorpus({ n, log: (s) => console.error(`bench: ${s}`) });
console.log(`${manifest.docs.length} documents in ${dir}`);
