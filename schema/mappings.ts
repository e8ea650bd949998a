/**
 * The mapping data files (labels.json, identifiers.json, vocabulary.json) loaded once, and their
 * hash. The hash is part of PARSER_VERSION (./versions.ts): editing a mapping file changes the
 * parser version, so the next normalize run re-normalises every stored extraction.
 *
 * NIANBAO_MAPPINGS_DIR points at another folder holding the three files (a maintainer trying a
 * mapping edit without touching the tree; the re-normalisation test).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAPPING_FILES = ['labels.json', 'identifiers.json', 'vocabulary.json'] as const;
export type MappingFile = (typeof MAPPING_FILES)[number];

const defaultDir = path.dirname(fileURLToPath(import.meta.url));
export const mappingsDir = process.env.NIANBAO_MAPPINGS_DIR || defaultDir;

const texts = Object.fromEntries(
  MAPPING_FILES.map((f) => {
    const file = path.join(mappingsDir, f);
    try {
      return [f, fs.readFileSync(file, 'utf8')];
    } catch (e) {
      throw new Error(`mapping file ${file} cannot be read: ${(e as Error).message}`);
    }
  }),
) as Record<MappingFile, string>;

/** Parsed content of one mapping file. */
export function mapping<T = unknown>(name: MappingFile): T {
  try {
    return JSON.parse(texts[name]) as T;
  } catch (e) {
    throw new Error(`mapping file ${path.join(mappingsDir, name)} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * sha256 over the files' parsed content (key order and whitespace kept out: reformatting a file
 * is not an edit), first 12 hex digits.
 */
export const MAPPINGS_HASH = crypto
  .createHash('sha256')
  .update(MAPPING_FILES.map((f) => `${f}\n${canonicalJson(mapping(f))}`).join('\n'))
  .digest('hex')
  .slice(0, 12);

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
