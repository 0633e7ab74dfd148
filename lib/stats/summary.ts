// Descriptive summaries: mean ± sd over seeds, quantiles.

export interface MeanSd {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); NaN when n < 2. */
  sd: number;
  /** Standard error of the mean, sd/√n; NaN when n < 2. */
  sem: number;
  min: number;
  max: number;
}

/** Mean ± sample sd of finite values. NaN entries are an error (an undefined metric should be handled first). */
export function meanSd(values: ArrayLike<number>): MeanSd {
  const n = values.length;
  if (n === 0) return { n: 0, mean: NaN, sd: NaN, sem: NaN, min: NaN, max: NaN };
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isNaN(v)) throw new Error(`meanSd: value ${i} is NaN`);
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  return { n, mean, sd, sem: n > 1 ? sd / Math.sqrt(n) : NaN, min, max };
}

/**
 * Mean ± sd of `value(item)` per configuration `key(item)` (e.g. run records grouped by config without the
 * seed). Keys keep first-seen order.
 */
export function meanSdBy<T>(
  items: readonly T[],
  key: (item: T) => string,
  value: (item: T) => number,
): Map<string, MeanSd> {
  const groups = new Map<string, number[]>();
  for (const it of items) {
    const k = key(it);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(value(it));
  }
  const out = new Map<string, MeanSd>();
  for (const [k, v] of groups) out.set(k, meanSd(v));
  return out;
}

/** "0.812 ± 0.014" (sd), or just the mean when sd is undefined. */
export function formatMeanSd(m: MeanSd, digits = 3): string {
  return Number.isNaN(m.sd) ? m.mean.toFixed(digits) : `${m.mean.toFixed(digits)} ± ${m.sd.toFixed(digits)}`;
}

/**
 * Quantile of already-sorted values by linear interpolation between order statistics (Hyndman & Fan type 7,
 * the default of R's quantile() and numpy.percentile): h = (n − 1)p, q = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
