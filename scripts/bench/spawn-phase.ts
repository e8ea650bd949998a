/** Runs one bench phase command (a child process); its last BENCH_RESULT line is the result. */
import { spawn } from 'node:child_process';
import { LAUNCH_ENV } from '../../bin/launch-env.js';
import { repoRoot } from './corpus.ts';

/**
 * Phases that time whole commands as a user starts them (`bin/nianbao.js`, which sets its own
 * environment, beside `pdftotext` and `node -e ""` in theirs): they run in the bench's environment.
 * Every other phase runs the library in its own process, under the environment the `nianbao`
 * command starts Node with (bin/launch-env.js), so that it measures what the command does.
 */
const AS_COMMANDS = new Set(['process']);

export function spawnPhase<T>(name: string, cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const launch = AS_COMMANDS.has(name) ? {} : LAUNCH_ENV;
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: repoRoot, env: { ...process.env, ...launch, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = out.split('\n').reverse().find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as T);
      else reject(new Error(`phase ${name} failed (exit ${code ?? signal})${out ? `: ${out.slice(-2000)}` : ''}`));
    });
  });
}
