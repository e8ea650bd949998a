/**
 * The `nianbao` command. Each subcommand lives in its own module under cli/ and registers itself
 * on the commander program; the modules call the same library functions the tests use.
 */
import { Command, CommanderError } from 'commander';

const program = new Command();
program
  .name('nianbao')
  .description('Chinese government information disclosure annual reports: crawl, extract, normalize, export')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const modules = ['./extract.ts', './crawl.ts', './dataset.ts', './run.ts', './labels.ts', './worker.ts'];
for (const m of modules) {
  try {
    const mod = (await import(m)) as { register?: (p: Command) => void };
    mod.register?.(program);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String(e).includes(m.slice(2))) throw e;
  }
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Usage errors exit 2; --help and --version exit 0.
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  console.error(`nianbao: ${(e as Error).stack ?? e}`);
  process.exit(2);
}
