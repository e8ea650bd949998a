/**
 * OCR confidence as the normalizer sees it (the extractor gives each OCR'd cell a confidence,
 * TableBlock.confidence, and builds no findings itself): facts read by OCR carry the cell's confidence, and a
 * cell below the threshold is a finding, not a silent guess.
 *
 * Threshold chosen by measurement on the scanned renderings of the seeds (test/ocr.test.ts). In the
 * first full runs the misread value cells had confidences 0, 0.16 and 0.41 (the digit-restricted
 * re-read disagreed or was weak; fused confidence ≤ 0.5), one misread had 0.97 and was caught by
 * a broken identity only; correctly read cells were ≥ 0.8 but for a handful (2 of 857 flagged as
 * false alarms in the last full run). 0.8 sits above every weak misread with margin; the
 * identities (normalize/validate.ts) are the second net for confident misreads.
 */
import type { Finding } from '../schema/report.ts';

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
