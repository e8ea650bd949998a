/**
 * Streaming CSV for snapshots: UTF-8 with a BOM (so Excel reads the Chinese), CRLF records and
 * RFC 4180 quoting. Hand-written because csv-stringify took ~10 s per million facts, most of the
 * export budget; the tests check this output against csv-stringify's.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class CsvWriter {
  private fd: number;
  private pending = '';
  rows = 0;

  constructor(readonly file: string, header: readonly string[]) {
    this.fd = fs.openSync(file, 'w');
    this.pending = '\uFEFF' + header.map(csvField).join(',') + '\r\n';
  }

  /** Writes the rows held as column arrays (all of one length). */
  writeColumns(cols: readonly (readonly unknown[])[]): void {
    const rows = cols[0]?.length ?? 0;
    const n = cols.length;
    for (let r = 0; r < rows; r++) {
      let line = csvField(cols[0]![r]);
      for (let i = 1; i < n; i++) line += ',' + csvField(cols[i]![r]);
      this.pending += line + '\r\n';
      if (this.pending.length > 1 << 20) this.flush();
    }
    this.rows += rows;
  }

  private flush(): void {
    if (this.pending) fs.writeSync(this.fd, this.pending);
    this.pending = '';
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/**
 * The rows of a CSV file as parseCsv reads them, a few MB of text at a time: a previous
 * snapshot's summary.csv of a million reports is never one string.
 */
export function* readCsvRows(file: string, chunkBytes = 1 << 22): Generator<string[]> {
  const fd = fs.openSync(file, 'r');
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(chunkBytes);
  let rest = '';
  let quoted = false;
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      const text = decoder.write(buf.subarray(0, n));
      // The last line break outside quotes ends the last whole record of this chunk.
      let cut = -1;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 34) quoted = !quoted;
        else if (c === 10 && !quoted) cut = i;
      }
      if (cut < 0) {
        rest += text;
        continue;
      }
      const block = rest + text.slice(0, cut + 1);
      rest = text.slice(cut + 1);
      yield* parseCsv(block);
    }
    const last = rest + decoder.end();
    if (last) yield* parseCsv(last);
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses RFC 4180 CSV as written above (BOM, quoted fields with "" and line breaks) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('CSV: unterminated quoted field');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      let j = i;
      while (j < text.length && text[j] !== ',' && text[j] !== '\r' && text[j] !== '\n') j++;
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    if (text[i] === ',') i++;
    else {
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}
