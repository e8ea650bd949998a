/**
 * MuPDF's WebAssembly, compiled once per process and shared with the extraction workers.
 *
 * `import('mupdf')` compiles its 10 MB .wasm in every thread that imports it (~200 ms of CPU),
 * and V8 tiers up the hot functions (TurboFan) per compiled module. A WebAssembly.Module posted
 * to a worker thread shares its code, tier-ups included, so the pool compiles it once on the main
 * thread (in V8's background threads, while the worker starts) and each worker instantiates it.
 *
 * The worker side installs Emscripten's `instantiateWasm` hook (read by mupdf's loader from
 * globalThis.$libmupdf_wasm_Module) before mupdf is imported; the hook waits for the module the
 * pool sends. A thread without the hook (a test, `extractDocument` called directly) compiles on
 * its own, as before.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';

let compiled: Promise<WebAssembly.Module> | undefined;

/** The path of mupdf's .wasm, beside its entry module (the package exports only the entry). */
export function mupdfWasmPath(): string {
  return createRequire(import.meta.url).resolve('mupdf').replace(/mupdf\.js$/, 'mupdf-wasm.wasm');
}

/**
 * MuPDF's module, compiled once per process (asynchronously: V8 compiles off the main thread).
 *
 * Compiled for V8's baseline tier only (Liftoff, --liftoff-only, set before the compilation; V8
 * flags are per process, so it holds in the workers too). By default V8 recompiles MuPDF's hot
 * functions with TurboFan as they run: on a 6-page report that cost ~270 ms of CPU on the first
 * document (420 ms against 150 ms) and never paid back over a 36-PDF run (first pass 1.98 s
 * against 1.77 s of CPU; later passes, tiered up, 0.95 s against 0.99 s): MuPDF's time per page
 * is small beside the layout work in JavaScript, and each process starts cold. (Rasterising a
 * scanned page is ~1.4× slower in Liftoff once warm, but OCR renders with pdftoppm; tesseract.js
 * turns optimisation back on: optimiseWasm.)
 */
export function compileMupdf(): Promise<WebAssembly.Module> {
  // Read at once (10 MB, a few ms): an asynchronous read would start the compilation only when
  // this thread next yields, after the modules it is loading meanwhile (~200 ms later).
  compiled ??= (async () => {
    const bytes = fs.readFileSync(mupdfWasmPath());
    v8.setFlagsFromString('--liftoff-only');
    return WebAssembly.compile(bytes);
  })();
  return compiled;
}

/**
 * Lets V8 optimise WebAssembly again (TurboFan tier-up), for long compute in WebAssembly: OCR with
 * tesseract.js (extract/ocr/engine.ts), seconds a page, where Liftoff-only code would run ~1.5×
 * slower. The flags are per process and read as code runs, so MuPDF's module tiers up from then
 * on too (measured: a module compiled under --liftoff-only tiers up once these are set).
 */
export function optimiseWasm(): void {
  v8.setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering');
}

type EmscriptenHook = { instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object };

/**
 * Worker side: mupdf, when imported in this thread, instantiates the module `get` resolves to
 * instead of compiling its own. `get` is called when mupdf is first imported (a PDF arrives).
 */
export function useSharedMupdf(get: () => Promise<WebAssembly.Module>): void {
  const hook: EmscriptenHook = {
    instantiateWasm(imports, receive) {
      void get()
        .then((module) => WebAssembly.instantiate(module, imports).then((instance) => receive(instance, module)))
        .catch((e: unknown) => {
          // The loader waits on receive(): a failure here would hang the import, so fail loudly.
          setImmediate(() => {
            throw e;
          });
        });
      return {};
    },
  };
  (globalThis as { $libmupdf_wasm_Module?: EmscriptenHook }).$libmupdf_wasm_Module = hook;
}
