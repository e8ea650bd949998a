/**
 * Run configuration. Precedence, highest first: command-line flags, environment variables, the
 * config file (--config, JSON), defaults. Every setting is documented in the README.
 *
 * The config file, the portals file it names and the NIANBAO_* variables are validated with zod:
 * an unknown key, a mistyped platform or a value of the wrong type is a ConfigError that names
 * the file (or "environment") and the key, never a silent default.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CrawlOptionsSchema, isIsoDate, type CrawlOptions } from '../crawler/options.ts';
import { DEFAULT_PORTALS_FILE, PortalsError, describeIssues, loadPortals, validatePortals, type PortalSource } from '../crawler/portals.ts';
import { parseStoreUrl, type StoreSpec } from '../store/store-url.ts';
import { defaultExtractLimits, type ExtractLimits } from './extract-limits.ts';
import { checkQueueUrl } from './queue/url.ts';

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
  extract: ExtractLimits;
  /**
   * The raw store (store/raw.ts): `file:///path` or `s3://bucket/prefix?endpoint=…&region=…`.
   * Default the folder `<dataDir>/raw`. Flag --store, env NIANBAO_STORE, config `store`.
   */
  store: StoreSpec;
  /**
   * Distributed extraction (pipeline/queue/): the Redis URL of the BullMQ queue that `nianbao
   * worker` processes take jobs from, the jobs in flight at once (64), how long without a worker
   * alive before the run stops (120 000 ms) and the first retry delay (2 000 ms). Unset (the
   * default): the in-process pool, no server. Flag --queue, env NIANBAO_QUEUE,
   * NIANBAO_QUEUE_IN_FLIGHT, NIANBAO_QUEUE_NO_WORKER_MS, NIANBAO_QUEUE_BACKOFF_MS, config `queue`.
   */
  queue?: { url: string; inFlight: number; noWorkerMs: number; backoffMs: number };
}

