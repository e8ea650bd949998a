/**
 * Cheap checks that run before an extractor, so that a hostile or broken input fails alone, fast
 * and with a clear error instead of a stack overflow, a quadratic parse or a time-out:
 *
 * - `checkHtmlShape`: one linear scan of the markup counting elements and the nesting depth. The
 *   HTML parser (parse5) and the page walk (html.ts) are recursive or O(depth) per element: a
 *   5,000-deep <div> nest overflows the stack and a 100,000-deep one takes hours. Real report
 *   pages, Word-saved HTML included, stay under 100 levels and 50,000 elements.
 * - `errorPageUnderDocumentName`: an HTML error page (404, 502, a WAF block page) saved under the
 *   report's .pdf/.doc/.docx name, which a portal sends with status 200 more often than one would
 *   think. A real report page saved under such a name is still extracted as HTML.
 */
import { ExtractError } from './model.ts';
import { claimedDocumentType } from './sniff.ts';
import { namesReport } from '../text/title.ts';

/** Deepest element nesting accepted (html.ts overflows its stack near 5,000). */
export const MAX_HTML_DEPTH = 2000;
/** Most elements accepted in one page. */
export const MAX_HTML_ELEMENTS = 500_000;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'basefont', 'bgsound', 'frame', 'keygen', 'command', 'image', 'isindex', 'nextid', 'spacer']);
/** End tag optional, closed implicitly by siblings or the parent: not counted as nesting. */
const OPTIONAL_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'colgroup', 'rt', 'rp', 'rb', 'rtc', 'html', 'head', 'body']);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

export interface HtmlShape {
  elements: number;
  maxDepth: number;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Elements and deepest nesting of the markup, as a tolerant parser would build it (approximately). */
export function htmlShape(html: string, stopAt: Partial<HtmlShape> = {}): HtmlShape {
  const stack: string[] = [];
  let elements = 0;
  let maxDepth = 0;
  const n = html.length;
  let i = html.indexOf('<');
  while (i >= 0 && i < n - 1) {
    const c = html.charCodeAt(i + 1);
    if (c === 33 /* ! */) {
      // comment, doctype, CDATA
      const end = html.startsWith('<!--', i) ? html.indexOf('-->', i + 4) : html.indexOf('>', i + 2);
      if (end < 0) break;
      i = html.indexOf('<', end + 1);
      continue;
    }
    const closing = c === 47; /* / */
    const start = closing ? i + 2 : i + 1;
    if (start >= n || !isLetter(html.charCodeAt(start))) {
      i = html.indexOf('<', i + 1);
      continue;
    }
    let j = start;
    while (j < n) {
      const d = html.charCodeAt(j);
      if (d === 62 || d === 47 || d === 32 || d === 9 || d === 10 || d === 13 || d === 12) break;
      j++;
    }
    const name = html.slice(start, j).toLowerCase();
    const gt = html.indexOf('>', j);
    if (gt < 0) break;
    if (closing) {
      if (!VOID.has(name) && !OPTIONAL_END.has(name)) {
        // Close up to the nearest open element of that name; a stray end tag closes nothing.
        const at = stack.lastIndexOf(name);
        if (at >= 0) stack.length = at;
      }
      i = html.indexOf('<', gt + 1);
      continue;
    }
    elements++;
    if (stopAt.elements !== undefined && elements > stopAt.elements) return { elements, maxDepth };
    const selfClosing = html.charCodeAt(gt - 1) === 47;
    if (RAW_TEXT.has(name)) {
      const re = new RegExp(`</${name}`, 'gi');
      re.lastIndex = gt + 1;
      const end = re.exec(html)?.index ?? -1;
      const endGt = end < 0 ? -1 : html.indexOf('>', end);
      i = endGt < 0 ? -1 : html.indexOf('<', endGt + 1);
      continue;
    }
    if (!selfClosing && !VOID.has(name) && !OPTIONAL_END.has(name)) {
      stack.push(name);
      if (stack.length > maxDepth) {
        maxDepth = stack.length;
        if (stopAt.maxDepth !== undefined && maxDepth > stopAt.maxDepth) return { elements, maxDepth };
      }
    }
    i = html.indexOf('<', gt + 1);
  }
  return { elements, maxDepth };
}

/** Refuses markup too deep or too large to walk safely: ExtractError 'too-complex'. */
export function checkHtmlShape(html: string, limits: { maxDepth?: number; maxElements?: number } = {}): void {
  const maxDepth = limits.maxDepth ?? MAX_HTML_DEPTH;
  const maxElements = limits.maxElements ?? MAX_HTML_ELEMENTS;
  const shape = htmlShape(html, { maxDepth, elements: maxElements });
  if (shape.maxDepth > maxDepth) {
    throw new ExtractError('too-complex', `HTML elements are nested more than ${maxDepth} levels deep (limit ${maxDepth}): not a report page, refused before parsing`);
  }
  if (shape.elements > maxElements) {
    throw new ExtractError('too-complex', `HTML page has more than ${maxElements.toLocaleString('en')} elements (limit ${maxElements.toLocaleString('en')}): refused before parsing`);
  }
}

const ERROR_PAGE_RE =
  /\b(?:40[0-9]|41[0-9]|429|50[0-9])\b|not found|forbidden|bad gateway|service unavailable|gateway time-?out|internal server error|access denied|error|页面不存在|找不到|无法访问|访问被拒绝|禁止访问|拒绝访问|服务器错误|系统错误|出错|错误|异常|维护|不存在|已删除|防火墙|安全拦截|waf/i;

/**
 * An HTML page under a name or content type that promised a PDF/DOC/DOCX, small and looking like
 * an error page: returns the error to report, or null (then it is extracted as HTML).
 */
export function errorPageUnderDocumentName(html: string, claimed: 'pdf' | 'doc' | 'docx', name: string | undefined): ExtractError | null {
  if (html.length > 64 * 1024) return null;
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim() ?? '';
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1]?.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim() ?? '';
  const text = html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  // A report names itself; an error page does not, and says what went wrong in a few words.
  if (namesReport(title + heading) || text.length > 2000) return null;
  if (!ERROR_PAGE_RE.test(`${title} ${heading} ${text.slice(0, 300)}`)) return null;
  const what = title || heading || text.slice(0, 80);
  return new ExtractError('error-page', `${name ?? 'the file'} should be a ${claimed.toUpperCase()} but is an HTML error page ("${what.slice(0, 120)}"): the portal answered with an error instead of the document`);
}

/** The checks for bytes sniffed as HTML, before the HTML extractor runs: throws ExtractError. */
export function guardHtml(bytes: Uint8Array, decode: (b: Uint8Array) => string, opts: { fileName?: string; contentType?: string } = {}): void {
  // Tags are ASCII in every charset a portal uses (UTF-8, GBK/GB18030, Big5): latin1 is enough to count them.
  checkHtmlShape(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  const claimed = claimedDocumentType(opts.fileName, opts.contentType);
  if (claimed && bytes.length <= 64 * 1024) {
    const err = errorPageUnderDocumentName(decode(bytes), claimed, opts.fileName);
    if (err) throw err;
  }
}
