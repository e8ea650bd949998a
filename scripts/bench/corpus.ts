/**
 * The benchmark corpus: N report documents made from the five seed reports with their numbers
 * varied so that every identity of FORMATS.md still holds, rendered as PDF (Chromium, padded to
 * 4–8 pages with narrative paragraphs), DOCX (`docx`) and HTML (official table markup), through
 * the same renderers as the sample portal (sample/render.ts, sample/render/*).
 *
 * Each document's expected facts (table.row.col → value) are recorded in manifest.json, so the
 * bench can check that what it timed also read the right numbers.
 *
 * Generated once into bench/.cache/corpus-<N>-<key>/ (key: this file and the seeds); an
 * interrupted generation resumes (PDFs already written are kept).
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { extractText } from '../../extract/text.ts';
import type { ExtractedDocument, TableBlock } from '../../extract/model.ts';
import { reportFromExtraction } from '../../normalize/report.ts';
import type { Fact } from '../../schema/report.ts';
import { reportHtml } from '../../sample/render/html.ts';
import { reportDocx } from '../../sample/render/docx.ts';
import { renderDocFromBlocks, type RenderDoc } from '../../sample/render/report-doc.ts';
import { chromiumLaunchOptions } from '../../crawler/browser.ts';
import { REPORT_PDF_OPTIONS } from '../../sample/render.ts';
import { rng } from '../lib/rng.ts';

export type DocKind = 'pdf' | 'docx' | 'html';

export interface CorpusDoc {
  id: string;
  seed: string;
  kind: DocKind;
  file: string;
  bytes: number;
  pages?: number;
  format: string;
  /** Expected facts: "table.row.col" → value (null = printed blank). */
  expected: Record<string, number | null>;
}

