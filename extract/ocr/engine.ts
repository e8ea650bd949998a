/**
 * OCR engines behind one interface: tesseract.js (WebAssembly, in process) with the chi_sim model
 * of the npm package @tesseract.js-data/chi_sim, and Debian's tesseract (tesseract-ocr +
 * tesseract-ocr-chi-sim) as a subprocess. Both read the same PGM crops and answer in TSV, so
 * they are measured on exactly the same input. Nothing is fetched at run time: tesseract.js gets
 * its core from the tesseract.js-core package and the model from the data package's folder.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { encodePgm } from './image.ts';
import { resultOf, type EngineName, type OcrEngine, type OcrMode, type OcrRequest, type OcrResult, type OcrWord } from './types.ts';
import { PaddleEngine, paddleInstalled } from './paddle.ts';
import { optimiseWasm } from '../pdf/mupdf-module.ts';

export { joinWords, resultOf, type EngineName, type OcrEngine, type OcrMode, type OcrRequest, type OcrResult, type OcrWord } from './types.ts';

const DIGITS = '0123456789.-/';
const PSM: Record<OcrMode, string> = { cell: '6', line: '7', digits: '7', block: '6' };

/** Parses tesseract's TSV (one or many pages) into per-page word lists. */
export function parseTsv(tsv: string): Map<number, OcrWord[]> {
  const pages = new Map<number, OcrWord[]>();
  for (const line of tsv.split('\n')) {
    const f = line.split('\t');
    if (f.length < 12 || f[0] !== '5') {
      if (f[0] === '1' && f.length >= 2 && !pages.has(Number(f[1]))) pages.set(Number(f[1]), []);
      continue;
    }
    const text = f.slice(11).join('\t').trim();
    if (!text) continue;
    const page = Number(f[1]);
    const list = pages.get(page) ?? [];
    list.push({
      block: Number(f[2]),
      par: Number(f[3]),
      line: Number(f[4]),
      left: Number(f[6]),
      top: Number(f[7]),
      width: Number(f[8]),
      height: Number(f[9]),
      conf: Math.max(0, Math.min(1, Number(f[10]) / 100)),
      text,
    });
    pages.set(page, list);
  }
  return pages;
}

// ---------------------------------------------------------------------------------------------
// tesseract.js

/** Folder of the chi_sim model in the npm data package (LSTM, integer "best"). */
export function chiSimLangPath(): string {
  const require = createRequire(import.meta.url);
  const base = path.dirname(require.resolve('@tesseract.js-data/chi_sim/package.json'));
  return path.join(base, '4.0.0_best_int');
}

/**
 * Tesseract's mean word confidence: 0.8 was measured on its readings of the seed scans (the
 * misread cells at 0-0.41, right ones ≥ 0.8 but for 2 of 857), so it maps onto the shared scale
 * unchanged.
 */
const TESSERACT_DOUBT_BELOW = 0.8;

class TesseractJsEngine implements OcrEngine {
  readonly name = 'tesseract.js' as const;
  readonly doubtBelow = TESSERACT_DOUBT_BELOW;
  private workers: Promise<{ worker: import('tesseract.js').Worker; mode?: OcrMode }[]>;

