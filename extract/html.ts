/**
 * HTML extractor: finds the report inside portal chrome and turns it into ordered paragraph and
 * table blocks (tables expanded to full grids).
 *
 * The article body is chosen by content, not by selector: every container-like element is
 * scored by the amount of text it holds outside links and page chrome (navigation, footers,
 * breadcrumbs, related-link lists), minus a penalty for the link/chrome text it drags along.
 * The usual CMS selectors (.TRS_Editor, #zoom, ...) only give a small bonus.
 */
import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { decodeBytes } from '../text/charset.ts';
import { cleanPageTitle, contentChars, namesReport, normalizeInlineText } from '../text/title.ts';
import { isMostlyTraditional } from './chinese.ts';
import { ExtractError, type Block, type CellOrigin, type ExtractedDocument, type TableBlock } from './model.ts';

export interface HtmlExtractOptions {
  /** HTTP Content-Type of the response (charset parameter is used for decoding). */
  contentType?: string;
  /** Page URL (recorded in warnings only). */
  url?: string;
  /**
   * The HTML is a converted document (DOCX via mammoth, DOC via LibreOffice), not a web page:
   * take the whole body, skip the chrome heuristics.
   */
  fragment?: boolean;
}

/** Selectors publishers' CMSs use for the article body: hints, not rules. */
export const BODY_HINT_SELECTORS = [
  '.TRS_Editor',
  '#zoom',
  '.article',
  '.view',
  '#UCAP-CONTENT',
  '.pages_content',
  '.con',
  '.content',
  '.wzcon',
  '.main-txt',
  'article',
];

const REMOVE_TAGS = [
  'script',
  'style',
  'noscript',
  'template',
  'iframe',
  'frame',
  'object',
  'embed',
  'svg',
  'canvas',
  'select',
  'option',
  'button',
  'input',
  'textarea',
  'map',
  'audio',
  'video',
];

const BLOCK_TAGS = new Set([
  'p',
  'div',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'section',
  'article',
  'header',
  'footer',
  'aside',
  'nav',
  'main',
  'blockquote',
  'pre',
  'center',
  'form',
  'hr',
  'address',
  'figure',
  'figcaption',
  'fieldset',
  'caption',
  'tr',
  'td',
  'th',
  'tbody',
  'thead',
  'tfoot',
  'body',
  'html',
  'legend',
  'details',
  'summary',
]);

const CANDIDATE_TAGS = new Set([
  'div',
  'td',
  'th',
  'article',
  'section',
  'main',
  'body',
  'center',
  'form',
  'dd',
  'font',
  'span',
  'table',
  'tbody',
  'li',
]);

/** class/id tokens of page chrome. Matched as whole tokens (split on space, _ and -). */
const CHROME_TOKENS = new Set([
  'nav',
  'navbar',
  'navigation',
  'topnav',
  'subnav',
  'mainnav',
  'menu',
  'submenu',
  'footer',
  'foot',
  'sidebar',
  'breadcrumb',
  'breadcrumbs',
  'crumb',
  'crumbs',
  'copyright',
  'xgxx',
  'xglj',
  'xgwz',
  'yqlj',
  'friendlink',
  'friendlinks',
  'links',
  'share',
  'bdshare',
  'banner',
  'toolbar',
  'dqwz',
  'header',
  'topbar',
  'related',
  'relate',
  'sitemap',
  'search',
  'login',
]);
const CHROME_TEXT_RE = /版权所有|网站标识码|ICP备|ICP证|公网安备|主办单位[:：]|承办单位[:：]|技术支持[:：]|您当前的位置|您现在的位置|当前位置[:：]|所在位置[:：]/;
const CHROME_TAGS = new Set(['nav', 'header', 'footer', 'aside']);