export interface CorpusManifest {
  key: string;
  n: number;
  generatedAt: string;
  docs: CorpusDoc[];
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const CACHE_DIR = path.join(repoRoot, 'bench', '.cache');

// The generator and the seeds make the key; changes to the renderers or the text extractor do
// not throw away a corpus that takes minutes to render (delete bench/.cache to regenerate).
const SOURCES = ['scripts/bench/corpus.ts'];

export function seedsDir(): string {
  if (process.env.NIANBAO_SEEDS) return process.env.NIANBAO_SEEDS;
  const local = path.join(repoRoot, 'sample/seeds');
  if (fs.existsSync(local)) return local;
  return path.resolve(repoRoot, '../shared/seeds');
}

interface Seed {
  id: string;
  text: string;
}

export function readSeeds(): Seed[] {
  const dir = seedsDir();
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_.*\.txt$/.test(f))
    .sort()
    .map((f) => ({ id: f.slice(0, 3), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

function corpusKey(seeds: Seed[]): string {
  const h = createHash('sha256').update('bench-corpus/1\n');
  for (const s of SOURCES) {
    const p = path.join(repoRoot, s);
    if (fs.existsSync(p)) h.update(fs.readFileSync(p));
  }
  for (const s of seeds) h.update(s.text);
  return h.digest('hex').slice(0, 12);
}


/** Small counts, mostly 0–3 with a tail: what the applications tables look like. */
function count(r: () => number, scale = 1): number {
  const x = r();
  if (x < 0.45) return 0;
  if (x < 0.8) return Math.floor(r() * 4 * scale);
  if (x < 0.97) return Math.floor(r() * 30 * scale);
  return Math.floor(r() * 300 * scale);
}

const key = (f: { table: string; row: string; col: string }) => `${f.table}.${f.row}.${f.col}`;
const isInt = (s: string) => /^\d+$/.test(s.trim());

const FILLER = [
  '本机关坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，围绕中心工作，持续深化政务公开，不断提升政务服务水平。',
  '在组织保障方面，本机关成立了由主要负责同志任组长的政务公开工作领导小组，明确分管领导和具体承办科室，形成了主要领导亲自抓、分管领导具体抓、承办科室抓落实的工作格局。',
  '在平台建设方面，本机关进一步规范政府网站信息公开专栏的栏目设置，及时更新机构职能、政策文件、工作动态等内容，确保信息发布准确、及时、规范，方便公众查询获取。',
  '在制度建设方面，本机关修订完善了信息发布审核、保密审查、依申请公开办理等工作制度，严格落实“先审查、后公开”和“一事一审”的要求，切实防范泄密风险。',
  '在政策解读方面，本机关坚持政策性文件与解读材料同步组织、同步审签、同步部署，采用图文解读、问答解读等多种形式，提高政策解读的针对性和可读性。',
  '在回应关切方面，本机关密切关注社会舆情，对涉及本领域的热点问题及时作出回应，主动释疑解惑，引导社会预期，营造良好的舆论氛围。',
  '在监督考核方面，本机关将政务公开工作纳入年度目标责任制考核内容，定期开展自查自纠，对发现的问题及时督促整改，推动各项工作任务落到实处。',
  '在教育培训方面，本机关组织工作人员认真学习政府信息公开相关法规制度，邀请业务骨干进行专题辅导，不断提高工作人员的业务素质和依法公开意识。',
  '下一步，本机关将继续加大政务公开力度，进一步拓宽公开渠道，丰富公开形式，提升公开质量，不断增强政府工作透明度，更好地保障人民群众的知情权、参与权、表达权和监督权。',
];

export interface SeedModel {
  id: string;
  doc: ExtractedDocument;
  facts: Fact[];
  format: string;
}

export function seedModel(s: Seed): SeedModel {
  const doc = extractText(s.text);
  const r = reportFromExtraction(doc, { file: s.id, sha256: s.id });
  return { id: s.id, doc, facts: r.facts, format: r.format };
}

/**
 * One variant of a seed: a copy of its extracted blocks with new numbers written into the table
 * cells (and the narrative sentences that repeat them), plus the expected facts.
 */
export function variant(m: SeedModel, r: () => number): { doc: ExtractedDocument; expected: Record<string, number | null> } {
  const doc: ExtractedDocument = structuredClone(m.doc);
  const expected: Record<string, number | null> = {};
  for (const f of m.facts) expected[key(f)] = f.value;
  const byKey = new Map(m.facts.map((f) => [key(f), f]));
  const writable = (k: string) => {
    const f = byKey.get(k);
    return !!f && f.source?.block !== undefined && f.source.cellRow !== undefined && isInt(f.source.text);
  };
  const values = new Map<string, number>();
  const set = (k: string, v: number) => {
    if (!writable(k)) return false;
    values.set(k, v);
    return true;
  };

  // applications: per applicant column, outcomes → total; carried over/forward → new received.
  const appFacts = m.facts.filter((f) => f.table === 'applications');
  if (appFacts.length && appFacts.every((f) => writable(key(f)))) {
    const rows = [...new Set(appFacts.map((f) => f.row))];
    const cols = [...new Set(appFacts.map((f) => f.col))].filter((c) => c !== 'total');
    const outcomes = rows.filter((x) => /^(granted|partially_granted|denied_|unavailable_|rejected_|other)/.test(x));
    const scale = r() < 0.3 ? 10 : 1;
    const colTotals: Record<string, number> = {};
    for (const row of rows) colTotals[row] = 0;
    for (const col of cols) {
      const active = r() < (col === 'natural_person' ? 0.95 : 0.35);
      let total = 0;
      for (const row of outcomes) {
        const v = active ? count(r, scale) : 0;
        total += v;
        values.set(`applications.${row}.${col}`, v);
      }
      const carriedOver = active && r() < 0.4 ? Math.floor(r() * 5 * scale) : 0;
      const carriedForward = active && r() < 0.4 ? Math.floor(r() * 5 * scale) : 0;
      const co = Math.min(carriedOver, total + carriedForward);
      values.set(`applications.total.${col}`, total);
      values.set(`applications.carried_over.${col}`, co);
      values.set(`applications.carried_forward.${col}`, carriedForward);
      values.set(`applications.new_received.${col}`, total + carriedForward - co);
      for (const row of rows) colTotals[row] += values.get(`applications.${row}.${col}`) ?? 0;
    }
    for (const row of rows) values.set(`applications.${row}.total`, colTotals[row]);
  }

  // review_litigation: rows printed in full get new parts and their total.
  for (const row of ['review', 'litigation_direct', 'litigation_after_review']) {
    const parts = ['upheld', 'corrected', 'other', 'pending'].map((c) => `review_litigation.${row}.${c}`);
    const all = [...parts, `review_litigation.${row}.total`];
    if (!all.every(writable)) continue;
    let total = 0;
    for (const p of parts) {
      const v = r() < 0.6 ? 0 : Math.floor(r() * 6);
      values.set(p, v);
      total += v;
    }
    values.set(`review_litigation.${row}.total`, total);
  }

  // proactive: independent counts.
  for (const f of m.facts.filter((x) => x.table === 'proactive')) set(key(f), Math.floor(r() * (r() < 0.7 ? 20 : 800)));

  // legacy_stats: every printed integer varies, then the three identities are made to hold.
  const legacy = m.facts.filter((x) => x.table === 'legacy_stats');
  if (legacy.length) {
    for (const f of legacy) set(key(f), Math.floor(r() * (r() < 0.6 ? 30 : 2000)));
    const L = (row: string) => `legacy_stats.${row}.value`;
    const cur = (row: string) => (values.has(L(row)) ? values.get(L(row))! : (expected[L(row)] ?? 0));
    const sumTo = (target: string, items: string[]) => {
      if (writable(L(target))) values.set(L(target), items.reduce((s, x) => s + cur(x), 0));
    };
    sumTo('replies_denied', ['denied_state_secret', 'denied_trade_secret', 'denied_privacy', 'denied_security_stability', 'denied_not_government_information', 'denied_other_legal']);
    sumTo('replies_total', ['replies_already_public', 'replies_granted', 'replies_partially_granted', 'replies_denied', 'replies_not_this_agency', 'replies_not_exist', 'replies_correction_requested', 'replies_other_channel']);
    sumTo('staff_total', ['staff_full_time', 'staff_part_time']);
  }

  for (const [k, v] of values) {
    const f = byKey.get(k)!;
    const b = doc.blocks[f.source!.block!] as TableBlock;
    b.rows[f.source!.cellRow!][f.source!.cellCol!] = String(v);
    expected[k] = v;
  }

  // Narrative sentences that repeat a table number say the new number; the others vary freely.
  const narrativeTarget: Record<string, string[]> = {
    applications_received: ['applications.new_received.total', 'legacy_stats.applications_received.value'],
    proactive_items: ['legacy_stats.proactive_items.value'],
  };
  for (const f of m.facts.filter((x) => x.table === 'narrative')) {
    const printed = f.source?.text;
    if (!printed || f.value === null) continue;
    const para = doc.blocks.find((b) => b.kind === 'paragraph' && b.text.includes(printed));
    const digits = printed.match(/\d+/g);
    if (!para || para.kind !== 'paragraph' || !digits || digits.length !== 1) continue;
    const from = narrativeTarget[f.row]?.find((k) => k in expected && expected[k] !== null && values.has(k));
    const v = from ? expected[from]! : Math.floor(r() * 400);
    para.text = para.text.replace(printed, printed.replace(/\d+/, String(v)));
    expected[key(f)] = v;
  }
  return { doc, expected };
}

/** The renderable form of a varied document, padded with filler paragraphs to 4–8 pages. */
export function renderDocFrom(id: string, doc: ExtractedDocument, filler: string[]): RenderDoc {
  const { title, titleLines, blocks } = renderDocFromBlocks(id, doc);
  // Padding goes after the second paragraph of the body (the overview), away from the title
  // and from the tables' section headings.
  const at = Math.min(2, blocks.length);
  blocks.splice(at, 0, ...filler.map((text) => ({ kind: 'paragraph' as const, text })));
  return { id, title, titleLines, blocks };
}


function fillerFor(r: () => number, chars: number): string[] {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    // A paragraph of 2–4 sentences.
    const k = 2 + Math.floor(r() * 3);
    let p = '';
    for (let i = 0; i < k; i++) p += FILLER[Math.floor(r() * FILLER.length)];
    out.push(p);
    n += p.length;
  }
  return out;
}

export function kindOf(i: number): DocKind {
  const m = i % 5;
  return m < 3 ? 'pdf' : m === 3 ? 'docx' : 'html';
}

export interface CorpusOptions {
  n: number;
  log?: (s: string) => void;
  /** Chromium pages rendering at once. */
  concurrency?: number;
}

/** Builds (or reuses) the corpus of n documents; returns its folder and manifest. */
export async function ensureCorpus(opts: CorpusOptions): Promise<{ dir: string; manifest: CorpusManifest }> {
  const log = opts.log ?? (() => {});
  const seeds = readSeeds();
  if (!seeds.length) throw new Error(`bench: no seed texts in ${seedsDir()}`);
  const ck = corpusKey(seeds);
  const dir = path.join(CACHE_DIR, `corpus-${opts.n}-${ck}`);
  const mf = path.join(dir, 'manifest.json');
  if (fs.existsSync(mf)) {
    const manifest = JSON.parse(fs.readFileSync(mf, 'utf8')) as CorpusManifest;
    if (manifest.docs.every((d) => fs.existsSync(path.join(dir, d.file)))) return { dir, manifest };
  }
  fs.mkdirSync(dir, { recursive: true });
  const models = seeds.map(seedModel);
  const t0 = Date.now();
  log(`generating corpus of ${opts.n} documents into ${path.relative(repoRoot, dir)}`);

  const docs: CorpusDoc[] = [];
  const pdfJobs: { doc: CorpusDoc; render: RenderDoc }[] = [];
  for (let i = 0; i < opts.n; i++) {
    const { r, m, v } = corpusVariant(models, i);
    const kind = kindOf(i);
    const problem = variantProblem(i, m, v);
    if (problem) throw new Error(problem);
    // The seeds render to 4 A4 pages; 0–4 pages of narrative (≈1,300 characters a page) more.
    const extraPages = kind === 'pdf' ? Math.floor(r() * 5) : Math.floor(r() * 3);
    const render = renderDocFrom(`${m.id}-${i}`, v.doc, fillerFor(r, extraPages * 1300));
    const id = String(i).padStart(6, '0');
    const file = `${id}-${m.id}.${kind}`;
    const doc: CorpusDoc = { id, seed: m.id, kind, file, bytes: 0, format: m.format, expected: v.expected };
    docs.push(doc);
    if (kind === 'html') write(dir, doc, Buffer.from(reportHtml(render), 'utf8'));
    else if (kind === 'docx') write(dir, doc, await reportDocx(render));
    else pdfJobs.push({ doc, render });
  }
  if (pdfJobs.length) await renderPdfs(dir, pdfJobs, opts.concurrency ?? 2, log);
  const manifest: CorpusManifest = { key: ck, n: opts.n, generatedAt: new Date().toISOString(), docs };
  fs.writeFileSync(mf, JSON.stringify(manifest));
  log(`corpus ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, manifest };
}

function write(dir: string, doc: CorpusDoc, bytes: Uint8Array): void {
  fs.writeFileSync(path.join(dir, doc.file), bytes);
  doc.bytes = bytes.length;
}

async function renderPdfs(dir: string, jobs: { doc: CorpusDoc; render: RenderDoc }[], concurrency: number, log: (s: string) => void): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    let next = 0;
    let done = 0;
    const t0 = Date.now();
    const worker = async () => {
      const page = await browser.newPage();
      while (next < jobs.length) {
        const job = jobs[next++];
        if (fs.existsSync(path.join(dir, job.doc.file))) {
          // Left by an interrupted generation: same deterministic content.
          job.doc.bytes = fs.statSync(path.join(dir, job.doc.file)).size;
        } else {
          await page.setContent(pdfHtml(job.render), { waitUntil: 'load' });
          await page.evaluate(() => document.fonts.ready);
          const pdf = await page.pdf(REPORT_PDF_OPTIONS);
          const tmp = path.join(dir, `${job.doc.file}.tmp`);
          fs.writeFileSync(tmp, pdf);
          fs.renameSync(tmp, path.join(dir, job.doc.file));
          job.doc.bytes = pdf.length;
        }
        job.doc.pages = pdfPages(path.join(dir, job.doc.file));
        if (++done % 100 === 0) log(`  ${done}/${jobs.length} PDFs (${((Date.now() - t0) / done).toFixed(0)} ms each)`);
      }
      await page.close();
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    await browser.close();
  }
}

/**
 * The report page as printed to PDF. Bold without a bold face would be synthesised, and Chromium
 * writes synthesised glyphs as Type 3 fonts (dozens per file); published reports embed TrueType
 * subsets (Word/WPS exports), so the bench's PDFs do too: no synthesis.
 */
function pdfHtml(render: RenderDoc): string {
  return reportHtml(render).replace('</style>', '  * { font-synthesis: none; }\n</style>');
}

/** Page count (pdfinfo, where poppler-utils is installed). */
function pdfPages(file: string): number | undefined {
  try {
    const out = execFileSync('pdfinfo', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Number(/^Pages:\s+(\d+)/m.exec(out)?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

/** Differences between expected facts and extracted ones (missing, extra, different values). */
/** Document i of the corpus: its seed model, its varied blocks and expected facts, and its random stream (rendering draws on). */
export function corpusVariant(models: SeedModel[], i: number): { r: () => number; m: SeedModel; v: ReturnType<typeof variant> } {
  const r = rng(0x9e3779b9 ^ (i * 2654435761));
  const m = models[Math.floor(i / 5) % models.length];
  return { r, m, v: variant(m, r) };
}

/** Self-check: the varied blocks read back as the expected facts with no broken identity; else what differs. */
export function variantProblem(i: number, m: SeedModel, v: ReturnType<typeof variant>): string | null {
  const back = reportFromExtraction(v.doc, { file: 'x', sha256: 'x' });
  const diff = compareFacts(v.expected, back.facts);
  if (diff.length) return `bench corpus: variant ${i} of seed ${m.id} does not read back: ${diff.slice(0, 5).join('; ')}`;
  const broken = back.findings.filter((f) => f.severity === 'error');
  if (broken.length) return `bench corpus: variant ${i} of seed ${m.id} breaks ${broken.map((f) => f.message).join('; ')}`;
  return null;
}

export function compareFacts(expected: Record<string, number | null>, facts: { table: string; row: string; col: string; value: number | null }[]): string[] {
  const got = new Map<string, number | null>();
  for (const f of facts) if (!got.has(key(f))) got.set(key(f), f.value);
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    if (!got.has(k)) out.push(`${k} missing (expected ${v})`);
    else if (got.get(k) !== v) out.push(`${k} = ${got.get(k)} (expected ${v})`);
  }
  for (const k of got.keys()) if (!(k in expected)) out.push(`${k} extra`);
  return out;
}
