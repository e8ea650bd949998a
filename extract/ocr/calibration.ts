/**
 * OCR confidence on one scale for every engine. Each engine's raw confidence (paddle: the weakest
 * character's probability; tesseract: the mean word confidence) means something else: paddle
 * reads half of the cells it gets right at under 0.8. So each engine states `doubtBelow`, the raw
 * confidence under which its readings are to be checked, measured on a calibration set of scans
 * (scripts/bench-ocr.ts prints the quantiles of right cells' confidences and the confidences of
 * the wrong cells no other finding names), and the extractor maps the raw value onto the shared
 * scale, where `doubtBelow` lands on DOUBTFUL_BELOW. normalize flags the cells under it
 * (normalize/ocr-confidence.ts).
 */

/** A calibrated confidence below this is a reading to check against the page image. */
export const DOUBTFUL_BELOW = 0.8;

/** Monotone, piecewise linear: 0 → 0, doubtBelow → DOUBTFUL_BELOW, 1 → 1. */
export function calibrate(raw: number, doubtBelow: number): number {
  if (!(doubtBelow > 0 && doubtBelow < 1)) return raw;
  const v = raw < doubtBelow ? (DOUBTFUL_BELOW * raw) / doubtBelow : DOUBTFUL_BELOW + ((1 - DOUBTFUL_BELOW) * (raw - doubtBelow)) / (1 - doubtBelow);
  return Math.max(0, Math.min(1, v));
}