interface Stats {
  /** content characters (CJK, letters, digits) in the subtree */
  total: number;
  /** of which inside <a> or chrome elements */
  bad: number;
  links: number;
  dataTables: number;
  images: number;
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

function isElement(n: AnyNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}

function attr(el: Element, name: string): string {
  return el.attribs?.[name] ?? '';
}

function tokens(el: Element): string[] {
  const a = el.attribs;
  if (!a || (a.class === undefined && a.id === undefined)) return [];
  return `${attr(el, 'class')} ${attr(el, 'id')}`
    .toLowerCase()
    .split(/[\s_\-]+/)
    .filter(Boolean);
}

function hasAncestorTag(el: Element, tag: string): boolean {
  for (let p = el.parent; p; p = p.parent) if (isElement(p as AnyNode) && (p as Element).name === tag) return true;
  return false;
}

function rawText(n: AnyNode): string {
  if (n.type === 'text') return (n as unknown as { data: string }).data;
  if (!isElement(n) && n.type !== 'root') return '';
  let s = '';
  for (const c of (n as Element).children) s += rawText(c);
  return s;
}

/** Direct rows of a table (through thead/tbody/tfoot, not nested tables). */
function tableRows(table: Element): Element[] {
  const rows: Element[] = [];
  for (const c of table.children) {
    if (!isElement(c)) continue;
    if (c.name === 'tr') rows.push(c);
    else if (c.name === 'thead' || c.name === 'tbody' || c.name === 'tfoot')
      for (const r of c.children) if (isElement(r) && r.name === 'tr') rows.push(r);
  }
  return rows;
}

function rowCells(tr: Element): Element[] {
  return tr.children.filter((c): c is Element => isElement(c) && (c.name === 'td' || c.name === 'th'));
}

function containsTable(el: Element): boolean {
  for (const c of el.children) {
    if (!isElement(c)) continue;
    if (c.name === 'table' || containsTable(c)) return true;
  }
  return false;
}

/**
 * A layout table wraps content rather than holding data: it contains another table, or it has
 * a single column (every row ≤ 1 cell).
 */
function isLayoutTable(table: Element): boolean {
  const rows = tableRows(table);
  if (rows.length === 0) return true;
  for (const r of rows) for (const c of rowCells(r)) if (containsTable(c)) return true;
  return rows.every((r) => rowCells(r).length <= 1);
}

// ---------------------------------------------------------------------------------------------
// Content scoring

class Scorer {
  readonly stats = new Map<Element, Stats>();
  readonly chrome = new Set<Element>();

  constructor(root: Element) {
    this.markChromeByName(root);
    this.markChromeByText(root);
    this.compute(root, false);
  }

  private markChromeByName(el: Element): void {
    for (const c of el.children) {
      if (!isElement(c)) continue;
      const byTag = CHROME_TAGS.has(c.name) && !hasAncestorTag(c, 'article');
      const role = attr(c, 'role').toLowerCase();
      if (byTag || role === 'navigation' || role === 'banner' || role === 'contentinfo' || tokens(c).some((t) => CHROME_TOKENS.has(t))) {
        this.chrome.add(c);
      }
      this.markChromeByName(c);
    }
  }

  /** The largest short (< 300 content chars) element around a copyright/breadcrumb phrase. */
  private markChromeByText(root: Element): void {
    const visit = (el: Element): void => {
      for (const c of el.children) {
        if (c.type !== 'text') {
          if (isElement(c)) visit(c);
          continue;
        }
        const data = (c as unknown as { data: string }).data;
        if (!CHROME_TEXT_RE.test(data)) continue;
        let target: Element | undefined;
        for (let p: Element | null = el; p && p !== root; p = p.parent as Element | null) {
          if (!isElement(p)) break;
          if (contentChars(rawText(p)) >= 300) break;
          target = p;
        }
        if (target) this.chrome.add(target);
      }
    };
    visit(root);
  }

