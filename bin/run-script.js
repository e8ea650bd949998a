#!/usr/bin/env node
// Runs a TypeScript script from scripts/ with the same loader as the CLI: node bin/run-script.js scripts/x.ts [args]
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
register();
const [script, ...rest] = process.argv.slice(2);
if (!script) { console.error('usage: run-script <script.ts> [args]'); process.exit(2); }
process.argv = [process.argv[0], script, ...rest];
await import(pathToFileURL(path.resolve(script)).href);
