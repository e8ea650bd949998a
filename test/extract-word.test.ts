import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sniffMediaType } from '../extract/sniff.ts';
import { blocksFromWordText, extractDoc, hasSoffice } from '../extract/doc.ts';
import { extractDocx } from '../extract/docx.ts';
import { extractDocument } from '../extract/index.ts';
import { readZipDirectory, writeZip, zipEntry } from '../extract/zip.ts';
import { ExtractError, type ExtractedDocument, type TableBlock } from '../extract/model.ts';
import { sharedDir } from './helpers/expected.ts';
import { applicationsDocx, expectedApplicationsGrid, reportHtmlDocument } from './extract-fixtures.ts';
import { toolAvailable } from './helpers/tools.ts';

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
// Hostile archives are made with the product's zip writer (extract/zip.ts), entries altered where a test lies.

interface RawEntry {
  name: string;
  data: Buffer;
  /** Override the uncompressed size written in the headers (a lying bomb). */
  declaredSize?: number;
  /** Override the compressed size written in the central directory. */
  declaredCompressedSize?: number;
  store?: boolean;
}

function buildZip(entries: RawEntry[]): Buffer {
  return writeZip(
    entries.map((e) => ({ ...zipEntry(e.name, e.data, { store: e.store }), ...(e.declaredSize !== undefined && { size: e.declaredSize }), declaredCompressedSize: e.declaredCompressedSize })),
  );
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

  it('not a zip → type-mismatch', async () => {
    await expectExtractError(extractDocx(Buffer.from('<html><body>not found</body></html>')), 'type-mismatch', /not a zip/);
    await expectExtractError(extractDocx(new Uint8Array()), 'empty-file');
  });

  it('a zip that is not a Word document → type-mismatch', async () => {
    const notWord = buildZip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);
    await expectExtractError(extractDocx(notWord), 'type-mismatch', /word\/document\.xml/);
  });

  it('a DOCX cut off, or without its central directory → damaged, with the text of the whole parts kept', async () => {
    const body = documentXml('<w:p><w:r><w:t>某某局2021年政府信息公开工作年度报告</w:t></w:r></w:p><w:p><w:r><w:t>本年度新收政府信息公开申请136件。</w:t></w:r></w:p>');
    const image = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 251));
    const whole = buildZip([
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: '_rels/.rels', data: RELS },
      { name: 'word/document.xml', data: body },
      { name: 'word/media/image1.png', data: image, store: true },
    ]);
    const cdStart = whole.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    // The central directory missing (cut just before it), and cut in the middle of the image.
    for (const cut of [cdStart, cdStart - 30_000]) {
      const doc = await extractDocx(whole.subarray(0, cut));
      expect(doc.status, `cut at ${cut}`).toBe('damaged');
      expect(doc.damage!.join(' ')).toMatch(/central directory/);
      expect(paragraphs(doc)).toContain('本年度新收政府信息公开申请136件。');
    }
    // Cut inside word/document.xml: nothing whole to read.
    const docAt = whole.indexOf(Buffer.from('word/document.xml'));
    await expectExtractError(extractDocx(whole.subarray(0, docAt + 40)), 'damaged', /word\/document\.xml not among/);
    // A real Word-made file, cut at several points: never read as whole, never another code.
    for (const f of [0.2, 0.5, 0.8, 0.95]) {
      const cut = docxBytes.subarray(0, Math.floor(docxBytes.length * f));
      const r = await extractDocx(cut).then((d) => d.status, (e: unknown) => (e instanceof ExtractError ? `error ${e.code}` : `throw ${String(e)}`));
      expect(['damaged', 'error damaged'], `cut at ${f}`).toContain(r);
    }
  });

  it('an OLE2 file named .docx → type-mismatch; an encrypted OOXML → encrypted', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]);
    await expectExtractError(extractDocx(ole), 'type-mismatch', /OLE2/);
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
    // Refused from the declared ratio, before anything is inflated (the inflate check says 'beyond its declared').
    await expectExtractError(extractDocx(bomb), 'too-large', /expands \d+× to/);
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

const soffice = toolAvailable('LibreOffice (soffice)', hasSoffice(), 'apt-get install libreoffice-writer-nogui (bash scripts/system-deps.sh), or set NIANBAO_SOFFICE');

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

// ---------------------------------------------------------------------------------------------

describe('mislabelled files (extractDocument): bytes against the declared type', () => {
  const real = readFileSync(join(sharedDir, 'real', 'huaian-2024.pdf'));
  let docxBytes: Buffer;
  beforeAll(async () => {
    docxBytes = await applicationsDocx(TITLE);
  });

  it('a type we read under another name is read as what it is, with a warning', async () => {
    const pdfAsDocx = await extractDocument(real, { fileName: 'report.docx' });
    expect(pdfAsDocx.kind).toBe('pdf');
    expect(pdfAsDocx.warnings[0]).toBe('named or served as DOCX but the bytes are PDF: read as PDF');
    const docxAsPdf = await extractDocument(docxBytes, { fileName: 'report.pdf', contentType: 'application/pdf' });
    expect(docxAsPdf.kind).toBe('docx');
    expect(tables(docxAsPdf)[0].rows).toEqual(expectedApplicationsGrid({ headerRows: 2 }));
  });

  it('plain text or noise under a document name is type-mismatch, never "not a report"', async () => {
    await expectExtractError(extractDocument(Buffer.from('2021年政府信息公开工作年度报告\n'), { fileName: 'report.docx' }), 'type-mismatch', /DOCX but the bytes are plain text/);
    await expectExtractError(extractDocument(Buffer.from('某某局2021年政府信息公开工作年度报告\n一、总体情况\n'), { fileName: 'a.pdf' }), 'type-mismatch', /PDF but the bytes are plain text: no %PDF header/);
    await expectExtractError(extractDocument(Buffer.from([0x13, 0x99, 0xfe, 0x00, 0x42, 0x01, 0x88, 0x00]), { contentType: 'application/msword' }), 'type-mismatch', /DOC but the bytes are binary data/);
    const workbook = buildZip([{ name: '[Content_Types].xml', data: CONTENT_TYPES }, { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);
    await expectExtractError(extractDocument(workbook, { fileName: 'report.docx' }), 'type-mismatch', /without word\/document\.xml/);
  });

  it('an HTML error page saved as .pdf stays error-page; an HTML report saved as .pdf is read as HTML', async () => {
    const errorPage = '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><p>nginx</p></body></html>';
    await expectExtractError(extractDocument(Buffer.from(errorPage), { fileName: 'report.pdf' }), 'error-page');
    const page = await extractDocument(Buffer.from(reportHtmlDocument(TITLE, { headerRows: 2 })), { fileName: 'report.pdf' });
    expect(page.kind).toBe('html');
  });

  it('a DOCX cut off before word/document.xml is in view is damaged, not a type mismatch', async () => {
    const docAt = docxBytes.indexOf(Buffer.from('word/document.xml'));
    expect(docAt).toBeGreaterThan(0);
    await expectExtractError(extractDocument(docxBytes.subarray(0, docAt - 1), { fileName: 'report.docx' }), 'damaged');
  });
});