  private compute(el: Element, bad: boolean): Stats {
    const isBad = bad || el.name === 'a' || this.chrome.has(el);
    const s: Stats = { total: 0, bad: 0, links: el.name === 'a' ? 1 : 0, dataTables: 0, images: el.name === 'img' ? 1 : 0 };
    for (const c of el.children) {
      if (c.type === 'text') {
        const n = contentChars((c as unknown as { data: string }).data);
        s.total += n;
        if (isBad) s.bad += n;
      } else if (isElement(c)) {
        const cs = this.compute(c, isBad);
        s.total += cs.total;
        s.bad += cs.bad;
        s.links += cs.links;
        s.dataTables += cs.dataTables;
        s.images += cs.images;
      }
    }
    if (el.name === 'table' && !isLayoutTable(el) && s.total > 0) s.dataTables++;
    this.stats.set(el, s);
    // a "chrome" element that holds a data table or a lot of plain text is content after all
    if (this.chrome.has(el) && !bad && (s.dataTables > 0 || s.total - this.linkChars(el) > 600)) {
      this.chrome.delete(el);
      return this.compute(el, bad);
    }
    return s;
  }

  private linkChars(el: Element): number {
    let n = 0;
    const visit = (e: Element, inA: boolean) => {
      for (const c of e.children) {
        if (c.type === 'text') {
          if (inA) n += contentChars((c as unknown as { data: string }).data);
        } else if (isElement(c)) visit(c, inA || c.name === 'a');
      }
    };
    visit(el, el.name === 'a');
    return n;
  }

  score(el: Element): number {
    const s = this.stats.get(el);
    if (!s) return -Infinity;
    const good = s.total - s.bad;
    return good - 2 * s.bad;
  }

  /** A list of links (nav, 相关链接, 上一篇/下一篇) that should not become paragraphs. */
  isLinkList(el: Element): boolean {
    if (this.chrome.has(el)) return true;
    const s = this.stats.get(el);
    if (!s || s.dataTables > 0) return false;
    return s.links >= 3 && s.total > 0 && s.bad / s.total > 0.6;
  }
}

const HINT_CLASSES = new Set(['trs_editor', 'article', 'view', 'pages_content', 'con', 'content', 'wzcon', 'main-txt']);
const HINT_IDS = new Set(['zoom', 'ucap-content']);

/** The element matches one of BODY_HINT_SELECTORS (checked without selector queries). */
function isHinted(el: Element): boolean {
  if (el.name === 'article') return true;
  const id = attr(el, 'id').toLowerCase();
  if (id && HINT_IDS.has(id)) return true;
  const cls = attr(el, 'class');
  return cls !== '' && cls.toLowerCase().split(/\s+/).some((c) => HINT_CLASSES.has(c));
}

function chooseContainer(body: Element, scorer: Scorer): Element {
  let best = body;
  let bestScore = scorer.score(body);
  const visit = (el: Element) => {
    for (const c of el.children) {
      if (!isElement(c)) continue;
      const hinted = isHinted(c);
      if (hinted || CANDIDATE_TAGS.has(c.name)) {
        let sc = scorer.score(c);
        if (hinted && sc > 0) sc *= 1.15;
        // ties go to the outer element (it may hold the title), so strictly greater
        if (sc > bestScore) {
          best = c;
          bestScore = sc;
        }
      }
      visit(c);
    }
  };
  visit(body);
  return best;
}

// ---------------------------------------------------------------------------------------------
// Title (page titles and which title names a report: text/title.ts)

function looksLikeTitle(text: string): boolean {
  const n = contentChars(text);
  if (n < 4 || n > 120) return false;
  // a bare site name (the logo heading) is not the article title
  if (/^[\u4e00-\u9fff]{2,20}(人民政府|门户网站|政府网)$/.test(text)) return false;
  return true;
}

const TITLE_CLASS_RE = /(^|[\s_-])(title|tit|bt|biaoti|art-title|article-title|detail-title|news-title|wztit|h1)([\s_-]|$)/i;

function isTitleElement(el: Element): boolean {
  if (/^h[1-3]$/.test(el.name)) return true;
  const cls = `${attr(el, 'class')} ${attr(el, 'id')}`;
  return TITLE_CLASS_RE.test(cls) && !['body', 'html', 'table', 'tbody'].includes(el.name);
}

/** Elements in document order. */
function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const visit = (el: Element) => {
    for (const c of el.children)
      if (isElement(c)) {
        out.push(c);
        visit(c);
      }
  };
  visit(root);
  return out;
}

