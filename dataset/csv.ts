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
