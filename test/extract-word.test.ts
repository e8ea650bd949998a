import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { sniffMediaType } from '../extract/charset.ts';
import { blocksFromWordText, extractDoc, hasSoffice } from '../extract/doc.ts';
import { extractDocx, readZipDirectory } from '../extract/docx.ts';
import { ExtractError, type ExtractedDocument, type TableBlock } from '../extract/model.ts';
import { applicationsDocx, expectedApplicationsGrid, reportHtmlDocument } from './extract-fixtures.ts';

const CACHE = join(import.meta.dirname, '.cache', 'extract-word');
mkdirSync(CACHE, { recursive: true });

const TITLE = '某某市某某局2021年政府信息公开工作年度报告';

function tables(doc: ExtractedDocument): TableBlock[] {
  return doc.blocks.filter((b): b is TableBlock => b.kind === 'table');
}
function paragraphs(doc: ExtractedDocument): string[] {
  return doc.blocks.flatMap((b) => (b.kind === 'paragraph' ? [b.text] : []));
}

async function expectExtractError(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractError);
  expect((err as ExtractError).code).toBe(code);
  if (message) expect((err as ExtractError).message).toMatch(message);
}

// ---------------------------------------------------------------------------------------------
// A minimal zip writer for hostile archives.

interface RawEntry {
  name: string;
  data: Buffer;
  /** Override the uncompressed size written in the headers (a lying bomb). */
  declaredSize?: number;
  /** Override the compressed size written in the central directory. */
  declaredCompressedSize?: number;
  store?: boolean;
}

function crc32(b: Buffer): number {
  const z = zlib as unknown as { crc32?: (d: Buffer) => number };
  if (z.crc32) return z.crc32(b);
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function buildZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const comp = e.store ? e.data : zlib.deflateRawSync(e.data, { level: 9 });
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.store ? 0 : 8, 8);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(e.store ? 0 : 8, 10);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(e.declaredCompressedSize ?? comp.length, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, comp);
    centrals.push(ch, name);
    offset += lh.length + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

const CONTENT_TYPES = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
);
const RELS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
);
function documentXml(body: string): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  );
}

// ---------------------------------------------------------------------------------------------

