// Bootstrap confidence intervals on the test set, seeded through lib/util/rng.
//
// - Resampling: N test samples drawn with replacement, N per resample (optionally within strata, e.g. per
//   class, so every resample keeps each class's count — useful when a tiny test set would otherwise produce
//   resamples without a class and an undefined AUC).
// - Interval: percentile method, quantiles (1 − level)/2 and (1 + level)/2 of the resampled statistics by
//   linear interpolation (type 7, as numpy.percentile). Default 2000 resamples, level 0.95.
// - Resamples whose statistic is undefined (NaN, e.g. AUC of a resample with one class) are dropped and
//   counted in `undefinedResamples`; the quantiles use the rest.
// - Metrics given by name are evaluated with lib/metrics/prepared (sample multiplicities as weights, O(N·C)
//   per resample); a metric given as a function of the full ClassificationMetrics materialises each resample
//   (slower, same resamples for the same seed).
// - Paired bootstrap: the same resampled indices for both models, statistic = metric(A) − metric(B).
//   Its `pValue` is the two-sided percentile-bootstrap p: 2·min(P*(Δ* ≤ 0), P*(Δ* ≥ 0)), capped at 1
//   (resolution 1/resamples; report it beside the CI, not instead of it).

import { Rng } from '../util/rng';
import { classificationMetrics, type ClassificationMetrics, type ScalarMetricName } from '../metrics/classification';
import { prepareMetrics } from '../metrics/prepared';
import { quantileSorted } from './summary';

export interface BootstrapOptions {
  /** Seed for lib/util/rng (required: results must be reproducible and recorded). */
  seed: number;
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  /** Resample within groups of equal stratum value (e.g. the true labels); default: no strata. */
  strata?: ArrayLike<number>;
}

export interface BootstrapResult {
  /** The statistic on the full (not resampled) set. */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  method: 'percentile';
  resamples: number;
  undefinedResamples: number;
  /** Standard deviation of the bootstrap distribution (bootstrap standard error). */
  se: number;
  seed: number;
  stratified: boolean;
}

export interface PairedBootstrapResult extends BootstrapResult {
  /** Metric of A and of B on the full set; estimate = a − b. */
  a: number;
  b: number;
  /** Two-sided percentile-bootstrap p-value for Δ = 0 (see header). */
  pValue: number;
}

export type MetricSelector = ScalarMetricName | ((m: ClassificationMetrics) => number);

function selectMetric(sel: MetricSelector): (m: ClassificationMetrics) => number {
  return typeof sel === 'function' ? sel : (m) => m[sel];
}

/** Draws resample index arrays of length n (within strata when given). */
export function makeResampler(n: number, rng: Rng, strata?: ArrayLike<number>): () => Int32Array {
  if (strata && strata.length !== n) throw new Error(`bootstrap: ${strata.length} strata for ${n} samples`);
  if (!strata) {
    return () => {
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = rng.int(n);
      return idx;
    };
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    let g = groups.get(strata[i]);
    if (!g) groups.set(strata[i], (g = []));
    g.push(i);
  }
  const lists = [...groups.keys()].sort((x, y) => x - y).map((k) => groups.get(k)!);
  return () => {
    const idx = new Int32Array(n);
    let o = 0;
    for (const g of lists) for (let j = 0; j < g.length; j++) idx[o++] = g[rng.int(g.length)];
    return idx;
  };
}

function intervalFrom(values: number[], level: number): { lower: number; upper: number; se: number } {
  values.sort((x, y) => x - y);
  const a = (1 - level) / 2;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return {
    lower: quantileSorted(values, a),
    upper: quantileSorted(values, 1 - a),
    se: values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : NaN,
  };
}

/** The BootstrapResult of a percentile interval over the resampled `values` (sorted in place). */
function percentileResult(
  estimate: number,
  values: number[],
  undefinedResamples: number,
  B: number,
  level: number,
  opts: BootstrapOptions,
): BootstrapResult {
  const { lower, upper, se } = intervalFrom(values, level);
  return {
    estimate,
    lower,
    upper,
    level,
    method: 'percentile',
    resamples: B,
    undefinedResamples,
    se,
    seed: opts.seed,
    stratified: !!opts.strata,
  };
}

