/**
 * Plain-text extractor. Text extractors and copy-paste flatten report tables in three ways,
 * all of which are rebuilt into table grids here:
 *  - one cell per line: every cell line starts with a tab, rows are separated by blank lines, and
 *    a line without a tab continues the cell above it (商业\n企业) — seeds 000–003;
 *  - tab-separated rows, one row per line — seed 004, Word's "copy as text";
 *  - space-separated rows: a label followed by numbers, or cells separated by 2+ spaces
 *    (pdftotext -layout, hand-typed pages).
 */
import { isMostlyTraditional } from './chinese.ts';
import type { Block, ExtractedDocument, TableBlock } from './model.ts';
import { isNumberCell } from '../text/number-cell.ts';

export interface TextExtractOptions {
  mediaType?: string;
  kind?: ExtractedDocument['kind'];
}

export function extractText(input: string, opts: TextExtractOptions = {}): ExtractedDocument {
  const lines = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    if (isCellLine(line) || isTabRow(line)) {
      const end = tableRegionEnd(lines, i);
      const region = lines.slice(i, end);
      const table = cellPerLineShare(region) > 0.6 ? parseCellPerLine(region) : parseTabRows(region);
      if (table.rows.length > 0) blocks.push(table);
      i = end;
      continue;
    }
    if (spaceRowCells(line)) {
      let end = i;
      while (end < lines.length && spaceRowCells(lines[end])) end++;
      if (end - i >= 2) {
        blocks.push({ kind: 'table', rows: lines.slice(i, end).map((l) => spaceRowCells(l)!) });
        i = end;
        continue;
      }
    }
    blocks.push({ kind: 'paragraph', text: cleanCell(line) });
    i++;
  }
  return {
    mediaType: opts.mediaType ?? 'text/plain',
    kind: opts.kind ?? 'text',
    blocks,
    status: 'ok',
    warnings: [],
    script: isMostlyTraditional(input) ? 'traditional' : 'simplified',
  };
}

const isBlank = (l: string) => l.trim() === '';
/** One cell per line: a single leading tab and no other tab. */
const isCellLine = (l: string) => l.startsWith('\t') && !l.slice(1).includes('\t');
/** A whole row on one line: two or more tab-separated fields. */
const isTabRow = (l: string) => l.replace(/^\t/, '').includes('\t');

/**
 * A table region runs while lines are cell lines, tab rows, blank lines, or continuation lines.
 * A non-tab line belongs to the table only when it continues a cell: it is followed, with no blank
 * line in between, by another table line (商业\n企业\n\t科研), or directly follows a cell line and is
 * followed by a table line after blanks (a cell broken by an empty line, seen in seed 001).
 */
function tableRegionEnd(lines: string[], start: number): number {
  let i = start;
  let last = start; // last table line index (exclusive end = last + 1)
  while (i < lines.length) {
    const l = lines[i];
    if (isCellLine(l) || isTabRow(l)) {
      last = i;
      i++;
      continue;
    }
    if (isBlank(l)) {
      i++;
      continue;
    }
    // Non-tab text line: continuation of a cell, or the paragraph after the table? Section
    // headings (三、… / （二）…) and lines after two blank lines always end the table.
    let blanksBefore = 0;
    while (i - 1 - blanksBefore > start && isBlank(lines[i - 1 - blanksBefore])) blanksBefore++;
    const next = nextNonBlank(lines, i + 1);
    const nextIsTable = next !== -1 && (isCellLine(lines[next]) || isTabRow(lines[next]));
    const continues = !isHeading(l) && blanksBefore <= 1 && looksLikeCellTail(l) && (blanksBefore === 0 || next === i + 1);
    if (continues && (nextIsTable || blanksBefore === 0)) {
      last = i;
      i++;
      continue;
    }
    break;
  }
  return last + 1;
}