describe('extractDocx', () => {
  let docxBytes: Buffer;
  beforeAll(async () => {
    docxBytes = await applicationsDocx(TITLE);
    writeFileSync(join(CACHE, 'applications.docx'), docxBytes);
  });

  it('a DOCX with vertically and horizontally merged cells → exact grid', async () => {
    // the fixture really uses Word merges
    const xml = execFileSync('unzip', ['-p', join(CACHE, 'applications.docx'), 'word/document.xml']).toString();
    expect(xml).toMatch(/<w:vMerge w:val="restart"\/>/);
    expect(xml).toMatch(/<w:vMerge w:val="continue"\/>/);
    expect(xml).toMatch(/<w:gridSpan w:val="5"\/>/);

    const doc = await extractDocx(docxBytes);
    expect(doc.kind).toBe('docx');
    expect(doc.status).toBe('ok');
    expect(doc.declaredTitle).toBe(TITLE);
    expect(paragraphs(doc)).toEqual([
      TITLE,
      '一、总体情况',
      '2021年，我局主动公开政府信息121条，受理政府信息公开申请3件。',
      '三、收到和处理政府信息公开申请情况',
      '四、政府信息公开行政复议、行政诉讼情况',
    ]);
    const [t] = tables(doc);
    expect(t.rows).toEqual(expectedApplicationsGrid({ headerRows: 2 }));
    expect(t.rows[8][5]).toBe(''); // the blank cell (data row 6, column 2) stays blank
    expect(t.origins![10][1]).toEqual({ row: 6, col: 1 }); // inside the （三）不予公开 vMerge
    expect(doc.script).toBe('simplified');
    expect(sniffMediaType(docxBytes, 'x.doc')).toBe('docx');
  });

  it('not a zip → corrupt-file', async () => {
    await expectExtractError(extractDocx(Buffer.from('<html><body>not found</body></html>')), 'corrupt-file', /not a zip/);
    await expectExtractError(extractDocx(new Uint8Array()), 'empty-file');
  });

  it('a truncated zip and a zip that is not a Word document → corrupt-file', async () => {
    await expectExtractError(extractDocx(docxBytes.subarray(0, Math.floor(docxBytes.length / 2))), 'corrupt-file', /truncated/);
    const notWord = buildZip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);
    await expectExtractError(extractDocx(notWord), 'corrupt-file', /word\/document\.xml/);
  });

  it('an OLE2 file named .docx → corrupt-file; an encrypted OOXML → encrypted', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    await expectExtractError(extractDocx(ole), 'corrupt-file', /OLE2/);
    await expectExtractError(extractDocx(Buffer.concat([ole, Buffer.from('EncryptedPackage', 'utf16le')])), 'encrypted');
  });

  it('a zip bomb (declared expansion ratio) → too-large before inflating', async () => {
    // 40 MB of one repeated paragraph: deflates ~1000×
    const para = '<w:p><w:r><w:t>主动公开政府信息</w:t></w:r></w:p>';
    const huge = Buffer.from(para.repeat(Math.ceil((40 * 1024 * 1024) / Buffer.byteLength(para))));
    const bomb = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: '_rels/.rels', data: RELS },
      { name: 'word/document.xml', data: documentXml(huge.toString()) },
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const entry = readZipDirectory(bomb).find((e) => e.name === 'word/document.xml')!;
    expect(entry.uncompressedSize / entry.compressedSize).toBeGreaterThan(100);
    const t0 = Date.now();
    await expectExtractError(extractDocx(bomb), 'too-large', /expands/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('declared total over the cap → too-large; a lying header → too-large', async () => {
    // the central directory claims 2 × 150 MB of stored images (nothing is read to find out)
    const big = 150 * 1024 * 1024;
    const claims = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: 'word/document.xml', data: documentXml('<w:p/>') },
      { name: 'word/media/image1.png', data: Buffer.alloc(10), declaredSize: big, declaredCompressedSize: big, store: true },
      { name: 'word/media/image2.png', data: Buffer.alloc(10), declaredSize: big, declaredCompressedSize: big, store: true },
    ]);
    await expectExtractError(extractDocx(claims), 'too-large', /200\.0 MB/);
    // the header says 1 KB, the stream inflates to 5 MB
    const liar = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: '_rels/.rels', data: RELS },
      { name: 'word/document.xml', data: documentXml(' '.repeat(5 * 1024 * 1024)), declaredSize: 1024 },
    ]);
    await expectExtractError(extractDocx(liar), 'too-large', /beyond its declared/);
  });

  it('a well-formed hand-made DOCX with a gridSpan table goes through', async () => {
    const tbl =
      '<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>申请人情况</w:t></w:r></w:p></w:tc><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>总计</w:t></w:r></w:p></w:tc></w:tr>' +
      '<w:tr><w:tc><w:p><w:r><w:t>商业</w:t></w:r><w:r><w:br/><w:t>企业</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>';
    const zip = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: '_rels/.rels', data: RELS },
      { name: 'word/document.xml', data: documentXml(`<w:p><w:r><w:t>表</w:t></w:r></w:p>${tbl}`) },
    ]);
    const doc = await extractDocx(zip);
    expect(tables(doc)[0].rows).toEqual([
      ['申请人情况', '申请人情况', '总计'],
      ['商业企业', '', '总计'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

const soffice = hasSoffice();
if (!soffice) console.warn('[extract-word.test] LibreOffice (soffice) not found: the .doc conversion tests are skipped');

/** A Word 97 .doc made by LibreOffice from the report HTML (HTML → ODT → DOC), cached by content. */
function makeDoc(): Buffer {
  const html = reportHtmlDocument(TITLE, { headerRows: 2 });
  const key = createHash('sha256').update(html).digest('hex').slice(0, 16);
  const dir = join(CACHE, `doc-${key}`);
  const doc = join(dir, 'report.doc');
  if (existsSync(doc)) return readFileSync(doc);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.html'), html);
  const profile = `-env:UserInstallation=file://${join(CACHE, 'lo-profile')}`;
  const opts = { cwd: dir, stdio: 'ignore' as const, timeout: 120_000 };
  execFileSync('soffice', [profile, '--headless', '--convert-to', 'odt', 'report.html'], opts);
  execFileSync('soffice', [profile, '--headless', '--convert-to', 'doc:MS Word 97', 'report.odt'], opts);
  return readFileSync(doc);
}

describe('extractDoc', () => {
  it.skipIf(!soffice)('a Word 97 .doc with merged cells → exact grid via LibreOffice', async () => {
    const bytes = makeDoc();
    expect(sniffMediaType(bytes, 'report.doc')).toBe('doc');
    const t0 = Date.now();
    const doc = await extractDoc(bytes);
    const ms = Date.now() - t0;
    console.log(`[extract-word.test] .doc via LibreOffice: ${ms} ms`);
    expect(doc.kind).toBe('doc');
    expect(doc.mediaType).toBe('application/msword');
    expect(doc.warnings).toEqual([]);
    expect(doc.declaredTitle).toBe(TITLE);
    expect(paragraphs(doc)).toContain('2021年，我局主动公开政府信息121条，受理政府信息公开申请3件。');
    const t = tables(doc);
    expect(t).toHaveLength(1);
    expect(t[0].rows).toEqual(expectedApplicationsGrid({ headerRows: 2 }));
  });

  it.skipIf(!soffice)('word-extractor fallback: text kept, tables only approximate (and said so)', async () => {
    const bytes = makeDoc();
    const doc = await extractDoc(bytes, { soffice: false });
    expect(doc.warnings.join(' ')).toMatch(/LibreOffice not available/);
    expect(paragraphs(doc)).toContain('2021年，我局主动公开政府信息121条，受理政府信息公开申请3件。');
    const [t] = tables(doc);
    const cells = t.rows.flat();
    expect(cells).toContain('1.属于国家秘密');
    expect(cells).toContain('3.危及“三安全一稳定”'); // curly quotes kept (filterUnicode off)
    // merged cells are missing in this route: the grid is NOT the real one
    expect(t.rows).not.toEqual(expectedApplicationsGrid({ headerRows: 2 }));
  });

  it('word-extractor text: cells split on tabs, rows on tab runs', () => {
    expect(blocksFromWordText('标题\n统计指标\t单位\t统计数\t\t主动公开\t条\t147\t\t\n结尾')).toEqual([
      { kind: 'paragraph', text: '标题' },
      {
        kind: 'table',
        rows: [
          ['统计指标', '单位', '统计数'],
          ['主动公开', '条', '147'],
        ],
      },
      { kind: 'paragraph', text: '结尾' },
    ]);
  });

  it('broken input → ExtractError with a reason', async () => {
    await expectExtractError(extractDoc(new Uint8Array()), 'empty-file');
    await expectExtractError(extractDoc(Buffer.from('<html>error</html>')), 'corrupt-file', /OLE2/);
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    await expectExtractError(extractDoc(Buffer.concat([ole, Buffer.from('Workbook', 'utf16le')])), 'unsupported-type');
    await expectExtractError(extractDoc(Buffer.concat([ole, Buffer.from('EncryptedPackage', 'utf16le')])), 'encrypted');
  });

  it.skipIf(!soffice)('a damaged .doc (OLE2 header, garbage body) → corrupt-file', async () => {
    const bytes = Buffer.from(makeDoc());
    const damaged = Buffer.concat([bytes.subarray(0, 512), Buffer.alloc(4096, 0x41), Buffer.from('WordDocument', 'utf16le')]);
    await expectExtractError(extractDoc(damaged), 'corrupt-file');
  });
});
