/**
 * OCR confidence as the normalizer sees it: facts read by OCR carry the cell's confidence, and a
 * cell below the threshold is a finding, not a silent guess.
 *
 * Threshold chosen by measurement on the scanned renderings of the seeds (test/ocr.test.ts): every
 * misread cell seen there had a confidence below 0.5 (the two readings of a numeric cell, one
 * restricted to digits, disagreed, or the reading was weak), while correctly read cells were at
 * ≥ 0.8 with few exceptions; 0.8 flags every wrong cell with few false alarms.
 */
import type { Finding } from '../../schema/report.ts';

export const OCR_CONFIDENCE_THRESHOLD = 0.8;

/** The ocr.low_confidence finding for a cell, or undefined when it was not OCR'd or read well. */
export function lowConfidenceFinding(cell: string, text: string, confidence: number | undefined): Finding | undefined {
  if (confidence === undefined || confidence >= OCR_CONFIDENCE_THRESHOLD) return undefined;
  return {
    rule: 'ocr.low_confidence',
    severity: 'warning',
    message: `${cell}: OCR read "${text}" with confidence ${confidence.toFixed(2)} (< ${OCR_CONFIDENCE_THRESHOLD}); check against the page image`,
    cells: [cell],
  };
}
