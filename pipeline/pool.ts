/**
 * A pool of extraction worker threads, one per core by default. Each document has a time limit
 * and each worker a heap cap; a worker that exceeds either is terminated and replaced, and only
 * that document fails (code 'timeout' or 'out-of-memory').
 */
import os from 'node:os';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ExtractOptions } from '../extract/index.ts';
import type { ExtractedDocument } from '../extract/model.ts';
import { compileMupdf, readMupdfWasm } from '../extract/pdf/mupdf-module.ts';

/** %PDF- within the first 1024 bytes (where readers look for it). */
function isPdf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).includes('%PDF-');
}

export interface PoolOptions {
  /** Worker threads. Default: number of cores. */
  workers?: number;
  /** Per-document time limit in ms. Default 120 000. */
  timeoutMs?: number;
  /** Heap cap per worker in MB. Default 1024. */
  maxHeapMb?: number;
  /**
   * Young generation per worker in MB. Default 96: extraction allocates many short-lived objects
   * (glyph runs, cells); with V8's default (~48 MB) scavenges run about twice as often, and on
   * the benchmark corpus 96 MB took ~15% less CPU per document (1 and 2 workers).
   */
  youngGenerationMb?: number;
}

export type PoolResult = { doc: ExtractedDocument; error?: undefined } | { doc?: undefined; error: { code: string; message: string } };

interface Task {
  id: number;
  timeoutMs: number;
  bytes: Uint8Array;
  opts: ExtractOptions;
  resolve: (r: PoolResult) => void;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its modules; time limits start only then. */
  ready: boolean;
  task?: Task;
  /**
   * The document posted to the worker ahead of `task`, waiting in the worker's own queue: the
   * worker starts it as soon as it has posted `task`'s result, without waiting for this thread
   * to receive that result and post the next. Not started yet: requeued if the worker dies.
   */
  next?: Task;
  timer?: NodeJS.Timeout;
  /** Why the worker died before it was ready (its 'error' event comes before 'exit'). */
  startError?: string;
  /** Gave up starting; respawned when work arrives. */
  dead?: boolean;
  /** Started for a PDF (prestart): handed MuPDF's module as soon as it is compiled, unasked. */
  pdf?: boolean;
  /** MuPDF's module was posted to this worker. */
  mupdfSent?: boolean;
}

/**
 * The error code of a document that was never extracted because no worker could take it (workers
 * failing to start, the pool closed under it): a fault of this run, not of the document, so the
 * extract stage leaves it pending for the next run instead of storing a failure.
 */
export const WORKER_UNAVAILABLE = 'worker-unavailable';

/** Start-up failures in a row (no worker became ready between them) before queued work fails. */
const MAX_START_FAILURES = 3;

/** Upper bound of a document's limit after OCR asked for more time (a 30-page scan). */
const MAX_EXTENDED_MS = 30 * 60_000;

/**
 * Compiled (dist/, see scripts/build.js) the worker is plain JavaScript beside this module; from
 * source each worker thread registers tsx first (bin/ts-worker.js) and then imports worker.ts.
 */
const COMPILED = import.meta.url.endsWith('.js');
const WORKER_MODULE = new URL('../extract/worker.ts', import.meta.url);
const BOOTSTRAP = COMPILED ? WORKER_MODULE : new URL('../bin/ts-worker.js', import.meta.url);

/**
 * V8's interrupt budget (bytecode executed before a function is considered for TurboFan), raised
 * from 66 KB to 500 KB for the process (V8 flags are per process: the workers and this thread).
 * Each worker is its own isolate and optimises the extractor's code anew, on V8's background
 * threads: on `nianbao extract --json` of 36 PDFs with 2 workers, TurboFan took ~19% of the
 * process's CPU (perf), for code that then ran a few dozen documents. With 500 KB only the code
 * that stays hot is optimised: the same run took ~15% less CPU (3.7 → 3.1 s, mean of 5 alternated runs) and documents after
 * the first hundred or so run as fast as before (their code is optimised by then).
 */
const INTERRUPT_BUDGET = 500_000;

