/**
 * `nianbao crawl [--start <url>]... [--config <file>] [--data-dir data] [--ignore-robots]
 *  [--concurrency N] [--delay-ms N] [--since YYYY-MM-DD] [--sample] [--json]` — the crawl stage alone.
 *
 * Without --start it crawls the configured portals (crawler/portals.json by default, or the
 * `portals` of --config; a portals file such as crawler/portals.json is itself a valid config).
 * It runs through the same pipeline entry as `nianbao run --only crawl`, so it shares the run
 * lock, config precedence, progress output and summary.
 */
import type { Command } from 'commander';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command('crawl')
    .description('find and fetch annual reports from government portals, politely and incrementally')
    .option('--start <url>', 'a 年报 column or portal page to crawl (repeatable); works on portals never seen before', collect)
    .option('--config <file>', 'config file (JSON) with dataDir, portals (list or file), crawl options; a portals file works as is')
    .option('--data-dir <dir>', 'data folder (raw/, nianbao.sqlite); env NIANBAO_DATA_DIR')
    .option('--store <url>', 'raw store: file:///path or s3://bucket/prefix?endpoint=URL&region=R (default <data-dir>/raw); env NIANBAO_STORE')
    .option('--ignore-robots', 'do not honour robots.txt (an explicit override, logged)')
    .option('--concurrency <n>', 'requests in flight per host (default 1)')
    .option('--delay-ms <ms>', 'minimum gap between request starts to one host (default 1000)')
    .option('--since <date>', 'skip report entries published before YYYY-MM-DD and stop paging lists past it; env NIANBAO_SINCE')
    .option('--sample', 'crawl the embedded sample portal (started on 127.0.0.1)')
    .option('--json', 'machine-readable logs (JSON lines on stderr) and summary (JSON on stdout)')
    .option('--quiet', 'no progress output')
    .action(async (flags: Record<string, unknown>) => {
      const { runStage } = await import('./run.ts');
      process.exitCode = await runStage('crawl', flags as Parameters<typeof runStage>[1]);
    });
}