function contains(ancestor: Element, el: Element): boolean {
  for (let p: AnyNode | null = el; p; p = p.parent as AnyNode | null) if (p === ancestor) return true;
  return false;
}

interface TitleHit {
  text: string;
  el?: Element;
  outside: boolean;
}

function findHeading(body: Element, container: Element, scorer: Scorer): TitleHit | undefined {
  const els = allElements(body);
  const start = els.indexOf(container);
  const inside: Element[] = [];
  const before: Element[] = [];
  els.forEach((el, i) => {
    if (!isTitleElement(el) || scorer.chrome.has(el)) return;
    if (contains(container, el)) inside.push(el);
    else if (start < 0 || i < start) before.push(el);
  });
  const textOf = (el: Element) => normalizeInlineText(rawText(el));
  // inside the body: the first title-like element before much text has gone by
  for (const el of inside.slice(0, 3)) {
    const t = textOf(el);
    if (looksLikeTitle(t)) return { text: t, el, outside: false };
  }
  // before the body: the nearest one
  for (const el of before.reverse().slice(0, 6)) {
    if (hasAncestorIn(el, scorer)) continue;
    const t = textOf(el);
    if (looksLikeTitle(t)) return { text: t, el, outside: true };
  }
  return undefined;
}

function hasAncestorIn(el: Element, scorer: Scorer): boolean {
  for (let p = el.parent as Element | null; p && isElement(p); p = p.parent as Element | null)
    if (scorer.chrome.has(p)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Blocks

interface EmitContext {
  scorer?: Scorer;
  blocks: Block[];
  line: string[];
}

function flush(ctx: EmitContext): void {
  if (ctx.line.length === 0) return;
  const text = normalizeInlineText(ctx.line.join(''));
  ctx.line = [];
  if (text) ctx.blocks.push({ kind: 'paragraph', text });
}

function emit(el: Element, ctx: EmitContext): void {
  for (const c of el.children) {
    if (c.type === 'text') {
      ctx.line.push((c as unknown as { data: string }).data);
      continue;
    }
    if (!isElement(c)) continue;
    if (ctx.scorer?.isLinkList(c)) {
      flush(ctx);
      continue;
    }
    const name = c.name;
    if (name === 'br') {
      flush(ctx);
      continue;
    }
    if (name === 'table') {
      flush(ctx);
      emitTable(c, ctx);
      continue;
    }
    if (BLOCK_TAGS.has(name)) {
      flush(ctx);
      emit(c, ctx);
      flush(ctx);
      continue;
    }
    emit(c, ctx);
  }
}

function emitTable(table: Element, ctx: EmitContext): void {
  for (const c of table.children) {
    if (isElement(c) && c.name === 'caption') {
      emit(c, ctx);
      flush(ctx);
    }
  }
  if (isLayoutTable(table)) {
    for (const tr of tableRows(table)) {
      for (const cell of rowCells(tr)) {
        flush(ctx);
        emit(cell, ctx);
        flush(ctx);
      }
    }
    return;
  }
  const block = tableToGrid(table);
  if (block) ctx.blocks.push(block);
}

/** Text of a table cell: line breaks and paragraphs inside the cell are joined without a separator. */
export function cellText(cell: Element): string {
  const parts: string[] = [];
  const visit = (el: Element) => {
    for (const c of el.children) {
      if (c.type === 'text') parts.push((c as unknown as { data: string }).data);
      else if (isElement(c)) {
        if (c.name === 'br' || BLOCK_TAGS.has(c.name)) parts.push('\n');
        visit(c);
        if (BLOCK_TAGS.has(c.name)) parts.push('\n');
      }
    }
  };
  visit(cell);
  // cell-internal line breaks: join the lines (商业<br>企业 → 商业企业)
  return parts
    .join('')
    .split('\n')
    .map((l) => normalizeInlineText(l))
    .filter(Boolean)
    .join('');
}

function spanValue(el: Element, name: string, max: number): number {
  const raw = attr(el, name).trim();
  if (raw === '') return 1;
  const n = parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) return 1;
  if (n === 0) return name === 'rowspan' ? max : 1; // rowspan=0: to the end of the table
  return Math.min(n, max);
}

/**
 * Expand a data table into a full grid: a spanned cell's text is repeated in every position it
 * covers and `origins` records the position of the cell it came from. Holes left by irregular
 * markup are ''.
 */
export function tableToGrid(table: Element): TableBlock | undefined {
  const trs = tableRows(table);
  const rows: string[][] = [];
  const origins: (CellOrigin | undefined)[][] = [];
  let r = 0;
  for (let i = 0; i < trs.length; i++) {
    const cells = rowCells(trs[i]);
    rows[r] ??= [];
    origins[r] ??= [];
    if (cells.length === 0 && rows[r].length === 0) continue; // an empty <tr> nothing spans into
    let col = 0;
    for (const cell of cells) {
      while (rows[r][col] !== undefined) col++;
      const text = cellText(cell);
      const rowspan = spanValue(cell, 'rowspan', trs.length - i);
      const colspan = spanValue(cell, 'colspan', 1000);
      for (let dr = 0; dr < rowspan; dr++) {
        const rr = r + dr;
        rows[rr] ??= [];
        origins[rr] ??= [];
        for (let dc = 0; dc < colspan; dc++) {
          if (rows[rr][col + dc] !== undefined) continue; // overlapping spans: first cell wins
          rows[rr][col + dc] = text;
          origins[rr][col + dc] = { row: r, col };
        }
      }
      col += colspan;
    }
    r++;
  }
  // rows spanned past the last <tr> do not exist
  rows.length = Math.min(rows.length, r);
  origins.length = rows.length;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] ?? [];
    const orig = origins[i] ?? [];
    for (let c = 0; c < row.length; c++) {
      if (row[c] === undefined) {
        row[c] = '';
        orig[c] = undefined;
      }
    }
    orig.length = row.length;
    rows[i] = row;
    origins[i] = orig;
  }
  if (!rows.some((row) => row.some((c) => c !== ''))) return undefined;
  return { kind: 'table', rows, origins };
}