/**
 * And no inlining in TurboFan (--no-turbo-inlining): what it still optimises in a worker's first
 * few dozen documents (mammoth's and the HTML parser's hot loops, jszip's inflate, the PDF layout)
 * is compiled about a third cheaper, and that compilation runs on V8's background threads, beside
 * the workers: with 2 workers it competes with them for the 2 cores. Measured 2026-12-06 on the
 * bench's speed-up documents (30, types mixed, after the bench's warm-up), CPU per document by
 * thread (/proc/self/task), 3 alternated runs each: 1 worker, V8's background threads 11–13 → 8–9
 * ms, the worker's own thread unchanged (30 ms), process 43 → 40.6 ms; 2 workers, background
 * threads 16.7–17.3 → 12.0–13.7 ms, process 51.2 → 46.6 ms (median). After 60 warm documents
 * (120 more, 3 runs) the worker's thread took the same CPU with and without (28.9–33.0 against
 * 27.4–34.0 ms): the inlined code was not measurably faster here. `nianbao extract --json` of the
 * corpus's 36 PDFs: the same output and CPU (2.31–2.83 against 2.34–2.81 s, 4 runs).
 */
const V8_FLAGS = `--interrupt-budget=${INTERRUPT_BUDGET} --no-turbo-inlining`;

/**
 * A V8 flag set at run time (this budget, MuPDF's --liftoff-only) changes V8's flag hash, and a
 * worker that starts after that cannot use Node's code cache for its own start-up modules: it
 * compiles them from source, ~40 ms more CPU per worker (measured: a bare worker thread 55–65 ms
 * of CPU to its first line, 85–105 ms once any flag was set). So the pool sets flags only while
 * no worker is starting (onceBooted), and MuPDF is compiled then too (its flag must be set for
 * the compilation) unless a worker already asks for it.
 */
let budgetSet = false;
function lessEagerOptimisation(): void {
  if (budgetSet) return;
  budgetSet = true;
  v8.setFlagsFromString(V8_FLAGS);
}

export class ExtractPool {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private startFailures = 0;
  private keepAlive?: NodeJS.Timeout;
  private compiling = false;
  /** Run once no worker is starting (flag changes: see lessEagerOptimisation). */
  private whenBooted: (() => void)[] = [];
  private workers: number;
  /** Documents whose time limit grew because they needed OCR. */
  /** mupdfShared: workers handed the process's compiled MuPDF module (instead of compiling their own). */
  /** postedAhead: documents posted to a busy worker, to start when it finishes its current one (Slot.next). */
  readonly stats = { extended: 0, mupdfShared: 0, postedAhead: 0 };
  private timeoutMs: number;
  private maxHeapMb: number;
  private youngGenerationMb: number;

  constructor(opts: PoolOptions = {}) {
    this.workers = Math.max(1, opts.workers ?? os.availableParallelism());
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.maxHeapMb = opts.maxHeapMb ?? 1024;
    this.youngGenerationMb = opts.youngGenerationMb ?? 96;
    // The interrupt budget is set once the first workers are up (booted).
    // No worker yet: pump() starts them as documents arrive, a second one only when there is
    // work for more than one (one file, or a run with nothing new, starts one worker or none).
  }

  /** Worker threads at most. */
  get size(): number {
    return this.workers;
  }

  /**
   * Starts `workers` workers (at most the pool's size) now, before any document is queued, and
   * for a PDF the workers' PDF extractor too, and reads MuPDF's WebAssembly (compiled once the
   * workers are up: lessEagerOptimisation). A command that knows early what comes (`nianbao extract
   * one.pdf`) calls this before it loads its config and the normaliser, which then load on this
   * thread while the worker starts on another core. The worker's heap cap is the pool's, so the
   * caller must know it already; the number of workers and the time limit may still change
   * (configure), since they apply only when documents are queued.
   */
  prestart(kind?: 'pdf', workers = 1): void {
    if (this.closed) return;
    // The workers first: they start on other threads, while reading MuPDF takes this one a while.
    while (this.slots.length < Math.min(workers, this.workers)) this.slots.push(this.spawn(kind));
    if (kind === 'pdf') this.compileForPdf();
  }

  /** Runs `fn` now when no worker is starting, otherwise once every started worker is up. */
  private onceBooted(fn: () => void): void {
    if (this.slots.every((s) => s.ready || s.dead)) fn();
    else this.whenBooted.push(fn);
  }

  private booted(): void {
    if (!this.slots.every((s) => s.ready || s.dead)) return;
    lessEagerOptimisation();
    for (const fn of this.whenBooted.splice(0)) fn();
  }

  /**
   * Documents a caller should keep queued at once: three per worker, so that each worker has the
   * one it runs and the next one posted to it (Slot.next), and one more waits in the pool's queue
   * while this thread stores, normalises or prints the last result (the extract stage, `nianbao
   * extract`, the bench all feed it so). With two per worker `nianbao extract --json` of 36 PDFs
   * still left a worker without its next document whenever this thread was normalising.
   */
  get inFlight(): number {
    return 3 * this.workers;
  }

