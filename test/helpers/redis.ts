/**
 * A real redis-server (Debian package) on a free loopback port, in its own folder, with the
 * append-only file on (as a production Redis for BullMQ should run). `kill()` stops it the hard
 * way (SIGKILL: what it had not written to the AOF is lost) and `start()` brings it back on the
 * same port with what the AOF kept.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const redisServerPresent = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
export const REDIS_INSTALL = 'apt-get install -y redis-server (bash scripts/system-deps.sh installs it)';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export class RedisServer {
  private child?: ChildProcess;
  log = '';
  private constructor(readonly port: number, readonly dir: string) {}

  static async start(dir: string): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), dir);
    await r.start();
    return r;
  }

  /** The running server's pid (for its CPU time in the benchmark). */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    const t0 = Date.now();
    while (!/Ready to accept connections/.test(this.log)) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${this.log.slice(-2000)}`);
      if (Date.now() - t0 > 15_000) throw new Error(`redis-server did not start in 15 s: ${this.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.log = '';
  }

  /** SIGKILL: a crash, not a clean shutdown. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** Sends the signal and waits for the server to exit. */
  private async signal(sig: NodeJS.Signals): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(sig);
    await exited;
  }
}
