/**
 * MuPDF's characters read two ways (extract/pdf/mupdf.ts walkChars): straight from the WASM heap
 * through mupdf's accessors (mupdfInternals, what extraction uses), and through mupdf's public
 * StructuredText.walk (the fallback for a mupdf build without them). Every character of every
 * page, with its line direction, origin, font (as an identity), size and advance, must be the same both ways, on
 * the real WPS report and on a Chromium rendering (CID fonts, tables of filled rules).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// Before mupdf: this module leaves the object mupdf's loader fills in (see mupdfInternals).
import { mupdfInternals } from '../extract/pdf/mupdf-module.ts';
import { walkChars } from '../extract/pdf/mupdf.ts';
import * as mupdf from 'mupdf';
import { REAL, renderChromiumPdfs } from './extract-pdf-fixtures.ts';

const DIR = path.resolve('test/.cache/pdf-mupdf-walk');

/** Every event of walkChars over every page, as one list of rows. */
function walkAll(bytes: Uint8Array, fast: boolean): unknown[][] {
  const doc = mupdf.Document.openDocument(bytes, 'application/pdf');
  const rows: unknown[][] = [];
  try {
    for (let n = 0; n < doc.countPages(); n++) {
      const page = doc.loadPage(n);
      const stext = page.toStructuredText('preserve-whitespace,inhibit-spaces');
      // A font is an identity only (its address differs from one opening to the next): numbered
      // in order of first use on the page.
      const fonts = new Map<number, number>();
      try {
        walkChars(
          stext,
          (dx, dy) => rows.push(['line', n, dx, dy]),
          (c, ox, oy, font, ...rest) => {
            if (!fonts.has(font)) fonts.set(font, fonts.size);
            rows.push(['char', n, c, ox, oy, fonts.get(font), ...rest]);
          },
          fast ? mupdfInternals() : undefined,
        );
      } finally {
        stext.destroy();
        page.destroy();
      }
    }
  } finally {
    doc.destroy();
  }
  return rows;
}

describe('MuPDF characters from the WASM heap', () => {
  let chromiumPdf: string;
  beforeAll(async () => {
    chromiumPdf = (await renderChromiumPdfs(DIR)).split;
  }, 120_000);

  it('reach mupdf internals in this build (else extraction silently takes the slower walk)', () => {
    expect(mupdfInternals()).toBeDefined();
  });

  for (const name of ['huaian-2024.pdf', 'chromium']) {
    it(`give the same characters as StructuredText.walk: ${name}`, () => {
      const bytes = new Uint8Array(readFileSync(name === 'chromium' ? chromiumPdf : path.join(REAL, name)));
      const fast = walkAll(bytes, true);
      const slow = walkAll(bytes, false);
      expect(fast.filter((r) => r[0] === 'char').length).toBeGreaterThan(500);
      expect(fast).toEqual(slow);
    });
  }
});
