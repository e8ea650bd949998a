/**
 * Word 97–2003 (.doc) extractor.
 *
 * Route: LibreOffice (`soffice --headless --convert-to html`) → extractHtml. It is slow (~1.5 s
 * per file) but it keeps table structure (rowspan/colspan from Word's merged cells), which the
 * statutory tables depend on. word-extractor reads the text in ~25 ms, but it turns both cell
 * marks and row-end marks into '\t', so a table comes out as one line in which a row end and an
 * empty cell are indistinguishable and merged cells are just missing cells: it is only the
 * fallback when LibreOffice is unavailable or fails (with a warning).
 *
 * LibreOffice also reads RTF, which many portals serve under a .doc name.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractHtml } from './html.ts';
import { ExtractError, type Block, type ExtractedDocument } from './model.ts';
import { isMostlyTraditional } from './chinese.ts';
import { namesReport } from '../text/title.ts';
import { containsUtf16le, OLE2_MAGIC, startsWithBytes } from './sniff.ts';

export const DOC_MEDIA_TYPE = 'application/msword';
export const MAX_DOC_BYTES = 100 * 1024 * 1024;

export interface DocExtractOptions {
  /** soffice binary; default $NIANBAO_SOFFICE, else /usr/bin/soffice, else `soffice` on PATH. */
  soffice?: string | false;
  /** Kill LibreOffice after this long (ms). Default 60 s. */
  timeoutMs?: number;
}

function isRtf(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8)).toString('latin1').startsWith('{\\rtf');
}

// ---------------------------------------------------------------------------------------------
// LibreOffice

function findSoffice(opt: string | false | undefined): string | undefined {
  if (opt === false) return undefined;
  if (opt) return opt;
  if (process.env.NIANBAO_SOFFICE) return process.env.NIANBAO_SOFFICE;
  for (const p of ['/usr/bin/soffice', '/usr/local/bin/soffice', '/usr/lib/libreoffice/program/soffice', '/opt/libreoffice/program/soffice'])
    if (existsSync(p)) return p;
  return undefined;
}

/** True when a LibreOffice binary is available for .doc conversion. */
export function hasSoffice(): boolean {
  return findSoffice(undefined) !== undefined;
}

// One LibreOffice profile per process, used by one conversion at a time: concurrent soffice
// runs on the same profile fail, and creating a fresh profile per file costs seconds.
let queue: Promise<unknown> = Promise.resolve();
let profileDir: string | undefined;

function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

async function profile(): Promise<string> {
  if (!profileDir) {
    profileDir = join(tmpdir(), `nianbao-soffice-${process.pid}`);
    await mkdir(profileDir, { recursive: true });
  }
  return profileDir;
}

interface RunResult {
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL'); // the whole group: soffice forks soffice.bin
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut });
    });
  });
}

