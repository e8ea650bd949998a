/**
 * Fetching one document (a report article or an attachment): conditional request against the
 * stored version, the article page's own title deciding a cut listing title, its attachments
 * queued, the bytes put in the raw store and the documents row written.
 */
import { FetchError } from './http.ts';
import type { DocOutcome, Frontier, QueueRow } from './frontier.ts';
import { contentDispositionFileName, safeFileName } from './url.ts';
import { decodeText } from '../text/charset.ts';
import { articleAttachments, articleTitle, attachmentExt, loadHtml } from './discover.ts';
import { isNoticeAboutReports } from '../text/title.ts';
import { classifyTitle, compactTitle } from '../text/title.ts';
import { fetchWithRetry, httpError } from './fetch.ts';
import { tally, type Ctx } from './context.ts';

export async function processDocument(ctx: Ctx, row: QueueRow): Promise<void> {
  const kind = row.kind as 'article' | 'attachment';
  const prev = ctx.frontier.document(row.url);
  const headers: Record<string, string> = {};
  // Conditional only when the stored bytes are really there to fall back on.
  if (prev?.sha256 && (await ctx.raw.has(prev.sha256))) {
    if (prev.etag) headers['if-none-match'] = prev.etag;
    if (prev.last_modified) headers['if-modified-since'] = prev.last_modified;
  }
  if (row.referrer) headers.referer = row.referrer;
  if (kind === 'attachment') headers.accept = '*/*';
  const { resp, attempts } = await fetchWithRetry(ctx, row, { headers });
  const notModified = resp.status === 304 && !!prev?.sha256;
  if (!notModified && (resp.status < 200 || resp.status >= 300)) throw httpError(resp, attempts);
  const bytes = notModified ? await ctx.raw.get(prev!.sha256!) : resp.body;
  if (!notModified) ctx.summary.documentBytes += resp.wireBytes;
  const contentType = String(resp.headers['content-type'] ?? '') || null;
  const etag = (resp.headers.etag as string | undefined) ?? null;
  const lastModified = (resp.headers['last-modified'] as string | undefined) ?? null;

  let title = row.title;
  const children: Parameters<Frontier['enqueue']>[0][] = [];
  if (kind === 'article') {
    const text = decodeText(bytes, contentType ?? undefined);
    const $ = loadHtml(text);
    const pageTitle = compactTitle(articleTitle($));
    if (row.extra.verify || !title || /(\.\.\.|…)$/.test(title)) {
      if (classifyTitle(pageTitle) !== 'report') {
        // The listing's cut title promised a report; the page says otherwise: store nothing.
        ctx.summary.skipped.nonReport++;
        tally(ctx, row.portal, 'skippedNonReports');
        if (!notModified) ctx.summary.documentBytes -= resp.wireBytes; // not a document after all
        ctx.frontier.skipped(row.url, 'non-report');
        return;
      }
      title = pageTitle;
    }
    if (isNoticeAboutReports($('body').text())) {
      // A notice about reports (报送/编制 …), whatever its title says: not a report.
      ctx.summary.skipped.nonReport++;
      tally(ctx, row.portal, 'skippedNonReports');
      if (!notModified) ctx.summary.documentBytes -= resp.wireBytes;
      ctx.frontier.skipped(row.url, 'non-report');
      ctx.o.log(`nianbao crawl: ${row.url} ("${title ?? pageTitle}") reads as a notice about reports, not a report: not stored`);
      return;
    }
    for (const a of articleAttachments($, resp.finalUrl)) {
      if (ctx.scope.check(a.url) !== null) {
        ctx.summary.skipped.offScope++;
        continue;
      }
      if (a.url === row.url) continue;
      children.push({ url: a.url, kind: 'attachment', portal: row.portal, referrer: row.url, title, depth: row.depth, extra: { linkText: compactTitle(a.title) } });
    }
  }

  let filename: string | null = contentDispositionFileName(resp.headers['content-disposition'] as string | undefined);
  if (!filename && kind === 'attachment') {
    const u = new URL(resp.finalUrl);
    const q = [...u.searchParams].find(([k, v]) => /^(filename|file|fileName|name)$/i.test(k) && attachmentExt(`http://x/${v}`));
    filename = safeFileName(q ? q[1] : u.pathname.split('/').pop());
  }
  const sha = notModified ? prev!.sha256! : await ctx.raw.put(bytes);
  let outcome: DocOutcome = 'unchanged';
  ctx.frontier.complete(row.url, attempts, notModified ? 304 : resp.status, children, () => {
    if (notModified) ctx.frontier.touchDocument(row.url, { etag, lastModified, referrer: row.referrer, title });
    else
      outcome = ctx.frontier.storeDocument({
        url: row.url,
        finalUrl: resp.finalUrl,
        referrer: row.referrer,
        portal: row.portal,
        kind,
        title,
        status: resp.status,
        contentType,
        etag,
        lastModified,
        sha256: sha,
        size: bytes.length,
        filename,
      });
  });
  ctx.summary.fetched++;
  if (notModified) ctx.summary.notModified++;
  ctx.summary[outcome]++;
  if (kind === 'article') ctx.summary.reportsFound++;
  else ctx.summary.attachmentsFound++;
  tally(ctx, row.portal, kind === 'article' ? 'reportArticles' : 'attachments');
}
