/**
 * A seed report as the renderers see it: title lines, paragraphs and re-spanned tables, read from
 * the plain-text extraction (extract/text.ts) so that every rendering shows the same content.
 */
import type { ExtractedDocument } from '../../extract/model.ts';
import { extractText } from '../../extract/text.ts';
import { readMetadata } from '../../normalize/metadata.ts';
import { respanTable, type SpanTable } from './respan.ts';

export type RenderBlock = { kind: 'paragraph'; text: string } | { kind: 'table'; table: SpanTable };

export interface RenderDoc {
  /** Seed id: '000' … '004'. */
  id: string;
  /** Report title as the normalizer reads it (one line). */
  title: string;
  /** The title as printed: the opening lines of the seed that make it up. */
  titleLines: string[];
  blocks: RenderBlock[];
}

export function buildRenderDoc(id: string, text: string): RenderDoc {
  return renderDocFromBlocks(id, extractText(text));
}

/** The renderable form of an extracted document: its title lines, then paragraphs and re-spanned tables. */
export function renderDocFromBlocks(id: string, doc: ExtractedDocument): RenderDoc {
  const meta = readMetadata(doc.blocks);
  const clean = (s: string) => s.replace(/[\s\u3000]+/g, '');
  const title = meta.title ?? '';
  const titleLines: string[] = [];
  let k = 0;
  if (title) {
    let joined = '';
    while (k < doc.blocks.length) {
      const b = doc.blocks[k];
      if (b.kind !== 'paragraph') break;
      const next = joined + clean(b.text);
      if (!clean(title).startsWith(next)) break;
      joined = next;
      titleLines.push(b.text);
      k++;
      if (joined === clean(title)) break;
    }
    if (joined !== clean(title)) {
      // The title is not the opening lines verbatim: print it as one line and keep the lines.
      titleLines.length = 0;
      titleLines.push(title);
      k = 0;
    }
  }
  const blocks: RenderBlock[] = doc.blocks
    .slice(k)
    .map((b) => (b.kind === 'paragraph' ? { kind: 'paragraph' as const, text: b.text } : { kind: 'table' as const, table: respanTable(b.rows) }))
    .filter((b) => b.kind === 'paragraph' || b.table.width > 0);
  return { id, title, titleLines, blocks };
}

/** Relative column widths (sum 1): label columns by the longest text they hold alone, values equal. */
export function columnWeights(t: SpanTable): number[] {
  const W = t.width;
  const L = t.labelCols;
  const V = W - L;
  const longest = new Array<number>(W).fill(0);
  for (const row of t.rows)
    for (const c of row) if (c.colspan === 1) longest[c.col] = Math.max(longest[c.col], [...c.text].length);
  const labelShare = L === 0 ? 0 : V === 0 ? 1 : Math.min(0.62, Math.max(0.3, 1 - V * 0.08));
  const labelRaw = longest.slice(0, L).map((n) => Math.max(2, Math.min(n, 24)));
  const labelSum = labelRaw.reduce((a, b) => a + b, 0) || 1;
  return [...labelRaw.map((n) => (labelShare * n) / labelSum), ...new Array<number>(V).fill(V ? (1 - labelShare) / V : 0)];
}
