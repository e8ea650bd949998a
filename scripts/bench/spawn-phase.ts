/** Runs one bench phase command (a child process); its last BENCH_RESULT line is the result. */
import { spawn } from 'node:child_process';
import { repoRoot } from './corpus.ts';

export function spawnPhase<T>(name: string, cmd: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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
