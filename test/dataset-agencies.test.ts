import { describe, expect, it } from 'vitest';
import { upsertAgency } from '../dataset/agency.ts';
import { tempDb } from './dataset-fixtures.ts';

describe('agencies', () => {
  it('a bureau named without its place is one agency per county, a named one is one nationwide', () => {
    const { db } = tempDb();
    const a = upsertAgency(db, '财政局', { province: '浙江省', city: '宁波市', county: '鄞州区' }, 'p1');
    const b = upsertAgency(db, '财政局', { province: '浙江省', city: '宁波市', county: '余姚市' }, 'p2');
    const a2 = upsertAgency(db, '财政局', { province: '浙江省', city: '宁波市', county: '鄞州区' }, 'p1');
    expect(a).not.toBe(b);
    expect(a2).toBe(a);
    const c = upsertAgency(db, '余姚市财政局', { county: '余姚市' }, 'p2');
    const d = upsertAgency(db, '余姚市 财政局', null, null);
    expect(c).toBe(d);
    expect(db.prepare('SELECT name FROM agencies WHERE id = ?').pluck().get(a)).toBe('财政局');
  });
});
