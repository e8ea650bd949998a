/**
 * Progress reporting for the stages. On a terminal: one bar per stage with done/total, rate and
 * ETA. Elsewhere (cron): a log line every N items and one per failure. With --json: one JSON
 * object per line, for machines.
 */
import cliProgress from 'cli-progress';

export interface TickInfo {
  ok: boolean;
  item?: string;
  reason?: string;
}

export interface Progress {
  start(stage: string, total: number): void;
  /** The total grew (a crawl discovers its work as it goes). */
  retotal(stage: string, total: number): void;
  tick(stage: string, info: TickInfo): void;
  end(stage: string): void;
  log(message: string, fields?: Record<string, unknown>): void;
}

export type ProgressMode = 'tty' | 'plain' | 'json' | 'silent';

export function chooseProgress(opts: { json?: boolean; quiet?: boolean; every?: number; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return new SilentProgress();
  if (opts.json) return new JsonProgress(stream);
  if (stream.isTTY) return new TtyProgress(stream);
  return new PlainProgress(stream, opts.every ?? 50);
}

export class SilentProgress implements Progress {
  start() {}
  retotal() {}
  tick() {}
  end() {}
  log() {}
}

interface Counter {
  total: number;
  done: number;
  failed: number;
  t0: number;
}

export class PlainProgress implements Progress {
  private counters = new Map<string, Counter>();
  constructor(private out: NodeJS.WritableStream, private every: number) {}
  private line(s: string) {
    this.out.write(`${new Date().toISOString()} ${s}\n`);
  }
  start(stage: string, total: number) {
    this.counters.set(stage, { total, done: 0, failed: 0, t0: Date.now() });
    this.line(`${stage}: ${total} to do`);
  }
  retotal(stage: string, total: number) {
    const c = this.counters.get(stage);
    if (c) c.total = total;
  }
  tick(stage: string, info: TickInfo) {
    const c = this.counters.get(stage);
    if (!c) return;
    c.done++;
    if (!info.ok) {
      c.failed++;
      this.line(`${stage}: FAILED ${info.item ?? ''}: ${info.reason ?? 'unknown reason'}`);
    }
    if (c.done % this.every === 0) {
      const rate = c.done / Math.max(0.001, (Date.now() - c.t0) / 1000);
      this.line(`${stage}: ${c.done}/${c.total} (${rate.toFixed(1)}/s, ${c.failed} failed)`);
    }
  }
  end(stage: string) {
    const c = this.counters.get(stage);
    if (!c) return;
    this.line(`${stage}: done ${c.done}/${c.total} in ${((Date.now() - c.t0) / 1000).toFixed(1)} s, ${c.failed} failed`);
  }
  log(message: string) {
    this.line(message);
  }
}

export class JsonProgress implements Progress {
  private counters = new Map<string, Counter>();
  constructor(private out: NodeJS.WritableStream) {}
  private emit(o: Record<string, unknown>) {
    this.out.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + '\n');
  }
  start(stage: string, total: number) {
    this.counters.set(stage, { total, done: 0, failed: 0, t0: Date.now() });
    this.emit({ event: 'stage-start', stage, total });
  }
  retotal(stage: string, total: number) {
    const c = this.counters.get(stage);
    if (c) c.total = total;
  }
  tick(stage: string, info: TickInfo) {
    const c = this.counters.get(stage);
    if (c) {
      c.done++;
      if (!info.ok) c.failed++;
    }
    if (!info.ok) this.emit({ event: 'failure', stage, item: info.item, reason: info.reason });
  }
  end(stage: string) {
    const c = this.counters.get(stage);
    this.emit({ event: 'stage-end', stage, done: c?.done ?? 0, failed: c?.failed ?? 0, seconds: c ? (Date.now() - c.t0) / 1000 : 0 });
  }
  log(message: string, fields: Record<string, unknown> = {}) {
    this.emit({ event: 'log', message, ...fields });
  }
}

export class TtyProgress implements Progress {
  private bars = new Map<string, cliProgress.SingleBar>();
  private multi: cliProgress.MultiBar;
  private failures: string[] = [];
  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: ' {stage} |{bar}| {value}/{total} · {rate}/s · ETA {eta_formatted} · {failed} failed',
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(stage: string, total: number) {
    const bar = this.multi.create(Math.max(total, 0), 0, { stage: stage.padEnd(9), rate: '0.0', failed: 0 });
    (bar as unknown as { t0: number }).t0 = Date.now();
    this.bars.set(stage, bar);
  }
  retotal(stage: string, total: number) {
    this.bars.get(stage)?.setTotal(total);
  }
  tick(stage: string, info: TickInfo) {
    const bar = this.bars.get(stage);
    if (!bar) return;
    const value = bar.getProgress() * bar.getTotal() + 1;
    const failed = ((bar as unknown as { failed?: number }).failed ?? 0) + (info.ok ? 0 : 1);
    (bar as unknown as { failed: number }).failed = failed;
    const secs = (Date.now() - (bar as unknown as { t0: number }).t0) / 1000;
    bar.update(value, { rate: (value / Math.max(secs, 0.001)).toFixed(1), failed });
    if (!info.ok) this.failures.push(`${stage}: ${info.item ?? ''}: ${info.reason ?? ''}`);
  }
  end(stage: string) {
    const bar = this.bars.get(stage);
    bar?.stop();
    if (this.bars.size && [...this.bars.values()].every((b) => !b.isActive)) this.multi.stop();
  }
  log(message: string) {
    this.multi.log(message + '\n');
  }
}
