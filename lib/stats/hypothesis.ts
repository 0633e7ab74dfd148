// Hypothesis tests for TL vs SSL claims: McNemar (paired predictions on one test set), Wilcoxon signed-rank
// (paired per-dataset scores across datasets), Holm's step-down correction. Distributions come from the
// maintained @stdlib packages (binomial, chi-square, normal, signed-rank CDFs), not hand-written code.

import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import signrankCdf from '@stdlib/stats-base-dists-signrank-cdf';
import { averageRanks } from '../metrics/auc';

export type Alternative = 'two-sided' | 'greater' | 'less';

// ---------------------------------------------------------------------------------------------------------
// McNemar

/** Below this many discordant pairs (b + c) the 'auto' method uses the exact binomial test. */
export const MCNEMAR_EXACT_BELOW = 25;

export interface McNemarResult {
  /** Both models right / only A right (b) / only B right (c) / both wrong. */
  bothCorrect: number;
  onlyACorrect: number;
  onlyBCorrect: number;
  bothWrong: number;
  n: number;
  /** 'exact-binomial': two-sided p = min(1, 2·P(X ≤ min(b,c))), X ~ Bin(b+c, ½).
   *  'chi2-continuity': χ² = max(0, |b − c| − 1)²/(b + c), 1 df (Edwards' continuity correction). */
  method: 'exact-binomial' | 'chi2-continuity';
  /** χ² for the chi-square method; min(b, c) for the exact method. */
  statistic: number;
  pValue: number;
}

/**
 * McNemar's test of equal error rates for two classifiers on the same test samples.
 * Unit: one test image, for ONE pair of trained models. Do not add discordant counts over seeds: each image
 * would then count once per seed (seeds are not independent samples of images); for effects over seeds and
 * datasets use lib/stats/hierarchical.
 * method 'auto' (default): exact binomial when b + c < 25, chi-square with continuity correction otherwise.
 * With no discordant pairs (b + c = 0) the p-value is 1.
 */
export function mcnemar(
  yTrue: ArrayLike<number>,
  predA: ArrayLike<number>,
  predB: ArrayLike<number>,
  method: 'auto' | 'exact' | 'chi2' = 'auto',
): McNemarResult {
  const n = yTrue.length;
  if (predA.length !== n || predB.length !== n) {
    throw new Error(`mcnemar: ${n} labels, ${predA.length} and ${predB.length} predictions`);
  }
  let n11 = 0;
  let b = 0;
  let c = 0;
  let n00 = 0;
  for (let i = 0; i < n; i++) {
    const a = predA[i] === yTrue[i];
    const bb = predB[i] === yTrue[i];
    if (a && bb) n11++;
    else if (a) b++;
    else if (bb) c++;
    else n00++;
  }
  return mcnemarFromCounts(b, c, method, { bothCorrect: n11, bothWrong: n00 });
}

