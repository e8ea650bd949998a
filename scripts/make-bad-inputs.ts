/**
 * The bad-input corpus of the reliability tests: files a portal really serves (or a disk really
 * holds) that must each fail alone, fast, with a clear error code, while the good files next to
 * them are still read.
 *
 *   node bin/run-script.js scripts/make-bad-inputs.ts [folder]     (default test/.cache/bad-inputs)
 *
 * Everything is generated (no network, no Debian package): the PDFs are written object by object,
 * the DOCX bomb with zlib. A stamp file makes re-runs instant. The 100 MB file is sparse (no disk
 * blocks) and lives under test/.cache/, which git ignores: it is never committed.
 *
 * `BAD_INPUTS` lists each file with the error code it must get (`null`: read correctly).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { writeZip, zipEntry, type RawZipEntry } from '../extract/zip.ts';

export interface BadInput {
  file: string;
  what: string;
  /** Error codes accepted for this file; null = must be read without error. */
  codes: string[] | null;
}

export const BAD_INPUTS: BadInput[] = [
  { file: 'empty.pdf', what: 'an empty file (0 bytes)', codes: ['empty-file'] },
  { file: 'truncated.pdf', what: 'a PDF cut off mid-stream (no catalog, no xref)', codes: ['damaged'] },
  { file: 'encrypted.pdf', what: 'a PDF encrypted with a user password (Standard security handler)', codes: ['encrypted'] },
  { file: 'scanned.pdf', what: 'an image-only (scanned) PDF: no text layer', codes: ['needs-ocr'] },
  { file: 'error-page.pdf', what: 'an HTML 404 page saved under a .pdf name', codes: ['error-page'] },
  { file: 'garbage.html', what: 'binary garbage under a .html name', codes: ['unsupported-type'] },
  { file: 'not-a-zip.docx', what: 'a .docx that is not a zip archive (random bytes)', codes: ['type-mismatch'] },
  { file: 'bomb.docx', what: 'a DOCX zip bomb (300 MB of XML in a few hundred KB)', codes: ['too-large'] },
  { file: 'deep.html', what: 'a 100,000-deep <div> nest', codes: ['too-complex'] },
  { file: 'huge.html', what: 'a huge page: 600,000 elements', codes: ['too-complex'] },
  { file: 'gbk-wrong-label.html', what: 'a GBK report page whose meta tag says utf-8 (read correctly, with a warning)', codes: null },
  { file: 'no-tables.txt', what: 'a report whose statistics tables are missing', codes: ['tables-missing'] },
  { file: 'big-100mb.pdf', what: 'a 100 MB file (over the 64 MiB extract cap; refused from its size)', codes: ['too-large'] },
  { file: 'good-report.txt', what: 'a good report (seed 003) next to the bad ones', codes: null },
  // Damaged the way downloads and disks damage files: the real Huai'an report cut off at several points.
  { file: 'huaian-cut-90k.pdf', what: "the real Huai'an PDF cut off after 90 KB (the issue's case: was a confident legacy report)", codes: ['damaged'] },
  { file: 'huaian-cut-50pct.pdf', what: "the real Huai'an PDF cut off at half its length", codes: ['damaged'] },
  { file: 'huaian-cut-95pct.pdf', what: "the real Huai'an PDF cut off at 95% (every table page there, the end missing)", codes: ['damaged'] },
  { file: 'huaian-no-eof.pdf', what: "the real Huai'an PDF without its last 7 bytes (%%EOF marker gone)", codes: ['damaged'] },
  { file: 'huaian-broken-xref.pdf', what: "the real Huai'an PDF with a wrong startxref offset (xref repaired; nothing missing: read, with a warning)", codes: null },
  { file: 'xref-unrecoverable.pdf', what: 'a %PDF header and %%EOF around bytes with no object in them (xref and objects unrecoverable)', codes: ['damaged'] },
  { file: 'missing-page.pdf', what: 'a whole-looking PDF whose page tree lists a page object that is not in the file', codes: ['damaged'] },
  { file: 'good-report.docx', what: 'a good report (seed 000) as a DOCX', codes: null },
  { file: 'no-central-dir.docx', what: 'that DOCX without its central directory (download cut off at the end)', codes: ['damaged'] },
  { file: 'cut-in-document.docx', what: 'that DOCX cut off inside word/document.xml', codes: ['damaged'] },
  { file: 'text-line.docx', what: 'a .docx that is one line of plain text', codes: ['type-mismatch'] },
  { file: 'text-report.pdf', what: 'a .pdf that is a plain-text report (seed 001)', codes: ['type-mismatch'] },
  { file: 'workbook.docx', what: 'a .docx that is a zip of a spreadsheet (no word/document.xml)', codes: ['type-mismatch'] },
  { file: 'huaian-pdf.docx', what: "the real Huai'an PDF named .docx (a type we read: read as PDF)", codes: null },
];