/** A store URL as a zod check: the message says what is wrong; the caller names the key. */
const storeUrl = z.string().superRefine((v, ctx) => {
  try {
    parseStoreUrl(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** A queue URL (redis://host:port) as a zod check. */
const queueUrl = z.string().superRefine((v, ctx) => {
  try {
    checkQueueUrl(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const whole = (min: number) => z.number().int().min(min);

/** The config file (`--config`). A portals file (`{ "portals": [...] }`) is a valid config file too. */
export const ConfigFileSchema = z.strictObject({
  $comment: z.string().optional(),
  dataDir: z.string().min(1).optional(),
  /** The raw store URL (a plain path is relative to the config file). */
  store: storeUrl.optional(),
  /** A portals file (relative to the config file) or the list itself. */
  portals: z.union([z.string().min(1), z.array(z.unknown())]).optional(),
  crawl: CrawlOptionsSchema.optional(),
  extract: z
    .strictObject({ workers: whole(1).optional(), timeoutMs: whole(1).optional(), maxHeapMb: whole(16).optional(), maxBytes: whole(1).optional() })
    .optional(),
  queue: z
    .strictObject({ url: queueUrl.optional(), inFlight: whole(1).optional(), noWorkerMs: whole(1).optional(), backoffMs: whole(0).optional() })
    .optional(),
});
type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** An environment variable holding a whole number ≥ min ('' counts as unset). */
const envWhole = (min: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!/^\d+$/.test(v.trim()) || n < min) {
        ctx.addIssue({ code: 'custom', message: `takes a whole number ≥ ${min}, not '${v}'` });
        return z.NEVER;
      }
      return n;
    });
const envEnum = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (!(values as readonly string[]).includes(v)) {
        ctx.addIssue({ code: 'custom', message: `takes ${values.join(' or ')}, not '${v}'` });
        return z.NEVER;
      }
      return v as T;
    });
const envText = z.string().optional().transform((v) => (v === '' ? undefined : v));

/**
 * The NIANBAO_* variables with a fixed form. Others are free text (paths, URLs) and are read
 * where they are used: NIANBAO_CHROMIUM, NIANBAO_SOFFICE, NIANBAO_TESSERACT, NIANBAO_SEEDS.
 */
export const EnvSchema = z.object({
  NIANBAO_DATA_DIR: envText,
  NIANBAO_STORE: z.string().optional().transform((v) => (v === '' ? undefined : v)).pipe(storeUrl.optional()),
  NIANBAO_PORTALS: envText,
  NIANBAO_DELAY_MS: envWhole(0),
  NIANBAO_CONCURRENCY: envWhole(1),
  NIANBAO_CONTACT: envText,
  NIANBAO_USER_AGENT: envText,
  NIANBAO_IGNORE_ROBOTS: envEnum(['0', '1']),
  NIANBAO_SINCE: z
    .string()
    .optional()
    .refine((v) => !v || isIsoDate(v), { message: 'takes a date YYYY-MM-DD' }),
  NIANBAO_WORKERS: envWhole(1),
  NIANBAO_DOC_TIMEOUT_MS: envWhole(1),
  NIANBAO_EXTRACT_MAX_BYTES: envWhole(1),
  NIANBAO_PDF_ENGINE: envEnum(['mupdf', 'pdfjs']),
  NIANBAO_OCR: envEnum(['0', '1']),
  NIANBAO_OCR_ENGINE: envEnum(['tesseract', 'tesseract.js']),
  NIANBAO_QUEUE: z.string().optional().transform((v) => (v === '' ? undefined : v)).pipe(queueUrl.optional()),
  NIANBAO_QUEUE_IN_FLIGHT: envWhole(1),
  NIANBAO_QUEUE_NO_WORKER_MS: envWhole(1),
  NIANBAO_QUEUE_BACKOFF_MS: envWhole(0),
  NIANBAO_QUEUE_STALLED_MS: envWhole(100),
  NIANBAO_QUEUE_GRACE_MS: envWhole(0),
  NIANBAO_SAMPLE_PORT: envWhole(0).refine((n) => n === undefined || n <= 65535, { message: 'takes a port number 0–65535' }),
});
export type Env = z.infer<typeof EnvSchema>;

/** The NIANBAO_* environment, checked; a bad value is a ConfigError naming the variable. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues('environment', parsed.error));
  return parsed.data;
}

export interface ConfigOverrides {
  configFile?: string;
  dataDir?: string;
  /** --store: the raw store URL. */
  store?: string;
  /** --queue: the Redis URL of the extraction queue (distributed mode). */
  queue?: string;
  concurrency?: number;
  delayMs?: number;
  ignoreRobots?: boolean;
  workers?: number;
  /** Skip report entries published before this date (YYYY-MM-DD). */
  since?: string;
}

/**
 * The adapters' names (crawler/listing.ts ADAPTERS): the values `platform` may take in a portals
 * list. Written out, not read from the adapters, so that reading the config (`nianbao status`)
 * does not load the crawler and its HTML parser; test/cli-extract.test.ts checks the two agree.
 */
export const PLATFORMS: readonly string[] = ['trs', 'jcms', 'jsonapi', 'generic'];

export function loadConfig(over: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): RunConfig {
  const e = readEnv(env);
  const file: ConfigFile = over.configFile ? readConfigFile(over.configFile) : {};
  const base = over.configFile ? path.dirname(path.resolve(over.configFile)) : process.cwd();

  let portals: PortalSource[];
  try {
    if (e.NIANBAO_PORTALS) portals = loadPortals(path.resolve(e.NIANBAO_PORTALS), { platforms: PLATFORMS });
    else if (Array.isArray(file.portals)) portals = validatePortals(file.portals, over.configFile!, { platforms: PLATFORMS, prefix: 'portals' });
    else portals = loadPortals(file.portals ? path.resolve(base, file.portals) : DEFAULT_PORTALS_FILE, { platforms: PLATFORMS });
  } catch (err) {
    if (err instanceof PortalsError) throw new ConfigError(err.message);
    throw err;
  }
  portals = portals.filter((p) => !p.sample);

  const { since: fileSince, ...fileCrawl } = file.crawl ?? {};
  const crawl: CrawlOptions = { ...fileCrawl };
  if (e.NIANBAO_DELAY_MS !== undefined) crawl.perHostDelayMs = e.NIANBAO_DELAY_MS;
  if (e.NIANBAO_CONCURRENCY !== undefined) crawl.perHostConcurrency = e.NIANBAO_CONCURRENCY;
  if (e.NIANBAO_CONTACT) crawl.contactUrl = e.NIANBAO_CONTACT;
  if (e.NIANBAO_USER_AGENT) crawl.userAgent = e.NIANBAO_USER_AGENT;
  if (e.NIANBAO_IGNORE_ROBOTS === '1') crawl.respectRobots = false;
  if (over.delayMs !== undefined) crawl.perHostDelayMs = over.delayMs;
  if (over.concurrency !== undefined) crawl.perHostConcurrency = over.concurrency;
  if (over.ignoreRobots) crawl.respectRobots = false;
  // since: --since > NIANBAO_SINCE > crawl.since of the config file; none by default.
  const since = over.since ?? (e.NIANBAO_SINCE || undefined) ?? fileSince ?? undefined;
  if (since !== undefined && !isIsoDate(since)) throw new ConfigError(`--since: takes a date YYYY-MM-DD, not '${since}'`);
  if (since) crawl.since = since;

  const dflt = defaultExtractLimits();
  const extract: ExtractLimits = {
    workers: over.workers ?? e.NIANBAO_WORKERS ?? file.extract?.workers ?? dflt.workers,
    timeoutMs: e.NIANBAO_DOC_TIMEOUT_MS ?? file.extract?.timeoutMs ?? dflt.timeoutMs,
    maxHeapMb: file.extract?.maxHeapMb ?? dflt.maxHeapMb,
    maxBytes: e.NIANBAO_EXTRACT_MAX_BYTES ?? file.extract?.maxBytes ?? dflt.maxBytes,
  };
  const dataDir = path.resolve(over.dataDir ?? e.NIANBAO_DATA_DIR ?? (file.dataDir ? path.resolve(base, file.dataDir) : 'data'));
  let store: StoreSpec;
  try {
    store = over.store !== undefined ? parseStoreUrl(over.store) : e.NIANBAO_STORE ? parseStoreUrl(e.NIANBAO_STORE) : file.store ? parseStoreUrl(file.store, base) : { kind: 'file', root: path.join(dataDir, 'raw') };
  } catch (err) {
    throw new ConfigError(`--store: ${(err as Error).message}`);
  }
  let queue: RunConfig['queue'];
  try {
    const url = over.queue !== undefined ? checkQueueUrl(over.queue) : (e.NIANBAO_QUEUE ?? file.queue?.url);
    if (url) {
      queue = {
        url,
        inFlight: e.NIANBAO_QUEUE_IN_FLIGHT ?? file.queue?.inFlight ?? 64,
        noWorkerMs: e.NIANBAO_QUEUE_NO_WORKER_MS ?? file.queue?.noWorkerMs ?? 120_000,
        backoffMs: e.NIANBAO_QUEUE_BACKOFF_MS ?? file.queue?.backoffMs ?? 2000,
      };
    }
  } catch (err) {
    throw new ConfigError(`--queue: ${(err as Error).message}`);
  }
  return { dataDir, portals, crawl, extract, store, ...(queue ? { queue } : {}) };
}

/**
 * The data folder alone, with the same precedence (--data-dir, NIANBAO_DATA_DIR, dataDir of
 * --config, `data`), for commands that need nothing else (status, search, export).
 */
export function resolveDataDir(over: Pick<ConfigOverrides, 'configFile' | 'dataDir'> = {}, env: NodeJS.ProcessEnv = process.env): string {
  const e = readEnv(env);
  if (over.dataDir) return path.resolve(over.dataDir);
  if (e.NIANBAO_DATA_DIR) return path.resolve(e.NIANBAO_DATA_DIR);
  const file: ConfigFile = over.configFile ? readConfigFile(over.configFile) : {};
  return file.dataDir ? path.resolve(path.dirname(path.resolve(over.configFile!)), file.dataDir) : path.resolve('data');
}

function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = ConfigFileSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(describeIssues(file, parsed.error));
  return parsed.data;
}

export class ConfigError extends Error {}