/** McNemar's test from the discordant counts b (only A right) and c (only B right). */
export function mcnemarFromCounts(
  b: number,
  c: number,
  method: 'auto' | 'exact' | 'chi2' = 'auto',
  concordant: { bothCorrect: number; bothWrong: number } = { bothCorrect: 0, bothWrong: 0 },
): McNemarResult {
  const d = b + c;
  const useExact = method === 'exact' || (method === 'auto' && d < MCNEMAR_EXACT_BELOW);
  let statistic: number;
  let pValue: number;
  if (useExact) {
    statistic = Math.min(b, c);
    pValue = d === 0 ? 1 : Math.min(1, 2 * binomialCdf(statistic, d, 0.5));
  } else {
    // |b − c| − 1 floored at 0 so that b = c gives χ² = 0, p = 1 (R and statsmodels would give 1/(b+c)).
    statistic = d === 0 ? 0 : Math.max(0, Math.abs(b - c) - 1) ** 2 / d;
    pValue = d === 0 ? 1 : 1 - chisquareCdf(statistic, 1);
  }
  return {
    bothCorrect: concordant.bothCorrect,
    onlyACorrect: b,
    onlyBCorrect: c,
    bothWrong: concordant.bothWrong,
    n: concordant.bothCorrect + concordant.bothWrong + d,
    method: useExact ? 'exact-binomial' : 'chi2-continuity',
    statistic,
    pValue,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Wilcoxon signed-rank

/** The exact null distribution is used when fewer than this many non-zero differences (and no ties). */
export const WILCOXON_EXACT_BELOW = 50;

export interface WilcoxonResult {
  /** Number of non-zero differences (zeros are dropped: Wilcoxon's method, as R and scipy's default). */
  n: number;
  zerosDropped: number;
  /** True when |differences| had ties (average ranks used). */
  ties: boolean;
  /** Sum of ranks of positive differences (R's V). */
  wPlus: number;
  /** Sum of ranks of negative differences. */
  wMinus: number;
  /** 'exact': exact null distribution of W+ (n < 50, no ties, no zeros dropped — R's rule).
   *  'normal': normal approximation with tie-corrected variance, continuity correction unless disabled.
   *  'none': all differences zero; pValue = 1. */
  method: 'exact' | 'normal' | 'none';
  /** z statistic of the normal approximation (NaN for exact). */
  z: number;
  alternative: Alternative;
  pValue: number;
}

export interface WilcoxonOptions {
  alternative?: Alternative;
  method?: 'auto' | 'exact' | 'normal';
  /** Continuity correction of ±½ in the normal approximation (default true, as R). */
  correction?: boolean;
}

/**
 * Wilcoxon signed-rank test of the paired differences x − y (or of x alone when y is omitted), H0: the
 * differences are symmetric about 0. alternative 'greater' means x tends to exceed y.
 * The pairs must be independent: one per dataset (e.g. each dataset's mean over seeds), not dataset × seed.
 * Exact p-values: R's psignrank convention (two-sided = min(1, 2·smaller tail)).
 * With ties or zeros, 'auto' uses the normal approximation; forcing method 'exact' then throws.
 */
export function wilcoxonSignedRank(
  x: ArrayLike<number>,
  y?: ArrayLike<number>,
  opts: WilcoxonOptions = {},
): WilcoxonResult {
  const alternative = opts.alternative ?? 'two-sided';
  const correction = opts.correction ?? true;
  if (y && y.length !== x.length) throw new Error(`wilcoxon: ${x.length} vs ${y.length} values`);
  const d: number[] = [];
  let zeros = 0;
  for (let i = 0; i < x.length; i++) {
    const v = y ? x[i] - y[i] : x[i];
    if (Number.isNaN(v)) throw new Error(`wilcoxon: difference ${i} is NaN`);
    if (v === 0) zeros++;
    else d.push(v);
  }
  const n = d.length;
  if (n === 0) {
    return {
      n: 0,
      zerosDropped: zeros,
      ties: false,
      wPlus: 0,
      wMinus: 0,
      method: 'none',
      z: NaN,
      alternative,
      pValue: 1,
    };
  }
  const abs = d.map(Math.abs);
  const ranks = averageRanks(abs);
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i] > 0) wPlus += ranks[i];
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  // tie groups of |d|
  const counts = new Map<number, number>();
  for (const a of abs) counts.set(a, (counts.get(a) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t * t * t - t;
  const ties = tieTerm > 0;

  const method = opts.method ?? 'auto';
  const exactOk = !ties && zeros === 0;
  if (method === 'exact' && !exactOk) throw new Error('wilcoxon: exact p-value needs no ties and no zeros');
  const useExact = method === 'exact' || (method === 'auto' && exactOk && n < WILCOXON_EXACT_BELOW);

  let pValue: number;
  let z = NaN;
  if (useExact) {
    // P(W+ ≤ v) = signrankCdf(v, n); P(W+ ≥ v) = 1 − signrankCdf(v − 1, n). W+ is an integer here (no ties).
    const lower = signrankCdf(wPlus, n);
    const upper = 1 - signrankCdf(wPlus - 1, n);
    if (alternative === 'less') pValue = lower;
    else if (alternative === 'greater') pValue = upper;
    else pValue = Math.min(1, 2 * (wPlus > total / 2 ? upper : lower));
  } else {
    const mean = total / 2;
    const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
    const diff = wPlus - mean;
    let cc = 0;
    if (correction) {
      if (alternative === 'two-sided') cc = Math.sign(diff) * 0.5;
      else if (alternative === 'greater') cc = 0.5;
      else cc = -0.5;
    }
    z = sd > 0 ? (diff - cc) / sd : 0;
    if (alternative === 'less') pValue = normalCdf(z, 0, 1);
    else if (alternative === 'greater') pValue = 1 - normalCdf(z, 0, 1);
    else pValue = Math.min(1, 2 * Math.min(normalCdf(z, 0, 1), 1 - normalCdf(z, 0, 1)));
  }
  return {
    n,
    zerosDropped: zeros,
    ties,
    wPlus,
    wMinus,
    method: useExact ? 'exact' : 'normal',
    z,
    alternative,
    pValue,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Holm

export interface HolmResult {
  /** Holm-adjusted p-values in the input order (monotone step-down, capped at 1). */
  adjusted: number[];
  /** adjusted ≤ alpha. */
  rejected: boolean[];
  alpha: number;
}

/**
 * Holm's (1979) step-down correction for m tests: sort p ascending, p_adj(i) = max_{j ≤ i} min(1, (m − j + 1) p(j))
 * (1-based), returned in the input order. Same as R's p.adjust(p, "holm").
 */
export function holm(pValues: ArrayLike<number>, alpha = 0.05): HolmResult {
  const m = pValues.length;
  for (let i = 0; i < m; i++) {
    const p = pValues[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`holm: p-value ${i} = ${p} is not in [0, 1]`);
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => pValues[a] - pValues[b]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((idx, j) => {
    running = Math.max(running, Math.min(1, (m - j) * pValues[idx]));
    adjusted[idx] = running;
  });
  return { adjusted, rejected: adjusted.map((p) => p <= alpha), alpha };
}

/** A one-sided test of the mean effect against a margin (t or bootstrap); TOST combines two of them. */
export interface MarginTestResult {
  margin: number;
  /** 'greater': H1 Δ > margin (H0 Δ ≤ margin); 'less': H1 Δ < margin. */
  alternative: 'greater' | 'less';
  /** One-sided p of H0. */
  pValue: number;
  /** One-sided (1 − alpha) bound: lower bound for 'greater', upper for 'less'. */
  bound: number;
  alpha: number;
  /** The bound lies beyond the margin (lower bound > margin for 'greater'). */
  supported: boolean;
}

export interface TostResult {
  low: number;
  high: number;
  /** p of H0 Δ ≤ low and of H0 Δ ≥ high: the two one-sided p-values. */
  pLow: number;
  pHigh: number;
  /** max(pLow, pHigh): the TOST p-value. */
  pValue: number;
  /** The (1 − 2·alpha) interval (the two one-sided bounds). */
  lower: number;
  upper: number;
  alpha: number;
  /** The (1 − 2·alpha) interval lies inside (low, high). */
  equivalent: boolean;
}

/**
 * Two one-sided tests (Schuirmann 1987), H0 Δ ≤ low or Δ ≥ high vs H1 low < Δ < high, from the test of
 * Δ > low and the test of Δ < high (each at level alpha) — whatever produced them (t, bootstrap).
 */
export function tostFromOneSided(
  low: number,
  high: number,
  alpha: number,
  above: MarginTestResult,
  below: MarginTestResult,
): TostResult {
  if (!(low < high)) throw new Error(`tost: low (${low}) must be below high (${high})`);
  return {
    low,
    high,
    pLow: above.pValue,
    pHigh: below.pValue,
    pValue: Math.max(above.pValue, below.pValue),
    lower: above.bound,
    upper: below.bound,
    alpha,
    equivalent: above.supported && below.supported,
  };
}

/** Holm-adjusted p-values of a family (NaN stays NaN and does not count in the family). */
export function holmAdjusted(ps: readonly number[]): number[] {
  const idx = ps.map((p, i) => (Number.isFinite(p) ? i : -1)).filter((i) => i >= 0);
  const out = ps.map(() => NaN);
  if (idx.length === 0) return out;
  const adj = holm(idx.map((i) => ps[i])).adjusted;
  idx.forEach((i, k) => (out[i] = adj[k]));
  return out;
}
