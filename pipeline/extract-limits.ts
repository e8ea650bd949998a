/**
 * The extraction limits of the run configuration (RunConfig.extract) and their defaults, in a
 * module without zod. `nianbao extract` on files, run without --config and with no NIANBAO_*
 * variable set, has nothing to read or check: it takes the defaults from here and skips the config
 * loader, whose zod schemas take ~80 ms to load on the path of a one-file run. Anything to read
 * goes through loadConfig (./config.ts), which uses the same defaults.
 */
import os from 'node:os';
import { DEFAULT_MAX_BYTES } from '../extract/index.ts';

export interface ExtractLimits {
  /** Extraction worker threads. Default: cores. */
  workers: number;
  /** Per-document time limit (ms). Default 120 000. */
  timeoutMs: number;
  /** Heap cap per worker (MB). Default 1024. */
  maxHeapMb: number;
  /** Larger files are refused from their size, before being read. Default 64 MiB. */
  maxBytes: number;
}

export const DEFAULT_DOC_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_HEAP_MB = 1024;

export function defaultExtractLimits(): ExtractLimits {
  return { workers: os.availableParallelism(), timeoutMs: DEFAULT_DOC_TIMEOUT_MS, maxHeapMb: DEFAULT_MAX_HEAP_MB, maxBytes: DEFAULT_MAX_BYTES };
}

/** True when the defaults are the whole configuration: no config file, no NIANBAO_* variable set. */
export function onlyDefaults(configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return !configFile && !Object.keys(env).some((k) => k.startsWith('NIANBAO_') && env[k] !== '');
}