// ---------------------------------------------------------------------------------------------
// Entry point

function blockText(b: Block): string {
  return b.kind === 'paragraph' ? b.text : b.rows.map((r) => r.join(' ')).join('\n');
}

export function extractHtml(input: Uint8Array | string, opts: HtmlExtractOptions = {}): ExtractedDocument {
  const warnings: string[] = [];
  let html: string;
  if (typeof input === 'string') html = input;
  else {
    if (input.length === 0) throw new ExtractError('empty-file', 'HTML file is empty (0 bytes)');
    const decoded = decodeBytes(input, opts.contentType);
    html = decoded.text;
    warnings.push(...decoded.warnings);
  }
  if (html.trim() === '') throw new ExtractError('empty-file', 'HTML document is empty');

  let $: cheerio.CheerioAPI;
  try {
    $ = cheerio.load(html);
  } catch (e) {
    throw new ExtractError('corrupt-file', `HTML could not be parsed: ${(e as Error).message}`);
  }

  const metaTitle =
    $('meta')
      .filter((_, e) => /^(articletitle|article_title)$/i.test(attr(e as Element, 'name')))
      .first()
      .attr('content') ?? '';
  const pageTitle = $('title').first().text();

  $(REMOVE_TAGS.join(',')).remove();
  // comments and processing instructions
  const stripComments = (n: AnyNode) => {
    if (!('children' in n)) return;
    const el = n as Element;
    if (el.children.some((c) => c.type === 'comment' || c.type === 'directive')) {
      el.children = el.children.filter((c) => c.type !== 'comment' && c.type !== 'directive');
      el.children.forEach((c, i) => {
        c.prev = el.children[i - 1] ?? null;
        c.next = el.children[i + 1] ?? null;
      });
    }
    for (const c of el.children) stripComments(c);
  };
  stripComments($.root()[0] as unknown as AnyNode);

  const body = ($('body')[0] as Element | undefined) ?? ($.root()[0] as unknown as Element);
  let container = body;
  let scorer: Scorer | undefined;
  let heading: TitleHit | undefined;
  if (!opts.fragment) {
    scorer = new Scorer(body);
    container = chooseContainer(body, scorer);
    heading = findHeading(body, container, scorer);
  } else {
    const h = $('h1, h2').first();
    const t = normalizeInlineText(h.text());
    if (h.length && looksLikeTitle(t)) heading = { text: t, outside: false };
  }

  const ctx: EmitContext = { scorer, blocks: [], line: [] };
  emit(container, ctx);
  flush(ctx);
  const blocks = ctx.blocks;

  // a title typed as a (centred, bold) paragraph at the top of the body: 某某局2019年…年度报告
  if (!heading || !namesReport(heading.text)) {
    const top = blocks.slice(0, 3).find(
      (b) => b.kind === 'paragraph' && namesReport(b.text) && !/[：:。；;，,]$|如下/.test(b.text) && looksLikeTitle(b.text) && contentChars(b.text) <= 80,
    );
    if (top && top.kind === 'paragraph') heading = { text: top.text, outside: false };
  }

  if (heading?.outside) {
    const head = blocks.slice(0, 3).map(blockText).join('\n');
    if (!head.includes(heading.text)) blocks.unshift({ kind: 'paragraph', text: heading.text });
  }

  const cleanedTitle = pageTitle ? cleanPageTitle(pageTitle) : '';
  const candidates = [normalizeInlineText(metaTitle), heading?.text ?? '', cleanedTitle].filter(Boolean);
  const declaredTitle =
    candidates.find(namesReport) ?? (heading?.text || normalizeInlineText(metaTitle) || cleanedTitle || undefined);

  const status: ExtractedDocument['status'] = 'ok';
  if (blocks.length === 0) {
    const images = $(container).find('img').length;
    if (images > 0) {
      warnings.push(`no text in the page body, only ${images} image(s): the report is probably scanned images`);
      return {
        mediaType: mediaTypeOf(opts.contentType),
        kind: 'html',
        blocks,
        declaredTitle,
        status: 'needs-ocr',
        warnings,
      };
    }
    throw new ExtractError('empty-file', `HTML page has no text content${opts.url ? ` (${opts.url})` : ''}`);
  }

  const allText = blocks.map(blockText).join('\n');
  const doc: ExtractedDocument = {
    mediaType: mediaTypeOf(opts.contentType),
    kind: 'html',
    blocks,
    declaredTitle,
    status,
    warnings,
  };
  if (/[\u4e00-\u9fff]/.test(allText)) {
    doc.script = isMostlyTraditional(allText) ? 'traditional' : 'simplified';
    if (doc.script === 'traditional') warnings.push('text is in Traditional characters: match on toSimplified() of it');
  }
  return doc;
}

function mediaTypeOf(contentType: string | undefined): string {
  const ct = contentType?.split(';')[0].trim().toLowerCase();
  return ct && /html/.test(ct) ? ct : 'text/html';
}
