/**
 * Numbers stated in sentences (主动公开政府信息147条, 收到政府信息公开申请3件), for every family.
 * Legacy reports without a statistics table have only these.
 */
import type { Fact } from '../schema/report.ts';
import { labels } from './labels.ts';

/** Running text with line wraps between Chinese characters removed, so sentences match whole. */
export function proseText(paragraphs: string[]): string {
  return paragraphs.join('\n').replace(/\n(?!\s*[一二三四五六七八九十]+、)/g, '');
}

export function parseNarrative(paragraphs: string[]): Fact[] {
  const text = proseText(paragraphs);
  const facts: Fact[] = [];
  for (const entry of labels.narrative) {
    for (const re of entry.patterns) {
      re.lastIndex = 0;
      const m = re.exec(text);
      if (!m) continue;
      let value = Number(m[1].replace(/[,，]/g, ''));
      if (m[2] === '万') value *= 10000;
      facts.push({ table: 'narrative', row: entry.id, col: 'value', value, source: { text: m[0] } });
      break;
    }
  }
  return facts;
}