/** Convert a .doc/.rtf to HTML with LibreOffice; returns the HTML bytes. */
export async function sofficeToHtml(bytes: Uint8Array, opts: DocExtractOptions = {}): Promise<Uint8Array> {
  const bin = findSoffice(opts.soffice);
  if (!bin) throw new Error('LibreOffice (soffice) not found');
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return serialized(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nianbao-doc-'));
    try {
      const input = join(dir, isRtf(bytes) ? 'input.rtf' : 'input.doc');
      await writeFile(input, bytes);
      const outDir = join(dir, 'out');
      const res = await run(
        bin,
        [
          `-env:UserInstallation=${pathToFileURL(await profile()).href}`,
          '--headless',
          '--norestore',
          '--nolockcheck',
          '--nodefault',
          '--convert-to',
          'html:HTML (StarWriter)',
          '--outdir',
          outDir,
          input,
        ],
        timeoutMs,
      );
      if (res.timedOut) throw new ExtractError('timeout', `LibreOffice conversion exceeded ${timeoutMs} ms`);
      const files = existsSync(outDir) ? await readdir(outDir) : [];
      const html = files.find((f) => f.endsWith('.html'));
      if (!html) {
        throw new Error(`LibreOffice produced no HTML (exit ${res.code}${res.stderr ? `: ${res.stderr.trim().slice(0, 300)}` : ''})`);
      }
      return new Uint8Array(await readFile(join(outDir, html)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// word-extractor fallback

interface WordDocument {
  getBody(options?: { filterUnicode?: boolean }): string;
}
interface WordExtractorCtor {
  new (): { extract(input: Buffer | string): Promise<WordDocument> };
}

const cjsRequire = createRequire(import.meta.url);

async function wordExtractorText(bytes: Uint8Array): Promise<string> {
  const WordExtractor = cjsRequire('word-extractor') as WordExtractorCtor;
  const doc = await new WordExtractor().extract(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return doc.getBody({ filterUnicode: false });
}

/**
 * Blocks from word-extractor text. Cell marks and row-end marks both come out as '\t', so a
 * table is a run of '\t'-separated cells in which a line break belongs to the cell it is in
 * (商业\n企业\t). A run of 2+ tabs is taken as a row boundary: that is ambiguous with empty
 * cells, and vertically merged cells are empty cells here, so the grid is approximate.
 */
export function blocksFromWordText(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/[\u00a0\u3000]+/g, ' ');
    if (line.trim() === '') continue;
    if (!line.includes('\t')) {
      blocks.push({ kind: 'paragraph', text: line.trim() });
      continue;
    }
    // the table region: lines with cell marks, plus lines that continue an unfinished cell
    let region = line;
    let j = i + 1;
    while (j < lines.length && (!region.endsWith('\t') || lines[j].includes('\t'))) {
      region += lines[j];
      j++;
    }
    i = j - 1;
    const rows = region
      .replace(/\t+$/, '')
      .split(/\t{2,}/)
      .map((r) => r.split('\t').map((c) => c.replace(/[\s\u00a0\u3000]+/g, ' ').trim()))
      .filter((r) => r.some((c) => c !== ''));
    if (rows.length > 0) blocks.push({ kind: 'table', rows });
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------

export async function extractDoc(bytes: Uint8Array, opts: DocExtractOptions = {}): Promise<ExtractedDocument> {
  if (bytes.length === 0) throw new ExtractError('empty-file', 'DOC file is empty (0 bytes)');
  if (bytes.length > MAX_DOC_BYTES) throw new ExtractError('too-large', `DOC file is ${bytes.length} bytes (limit ${MAX_DOC_BYTES})`);
  const rtf = isRtf(bytes);
  if (!rtf && !startsWithBytes(bytes, OLE2_MAGIC)) {
    throw new ExtractError('corrupt-file', 'not a Word 97 document (no OLE2 signature) and not RTF');
  }
  if (!rtf && containsUtf16le(bytes, 'EncryptedPackage')) {
    throw new ExtractError('encrypted', 'password-protected Office document (OLE2 EncryptedPackage)');
  }
  if (!rtf && !containsUtf16le(bytes, 'WordDocument')) {
    throw new ExtractError('unsupported-type', 'OLE2 file without a WordDocument stream (an Excel/PowerPoint file?)');
  }

  const warnings: string[] = [];
  if (findSoffice(opts.soffice)) {
    try {
      const html = await sofficeToHtml(bytes, opts);
      const doc = extractHtml(html, { fragment: true, contentType: 'text/html; charset=utf-8' });
      return { ...doc, mediaType: rtf ? 'application/rtf' : DOC_MEDIA_TYPE, kind: 'doc', warnings: [...warnings, ...doc.warnings] };
    } catch (err) {
      if (err instanceof ExtractError && err.code !== 'timeout') throw err;
      warnings.push(`LibreOffice conversion failed (${(err as Error).message}); fell back to word-extractor text`);
    }
  } else {
    warnings.push('LibreOffice not available: text from word-extractor, table rows are approximate');
  }

  if (rtf) throw new ExtractError('unsupported-type', `RTF needs LibreOffice. ${warnings.join('; ')}`);
  let text: string;
  try {
    text = await wordExtractorText(bytes);
  } catch (err) {
    throw new ExtractError('corrupt-file', `DOC could not be read: ${(err as Error).message}`);
  }
  const blocks = blocksFromWordText(text);
  if (blocks.length === 0) throw new ExtractError('empty-file', 'DOC has no text content');
  const all = blocks.map((b) => (b.kind === 'paragraph' ? b.text : b.rows.flat().join(''))).join('\n');
  const first = blocks.find((b) => b.kind === 'paragraph');
  return {
    mediaType: DOC_MEDIA_TYPE,
    kind: 'doc',
    blocks,
    declaredTitle: first && first.kind === 'paragraph' && namesReport(first.text) ? first.text : undefined,
    status: 'ok',
    warnings,
    script: /[\u4e00-\u9fff]/.test(all) ? (isMostlyTraditional(all) ? 'traditional' : 'simplified') : undefined,
  };
}