const HEADING = /^[\s\u3000]*(?:[一二三四五六七八九十]+[、.．]|\d+[、]|\d+\.\s|[（(][一二三四五六七八九十]+[)）])/u;
const isHeading = (l: string) => HEADING.test(l);

/** Short, or starting with indentation / a closing bracket: how wrapped cell text looks. */
function looksLikeCellTail(l: string): boolean {
  const t = l.trim();
  return t.length <= 40 && !/[。；]$/.test(t);
}

function nextNonBlank(lines: string[], from: number): number {
  for (let j = from; j < lines.length; j++) if (!isBlank(lines[j])) return j;
  return -1;
}

function cellPerLineShare(region: string[]): number {
  const nonBlank = region.filter((l) => !isBlank(l) || l === '\t');
  const cellLines = nonBlank.filter(isCellLine).length;
  return nonBlank.length ? cellLines / nonBlank.length : 0;
}

function parseCellPerLine(region: string[]): TableBlock {
  const rows: string[][] = [];
  let row: string[] = [];
  let pendingBreak = false; // a blank line was seen since the last cell
  for (const l of region) {
    if (l.trim() === '' && l !== '\t') {
      pendingBreak = true;
      continue;
    }
    if (isCellLine(l)) {
      if (pendingBreak && row.length) {
        rows.push(row);
        row = [];
      }
      row.push(l.slice(1));
    } else if (isTabRow(l)) {
      if (row.length) rows.push(row);
      rows.push(splitTabRow(l));
      row = [];
    } else if (row.length) {
      // Continuation of the previous cell, even across a blank line.
      row[row.length - 1] += '\n' + l;
    } else if (rows.length) {
      const prev = rows[rows.length - 1];
      prev[prev.length - 1] += '\n' + l;
    } else {
      row.push(l);
    }
    pendingBreak = false;
  }
  if (row.length) rows.push(row);
  return { kind: 'table', rows: rows.map((r) => r.map(cleanCell)) };
}

function parseTabRows(region: string[]): TableBlock {
  const rows: string[][] = [];
  for (const l of region) {
    if (isBlank(l) && !l.includes('\t')) continue;
    if (isTabRow(l) || isCellLine(l)) rows.push(splitTabRow(l));
    else if (rows.length) {
      const prev = rows[rows.length - 1];
      // Continuation line: append to the last non-empty cell.
      let k = prev.length - 1;
      while (k > 0 && prev[k].trim() === '') k--;
      prev[k] += '\n' + l;
    } else rows.push([l]);
  }
  return { kind: 'table', rows: rows.map((r) => r.map(cleanCell)) };
}

function splitTabRow(l: string): string[] {
  return l.split('\t');
}

/**
 * Cells of a space-separated table row, or null when the line is running text. A row is a label
 * followed by two or more numeric tokens, or three or more fields separated by 2+ spaces.
 */
function spaceRowCells(line: string): string[] | null {
  const t = line.trim();
  if (!t || t.includes('\t')) return null;
  const wide = t.split(/[ \u3000]{2,}/).filter((s) => s !== '');
  if (wide.length >= 3 && wide.some((s) => isNumberCell(s))) return wide.map(cleanCell);
  const tokens = t.split(/[ \u3000]+/);
  let k = tokens.length;
  while (k > 0 && isNumberCell(tokens[k - 1])) k--;
  if (tokens.length - k >= 2 && k >= 1 && /\p{Script=Han}/u.test(tokens.slice(0, k).join(''))) {
    return [tokens.slice(0, k).join(' '), ...tokens.slice(k)].map(cleanCell);
  }
  return null;
}

/** Joins a wrapped cell's lines and trims ASCII and full-width spaces. */
function cleanCell(s: string): string {
  return s
    .split('\n')
    .map((p) => p.replace(/^[\s\u3000]+|[\s\u3000]+$/g, ''))
    .filter((p) => p !== '')
    .join('')
    .replace(/[ \u3000\u00a0]+/g, ' ')
    .trim();
}
