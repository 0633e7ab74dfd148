// Student-t inference on a handful of unit-level effects, e.g. K dataset effects (each the mean over pre-training
// and fine-tuning seeds of a paired difference on one dataset's test images). With the dataset as the unit, each
// effect already carries pre-training, fine-tuning and test-image variance, so the t interval on the K effects
// holds all of them, with K − 1 degrees of freedom. With few units the interval is wide; that is the honest answer
// (the bootstrap percentile interval of a mean over K ≤ 4 datasets is too narrow: lib/stats/hierarchical.ts).
// Distributions come from @stdlib (t CDF and quantile), as lib/stats/hypothesis.ts does.

import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { tostFromOneSided, type MarginTestResult, type TostResult } from './hypothesis';

export interface TInterval {
  /** Number of units (e.g. datasets). */
  n: number;
  estimate: number;
  /** Sample standard deviation (n − 1 denominator) of the units; NaN with one unit. */
  sd: number;
  /** Standard error of the estimate. */
  se: number;
  /** Degrees of freedom (n − 1 for one sample; Welch–Satterthwaite for two). */
  df: number;
  /** Two-sided interval at `level`. */
  lower: number;
  upper: number;
  level: number;
  /** t statistic for H0 Δ = 0 and its two-sided p-value. */
  t: number;
  pValue: number;
}

function finiteValues(values: ArrayLike<number>, what: string): number[] {
  const xs = Array.from(values);
  xs.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`${what}: value ${i} is ${v}`);
  });
  return xs;
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : NaN;
  return { mean, variance };
}

/** Two-sided p of a t statistic; se = 0 gives t = ±∞ (p = 0) or, for a zero estimate, t = 0 (p = 1). */
function twoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  return Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
}

function tStat(estimate: number, se: number): number {
  if (Number.isNaN(se)) return NaN;
  if (se === 0) return estimate === 0 ? 0 : estimate > 0 ? Infinity : -Infinity;
  return estimate / se;
}

function checkLevel(level: number, what: string): void {
  if (!(level > 0 && level < 1)) throw new Error(`${what}: level must be in (0, 1), got ${level}`);
}

/**
 * One-sample t interval and test of the mean of `values` (H0: mean = 0), n − 1 df; scipy.stats.ttest_1samp and its
 * confidence_interval(level). One unit gives NaN interval and p (no spread to estimate).
 */
export function tInterval(values: ArrayLike<number>, level = 0.95): TInterval {
  checkLevel(level, 'tInterval');
  const xs = finiteValues(values, 'tInterval');
  if (!xs.length) throw new Error('tInterval: no values');
  const n = xs.length;
  const { mean, variance } = meanVar(xs);
  const sd = Math.sqrt(variance);
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const q = df > 0 ? tQuantile(1 - (1 - level) / 2, df) : NaN;
  const t = tStat(mean, se);
  return {
    n,
    estimate: mean,
    sd,
    se,
    df,
    lower: mean - q * se,
    upper: mean + q * se,
    level,
    t,
    pValue: twoSidedP(t, df),
  };
}

export interface WelchResult extends TInterval {
  /** Units in each group. */
  n1: number;
  n2: number;
}

/**
 * Welch's t interval and test of mean(x) − mean(y), Welch–Satterthwaite df (scipy.stats.ttest_ind(x, y,
 * equal_var=False)). Needs ≥ 2 units in each group. Used for a contrast between two groups of datasets, e.g. the
 * colour × method interaction (TL − SSL on colour) − (TL − SSL on grey), datasets as units.
 */
export function welchT(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): WelchResult {
  checkLevel(level, 'welchT');
  const a = finiteValues(x, 'welchT (group 1)');
  const b = finiteValues(y, 'welchT (group 2)');
  if (a.length < 2 || b.length < 2)
    throw new Error(`welchT: each group needs ≥ 2 values, got ${a.length} and ${b.length}`);
  const ma = meanVar(a);
  const mb = meanVar(b);
  const va = ma.variance / a.length;
  const vb = mb.variance / b.length;
  const se = Math.sqrt(va + vb);
  const df = se > 0 ? (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1)) : a.length + b.length - 2;
  const estimate = ma.mean - mb.mean;
  const q = tQuantile(1 - (1 - level) / 2, df);
  const t = tStat(estimate, se);
  return {
    n: a.length + b.length,
    n1: a.length,
    n2: b.length,
    estimate,
    sd: NaN,
    se,
    df,
    lower: estimate - q * se,
    upper: estimate + q * se,
    level,
    t,
    pValue: twoSidedP(t, df),
  };
}

/**
 * One-sample one-sided t test against a stated effect size (scipy.stats.ttest_1samp(x, margin, alternative=…)),
 * e.g. C3 "double fine-tuning gains ≥ 3 points": tMarginTest(gains, 0.03, 'greater').
 */
export function tMarginTest(
  values: ArrayLike<number>,
  margin: number,
  alternative: 'greater' | 'less' = 'greater',
  alpha = 0.05,
): MarginTestResult {
  if (!(alpha > 0 && alpha < 0.5)) throw new Error(`tMarginTest: alpha must be in (0, 0.5), got ${alpha}`);
  const r = tInterval(values);
  const q = r.df > 0 ? tQuantile(1 - alpha, r.df) : NaN;
  const t = tStat(r.estimate - margin, r.se);
  const cdf = r.df > 0 && !Number.isNaN(t) ? tCdf(t, r.df) : NaN;
  const bound = alternative === 'greater' ? r.estimate - q * r.se : r.estimate + q * r.se;
  return {
    margin,
    alternative,
    pValue: alternative === 'greater' ? 1 - cdf : cdf,
    bound,
    alpha,
    supported: alternative === 'greater' ? bound > margin : bound < margin,
  };
}

/** Two one-sided t tests (Schuirmann 1987): is the mean inside (low, high)? E.g. C3's "+3 to 5 points". */
export function tTost(values: ArrayLike<number>, low: number, high: number, alpha = 0.05): TostResult {
  if (!(low < high)) throw new Error(`tTost: low (${low}) must be below high (${high})`);
  return tostFromOneSided(
    low,
    high,
    alpha,
    tMarginTest(values, low, 'greater', alpha),
    tMarginTest(values, high, 'less', alpha),
  );
}
