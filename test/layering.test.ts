/**
 * Dependencies point one way. Every import of every product file (all .ts/.js outside test/,
 * scripts/, bench/) is read with the TypeScript parser — static imports, re-exports, literal
 * dynamic import() and import('x').Type — and checked against the layer map:
 *
 *   bin → cli → pipeline, sample → crawler, normalize → extract, dataset → places, text → store, schema
 *
 * The stages (crawler, extract, normalize, dataset) talk through SQLite and the raw store, not
 * through each other's code: a stage imports another stage only where STAGE_IMPORTS says so
 * (normalize reads extract's document model). What two stages share lies below them (text/:
 * decoding, titles, number cells).
 *
 * A folder may import its own files and any folder of a lower layer, never one of its own layer
 * (siblings) or above; product code never imports test/, scripts/ or bench/; a package imported
 * at run time is in `dependencies` (a type-only import may be in `devDependencies`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/expected.ts';
import { SOURCE_DIRS } from '../bin/build-stamp.js';

/** Layer of each product folder: a folder imports only folders of a larger number. */
export const LAYERS: Record<string, number> = {
  bin: 0,
  cli: 1,
  pipeline: 2,
  sample: 2,
  crawler: 3,
  normalize: 3,
  extract: 4,
  dataset: 4,
  places: 5,
  text: 5,
  store: 6,
  schema: 6,
};
/** The stages, and the only stage-to-stage imports allowed (normalize reads extract's document model). */
const STAGES = new Set(['crawler', 'extract', 'normalize', 'dataset']);
const STAGE_IMPORTS: Record<string, string[]> = { normalize: ['extract'] };
// dist/ is the compiled copy of the product folders (scripts/build.js): checked here from source.
const NOT_PRODUCT = new Set(['test', 'scripts', 'bench', 'node_modules', 'data', 'dist']);

interface Import {
  spec: string;
  typeOnly: boolean;
}

/** The module specifiers a source imports (static, re-export, literal dynamic import, import types). */
export function importsOf(fileName: string, text: string): Import[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: Import[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push({ spec: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** What is wrong with one product file's imports ([] when nothing). `file` is relative to the repo. */
export function violations(file: string, text: string, pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }): string[] {
  const folder = file.split('/')[0];
  const layer = LAYERS[folder];
  if (layer === undefined) return [`${file}: folder ${folder}/ is not in the layer map of test/layering.test.ts (add it with its layer)`];
  const problems: string[] = [];
  for (const { spec, typeOnly } of importsOf(file, text)) {
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const to = target.split('/')[0];
      if (to === folder) continue;
      if (to === '..' || NOT_PRODUCT.has(to)) {
        problems.push(`${file} imports ${spec}: product code never imports ${to}/`);
        continue;
      }
      const toLayer = LAYERS[to];
      if (toLayer === undefined) problems.push(`${file} imports ${spec}: ${to}/ is not in the layer map`);
      else if (toLayer <= layer) problems.push(`${file} imports ${spec}: ${folder}/ (layer ${layer}) may not import ${to}/ (layer ${toLayer}); dependencies point down`);
      else if (STAGES.has(folder) && STAGES.has(to) && !STAGE_IMPORTS[folder]?.includes(to))
        problems.push(`${file} imports ${spec}: stages talk through SQLite and the raw store; what ${folder}/ and ${to}/ share belongs below both (text/, store/, schema/)`);
      continue;
    }
    if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    const name = packageName(spec);
    if (pkg.dependencies?.[name]) continue;
    if (typeOnly && pkg.devDependencies?.[name]) continue;
    problems.push(
      pkg.devDependencies?.[name]
        ? `${file} imports ${name} at run time, but it is only a devDependency (npm ci --omit=dev leaves it out)`
        : `${file} imports ${name}, which package.json does not declare`,
    );
  }
  return problems;
}

function productFiles(): string[] {
  const out: string[] = [];
  for (const top of fs.readdirSync(repoRoot, { withFileTypes: true })) {
    if (!top.isDirectory() || top.name.startsWith('.') || NOT_PRODUCT.has(top.name)) continue;
    for (const f of fs.readdirSync(path.join(repoRoot, top.name), { recursive: true, encoding: 'utf8' })) {
      if (/\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.split(path.sep).includes('node_modules')) out.push(`${top.name}/${f.split(path.sep).join('/')}`);
    }
  }
  return out.sort();
}

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));

