/**
 * `nianbao worker --queue redis://host:6379 --store URL [--concurrency N]`: an extraction worker of
 * the distributed mode (pipeline/queue/worker.ts). Runs until SIGTERM or SIGINT: then it finishes
 * the jobs in hand (handing them back after the grace time, or at a second signal) and exits 0.
 * Exit 2: usage or config error (no queue, no store).
 */
import type { Command } from 'commander';

interface WorkerFlags {
  queue?: string;
  store?: string;
  config?: string;
  concurrency?: string;
  stalledMs?: string;
  graceMs?: string;
  json?: boolean;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('take extraction jobs from the queue of `nianbao run --queue` (BullMQ on Redis), reading documents from the shared raw store')
    .option('--queue <url>', 'the Redis of the queue, redis://host:6379; env NIANBAO_QUEUE')
    .option('--store <url>', "the coordinator's raw store: file:///shared/path or s3://bucket/prefix?endpoint=URL; env NIANBAO_STORE")
    .option('--config <file>', 'config file (JSON): store, queue, extract limits')
    .option('--concurrency <n>', 'documents at once, one extraction thread each (default: cores); env NIANBAO_WORKERS')
    .option('--stalled-ms <ms>', "a dead worker's job goes back to the queue after about twice this (default 30000); env NIANBAO_QUEUE_STALLED_MS")
    .option('--grace-ms <ms>', 'on SIGTERM, how long the jobs in hand may take before they are handed back (default 60000); env NIANBAO_QUEUE_GRACE_MS')
    .option('--json', 'machine-readable log (JSON lines on stderr)')
    .option('--quiet', 'no log')
    .action(async (flags: WorkerFlags) => {
      process.exitCode = await workerCommand(flags);
    });
}

async function workerCommand(flags: WorkerFlags): Promise<number> {
  const { ConfigError, loadConfig, readEnv } = await import('../pipeline/config.ts');
  const fail = (m: string) => {
    console.error(`nianbao worker: ${m}`);
    return 2;
  };
  const whole = (v: string | undefined, name: string, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} takes a whole number ≥ ${min}, not '${v}'`);
    return n;
  };
  let config, env, concurrency, stalledMs, graceMs;
  try {
    concurrency = whole(flags.concurrency, '--concurrency', 1);
    stalledMs = whole(flags.stalledMs, '--stalled-ms', 100);
    graceMs = whole(flags.graceMs, '--grace-ms', 0);
    config = loadConfig({ configFile: flags.config, store: flags.store, queue: flags.queue, workers: concurrency });
    env = readEnv();
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  if (!config.queue) return fail('no queue: give --queue redis://host:port (or NIANBAO_QUEUE, or `queue.url` in the config file)');
  // A worker must read the coordinator's store, never a folder of its own that happens to be empty.
  const path = await import('node:path');
  const defaultStore = config.store.kind === 'file' && config.store.root === path.join(config.dataDir, 'raw');
  if (!flags.store && !env.NIANBAO_STORE && defaultStore) return fail("no store: give the coordinator's --store (file:///shared/path or s3://…), or NIANBAO_STORE, or `store` in the config file");
  const { openRawStore } = await import('../store/open.ts');
  const { startQueueWorker } = await import('../pipeline/queue/worker.ts');
  const line = (m: string, fields?: Record<string, unknown>) => {
    if (flags.quiet) return;
    if (flags.json) process.stderr.write(JSON.stringify({ t: new Date().toISOString(), msg: m, ...fields }) + '\n');
    else process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  };
  const raw = await openRawStore(config.store);
  const worker = await startQueueWorker({
    queueUrl: config.queue.url,
    raw,
    concurrency: config.extract.workers,
    pool: { timeoutMs: config.extract.timeoutMs, maxHeapMb: config.extract.maxHeapMb },
    stalledMs: stalledMs ?? env.NIANBAO_QUEUE_STALLED_MS,
    graceMs: graceMs ?? env.NIANBAO_QUEUE_GRACE_MS,
    log: line,
  });
  const onSignal = (sig: string) => {
    line(`${sig} received`);
    void worker.stop();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await worker.closed;
  await raw.close();
  return 0;
}
