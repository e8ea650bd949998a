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

/**
 * The fields of mupdf's Emscripten module that extract/pdf/mupdf.ts reads directly (the accessors
 * mupdf's own StructuredText.walk calls, and the heap). Not part of mupdf's API: checked before use.
 */
export interface MupdfInternals {
  HEAPF32: Float32Array;
  _wasm_stext_page_get_first_block(page: number): number;
  _wasm_stext_block_get_next(block: number): number;
  _wasm_stext_block_get_type(block: number): number;
  _wasm_stext_block_get_first_line(block: number): number;
  _wasm_stext_line_get_next(line: number): number;
  _wasm_stext_line_get_dir(line: number): number;
  _wasm_stext_line_get_first_char(line: number): number;
  _wasm_stext_char_get_next(ch: number): number;
  _wasm_stext_char_get_c(ch: number): number;
  _wasm_stext_char_get_origin(ch: number): number;
  _wasm_stext_char_get_font(ch: number): number;
  _wasm_stext_char_get_size(ch: number): number;
  _wasm_stext_char_get_quad(ch: number): number;
}

type ModuleGlobal = { $libmupdf_wasm_Module?: object };

// mupdf's loader hands globalThis.$libmupdf_wasm_Module to Emscripten as its module object, which
// Emscripten fills in (the heap, every export): an object put there before mupdf is imported is
// how this thread reaches them. mupdf.ts imports this module before mupdf; a worker replaces the
// object with its hook (useSharedMupdf), which is filled in the same way.
(globalThis as ModuleGlobal).$libmupdf_wasm_Module ??= {};

const INTERNAL_FUNCTIONS = [
  '_wasm_stext_page_get_first_block', '_wasm_stext_block_get_next', '_wasm_stext_block_get_type', '_wasm_stext_block_get_first_line',
  '_wasm_stext_line_get_next', '_wasm_stext_line_get_dir', '_wasm_stext_line_get_first_char', '_wasm_stext_char_get_next',
  '_wasm_stext_char_get_c', '_wasm_stext_char_get_origin', '_wasm_stext_char_get_font', '_wasm_stext_char_get_size', '_wasm_stext_char_get_quad',
] as const;

let internals: MupdfInternals | null | undefined;

/** mupdf's module internals, once mupdf is loaded in this thread; undefined when they are not what is expected (another mupdf build). */
export function mupdfInternals(): MupdfInternals | undefined {
  if (internals === undefined) {
    const m = (globalThis as ModuleGlobal).$libmupdf_wasm_Module as Record<string, unknown> | undefined;
    internals = m && m.HEAPF32 instanceof Float32Array && INTERNAL_FUNCTIONS.every((f) => typeof m[f] === 'function') ? (m as unknown as MupdfInternals) : null;
  }
  return internals ?? undefined;
}

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
 *
 * And without V8's separate validation pass (--wasm-lazy-validation): V8 first decodes and
 * validates every function of the 4 MB code section on the calling thread, then Liftoff reads
 * each body again to compile it, checking it as it goes. The package is a fixed build (npm checks
 * its integrity); a body that failed to decode would still fail the compilation. Measured on the
 * 10 MB module alone: 126/134 → 88/90 ms of CPU, the compile call's synchronous part 53 → 41 ms;
 * `nianbao extract --json` of one 7-page PDF, 15 alternated runs, median 561 → 533 ms.
 */
export function compileMupdf(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const bytes = wasmBytes ?? fs.readFileSync(mupdfWasmPath());
    wasmBytes = undefined;
    v8.setFlagsFromString('--liftoff-only --wasm-lazy-validation');
    return WebAssembly.compile(bytes);
  })();
  return compiled;
}

let wasmBytes: Buffer<ArrayBuffer> | undefined;

/**
 * Reads MuPDF's .wasm now, for a compileMupdf() to come (the pool compiles only once its workers
 * are up: see pipeline/pool.ts lessEagerOptimisation). Read at once (10 MB, ~30 ms of CPU, most of
 * it the kernel filling fresh pages): an asynchronous read would finish only when this thread
 * next yields, after the modules it is loading meanwhile.
 */
export function readMupdfWasm(): void {
  if (!compiled) wasmBytes ??= fs.readFileSync(mupdfWasmPath());
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