  /** The number of workers and the time limit, changed before the first document is queued. */
  configure(opts: Pick<PoolOptions, 'workers' | 'timeoutMs'>): this {
    if (this.nextId !== 1) throw new Error('ExtractPool.configure: documents were already queued');
    if (opts.workers !== undefined) this.workers = Math.max(1, opts.workers);
    if (opts.timeoutMs !== undefined) this.timeoutMs = opts.timeoutMs;
    // Workers prestarted beyond the number now wanted (idle: nothing was queued yet) stop.
    for (const slot of this.slots.splice(this.workers)) void slot.worker.terminate();
    this.booted();
    return this;
  }

  /** The heap cap each worker starts with (MB). */
  get heapCapMb(): number {
    return this.maxHeapMb;
  }

  /** Worker threads started so far (at most `size`). */
  get started(): number {
    return this.slots.length;
  }

  /** Extracts one document; `limit.timeoutMs` overrides the pool's time limit for this one. */
  extract(bytes: Uint8Array, opts: ExtractOptions = {}, limit: { timeoutMs?: number } = {}): Promise<PoolResult> {
    if (this.closed) return Promise.reject(new Error('pool closed'));
    // Workers are unref'd (an idle pool must not keep a process alive); while documents are
    // pending, this timer keeps the event loop up so the caller's await settles.
    this.keepAlive ??= setInterval(() => {}, 1 << 30);
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, bytes, opts, resolve, timeoutMs: limit.timeoutMs ?? this.timeoutMs });
      this.pump(); // the workers it starts come before the compilation (compileForPdf)
      if (isPdf(bytes)) this.compileForPdf();
    });
  }

  /** Stops the workers; documents still queued or in flight fail with code WORKER_UNAVAILABLE. */
  async close(): Promise<void> {
    this.closed = true;
    const unfinished = [...this.queue.splice(0), ...this.slots.flatMap((s) => [s.task, s.next].filter((t): t is Task => !!t))];
    for (const s of this.slots) {
      clearTimeout(s.timer);
      s.task = undefined;
      s.next = undefined;
    }
    for (const t of unfinished) this.settle(t, { error: { code: WORKER_UNAVAILABLE, message: 'the extraction pool was closed before this document was done' } });
    clearInterval(this.keepAlive);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /**
   * A PDF is coming: MuPDF's WebAssembly is read now and compiled (in V8's background threads) as
   * soon as no worker is starting, before a worker asks for it.
   */
  private compileForPdf(): void {
    if (this.compiling || process.env.NIANBAO_PDF_ENGINE?.trim().toLowerCase() === 'pdfjs') return;
    this.compiling = true;
    readMupdfWasm();
    this.onceBooted(() => {
      compileMupdf().catch(() => undefined); // a failure is reported to the worker that asks
      for (const slot of this.slots) if (slot.pdf) this.handMupdf(slot);
    });
  }

  /**
   * Posts MuPDF's module (compiled once for the process) to a worker: one compilation and one set
   * of compiled code (V8 shares a posted module's code between threads). A worker started for a
   * PDF gets it as soon as it is compiled, so it need not wait for this thread to answer its
   * request (this thread may then be busy loading and warming the normaliser).
   */
  private handMupdf(slot: Slot): void {
    compileMupdf().then(
      (module) => {
        if (slot.mupdfSent) return;
        slot.mupdfSent = true;
        this.stats.mupdfShared++;
        slot.worker.postMessage({ mupdfModule: module });
      },
      (e: unknown) => this.crash(slot, 'internal', `MuPDF's WebAssembly could not be compiled: ${(e as Error).message}`),
    );
  }

  /** `preload`: the worker loads that kind's extractor as soon as it is up (extract/worker.ts). */
  private spawn(preload?: 'pdf'): Slot {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { tsModule: WORKER_MODULE.href, sharedMupdf: true, preload },
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb, maxYoungGenerationSizeMb: this.youngGenerationMb },
    });
    const slot: Slot = { worker, ready: false, pdf: preload === 'pdf' };
    worker.on('message', (m: { id: number; ready?: boolean; extendMs?: number; needMupdf?: boolean } & PoolResult) => {
      if (m.needMupdf) {
        this.handMupdf(slot); // the worker imports mupdf
        return;
      }
      if (m.ready) {
        slot.ready = true;
        this.startFailures = 0;
        this.booted();
        this.pump();
        return;
      }
      if (m.extendMs !== undefined) {
        // OCR of a scan: the document's limit grows with its pages (capped); nothing else changes.
        if (slot.task?.id === m.id) {
          this.stats.extended++;
          this.arm(slot, Math.min(Math.max(m.extendMs, slot.task.timeoutMs), MAX_EXTENDED_MS));
        }
        return;
      }
      if (slot.task?.id !== m.id) return;
      this.finish(slot, m.error ? { error: m.error } : { doc: m.doc! });
    });
    worker.on('error', (e) => {
      const oom = (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (slot.task) this.crash(slot, oom ? 'out-of-memory' : 'internal', String(e.message));
      else slot.startError = oom ? `out of memory (heap cap ${this.maxHeapMb} MB)` : e.message;
    });
    worker.on('exit', (code) => {
      if (this.closed || !this.slots.includes(slot)) return;
      if (slot.task) this.crash(slot, 'internal', `worker exited with code ${code}`);
      else this.lost(slot, slot.startError ?? `exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  /**
   * A worker without a document died (at start-up, say): replace it. After MAX_START_FAILURES
   * start-up failures in a row the queued documents fail with the reason instead of waiting for a
   * worker that never comes (the process would otherwise exit with 13, an unsettled await).
   */
  private lost(slot: Slot, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (!slot.ready) this.startFailures++;
    if (this.startFailures < MAX_START_FAILURES) {
      this.slots[i] = this.spawn();
      this.pump();
      return;
    }
    this.startFailures = 0;
    slot.dead = true;
    this.booted(); // flag changes waiting for this worker's start-up go ahead
    if (this.slots.some((s) => s.ready && !s.dead)) return; // another worker carries on with the queue
    const failed = this.queue.splice(0);
    for (const t of failed) this.settle(t, { error: { code: WORKER_UNAVAILABLE, message: `the extraction worker failed to start ${MAX_START_FAILURES} times: ${reason}` } });
  }

  private pump(): void {
    for (const [i, s] of this.slots.entries()) if (s.dead && this.queue.length > 0) this.slots[i] = this.spawn();
    // Start another worker while more documents wait than the started workers can take.
    while (this.slots.length < this.size && this.queue.length > this.slots.filter((s) => !s.task && !s.dead).length) this.slots.push(this.spawn());
    for (const slot of this.slots) {
      if (!slot.ready || slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      this.arm(slot, task.timeoutMs);
      this.post(slot, task);
    }
    // Every worker the pool will have is up and busy: each gets its next document now (Slot.next).
    // Without it a worker that finishes waits for this thread to receive its result and post the
    // next document, and this thread may be busy (normalising, printing) or, with a worker on each
    // core, waiting for a core: `nianbao extract --json` of 36 PDFs showed the workers idle 3–33 ms
    // between documents of 40–60 ms, and the two-worker speed-up bench lost a part of the second
    // core the same way. Only once all are busy, so that a worker still starting, or idle, is not
    // left without the document another one holds.
    const live = this.slots.filter((s) => !s.dead);
    if (live.length < this.size || !live.every((s) => s.ready && s.task)) return;
    for (const slot of live) {
      if (slot.next || this.queue.length === 0) continue;
      slot.next = this.queue.shift()!;
      this.stats.postedAhead++;
      this.post(slot, slot.next);
    }
  }

  private post(slot: Slot, task: Task): void {
    // Copy: the caller may reuse its buffer; transferring would detach it.
    slot.worker.postMessage({ id: task.id, bytes: task.bytes, opts: task.opts });
  }

  /** Hands a document its result; the keep-alive timer stops when no document is queued or in flight. */
  private settle(task: Task, result: PoolResult): void {
    if (this.queue.length === 0 && this.slots.every((s) => !s.task && !s.next)) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
    task.resolve(result);
  }

  private arm(slot: Slot, ms: number): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.crash(slot, 'timeout', `extraction took longer than ${ms} ms`), ms);
  }

  private finish(slot: Slot, result: PoolResult): void {
    clearTimeout(slot.timer);
    const task = slot.task!;
    // The worker has started the document posted ahead, if any: its time limit starts now.
    slot.task = slot.next;
    slot.next = undefined;
    if (slot.task) this.arm(slot, slot.task.timeoutMs);
    this.settle(task, result);
    this.pump();
  }

  /** The worker is stopped or dead: fail its document, replace the worker. */
  private crash(slot: Slot, code: string, message: string): void {
    const task = slot.task;
    if (!task) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    // The document posted ahead never started: it goes back to the head of the queue, for the
    // replacement worker or another one.
    if (slot.next) this.queue.unshift(slot.next);
    slot.next = undefined;
    const message2 = code === 'out-of-memory' ? `extraction exceeded the ${this.maxHeapMb} MB heap cap` : message;
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    this.settle(task, { error: { code, message: message2 } });
    this.pump();
  }
}
