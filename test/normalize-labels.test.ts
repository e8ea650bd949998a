/**
 * Printed labels that vary the way provinces and OCR vary them: the tolerant vocabulary
 * (numbering, suffixes, synonyms) and snapping (confusable characters, position, identities).
 * Variants are built programmatically over the official row lists and over real seeds, and a
 * wrong confident mapping is never allowed: the label maps right or stays unknown.
 */
import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { buildReport } from './helpers/build-report.ts';
import { extractDocument } from '../extract/index.ts';
import { reportFromExtraction } from '../normalize/report.ts';
import { seedFile, sharedDir } from './helpers/expected.ts';
import { normalizeLabel } from '../normalize/cells.ts';
import { identifiers, labels, type LabelList } from '../normalize/labels.ts';
import { snapRow } from '../normalize/snap.ts';
import { canonicalLabel, labelDistance } from '../normalize/vocabulary.ts';
import { mapping } from '../schema/mappings.ts';
import type { Fact, ReportResult } from '../schema/report.ts';
import { rng } from '../scripts/lib/rng.ts';

const seedText = (id: string) => fs.readFileSync(seedFile(id), 'utf8');
const run = (text: string) => buildReport(Buffer.from(text, 'utf8'), { file: 'variant.txt' });
const lines = (facts: Fact[]) => facts.map((f) => `${f.table}.${f.row}.${f.col}=${f.value}`).sort();


const confusions = mapping<{ confusions: string[] }>('vocabulary.json').confusions;
const confusableOf = (c: string) => confusions.filter((g) => g.includes(c)).flatMap((g) => [...g]).filter((d) => d !== c);

/** What OCR and provinces do to a label: confusable characters, a dropped character, extra numbering. */
function corrupt(label: string, rand: () => number): { text: string; kind: string } {
  const chars = [...label];
  const kinds = ['confuse1', 'confuse2', 'drop', 'numbering+confuse', 'drop+confuse'];
  const kind = kinds[Math.floor(rand() * kinds.length)];
  const confuse = () => {
    const at = chars.map((c, i) => (confusableOf(c).length ? i : -1)).filter((i) => i >= 0);
    if (!at.length) return false;
    const i = at[Math.floor(rand() * at.length)];
    const alt = confusableOf(chars[i]);
    chars[i] = alt[Math.floor(rand() * alt.length)];
    return true;
  };
  const drop = () => {
    if (chars.length < 3) return false;
    chars.splice(Math.floor(rand() * chars.length), 1);
    return true;
  };
  let changed = false;
  if (kind === 'confuse1') changed = confuse();
  if (kind === 'confuse2') changed = confuse() && confuse();
  if (kind === 'drop') changed = drop();
  if (kind === 'drop+confuse') changed = drop() && confuse();
  let text = chars.join('');
  if (kind === 'numbering+confuse') {
    changed = confuse();
    const prefixes = ['①', '（1）', '1.', '其中：', '⒉', '(二)', '三、'];
    text = prefixes[Math.floor(rand() * prefixes.length)] + chars.join('');
  }
  return { text: changed ? text : '', kind };
}

describe('tolerant legacy vocabulary', () => {
  const legacy = (label: string, section?: string) => labels.legacyRows.find(normalizeLabel(label), section)?.id;

  it('province spellings map to the canonical legacy rows', () => {
    const cases: [string, string][] = [
      ['其中：1.网站公开', 'channel_website'],
      ['4.网上申请数', 'applications_online'],
      ['3.否决公开答复数', 'replies_denied'],
      ['（三）互联网申请件数', 'applications_online'],
      ['② 网络申请数量', 'applications_online'],
      ['⑴门户网站公开政府信息数（条）', 'channel_website'],
      ['1、来信申请数', 'applications_letter'],
      ['现场申请件数', 'applications_in_person'],
      ['拒绝公开答复件数', 'replies_denied'],
      ['官方微博公开政府信息数', 'channel_weibo'],
      ['微信公开', 'channel_wechat'],
      ['公报公开政府信息条数', 'channel_gazette'],
      ['(一)主动公开政务信息数', 'proactive_items'],
      ['申请回复数', 'replies_total'],
    ];
    for (const [label, id] of cases) expect([label, legacy(label)]).toEqual([label, id]);
  });

  it('canonical forms strip numbering and suffixes without eating the label', () => {
    expect(canonicalLabel(normalizeLabel('其中：1.网站公开'))).toBe('政府网站公开');
    expect(canonicalLabel(normalizeLabel('（三）2.其他法律行政法规禁止公开'))).toBe('其他法律行政法规禁止公开');
    expect(canonicalLabel(normalizeLabel('①当面申请数量'))).toBe('当面申请数');
    // A label that is only numbering keeps its text.
    expect(canonicalLabel(normalizeLabel('（一）'))).toBe('(一)');
  });

  it('a legacy table printed with province labels gives the same facts as the official labels', async () => {
    const clean = await run(seedText('001'));
    const variant = seedText('001')
      .replace('2.政府网站公开政府信息数', '其中：1.网站公开')
      .replace('3.网络申请数', '4.网上申请数')
      .replace('4.不同意公开答复数', '3.否决公开答复数')
      .replace('1.当面申请数', '①现场申请件数')
      .replace('3.政务微博公开政府信息数', '（3）官方微博公开政府信息数量');
    expect(variant).not.toBe(seedText('001'));
    const r = await run(variant);
    expect(r.format).toBe('legacy');
    expect(lines(r.facts)).toEqual(lines(clean.facts));
    expect(r.findings.filter((f) => f.rule === 'parse.unknown_indicator')).toEqual([]);
  });
});

