/**
 * The tests' fixture portal: the sample portal's server (sample/portal/server.ts) with its fault
 * switches, virtual hosts and request log, serving the seed renderings the tests made into
 * test/.cache/renderings (stand-ins when absent).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export * from '../../sample/portal/server.ts';

/** Where scripts/render-reports.ts and the tests write the seed renderings. */
export const DEFAULT_DOCUMENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'renderings');
