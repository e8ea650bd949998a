import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ExtractPool } from '../pipeline/pool.ts';
import { seedFile, sharedDir } from './helpers/expected.ts';

describe('extraction worker pool', () => {
  const pool = new ExtractPool({ workers: 2, timeoutMs: 20_000 });
  afterAll(() => pool.close());

  it('extracts documents in worker threads, errors stay per document', async () => {
    const seed = fs.readFileSync(seedFile('000'));
    const [ok, empty] = await Promise.all([pool.extract(seed, { fileName: 'a.txt' }), pool.extract(new Uint8Array(0), { fileName: 'empty.pdf' })]);
    expect(ok.doc?.blocks.some((b) => b.kind === 'table')).toBe(true);
    expect(empty.error).toEqual({ code: 'empty-file', message: expect.stringMatching(/empty/) });
  });

  it('a document over the time limit fails alone and the pool goes on', async () => {
    const slow = new ExtractPool({ workers: 1, timeoutMs: 300 });
    try {
      // A huge text with one enormous table takes far longer than 300 ms to extract.
      const big = Buffer.from(Array.from({ length: 400_000 }, (_, i) => `行${i}\t${i}\t${i}\t${i}`).join('\n'));
      const r = await slow.extract(big, { fileName: 'big.txt', maxBytes: 1e9 });
      expect(r.error?.code).toBe('timeout');
      const after = await slow.extract(fs.readFileSync(seedFile('001')), { fileName: 'b.txt' });
      expect(after.doc?.status).toBe('ok');
    } finally {
      await slow.close();
    }
  });

  it('a document posted ahead to a worker whose current document times out is not lost: it goes to the replacement worker', async () => {
    const slow = new ExtractPool({ workers: 1, timeoutMs: 300 });
    try {
      const big = Buffer.from(Array.from({ length: 400_000 }, (_, i) => `行${i}\t${i}\t${i}\t${i}`).join('\n'));
      // Queued together: the second is posted to the busy worker ahead (Slot.next), never starts there.
      const [r, after] = await Promise.all([
        slow.extract(big, { fileName: 'big.txt', maxBytes: 1e9 }),
        slow.extract(fs.readFileSync(seedFile('001')), { fileName: 'b.txt' }),
      ]);
      expect(slow.stats.postedAhead).toBe(1);
      expect(r.error?.code).toBe('timeout');
      expect(after.error).toBeUndefined();
      expect(after.doc?.status).toBe('ok');
    } finally {
      await slow.close();
    }
  });

  it('workers that cannot start fail the queued documents with the reason, and the next call tries again', async () => {
    // A 4 MB heap cannot even load the loader: every start dies with out-of-memory. Without a
    // live worker nothing would keep the process alive, so the awaits below would never settle.
    const starved = new ExtractPool({ workers: 2, maxHeapMb: 4 });
    try {
      const rs = await Promise.all([1, 2, 3].map(() => starved.extract(Buffer.from('hello'), { fileName: 'a.txt' })));
      for (const r of rs) {
        expect(r.error?.code).toBe('worker-unavailable');
        expect(r.error?.message).toMatch(/failed to start 3 times: out of memory \(heap cap 4 MB\)/);
      }
      const again = await starved.extract(Buffer.from('hello'), { fileName: 'b.txt' });
      expect(again.error?.message).toMatch(/failed to start/);
    } finally {
      await starved.close();
    }
  });
});

describe('extraction pool and OCR', () => {
  it('a scan that needs OCR gets more time than the text limit instead of timing out', async () => {
    const { makeBadInputs } = await import('../scripts/make-bad-inputs.ts');
    const { dir } = await makeBadInputs();
    const scan = fs.readFileSync(`${dir}/scanned.pdf`);
    // 0.8 s is below what OCR of a page takes; the worker asks for a per-page budget. A text
    // PDF first, so that loading pdf.js does not count against the scan's limit.
    const LIMIT = 800;
    const pool = new ExtractPool({ workers: 1, timeoutMs: LIMIT });
    try {
      const warm = await pool.extract(fs.readFileSync(`${sharedDir}/real/huaian-2024.pdf`), { fileName: 'huaian.pdf' }, { timeoutMs: 120_000 });
      expect(warm.doc?.status).toBe('ok');
      const t0 = Date.now();
      const r = await pool.extract(scan, { fileName: 'scanned.pdf' });
      console.log(`OCR of the scan took ${Date.now() - t0} ms against a ${LIMIT} ms text limit`);
      expect(r.error).toBeUndefined();
      expect(pool.stats.extended).toBe(1);
      expect(r.doc?.ocr).toBe(true);
    } finally {
      await pool.close();
    }
  }, 300_000);
});

describe('worker start', () => {
  it('starts no worker before work, one for one document, a second only for a second document', async () => {
    const { ExtractPool } = await import('../pipeline/pool.ts');
    const pool = new ExtractPool({ workers: 2, timeoutMs: 60_000 });
    try {
      expect(pool.started).toBe(0);
      const one = await pool.extract(new TextEncoder().encode('2023年政府信息公开工作年度报告\n一、总体情况\n'), { fileName: 'a.txt' });
      expect(one.error).toBeUndefined();
      expect(pool.started).toBe(1);
      const two = await Promise.all(['b.txt', 'c.txt'].map((f) => pool.extract(new TextEncoder().encode('年度报告\n'), { fileName: f })));
      expect(two.every((r) => r.doc)).toBe(true);
      expect(pool.started).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('prestart starts workers before any document and they take the documents; configure then sets the number and the time limit', async () => {
    const pdf = fs.readFileSync(`${sharedDir}/real/huaian-2024.pdf`);
    const pool = new ExtractPool({ workers: 2, timeoutMs: 60_000 });
    try {
      pool.prestart('pdf', 2);
      expect(pool.started).toBe(2);
      // One file after all: the second prestarted worker stops, the first takes the document.
      pool.configure({ workers: 1, timeoutMs: 30_000 });
      expect(pool.size).toBe(1);
      expect(pool.started).toBe(1);
      const r = await pool.extract(pdf, { fileName: 'a.pdf' });
      expect(r.doc?.status).toBe('ok');
      expect(r.doc?.pages).toBe(6);
      expect(pool.started).toBe(1);
      expect(pool.stats.mupdfShared).toBe(1);
      expect(() => pool.configure({ workers: 2 })).toThrow(/already queued/);
    } finally {
      await pool.close();
    }
  });

  it('compiles MuPDF once and hands the module to each worker: the same documents as a thread that compiles its own', async () => {
    const { extractDocument } = await import('../extract/index.ts');
    const pdf = fs.readFileSync(`${sharedDir}/real/huaian-2024.pdf`);
    const pool = new ExtractPool({ workers: 2, timeoutMs: 60_000 });
    try {
      const both = await Promise.all(['a.pdf', 'b.pdf'].map((f) => pool.extract(pdf, { fileName: f })));
      expect(pool.started).toBe(2);
      expect(pool.stats.mupdfShared).toBe(2);
      const here = await extractDocument(pdf, { fileName: 'a.pdf' });
      for (const r of both) expect(r.doc?.blocks).toEqual(here.blocks);
    } finally {
      await pool.close();
    }
  });
});