function checkOpts(opts: BootstrapOptions): { B: number; level: number } {
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1) throw new Error(`bootstrap: resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isFinite(opts.seed)) throw new Error('bootstrap: a finite seed is required');
  return { B, level };
}

/**
 * The bootstrap distribution of a statistic: `statistic(idx)` evaluated on `resamples` seeded resamples.
 * NaN results are dropped and counted.
 */
export function bootstrapDistribution(
  n: number,
  statistic: (idx: Int32Array) => number,
  opts: BootstrapOptions,
): { values: number[]; undefinedResamples: number } {
  const { B } = checkOpts(opts);
  if (!(n > 0)) throw new Error('bootstrap: no samples');
  const draw = makeResampler(n, new Rng(opts.seed), opts.strata);
  const values: number[] = [];
  let undefinedResamples = 0;
  for (let b = 0; b < B; b++) {
    const v = statistic(draw());
    if (Number.isNaN(v)) undefinedResamples++;
    else values.push(v);
  }
  return { values, undefinedResamples };
}

function identity(n: number): Int32Array {
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  return all;
}

/**
 * Percentile bootstrap CI of any statistic of n samples. `statistic(idx)` evaluates it on the samples at
 * `idx` (with repeats); the full-set estimate is statistic([0 … n−1]).
 */
export function bootstrapCI(
  n: number,
  statistic: (idx: Int32Array) => number,
  opts: BootstrapOptions,
): BootstrapResult {
  const { values: _values, ...ci } = bootstrapCIWithValues(n, statistic, opts);
  return ci;
}

/** bootstrapCI and the resampled values it was read from (for a p-value from the same resamples). */
export function bootstrapCIWithValues(
  n: number,
  statistic: (idx: Int32Array) => number,
  opts: BootstrapOptions,
): BootstrapResult & { values: number[] } {
  const { B, level } = checkOpts(opts);
  const estimate = statistic(identity(n));
  const { values, undefinedResamples } = bootstrapDistribution(n, statistic, opts);
  return { ...percentileResult(estimate, values, undefinedResamples, B, level, opts), values };
}

/** Rows `idx` of labels and N×C probabilities (copies). */
export function subsetRows(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClasses: number,
  idx: ArrayLike<number>,
): { y: Int32Array; p: Float64Array } {
  const y = new Int32Array(idx.length);
  const p = new Float64Array(idx.length * numClasses);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i];
    y[i] = yTrue[r];
    for (let c = 0; c < numClasses; c++) p[i * numClasses + c] = probs[r * numClasses + c];
  }
  return { y, p };
}

/** Multiplicity of each sample in a resample given as indices. */
function multiplicities(idx: Int32Array, n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < idx.length; i++) w[idx[i]]++;
  return w;
}

/** statistic(idx) for one model's predictions and a metric selector. */
function metricStatistic(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClasses: number,
  metric: MetricSelector,
): (idx: Int32Array) => number {
  const n = yTrue.length;
  if (typeof metric === 'string') {
    const prep = prepareMetrics(yTrue, probs, numClasses);
    return (idx) => prep.evaluate(metric, multiplicities(idx, n));
  }
  const get = selectMetric(metric);
  return (idx) => {
    const { y, p } = subsetRows(yTrue, probs, numClasses, idx);
    return get(classificationMetrics(y, p, numClasses));
  };
}

/** Bootstrap CI of one classification metric (by name or accessor) on a test set. */
export function bootstrapMetricCI(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClasses: number,
  metric: MetricSelector,
  opts: BootstrapOptions,
): BootstrapResult {
  return bootstrapCI(yTrue.length, metricStatistic(yTrue, probs, numClasses, metric), opts);
}

/**
 * Paired bootstrap of metric(A) − metric(B) on the same test images (e.g. A = TL, B = SSL): each resample
 * draws one index set and evaluates both models' predictions on it.
 */
export function pairedBootstrap(
  yTrue: ArrayLike<number>,
  probsA: ArrayLike<number>,
  probsB: ArrayLike<number>,
  numClasses: number,
  metric: MetricSelector,
  opts: BootstrapOptions,
): PairedBootstrapResult {
  if (probsA.length !== probsB.length) throw new Error('pairedBootstrap: A and B have different sizes');
  const { B, level } = checkOpts(opts);
  const n = yTrue.length;
  const statA = metricStatistic(yTrue, probsA, numClasses, metric);
  const statB = metricStatistic(yTrue, probsB, numClasses, metric);
  const both = (idx: Int32Array): [number, number] => [statA(idx), statB(idx)];
  const [a, b] = both(identity(n));
  const { values, undefinedResamples } = bootstrapDistribution(
    n,
    (idx) => {
      const [va, vb] = both(idx);
      return va - vb;
    },
    opts,
  );
  const pValue = bootstrapPValue(values);
  return { ...percentileResult(a - b, values, undefinedResamples, B, level, opts), a, b, pValue };
}

/**
 * Two-sided bootstrap p-value of "the effect is 0": twice the smaller share of resampled effects on either side of
 * 0 (a resample at exactly 0 counts on both sides), at most 1; NaN without resamples.
 */
export function bootstrapPValue(values: ArrayLike<number>): number {
  let le = 0;
  let ge = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] <= 0) le++;
    if (values[i] >= 0) ge++;
  }
  return values.length > 0 ? Math.min(1, (2 * Math.min(le, ge)) / values.length) : NaN;
}
