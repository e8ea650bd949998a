/**
 * Run configuration. Precedence, highest first: command-line flags, environment variables, the
 * config file (--config, JSON), defaults. Every setting is documented in the README.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isIsoDate, type CrawlOptions } from '../crawler/options.ts';
import { DEFAULT_PORTALS_FILE, loadPortals, type PortalSource } from '../crawler/portals.ts';
import { DEFAULT_MAX_BYTES } from '../extract/index.ts';

export interface RunConfig {
  /** Where raw/, nianbao.sqlite and snapshots/ live. Default `data`. Env NIANBAO_DATA_DIR. */
  dataDir: string;
  /** Portal sources file, or the list itself. Default crawler/portals.json (without the sample portal). Env NIANBAO_PORTALS. */
  portals: PortalSource[];
  /** Crawler options (politeness, retries, limits, since). Env NIANBAO_DELAY_MS, NIANBAO_CONCURRENCY, NIANBAO_CONTACT, NIANBAO_USER_AGENT, NIANBAO_IGNORE_ROBOTS=1, NIANBAO_SINCE. */
  crawl: CrawlOptions;
  /**
   * Extraction worker threads (default: cores), per-document time limit and heap cap, and the size
   * cap (default 64 MiB: larger files are refused from their size, before being read). Env
   * NIANBAO_WORKERS, NIANBAO_DOC_TIMEOUT_MS, NIANBAO_EXTRACT_MAX_BYTES.
   */
  extract: { workers: number; timeoutMs: number; maxHeapMb: number; maxBytes: number };
}

interface ConfigFile {
  dataDir?: string;
  portals?: string | PortalSource[];
  crawl?: CrawlOptions;
  extract?: Partial<RunConfig['extract']>;
}

export interface ConfigOverrides {
  configFile?: string;
  dataDir?: string;
  concurrency?: number;
  delayMs?: number;
  ignoreRobots?: boolean;
  workers?: number;
  /** Skip report entries published before this date (YYYY-MM-DD). */
  since?: string;
}

export function loadConfig(over: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const file: ConfigFile = over.configFile ? readConfigFile(over.configFile) : {};
  const base = over.configFile ? path.dirname(path.resolve(over.configFile)) : process.cwd();
  const num = (v: string | undefined) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

  const portalsSetting = env.NIANBAO_PORTALS ?? file.portals;
  const portals = Array.isArray(portalsSetting)
    ? portalsSetting
    : loadPortals(portalsSetting ? path.resolve(base, portalsSetting) : DEFAULT_PORTALS_FILE).filter((p) => !p.sample);

  const crawl: CrawlOptions = { ...(file.crawl ?? {}) };
  const envDelay = num(env.NIANBAO_DELAY_MS);
  const envConc = num(env.NIANBAO_CONCURRENCY);
  if (envDelay !== undefined) crawl.perHostDelayMs = envDelay;
  if (envConc !== undefined) crawl.perHostConcurrency = envConc;
  if (env.NIANBAO_CONTACT) crawl.contactUrl = env.NIANBAO_CONTACT;
  if (env.NIANBAO_USER_AGENT) crawl.userAgent = env.NIANBAO_USER_AGENT;
  if (env.NIANBAO_IGNORE_ROBOTS === '1') crawl.respectRobots = false;
  if (over.delayMs !== undefined) crawl.perHostDelayMs = over.delayMs;
  if (over.concurrency !== undefined) crawl.perHostConcurrency = over.concurrency;
  if (over.ignoreRobots) crawl.respectRobots = false;
  // since: --since > NIANBAO_SINCE > crawl.since of the config file; none by default.
  const since = over.since ?? (env.NIANBAO_SINCE || undefined) ?? crawl.since;
  if (since !== undefined && since !== null && (typeof since !== 'string' || !isIsoDate(since))) {
    throw new ConfigError(`since takes a date YYYY-MM-DD, not '${since}' (${over.since !== undefined ? '--since' : env.NIANBAO_SINCE ? 'NIANBAO_SINCE' : 'crawl.since in the config file'})`);
  }
  if (since) crawl.since = since;
  else delete crawl.since;

  const extract = {
    workers: over.workers ?? num(env.NIANBAO_WORKERS) ?? file.extract?.workers ?? os.availableParallelism(),
    timeoutMs: num(env.NIANBAO_DOC_TIMEOUT_MS) ?? file.extract?.timeoutMs ?? 120_000,
    maxHeapMb: file.extract?.maxHeapMb ?? 1024,
    maxBytes: num(env.NIANBAO_EXTRACT_MAX_BYTES) ?? file.extract?.maxBytes ?? DEFAULT_MAX_BYTES,
  };
  const dataDir = path.resolve(over.dataDir ?? env.NIANBAO_DATA_DIR ?? (file.dataDir ? path.resolve(base, file.dataDir) : 'data'));
  return { dataDir, portals, crawl, extract };
}

function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export class ConfigError extends Error {}