describe('labels snap to the rows the table can contain', () => {
  it("the issue's OCR misreads are read as their rows, with an info finding naming the printed text", async () => {
    const clean = await run(seedText('000'));
    const t = seedText('000').replace('（一）予以公开', '（一）了以公开').replace('1.本机关不掌握相关政府信息', '1.本机关不学握相关政府信息').replace('\t行政处罚', '\t行政处冯');
    const r = await run(t);
    expect(lines(r.facts)).toEqual(lines(clean.facts));
    const snaps = r.findings.filter((f) => f.rule === 'normalize.label_snapped');
    expect(snaps.map((f) => f.severity)).toEqual(['info', 'info', 'info']);
    expect(snaps.map((f) => /"(.*?)"/.exec(f.message)![1]).sort()).toEqual(['（一）了以公开', '1.本机关不学握相关政府信息', '行政处冯'].sort());
    expect(snaps.find((f) => f.message.includes('了以公开'))!.message).toMatch(/confirmed by applications\.outcomes_sum/);
    expect(snaps.find((f) => f.message.includes('了以公开'))!.cells).toContain('applications.granted.total');
  });

  it('misreadings Tesseract made on 150 dpi JPEG scans of seed 003 are read as their rows', async () => {
    const clean = await run(seedText('003'));
    const t = seedText('003').replace('\t规章', '\t规意').replace('8.属于行政查询事项', '8.属于行政睾询事项').replace('1.本机关不掌握相关政府信息', '1.本机关不烛握相关政府信息');
    expect(t).toContain('规意');
    const r = await run(t);
    expect(lines(r.facts)).toEqual(lines(clean.facts));
    const snaps = r.findings.filter((f) => f.rule === 'normalize.label_snapped');
    expect(snaps.map((f) => f.cells[0].split('.').slice(0, 2).join('.')).sort()).toEqual(['applications.denied_administrative_query', 'applications.unavailable_not_held', 'proactive.rules']);
    expect(r.findings.filter((f) => f.rule === 'parse.unknown_row' || f.rule === 'parse.missing_rows')).toEqual([]);
  });

  it('a snap that breaks an identity is flagged as a warning, not trusted', async () => {
    // 部分公开 misread and its numbers wrong: the outcomes no longer add up to the total.
    let t = seedText('002').replace('（二）部分公开', '（二）部分公升');
    const clean = await run(seedText('002'));
    const total = clean.facts.find((f) => f.table === 'applications' && f.row === 'total' && f.col === 'total')!.value!;
    expect(total).toBeGreaterThan(0);
    // Make the snapped row carry a number the identity cannot accept.
    const ls = t.split('\n');
    const at = ls.findIndex((l) => l.includes('部分公升'));
    const k = ls.findIndex((l, i) => i > at && /^\t\d+\s*$/.test(l));
    ls[k] = '\t7';
    t = ls.join('\n');
    const r = await run(t);
    const snap = r.findings.find((f) => f.rule === 'normalize.label_snapped')!;
    expect(snap.cells).toContain('applications.partially_granted.total');
    expect(snap.severity).toBe('warning');
    expect(snap.message).toMatch(/not confirmed: .*fails/);
  });

  it('labels no rule can place stay unknown', async () => {
    const base = seedText('000');
    for (const decoy of ['其中：依申请公开办理情况', '本机关电话咨询答复', '（八）网上留言回复', '合计件数说明']) {
      const r = await run(base.replace('（一）予以公开', decoy));
      expect(r.facts.some((f) => f.row === 'granted')).toBe(false);
      expect(r.findings.filter((f) => f.rule === 'normalize.label_snapped')).toEqual([]);
      expect(r.findings.some((f) => f.rule === 'parse.unknown_row' && f.message.includes(decoy))).toBe(true);
    }
  });

  /**
   * Random variants of every official row label, each in its place among the other rows of the
   * table (placed), and alone (unplaced). Counted: right, abstained (unknown), wrong.
   */
  it('random OCR-like variants over the official row lists: never a wrong snap', () => {
    const tables: [string, LabelList, string[], (id: string) => string | undefined][] = [
      ['applications', labels.applicationsRows, identifiers.tables.applications.rows.filter((r) => r !== 'other'), () => '其他处理'],
      ['proactive', labels.proactiveRows, labels.proactiveRows.all().map((e) => e.id), () => undefined],
      ['legacy_stats', labels.legacyRows, identifiers.tables.legacy_stats.rows, (id) => (/^review_/.test(id) ? 'review' : /^litigation_/.test(id) ? 'litigation' : undefined)],
    ];
    const rand = rng(20260612);
    const tally = { placed: { right: 0, abstain: 0, wrong: 0 }, unplaced: { right: 0, abstain: 0, wrong: 0 } };
    const wrongs: string[] = [];
    for (const [table, list, order, sectionOf] of tables) {
      for (let trial = 0; trial < 40; trial++) {
        for (const [k, id] of order.entries()) {
          const official = list.candidates([id], sectionOf(id))[0]?.labels[0];
          if (!official) continue;
          const v = corrupt(official, rand);
          if (!v.text) continue;
          const exact = list.find(v.text, sectionOf(id))?.id;
          for (const placed of [true, false]) {
            let got = exact;
            if (!got) {
              const taken = new Set(order.filter((r) => r !== id));
              const before = placed ? order[k - 1] ?? null : null;
              const after = placed ? order[k + 1] ?? null : null;
              // Unplaced: nothing else matched, so every other row is still possible.
              got = snapRow(v.text, list.candidates(order, sectionOf(id)), order, before, after, placed ? taken : new Set())?.id;
            }
            const t = tally[placed ? 'placed' : 'unplaced'];
            if (got === undefined) t.abstain++;
            else if (got === id) t.right++;
            else {
              t.wrong++;
              wrongs.push(`${table} ${v.kind} "${v.text}" (${id}) → ${got}${placed ? '' : ' unplaced'}`);
            }
          }
        }
      }
    }
    console.log('label variants (right / abstained / wrong):', JSON.stringify(tally));
    expect(wrongs).toEqual([]);
    const placedRight = tally.placed.right / (tally.placed.right + tally.placed.abstain);
    expect(placedRight).toBeGreaterThan(0.9);
  });

  it('random OCR-like variants of a real report: facts right or the row unknown, never under another row', async () => {
    const rand = rng(7);
    const tally = { right: 0, abstain: 0, wrong: 0 };
    for (const seed of ['000', '001', '003']) {
      const text = seedText(seed);
      const clean = await run(text);
      const cleanLines = new Set(lines(clean.facts));
      const rows = [...new Set(clean.facts.filter((f) => f.table !== 'narrative').map((f) => `${f.table}.${f.row}`))];
      for (let trial = 0; trial < 6; trial++) {
        // Corrupt about a third of the row labels found verbatim on their own line.
        let t = text;
        const changed: string[] = [];
        const variants: string[] = [];
        for (const key of rows) {
          if (rand() > 0.33) continue;
          const [table, row] = key.split('.');
          const list = table === 'applications' ? labels.applicationsRows : table === 'proactive' ? labels.proactiveRows : labels.legacyRows;
          const official = list.all().find((e) => e.id === row)?.label;
          if (!official) continue;
          const core = canonicalLabel(normalizeLabel(official)).replace(/数$/, '');
          const re = new RegExp(`^(\\t[　 ]*(?:[（(]?[一二三四五六七八九十\\d]+[）)、.．]|其中：)*)${core}`, 'mu');
          if (!re.test(t)) continue;
          const v = corrupt(core, rand);
          if (!v.text || v.kind.startsWith('numbering')) continue;
          t = t.replace(re, `$1${v.text}`);
          changed.push(key);
          variants.push(`${key}: ${v.text}`);
        }
        const r: ReportResult = await run(t);
        const got = new Set(lines(r.facts));
        for (const key of changed) {
          const want = [...cleanLines].filter((l) => l.startsWith(`${key}.`));
          if (want.every((l) => got.has(l))) tally.right++;
          else if (![...got].some((l) => l.startsWith(`${key}.`))) tally.abstain++;
          else tally.wrong++;
        }
        // No fact lands under a row with a value the clean report does not have.
        const wrongFacts = [...got].filter((l) => !cleanLines.has(l) && !l.startsWith('narrative.') && rows.some((k) => l.startsWith(`${k}.`)));
        expect({ wrongFacts, variants }).toEqual({ wrongFacts: [], variants });
      }
    }
    console.log('seed label variants (rows right / unknown / wrong):', JSON.stringify(tally));
    expect(tally.wrong).toBe(0);
    expect(tally.right).toBeGreaterThan(tally.abstain);
  });

  it('confusable characters cost less than other substitutions', () => {
    expect(labelDistance('了以公开', '予以公开')).toBeLessThan(labelDistance('方以公开', '予以公开'));
    expect(labelDistance('洪译区', '洪泽区')).toBeLessThan(0.1);
  });
});