describe('layering', () => {
  it('reads every kind of import, type-only ones marked', () => {
    const src = [
      `import a from './a.ts';`,
      `import type { B } from '../store/b.ts';`,
      `import { type C } from 'domhandler';`,
      `export * from '../schema/c.ts';`,
      `const m = await import('../sample/portal/server.ts');`,
      `let s: import('node:net').Socket;`,
    ].join('\n');
    expect(importsOf('cli/x.ts', src)).toEqual([
      { spec: './a.ts', typeOnly: false },
      { spec: '../store/b.ts', typeOnly: true },
      { spec: 'domhandler', typeOnly: true },
      { spec: '../schema/c.ts', typeOnly: false },
      { spec: '../sample/portal/server.ts', typeOnly: false },
      { spec: 'node:net', typeOnly: true },
    ]);
  });

  it('flags product code importing test/ or scripts/, a stage importing upwards or sideways, and undeclared packages', () => {
    const deps = { dependencies: { zod: '1' }, devDependencies: { docx: '1', domhandler: '1' } };
    expect(violations('cli/run.ts', `const m = await import('../test/portal/server.ts');`, deps)).toEqual([
      'cli/run.ts imports ../test/portal/server.ts: product code never imports test/',
    ]);
    expect(violations('cli/run.ts', `import { r } from '../scripts/render-reports.ts';`, deps)).toHaveLength(1);
    expect(violations('store/db.ts', `import { runPipeline } from '../pipeline/run.ts';`, deps)[0]).toMatch(/store\/ \(layer 6\) may not import pipeline\/ \(layer 2\)/);
    expect(violations('normalize/report.ts', `import { x } from '../crawler/url.ts';`, deps)[0]).toMatch(/may not import crawler/);
    expect(violations('extract/x.ts', `import { y } from '../normalize/cells.ts';`, deps)).toHaveLength(1);
    expect(violations('crawler/discover.ts', `import { cleanPageTitle } from '../extract/html.ts';`, deps)[0]).toMatch(/stages talk through SQLite/);
    expect(violations('crawler/discover.ts', `import { cleanPageTitle } from '../text/title.ts';`, deps)).toEqual([]);
    expect(violations('normalize/x.ts', `import type { Block } from '../extract/model.ts';`, deps)).toEqual([]);
    expect(violations('text/title.ts', `import { mapping } from '../schema/mappings.ts';`, deps)).toEqual([]);
    expect(violations('text/x.ts', `import { y } from '../extract/html.ts';`, deps)).toHaveLength(1);
    expect(violations('normalize/x.ts', `import { y } from '../places/index.ts';`, deps)).toEqual([]);
    expect(violations('dataset/x.ts', `import { y } from '../places/index.ts';`, deps)).toEqual([]);
    expect(violations('places/x.ts', `import { y } from '../dataset/load.ts';`, deps)).toHaveLength(1);
    expect(violations('sample/render/docx.ts', `import { Document } from 'docx';`, deps)[0]).toMatch(/only a devDependency/);
    expect(violations('extract/html.ts', `import type { AnyNode } from 'domhandler';`, deps)).toEqual([]);
    expect(violations('extract/html.ts', `import { load } from 'cheerio';`, deps)[0]).toMatch(/does not declare/);
    expect(violations('gadgets/x.ts', ``, deps)[0]).toMatch(/not in the layer map/);
  });

  it('the product code of this tree has none of those', () => {
    const files = productFiles();
    // The walk found the stages (a broken walk would pass vacuously).
    for (const f of ['bin/nianbao.js', 'cli/run.ts', 'pipeline/run.ts', 'sample/render.ts', 'crawler/portals.ts', 'store/db.ts']) expect(files).toContain(f);
    const problems = files.flatMap((f) => violations(f, fs.readFileSync(path.join(repoRoot, f), 'utf8'), pkg));
    expect(problems).toEqual([]);
  });

  it('every folder of the layer map but bin/ is compiled into dist/ (or npm start would miss it)', () => {
    expect([...SOURCE_DIRS].sort()).toEqual(Object.keys(LAYERS).filter((f) => f !== 'bin').sort());
  });

  it("the README's dependency table names exactly the packages of package.json, dev ones in the dev rows", () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Dependencies'), readme.indexOf('\n## ', readme.indexOf('## Dependencies') + 3));
    const runtime = new Set<string>();
    const dev = new Set<string>();
    for (const line of section.split('\n')) {
      const m = /^\| ([^|]+) \|/.exec(line);
      if (!m || /^(package|---)/.test(m[1]!.trim())) continue;
      const names = [...m[1]!.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
      for (const n of names) (m[1]!.trim().startsWith('dev:') ? dev : runtime).add(n);
    }
    expect(runtime.size).toBeGreaterThan(10);
    expect([...runtime].sort()).toEqual(Object.keys(pkg.dependencies).sort());
    expect([...dev].sort()).toEqual(Object.keys(pkg.devDependencies).sort());
  });
});
