// Expected calibration error (Guo et al. 2017, "On Calibration of Modern Neural Networks"):
//
//   ECE = Σ_m |B_m|/N · |acc(B_m) − conf(B_m)|
//
// over M = 15 equal-width bins of the confidence (the top-class probability). Bin m (0-based) holds the
// samples with m/15 < confidence ≤ (m+1)/15 (lower-exclusive, upper-inclusive as in Guo et al.'s code; bin 0
// also takes confidence 0). acc(B_m) is the fraction of the bin's samples whose top class is the true class,
// conf(B_m) their mean confidence. Empty bins contribute nothing.

export const ECE_BINS = 15;

export interface ReliabilityBin {
  /** Bin edges: the bin holds lower < confidence ≤ upper. */
  lower: number;
  upper: number;
  count: number;
  /** Fraction correct in the bin (NaN when empty). */
  accuracy: number;
  /** Mean confidence in the bin (NaN when empty). */
  confidence: number;
}

/** Index of the bin (0 … bins−1) that holds `conf` under the (lower, upper] rule. */
export function calibrationBin(conf: number, bins = ECE_BINS): number {
  let k = Math.ceil(conf * bins) - 1;
  if (k < 0) k = 0;
  if (k > bins - 1) k = bins - 1;
  // Guard floating-point error of conf*bins against the edges k/bins themselves.
  while (k > 0 && conf <= k / bins) k--;
  while (k < bins - 1 && conf > (k + 1) / bins) k++;
  return k;
}

/**
 * ECE and reliability bins from per-sample confidences and correctness.
 * Returns NaN (and empty bins) when there are no samples.
 */
export function expectedCalibrationError(
  confidence: ArrayLike<number>,
  correct: ArrayLike<boolean | number>,
  bins = ECE_BINS,
): { ece: number; bins: ReliabilityBin[] } {
  const n = confidence.length;
  if (correct.length !== n) throw new Error(`expectedCalibrationError: ${n} confidences vs ${correct.length} flags`);
  const count = new Float64Array(bins);
  const sumConf = new Float64Array(bins);
  const sumCorrect = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const k = calibrationBin(confidence[i], bins);
    count[k]++;
    sumConf[k] += confidence[i];
    sumCorrect[k] += correct[i] ? 1 : 0;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let k = 0; k < bins; k++) {
    const c = count[k];
    const acc = c > 0 ? sumCorrect[k] / c : NaN;
    const conf = c > 0 ? sumConf[k] / c : NaN;
    if (c > 0) ece += (c / n) * Math.abs(acc - conf);
    out.push({ lower: k / bins, upper: (k + 1) / bins, count: c, accuracy: acc, confidence: conf });
  }
  return { ece: n > 0 ? ece : NaN, bins: out };
}
