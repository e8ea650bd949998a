/**
 * The document model every extractor produces: ordered blocks of paragraphs and tables.
 *
 * A table is a grid of cell texts, with rowspan/colspan already expanded (a spanned cell's
 * text is repeated in every grid position it covers, and `origin` says where it came from),
 * blank cells kept as '' and line breaks inside a cell joined (no '\n' inside a cell).
 */

export interface CellOrigin {
  /** 1-based page number where the extractor knows it (PDF). */
  page?: number;
  /** Grid position of the cell this position was expanded from (for spans). */
  row: number;
  col: number;
}

export interface ParagraphBlock {
  kind: 'paragraph';
  text: string;
  page?: number;
}

export interface TableBlock {
  kind: 'table';
  /** rows[r][c] is the text of grid position (r, c). Rows may have different lengths. */
  rows: string[][];
  /** Optional per-position provenance, same shape as rows. */
  origins?: (CellOrigin | undefined)[][];
  /** First page of the table (PDF). */
  page?: number;
  /** OCR confidence (0..1) per position, same shape as rows; absent when the text was not OCR'd. */
  confidence?: (number | undefined)[][];
}

export type Block = ParagraphBlock | TableBlock;

export type MediaKind = 'html' | 'pdf' | 'docx' | 'doc' | 'text';

export interface ExtractedDocument {
  mediaType: string;
  kind: MediaKind;
  blocks: Block[];
  /** Title where the container declares one (HTML <title>, PDF info, first heading). */
  declaredTitle?: string;
  /**
   * 'needs-ocr' when the file has pages but no text layer (a scan); 'damaged' when the file's
   * structure is broken (a PDF cut off, pages missing against its page tree, a zip without its
   * central directory): the blocks hold what could be read, `damage` says what is broken, and the
   * document must not be classified from the fragment.
   */
  status: 'ok' | 'needs-ocr' | 'damaged';
  /** What is broken, when status is 'damaged' (one reason per problem found). */
  damage?: string[];
  pages?: number;
  /** Non-fatal notes from the extractor (charset guessed, encrypted pages skipped, ...). */
  warnings: string[];
  /**
   * Script of the Chinese text, where the extractor checked it. Blocks keep the original text;
   * 'traditional' (gate/big5 mirrors) means matching must run on toSimplified() of it
   * (extract/chinese.ts).
   */
  script?: 'traditional' | 'simplified';
  /** The text was read by OCR from page images (extract/ocr/): tables carry confidences. */
  ocr?: boolean;
}

/** A failure that belongs to one input file; the run goes on. */
export class ExtractError extends Error {
  constructor(public code: ExtractErrorCode, message: string) {
    super(message);
    this.name = 'ExtractError';
  }
}

export type ExtractErrorCode =
  | 'empty-file'
  | 'unsupported-type'
  | 'corrupt-file'
  /** The file is of the type it claims but its structure is broken and nothing could be read (see ExtractedDocument.status 'damaged'). */
  | 'damaged'
  /** The bytes contradict the declared type (a .docx that is plain text, a .pdf that is a zip of something else) and are no type we read. */
  | 'type-mismatch'
  | 'encrypted'
  | 'too-large'
  | 'timeout'
  | 'needs-ocr'
  | 'decode-failed'
  /** HTML nested too deep or with too many elements to walk safely (extract/guard.ts). */
  | 'too-complex'
  /** An HTML error page saved under a .pdf/.doc/.docx name (extract/guard.ts). */
  | 'error-page'
  | 'internal';

/** Plain text of a document in block order (tables as tab-separated rows). */
export function documentText(doc: ExtractedDocument): string {
  return doc.blocks
    .map((b) => (b.kind === 'paragraph' ? b.text : b.rows.map((r) => r.join('\t')).join('\n')))
    .join('\n');
}

/** Media type of each document kind, for results that carry none of their own. */
export const MEDIA_TYPES: Record<string, string> = {
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  doc: 'application/msword',
  text: 'text/plain',
};
