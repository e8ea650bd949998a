/**
 * Is this PDF whole? Checks on the raw bytes that both engines share. MuPDF (and pdf.js, less
 * often) rebuild a broken cross-reference table by scanning the file, and then read whatever pages
 * survived: a download cut off after 90 KB of 240 KB reads as a short, confident report. So a
 * file is called damaged from evidence of the cut itself, not from what the reader managed:
 *
 *  - no `%%EOF` marker in the last 1,024 bytes (where readers look for it): the end of the file is
 *    missing. An incrementally updated PDF has one per revision; the last must end the file;
 *  - a `stream` keyword after the last `endstream`: a stream was cut off mid-way;
 *  - pages of the page tree whose objects are missing (the engine checks: `missingPages`), or
 *    pages the engine could not load (extract/pdf/index.ts).
 *
 * A broken xref in a file that is otherwise whole is repaired and read, with a warning: nothing
 * is missing then.
 */

const TAIL = 1024;

function latin1(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The file starts like a PDF (%PDF- within the first 1,024 bytes, as readers accept it). */
export function hasPdfHeader(bytes: Uint8Array): boolean {
  return latin1(bytes).subarray(0, TAIL).indexOf('%PDF-', 0, 'latin1') >= 0;
}

/** Evidence in the bytes that the file was cut off; [] when it ends the way a PDF ends. */
export function truncationEvidence(bytes: Uint8Array): string[] {
  const buf = latin1(bytes);
  const problems: string[] = [];
  if (buf.indexOf('%%EOF', Math.max(0, buf.length - TAIL), 'latin1') < 0) {
    problems.push(`no %%EOF marker at the end: the file stops after ${buf.length.toLocaleString('en')} bytes (cut off?)`);
  }
  const lastEnd = buf.lastIndexOf('endstream', undefined, 'latin1');
  let lastStream = buf.lastIndexOf('stream', undefined, 'latin1');
  // The last 'stream' may be the tail of the last 'endstream': then every stream is closed.
  if (lastStream >= 3 && lastStream === lastEnd + 3) lastStream = -1;
  if (lastStream > lastEnd) problems.push(`a stream starting at byte ${lastStream.toLocaleString('en')} has no endstream: it was cut off`);
  return problems;
}
