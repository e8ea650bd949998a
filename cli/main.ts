/**
 * The `nianbao` command. Each subcommand lives in its own module under cli/ and registers itself
 * on the commander program; the modules call the same library functions the tests use.
 */
import type { Command as CommandType } from 'commander';

// `nianbao extract <files>`: its extraction worker (and MuPDF, for a PDF) starts before anything
// else loads, commander included, so the worker's start-up overlaps the command's own.
if (process.argv[2] === 'extract') await (await import('./extract.ts')).prestart(process.argv.slice(3));

const { Command, CommanderError } = await import('commander');

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
    const mod = (await import(m)) as { register?: (p: CommandType) => void };
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
