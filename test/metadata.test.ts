import { describe, expect, it } from 'vitest';
import type { Block } from '../extract/model.ts';
import { agencyFromTitle, readMetadata } from '../normalize/metadata.ts';

const paragraphs = (...texts: string[]): Block[] => texts.map((text) => ({ kind: 'paragraph', text }));

describe('report metadata', () => {
  it.each([
    ['余姚市经济和信息化局2020年度政府信息公开工作年度报告', '余姚市经济和信息化局'],
    ['2022年度杭州市西湖区政府信息公开工作年度报告', '杭州市西湖区'],
    ['淮安市人民政府2024年政府信息公开工作年度报告', '淮安市人民政府'],
    ['2021年政府信息公开工作年度报告（拱墅区投资促进局）', '拱墅区投资促进局'],
    ['某县人民政府办公室关于印发某县2022年政府信息公开工作年度报告的通知', '某县'],
    ['《某市教育局二〇二二年政府信息公开工作年度报告》', '某市教育局'],
    ['某区司法局2019年政府信息公开年报', '某区司法局'],
    ['某市财政局2013年度政府信息公开工作报告', '某市财政局'],
    // Specks OCR read into scanned titles (fresh draw 5, 150 and 200 dpi).
    ['余姚市人民政府招商局N2019年政府信息公开工作年度报告', '余姚市人民政府招商局'],
    ['余姚市经济和信息化局2020年政府N信息公开工作年度报告', '余姚市经济和信息化局'],
  ])('agency of %s', (title, agency) => {
    expect(agencyFromTitle(title)).toBe(agency);
  });

  it('year from the title, in digits or Chinese numerals, never from a publication date', () => {
    expect(readMetadata(paragraphs('某市教育局二〇二二年政府信息公开工作年度报告', '发布日期：2023-03-30')).year).toBe(2022);
    expect(readMetadata(paragraphs('政府信息公开工作年度报告', '本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。发布时间2022年1月20日')).year).toBe(2021);
  });

  it('a title split over two lines is joined; a generic declared title loses to the printed one', () => {
    const m = readMetadata(paragraphs('淮安市人民政府', '2024 年政府信息公开工作年度报告', '本报告由淮安市人民政府办公室根据《中华人民共和国政府信息公开条例》规定编制。'), '政府信息公开工作年度报告');
    expect(m).toEqual({ title: '淮安市人民政府2024年政府信息公开工作年度报告', agency: '淮安市人民政府', year: 2024 });
  });

  // As OCR reads a scanned title: the title line run into the first sentence, a speck after the
  // agency's bracketed line or inside the title (fresh scans, never seen while building).
  it.each([
    [['余姚市人民政府招商局', '2017年政府信息公开年度报告s本年报根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，结合我局工作实际编制而成。本年报中所列数据统计时间截至2017年12月31日。'],
      { title: '余姚市人民政府招商局2017年政府信息公开年度报告', agency: '余姚市人民政府招商局', year: 2017 }],
    [['2021年政府信息公开工作年度报告', '（拱墅区投资促进局）鸡', '本年度报告根据《中华人民共和国政府信息公开条例》要求编制。'],
      { title: '2021年政府信息公开工作年度报告（拱墅区投资促进局）', agency: '拱墅区投资促进局', year: 2021 }],
    [['余姚市人民政府招商中心2021年度．政府信息公开工作年度报告', '本年度报告根据《条例》要求编制。'],
      { title: '余姚市人民政府招商中心2021年度．政府信息公开工作年度报告', agency: '余姚市人民政府招商中心', year: 2021 }],
  ])('an OCR-read title: %j', (lines, expected) => {
    expect(readMetadata(paragraphs(...lines))).toEqual(expected);
  });

  it('a title line that runs on is cut at 报告 only where what follows is body text, never a notice', () => {
    expect(readMetadata(paragraphs('某县人民政府办公室关于印发某县2022年政府信息公开工作年度报告的通知', '各乡镇人民政府：')).title).toBe(
      '某县人民政府办公室关于印发某县2022年政府信息公开工作年度报告的通知',
    );
    expect(readMetadata(paragraphs('某市财政局2013年度政府信息公开工作报告书', '正文')).title).toBe('某市财政局2013年度政府信息公开工作报告书');
  });
});
