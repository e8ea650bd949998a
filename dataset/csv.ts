/**
 * Streaming CSV for snapshots: UTF-8 with a BOM (so Excel reads the Chinese), CRLF records and
 * RFC 4180 quoting. Hand-written because csv-stringify took ~10 s per million facts, most of the
 * export budget; the tests check this output against csv-stringify's.
 */
import fs from 'node:fs';

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