  constructor(n: number) {
    // Long WebAssembly compute: undo MuPDF's baseline-only setting before tesseract.js compiles.
    optimiseWasm();
    this.workers = (async () => {
      const { createWorker, OEM } = await import('tesseract.js');
      const langPath = chiSimLangPath();
      if (!fs.existsSync(path.join(langPath, 'chi_sim.traineddata.gz')))
        throw new Error(`chi_sim model missing at ${langPath} (npm install @tesseract.js-data/chi_sim)`);
      return Promise.all(
        Array.from({ length: n }, async () => ({
          worker: await createWorker('chi_sim', OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' }),
        })),
      );
    })();
  }

  async recognizeMany(requests: OcrRequest[]): Promise<OcrResult[]> {
    const workers = await this.workers;
    const results: OcrResult[] = new Array(requests.length);
    // Same-mode requests go to a worker together: parameters change once per run, not per cell.
    const order = requests.map((_, i) => i).sort((a, b) => requests[a].mode.localeCompare(requests[b].mode));
    let next = 0;
    await Promise.all(
      workers.map(async (w) => {
        while (next < order.length) {
          const i = order[next++];
          const req = requests[i];
          if (w.mode !== req.mode) {
            await w.worker.setParameters({
              tessedit_pageseg_mode: PSM[req.mode] as never,
              tessedit_char_whitelist: req.mode === 'digits' ? DIGITS : '',
              preserve_interword_spaces: '1',
              user_defined_dpi: '300',
            });
            w.mode = req.mode;
          }
          const { data } = await w.worker.recognize(encodePgm(req.image), {}, { text: false, tsv: true, blocks: false } as never);
          results[i] = resultOf(parseTsv(data.tsv ?? '').get(1) ?? []);
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    const workers = await this.workers.catch(() => []);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------
// Debian's tesseract

export function debianTesseractAvailable(): boolean {
  const bin = process.env.NIANBAO_TESSERACT ?? 'tesseract';
  try {
    const dirs = (process.env.PATH ?? '').split(':');
    const exe = bin.includes('/') ? fs.existsSync(bin) : dirs.some((d) => fs.existsSync(path.join(d, bin)));
    const data = ['/usr/share/tesseract-ocr/5/tessdata', '/usr/share/tesseract-ocr/4.00/tessdata'].some((d) =>
      fs.existsSync(path.join(d, 'chi_sim.traineddata')),
    );
    return exe && (data || !!process.env.TESSDATA_PREFIX);
  } catch {
    return false;
  }
}

class DebianTesseractEngine implements OcrEngine {
  readonly name = 'tesseract' as const;
  readonly doubtBelow = TESSERACT_DOUBT_BELOW;
  constructor(private processes: number) {}

  async recognizeMany(requests: OcrRequest[]): Promise<OcrResult[]> {
    const results: OcrResult[] = new Array(requests.length);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nianbao-ocr-'));
    try {
      const byMode = new Map<OcrMode, number[]>();
      requests.forEach((r, i) => byMode.set(r.mode, [...(byMode.get(r.mode) ?? []), i]));
      const jobs: { mode: OcrMode; ids: number[] }[] = [];
      for (const [mode, ids] of byMode) {
        const parts = Math.min(this.processes, Math.ceil(ids.length / 8));
        const size = Math.ceil(ids.length / parts);
        for (let p = 0; p < parts; p++) jobs.push({ mode, ids: ids.slice(p * size, (p + 1) * size) });
      }
      let next = 0;
      const run = async () => {
        while (next < jobs.length) {
          const job = jobs[next++];
          const list = path.join(dir, `list-${next}.txt`);
          const files = job.ids.map((i) => {
            const f = path.join(dir, `img-${i}.pgm`);
            fs.writeFileSync(f, encodePgm(requests[i].image));
            return f;
          });
          fs.writeFileSync(list, files.join('\n') + '\n');
          const args = [list, '-', '-l', 'chi_sim', '--oem', '1', '--psm', PSM[job.mode], '--dpi', '300', '-c', 'preserve_interword_spaces=1'];
          if (job.mode === 'digits') args.push('-c', `tessedit_char_whitelist=${DIGITS}`);
          args.push('tsv');
          const tsv = await new Promise<string>((resolve, reject) =>
            execFile(process.env.NIANBAO_TESSERACT ?? 'tesseract', args, { maxBuffer: 1 << 28, env: { ...process.env, OMP_THREAD_LIMIT: '1' } }, (err, out, errOut) =>
              err ? reject(new Error(`tesseract failed: ${err.message} ${String(errOut).slice(0, 300)}`)) : resolve(out),
            ),
          );
          const pages = parseTsv(tsv);
          job.ids.forEach((id, k) => (results[id] = resultOf(pages.get(k + 1) ?? [])));
        }
      };
      await Promise.all(Array.from({ length: this.processes }, run));
      return results;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {}
}

export interface EngineOptions {
  engine?: EngineName;
  /** Parallel workers / processes. Default: the number of cores (at most 4); 1 inside a worker thread. */
  concurrency?: number;
}

export function createEngine(opts: EngineOptions = {}): OcrEngine {
  // Inside the extraction pool (one worker thread per core) a document gets one OCR worker.
  const n = opts.concurrency ?? (isMainThread ? Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length)) : 1);
  const name = opts.engine ?? engineFromEnv() ?? defaultEngine();
  if (name === 'paddle') return new PaddleEngine({ threads: n });
  if (name === 'tesseract') {
    if (!debianTesseractAvailable())
      throw new Error('Debian tesseract missing: apt-get install tesseract-ocr tesseract-ocr-chi-sim (scripts/system-deps.sh)');
    return new DebianTesseractEngine(n);
  }
  return new TesseractJsEngine(n);
}

export const ENGINE_NAMES: readonly EngineName[] = ['paddle', 'tesseract', 'tesseract.js'];

/** NIANBAO_OCR_ENGINE, checked: a misspelt name is an error, not a silent default. */
export function engineFromEnv(): EngineName | undefined {
  const v = process.env.NIANBAO_OCR_ENGINE;
  if (!v) return undefined;
  if (!(ENGINE_NAMES as string[]).includes(v)) throw new Error(`NIANBAO_OCR_ENGINE=${v}: expected one of ${ENGINE_NAMES.join(', ')}`);
  return v as EngineName;
}

/**
 * PaddleOCR recognition (paddle.ts) when its model and onnxruntime-node's binary are installed
 * (they are npm dependencies), else Debian's tesseract, else tesseract.js. Measured on the same
 * crops of the degraded scans (scripts/bench-ocr.ts; figures in the README): paddle reads more
 * cells right at less CPU per page. Debian's tesseract against tesseract.js: identical text and
 * confidences, ~30% less CPU (000 pages 1–2: 14.2 s vs 20.1 s).
 */
export function defaultEngine(): EngineName {
  if (paddleInstalled()) return 'paddle';
  return debianTesseractAvailable() ? 'tesseract' : 'tesseract.js';
}
