/**
 * Worker-thread side of the extraction pool: extracts one document per message. Runs in its own
 * thread so a pathological file can be stopped (time limit) or killed by its heap cap without
 * taking the run down.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { extractDocument, preloadExtractor, type ExtractOptions } from './index.ts';
import { ExtractError } from './model.ts';
import { useSharedMupdf } from './pdf/mupdf-module.ts';

export interface ExtractJob {
  id: number;
  bytes: Uint8Array;
  opts: ExtractOptions;
}

// MuPDF's compiled module comes from the pool (compiled once per process), asked for when the
// first PDF makes this thread import mupdf.
// A worker started for a PDF may have it before it asks (ExtractPool.handMupdf).
let mupdfModule: ((m: WebAssembly.Module) => void) | undefined;
let mupdfReceived = false;
if ((workerData as { sharedMupdf?: boolean } | null)?.sharedMupdf) {
  const module = new Promise<WebAssembly.Module>((resolve) => (mupdfModule = resolve));
  useSharedMupdf(() => {
    if (!mupdfReceived) parentPort!.postMessage({ needMupdf: true });
    return module;
  });
}

parentPort!.postMessage({ ready: true });

// The pool knows a PDF is coming (ExtractPool.prestart): load the PDF extractor and instantiate
// MuPDF now, while the main thread is still reading its config and the file.
const preload = (workerData as { preload?: 'pdf' } | null)?.preload;
if (preload) preloadExtractor(preload);

// One document at a time: the pool may post the next document while this one runs
// (ExtractPool's Slot.next); it waits here and starts as soon as this one's result is posted.
const jobs: ExtractJob[] = [];
let running = false;

parentPort!.on('message', (job: ExtractJob | { mupdfModule: WebAssembly.Module }) => {
  if ('mupdfModule' in job) {
    mupdfReceived = true;
    mupdfModule?.(job.mupdfModule);
    return;
  }
  jobs.push(job);
  if (!running) void runJobs();
});

async function runJobs(): Promise<void> {
  running = true;
  for (let job = jobs.shift(); job; job = jobs.shift()) await runJob(job);
  running = false;
}

async function runJob(job: ExtractJob): Promise<void> {
  try {
    const doc = await extractDocument(job.bytes, { ...job.opts, onSlowWork: (expectedMs) => parentPort!.postMessage({ id: job.id, extendMs: expectedMs }) });
    parentPort!.postMessage({ id: job.id, doc });
  } catch (e) {
    const error = e instanceof ExtractError ? { code: e.code, message: e.message } : { code: 'internal', message: String((e as Error)?.stack ?? e) };
    parentPort!.postMessage({ id: job.id, error });
  }
}