describe('an OCR-read legacy label that no rule places', () => {
  /** Seed 001's extraction with its tables marked as read by OCR, one row label garbled. */
  async function ocrLegacy(garble: (label: string) => string | null) {
    const bytes = fs.readFileSync(seedFile('001'));
    const doc = await extractDocument(new Uint8Array(bytes), { fileName: '001.txt' });
    let garbled = 0;
    for (const b of doc.blocks) {
      if (b.kind !== 'table') continue;
      b.confidence = b.rows.map((r) => r.map(() => 0.95));
      b.rows = b.rows.map((r) =>
        r.map((c) => {
          const g = garble(c);
          if (g === null) return c;
          garbled++;
          return g;
        }),
      );
    }
    expect(garbled).toBe(1);
    return reportFromExtraction(doc, { file: '001.txt', sha256: 'x'.repeat(64) });
  }

  it('is a warning that names the known rows it could be, so their absence is not silent', async () => {
    // What paddle read from a LibreOffice table at 150 dpi: 2.传真申请数 → 2真申毒数, nothing like it.
    const r = await ocrLegacy((c) => (c.replace(/\s+/g, '') === '2.传真申请数' ? '2真毒毒' : null));
    expect(r.format).toBe('legacy');
    expect(r.facts.some((f) => f.table === 'legacy_stats' && f.row === 'applications_fax')).toBe(false);
    const w = r.findings.find((f) => f.rule === 'parse.unplaced_label');
    expect(w?.severity).toBe('warning');
    expect(w?.cells).toContain('legacy_stats.applications_fax');
    expect(r.findings.filter((f) => f.rule === 'parse.unknown_indicator')).toEqual([]);
  });

  it('stays an info finding on a document that was not OCR-read', async () => {
    const text = seedText('001').replace('2.传真申请数', '2真毒毒');
    const r = await run(text);
    expect(r.findings.filter((f) => f.rule === 'parse.unplaced_label')).toEqual([]);
    expect(r.findings.some((f) => f.rule === 'parse.unknown_indicator' && f.severity === 'info')).toBe(true);
  });
});

describe('warming the normaliser', () => {
  it('changes no result: real and seed documents read the same after warmNormalizer as cold', async () => {
    const files = [...['000', '001', '002', '003', '004'].map((id) => seedFile(id)), `${sharedDir}/real/huaian-2024.pdf`];
    const docs = await Promise.all(files.map((f) => extractDocument(fs.readFileSync(f), { fileName: f })));
    // Fresh module instances: empty label caches, no gazetteer yet.
    vi.resetModules();
    const cold = await import('../normalize/report.ts');
    const coldResults = docs.map((d, i) => cold.reportFromExtraction(d, { file: files[i]!, sha256: 'x' }));
    vi.resetModules();
    const { warmNormalizer } = await import('../normalize/index.ts');
    warmNormalizer();
    const warm = await import('../normalize/report.ts');
    const warmResults = docs.map((d, i) => warm.reportFromExtraction(d, { file: files[i]!, sha256: 'x' }));
    expect(coldResults.every((r) => r.facts.length > 0)).toBe(true);
    expect(warmResults).toEqual(coldResults);
  });
});