const VERSION = 'bad-inputs v3';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_BAD_INPUTS_DIR = path.join(ROOT, 'test', '.cache', 'bad-inputs');
const SEEDS = path.join(ROOT, 'sample', 'seeds');
/** The shared folder beside the worktree (NIANBAO_SHARED overrides), holding the real Huai'an PDF. */
const REAL_PDF = path.join(process.env.NIANBAO_SHARED ?? path.resolve(ROOT, '..', 'shared'), 'real', 'huaian-2024.pdf');

function seedText(id: string): string {
  const f = fs.readdirSync(SEEDS).find((n) => n.startsWith(`${id}_`));
  if (!f) throw new Error(`seed ${id} not found in ${SEEDS}`);
  return fs.readFileSync(path.join(SEEDS, f), 'utf8');
}

/** A PDF from object bodies (1-based numbering), with a correct xref table. */
function pdf(objects: (string | Buffer)[], trailerExtra = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'), Buffer.from('\nendobj\n')]);
    parts.push(b);
    offset += b.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

function stream(dict: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
}

/** A one-page text PDF (Helvetica, ASCII), used for the truncated and encrypted files. */
function textPdfObjects(lines: string[]): (string | Buffer)[] {
  const content = Buffer.from(`BT /F1 11 Tf 14 TL 50 780 Td ${lines.map((l) => `(${l.replace(/[()\\]/g, '')}) '`).join(' ')} ET`, 'latin1');
  return [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    stream('/Filter /FlateDecode', zlib.deflateSync(content)),
  ];
}

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: string): Buffer {
  const out = Buffer.alloc(n);
  let block = Buffer.alloc(0);
  for (let i = 0, k = 0; i < n; i++) {
    if (i % 32 === 0) block = crypto.createHash('sha256').update(`${seed}:${k++}`).digest();
    out[i] = block[i % 32]!;
  }
  return out;
}

// ------------------------------------------------------------------ zip (extract/zip.ts writes it)

const crc32 = (buf: Buffer, prev = 0): number => zlib.crc32(buf, prev);

const CONTENT_TYPES = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';

const xmlText = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A DOCX of a seed text the way Word lays it out: paragraphs, and tab-separated lines as table rows; a font part after the document (Word writes media and fonts last). */
function docxFromSeed(text: string): Buffer {
  const body: string[] = [];
  let rows: string[][] = [];
  const flush = () => {
    if (rows.length) body.push(`<w:tbl>${rows.map((r) => `<w:tr>${r.map((c) => `<w:tc><w:p><w:r><w:t>${xmlText(c)}</w:t></w:r></w:p></w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`);
    rows = [];
  };
  for (const l of text.split('\n')) {
    if (l.includes('\t')) rows.push(l.split('\t'));
    else {
      flush();
      if (l.trim()) body.push(`<w:p><w:r><w:t>${xmlText(l)}</w:t></w:r></w:p>`);
    }
  }
  flush();
  const documentXml = `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body.join('')}</w:body></w:document>`;
  return writeZip([
    zipEntry('[Content_Types].xml', Buffer.from(CONTENT_TYPES)),
    zipEntry('_rels/.rels', Buffer.from(RELS)),
    zipEntry('word/document.xml', Buffer.from(documentXml)),
    zipEntry('word/fonts/font1.odttf', noise(48 * 1024, 'font'), { store: true }),
  ]);
}

/** word/document.xml declaring and really holding `mb` MB of XML, deflated ~1000×. */
function bombEntry(mb: number) {
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>');
  const tail = Buffer.from('</w:t></w:r></w:p></w:body></w:document>');
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const size = head.length + mb * chunk.length + tail.length;
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  let c = 0;
  const parts = [head, ...Array.from({ length: mb }, () => chunk), tail];
  for (const p of parts) {
    c = crc32(p, c);
    deflate.write(p);
  }
  return new Promise<RawZipEntry>((resolve) => {
    deflate.end(() => resolve({ name: 'word/document.xml', method: 8, crc: c, size, compressed: Buffer.concat(out) }));
  });
}

// ------------------------------------------------------------------ the files

function htmlFromSeed(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let table: string[][] | null = null;
  const flush = () => {
    if (table) out.push(`<table border="1">${table.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`);
    table = null;
  };
  for (const l of lines) {
    if (l.includes('\t')) (table ??= []).push(l.split('\t'));
    else {
      flush();
      if (l.trim()) out.push(`<p>${l}</p>`);
    }
  }
  flush();
  return out.join('\n');
}

export async function makeBadInputs(dir = DEFAULT_BAD_INPUTS_DIR): Promise<{ dir: string; files: BadInput[]; cached: boolean }> {
  const stamp = path.join(dir, '.stamp');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === VERSION && BAD_INPUTS.every((b) => fs.existsSync(path.join(dir, b.file)))) {
    return { dir, files: BAD_INPUTS, cached: true };
  }
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, data: Buffer | string) => fs.writeFileSync(path.join(dir, name), data);

  put('empty.pdf', Buffer.alloc(0));

  // Truncated: the catalog comes last, and the file stops in the middle of the content stream.
  const lines = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of a report that was cut off in transit`);
  const content = textPdfObjects(lines)[4]!;
  const full = pdf([
    '<< /Type /Pages /Kids [2 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 1 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    content,
    '<< /Type /Catalog /Pages 1 0 R >>',
  ]);
  const cut = full.indexOf('stream\n') + 20;
  put('truncated.pdf', full.subarray(0, cut));

  // Encrypted: RC4 40-bit (V1 R2) with a user password; the O and U entries were not computed
  // from the empty password, so no reader opens it without the password.
  put('encrypted.pdf', pdf([...textPdfObjects(['secret']), `<< /Filter /Standard /V 1 /R 2 /O <${noise(32, 'owner').toString('hex')}> /U <${noise(32, 'user').toString('hex')}> /P -3904 >>`], `/Encrypt 6 0 R /ID [<${noise(16, 'id').toString('hex')}> <${noise(16, 'id').toString('hex')}>] `));

  // Scanned: one page painted with a grey image, no text operators at all.
  const w = 200;
  const h = 120;
  const pixels = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[y * w + x] = (x * 7 + y * 13) % 64 < 32 ? 40 : 230;
  put('scanned.pdf', pdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>',
    stream(`/Type /XObject /Subtype /Image /Width ${w} /Height ${h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode`, zlib.deflateSync(pixels)),
    stream('', Buffer.from('q 495 0 0 297 50 500 cm /Im1 Do Q')),
  ]));

  put('error-page.pdf', '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 页面不存在</title></head><body><div class="err"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p><p><a href="/">返回首页</a></p></div></body></html>\n');
  put('garbage.html', noise(64 * 1024, 'garbage'));
  put('not-a-zip.docx', noise(20 * 1024, 'not-a-zip'));

  const bomb = await bombEntry(300);
  put('bomb.docx', writeZip([
    zipEntry('[Content_Types].xml', Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')),
    bomb,
  ]));

  const n = 100_000;
  put('deep.html', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某局2021年政府信息公开工作年度报告</title></head><body>${'<div>'.repeat(n)}某某局2021年政府信息公开工作年度报告${'</div>'.repeat(n)}</body></html>`);
  put('huge.html', `<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某局2021年政府信息公开工作年度报告</title></head><body>${'<p>本年度主动公开政府信息1条。</p>\n'.repeat(600_000)}</body></html>`);

  const seed0 = seedText('000');
  const page = `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>${seed0.split('\n')[0]}</title></head><body><div class="TRS_Editor">${htmlFromSeed(seed0)}</div></body></html>`;
  put('gbk-wrong-label.html', iconv.encode(page, 'gbk'));

  // Seed 000 (a 2021-format report) with every table line taken out: the outline, no numbers.
  put('no-tables.txt', seed0.split('\n').filter((l) => !l.includes('\t')).join('\n'));
  put('good-report.txt', seedText('003'));

  // The real Huai'an report, damaged the way the world damages files.
  if (!fs.existsSync(REAL_PDF)) throw new Error(`the real Huai'an PDF is missing at ${REAL_PDF} (set NIANBAO_SHARED to the shared folder)`);
  const real = fs.readFileSync(REAL_PDF);
  put('huaian-cut-90k.pdf', real.subarray(0, 90 * 1024));
  put('huaian-cut-50pct.pdf', real.subarray(0, Math.floor(real.length * 0.5)));
  put('huaian-cut-95pct.pdf', real.subarray(0, Math.floor(real.length * 0.95)));
  put('huaian-no-eof.pdf', real.subarray(0, real.lastIndexOf('%%EOF')));
  const sx = real.lastIndexOf('startxref');
  const at = /startxref\s+(\d+)/.exec(real.subarray(sx).toString('latin1'))!;
  // Same length, wrong offset: points into the middle of a content stream.
  put('huaian-broken-xref.pdf', Buffer.concat([real.subarray(0, sx), Buffer.from(at[0].replace(at[1], String(Math.floor(Number(at[1]) / 2)).padStart(at[1].length, '0')), 'latin1'), real.subarray(sx + at[0].length)]));
  // Bytes differ from the real file (a store keys documents by their hash): a line after %%EOF, which readers ignore.
  put('huaian-pdf.docx', Buffer.concat([real, Buffer.from('\n', 'latin1')]));
  put('xref-unrecoverable.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n', 'latin1'), noise(30 * 1024, 'no-objects').map((b) => (b === 0x25 ? 0x20 : b)), Buffer.from('\nstartxref\n12345\n%%EOF\n', 'latin1')]));
  // Two pages in the tree, the second page object not in the file (xref lists 6 objects, Kids names object 7).
  const page1 = textPdfObjects(['Annual report page 1: this page is here', 'and has enough text to not look like a scan at all']);
  put('missing-page.pdf', pdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>',
    page1[2]!,
    page1[3]!,
    page1[4]!,
    '<< /Producer (nianbao bad inputs) >>',
  ]));

  const goodDocx = docxFromSeed(seed0);
  put('good-report.docx', goodDocx);
  put('no-central-dir.docx', goodDocx.subarray(0, goodDocx.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))));
  const docAt = goodDocx.indexOf(Buffer.from('word/document.xml'));
  put('cut-in-document.docx', goodDocx.subarray(0, docAt + 2000));
  put('text-line.docx', '2021年政府信息公开工作年度报告\n');
  put('text-report.pdf', seedText('001'));
  put('workbook.docx', writeZip([zipEntry('[Content_Types].xml', Buffer.from(CONTENT_TYPES)), zipEntry('xl/workbook.xml', Buffer.from('<workbook/>'))]));

  // Sparse: 100 MiB of size, no disk blocks; a %PDF header so nothing but the size refuses it.
  const big = path.join(dir, 'big-100mb.pdf');
  fs.writeFileSync(big, '%PDF-1.4\n');
  fs.truncateSync(big, 100 * 1024 * 1024);

  fs.writeFileSync(stamp, VERSION);
  return { dir, files: BAD_INPUTS, cached: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const r = await makeBadInputs(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`${r.cached ? 'cached' : 'wrote'} ${r.files.length} files in ${r.dir} (${Date.now() - t0} ms)`);
}
