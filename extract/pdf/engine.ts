/**
 * What a PDF engine gives the shared table/paragraph builder (extract/pdf/index.ts and its modules): per page, the
 * text as positioned glyph runs and the ruling segments (table borders). Everything after that
 * (footers, lines, lattices, stream tables, page-break joins, blocks) is engine-independent.
 *
 * Coordinates are viewport space: origin at the top-left of the page (crop box), y grows
 * downwards, units are PDF points — pdf.js' viewport at scale 1 and MuPDF's page space alike.
 */
import { normalizeRadicals } from '../chinese.ts';

export type PdfEngineName = 'pdfjs' | 'mupdf';
export const PDF_ENGINES: readonly PdfEngineName[] = ['pdfjs', 'mupdf'];

/** One positioned run of text (a pdf.js text item, or MuPDF characters grouped the same way). */
export interface Glyph {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  size: number;
}

export interface Segment {
  /** Position across the segment (y of a horizontal line, x of a vertical one). */
  at: number;
  from: number;
  to: number;
}

export interface Rulings {
  horizontal: Segment[];
  vertical: Segment[];
}

export interface EnginePage {
  height: number;
  /** Text runs, radicals normalised, blank runs dropped (see makeGlyph). */
  glyphs: Glyph[];
  /** Ruling lines; asked only for pages whose text looks tabular (it can cost a drawing pass). */
  rulings(): Promise<Rulings>;
  /** Frees the page (caches, native objects). Called once, also after an error. */
  release(): void;
}

export interface EngineDocument {
  pageCount: number;
  /** Notes from opening the file (structure repaired, ...), copied into the document's warnings. */
  warnings?: string[];
  /**
   * Pages (1-based) the page tree lists but whose page object is missing from the file (a cut-off
   * or damaged file, after the engine repaired its xref). Engines that cannot tell leave it out;
   * pages that fail to load are counted as missing by the builder anyway.
   */
  missingPages?: number[];
  /** Page n, 1-based. Throws for an unreadable page. */
  page(n: number): Promise<EnginePage>;
  /** Raw info-dictionary Title, if any. */
  title(): Promise<string | undefined>;
  destroy(): Promise<void>;
}

export interface PdfEngine {
  name: PdfEngineName;
  /** Opens the document; throws ExtractError 'encrypted' or 'corrupt-file'. Never keeps or detaches `bytes`. */
  open(bytes: Uint8Array, label: string): Promise<EngineDocument>;
}

/**
 * A glyph run from its origin (baseline start), advance width and font size. Horizontal runs
 * get a box from 0.85 size above to 0.15 size below the baseline; a rotated run is kept at its
 * origin as a square of one font size. Returns undefined for blank text.
 */
export function makeGlyph(raw: string, x: number, baseline: number, width: number, size: number, horizontal: boolean): Glyph | undefined {
  if (raw.trim() === '') return undefined;
  const text = normalizeRadicals(raw);
  if (horizontal) return { text, x0: x, x1: x + width, top: baseline - size * 0.85, bottom: baseline + size * 0.15, size };
  return { text, x0: x, x1: x + size, top: baseline - size, bottom: baseline, size };
}

/**
 * Collects ruling segments with the rules both engines share: an axis-aligned stroked segment
 * (within 1 pt) longer than 1 pt, and a thin filled rectangle (≤ 3 pt across: Chromium and some
 * Word exports draw borders that way) as its centre line. Larger fills are cell or paragraph
 * shading (WPS shades every line of a paragraph), not borders.
 */
export class RulingCollector {
  readonly horizontal: Segment[] = [];
  readonly vertical: Segment[] = [];

  segment(x0: number, y0: number, x1: number, y1: number): void {
    if (Math.abs(y1 - y0) <= 1 && Math.abs(x1 - x0) > 1) {
      this.horizontal.push({ at: (y0 + y1) / 2, from: Math.min(x0, x1), to: Math.max(x0, x1) });
    } else if (Math.abs(x1 - x0) <= 1 && Math.abs(y1 - y0) > 1) {
      this.vertical.push({ at: (x0 + x1) / 2, from: Math.min(y0, y1), to: Math.max(y0, y1) });
    }
  }

  /** The segments of a stroked sub-path (its points, already in viewport space). */
  strokedSubpath(pts: [number, number][]): void {
    for (let k = 1; k < pts.length; k++) this.segment(pts[k - 1][0], pts[k - 1][1], pts[k][0], pts[k][1]);
  }

  /** A filled sub-path: a rule when it is a thin axis-aligned rectangle (4 points, or 5 when closed). */
  filledSubpath(pts: [number, number][]): void {
    if (pts.length < 4 || pts.length > 5) return;
    // Called for every filled path of a tabular page (each cell edge, each shaded line): loops,
    // not arrays and spreads.
    let x0 = pts[0][0];
    let x1 = x0;
    let y0 = pts[0][1];
    let y1 = y0;
    for (let k = 1; k < pts.length; k++) {
      x0 = Math.min(x0, pts[k][0]);
      x1 = Math.max(x1, pts[k][0]);
      y0 = Math.min(y0, pts[k][1]);
      y1 = Math.max(y1, pts[k][1]);
    }
    const axisAligned = pts.every((p) => (Math.abs(p[0] - x0) < 0.5 || Math.abs(p[0] - x1) < 0.5) && (Math.abs(p[1] - y0) < 0.5 || Math.abs(p[1] - y1) < 0.5));
    if (!axisAligned) return;
    const w = x1 - x0;
    const h = y1 - y0;
    if (h <= 3 && w > h) this.segment(x0, (y0 + y1) / 2, x1, (y0 + y1) / 2);
    else if (w <= 3 && h > w) this.segment((x0 + x1) / 2, y0, (x0 + x1) / 2, y1);
  }

  rulings(): Rulings {
    return { horizontal: this.horizontal, vertical: this.vertical };
  }
}
