/**
 * OCR confidence as the normalizer sees it (the extractor gives each OCR'd cell a confidence,
 * TableBlock.confidence, and builds no findings itself): facts read by OCR carry the cell's
 * confidence, and a cell below the threshold is a finding, not a silent guess.
 *
 * The confidences come calibrated per engine (extract/ocr/calibration.ts): each engine's measured
 * raw "doubtful" level is mapped onto DOUBTFUL_BELOW, so one threshold serves every engine. The
 * identities (normalize/validate.ts) are the second net, for confident misreads.
 */
import { DOUBTFUL_BELOW } from '../extract/ocr/calibration.ts';
import type { Finding } from '../schema/report.ts';

export const OCR_CONFIDENCE_THRESHOLD = DOUBTFUL_BELOW;

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
