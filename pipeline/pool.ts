/**
 * A pool of extraction worker threads, one per core by default. Each document has a time limit
 * and each worker a heap cap; a worker that exceeds either is terminated and replaced, and only
 * that document fails (code 'timeout' or 'out-of-memory').
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ExtractOptions } from '../extract/index.ts';
import type { ExtractedDocument } from '../extract/model.ts';

export interface PoolOptions {
  /** Worker threads. Default: number of cores. */
  workers?: number;
  /** Per-document time limit in ms. Default 120 000. */
  timeoutMs?: number;
  /** Heap cap per worker in MB. Default 1024. */
  maxHeapMb?: number;
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
  timer?: NodeJS.Timeout;
}

/** Upper bound of a document's limit after OCR asked for more time (a 30-page scan). */
const MAX_EXTENDED_MS = 30 * 60_000;

const BOOTSTRAP = new URL('../bin/ts-worker.js', import.meta.url);
const WORKER_MODULE = new URL('../extract/worker.ts', import.meta.url).href;

export class ExtractPool {
  private slots: Slot[] = [];
  private queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;
  /** Documents whose time limit grew because they needed OCR. */
  readonly stats = { extended: 0 };
  private timeoutMs: number;
  private maxHeapMb: number;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.workers ?? os.availableParallelism());
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.maxHeapMb = opts.maxHeapMb ?? 1024;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Extracts one document; `limit.timeoutMs` overrides the pool's time limit for this one. */
  extract(bytes: Uint8Array, opts: ExtractOptions = {}, limit: { timeoutMs?: number } = {}): Promise<PoolResult> {
    if (this.closed) return Promise.reject(new Error('pool closed'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, bytes, opts, resolve, timeoutMs: limit.timeoutMs ?? this.timeoutMs });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(BOOTSTRAP, {
      workerData: { tsModule: WORKER_MODULE },
      resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
    });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (m: { id: number; ready?: boolean; extendMs?: number } & PoolResult) => {
      if (m.ready) {
        slot.ready = true;
        this.pump();
        if (!slot.task) slot.worker.unref();
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
    worker.on('error', (e) => this.crash(slot, (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : 'internal', String(e.message)));
    worker.on('exit', (code) => {
      if (!this.closed && slot.task) this.crash(slot, 'internal', `worker exited with code ${code}`);
    });
    worker.unref();
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready && this.queue.length > 0) slot.worker.ref(); // a starting worker has work waiting: keep the process alive
      if (!slot.ready || slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      this.arm(slot, task.timeoutMs);
      // Copy: the caller may reuse its buffer; transferring would detach it.
      slot.worker.postMessage({ id: task.id, bytes: task.bytes, opts: task.opts });
    }
    // Work is waiting for workers still loading: they keep the process alive until ready.
    if (this.queue.length) for (const slot of this.slots) if (!slot.ready) slot.worker.ref();
  }

  private arm(slot: Slot, ms: number): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => this.crash(slot, 'timeout', `extraction took longer than ${ms} ms`), ms);
  }

  private finish(slot: Slot, result: PoolResult): void {
    clearTimeout(slot.timer);
    const task = slot.task!;
    slot.task = undefined;
    slot.worker.unref();
    task.resolve(result);
    this.pump();
  }

  /** The worker is stopped or dead: fail its document, replace the worker. */
  private crash(slot: Slot, code: string, message: string): void {
    const task = slot.task;
    if (!task) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    const message2 = code === 'out-of-memory' ? `extraction exceeded the ${this.maxHeapMb} MB heap cap` : message;
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    task.resolve({ error: { code, message: message2 } });
    this.pump();
  }
}
