// Projection of feature vectors on their first principal components, for embedding plots (notebook 02). Plain
// float64 arithmetic: covariance, then power iteration with deflation (exact enough for two components of a few
// hundred dimensions, and no tensors to dispose). Each component's sign is fixed (largest loading positive), so
// the same features always give the same picture.
import { Rng } from '../util/rng';

export interface Pca {
  /** n×k projections, row-major */
  projected: Float64Array;
  /** k×d unit components, row-major */
  components: Float64Array;
  /** variance along each component (eigenvalues of the covariance, divisor n − 1) */
  variance: number[];
}

/** The first `k` principal components of n d-dimensional rows `x` (row-major). */
export function pca(
  x: ArrayLike<number>,
  n: number,
  d: number,
  k = 2,
  o: { iterations?: number; seed?: number } = {},
): Pca {
  if (x.length !== n * d) throw new Error(`pca: ${x.length} values for ${n}×${d}`);
  if (n < 2) throw new Error('pca: needs at least 2 rows');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) {
      const va = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) c[a * d + b] += (va * (x[i * d + b] - mean[b])) / (n - 1);
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) c[a * d + b] = c[b * d + a];
  const rng = new Rng(o.seed ?? 0);
  const components = new Float64Array(k * d);
  const variance: number[] = [];
  for (let p = 0; p < k; p++) {
    let v = Float64Array.from({ length: d }, () => rng.normal());
    for (let it = 0; it < (o.iterations ?? 300); it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += c[a * d + b] * v[b];
        w[a] = s;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      v = w.map((t) => t / norm);
    }
    let big = 0;
    for (let a = 1; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
    if (v[big] < 0) v = v.map((t) => -t);
    let lambda = 0;
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) lambda += v[a] * c[a * d + b] * v[b];
    variance.push(lambda);
    components.set(v, p * d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) c[a * d + b] -= lambda * v[a] * v[b]; // deflate
  }
  const projected = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - mean[j]) * components[p * d + j];
      projected[i * k + p] = s;
    }
  return { projected, components, variance };
}

/** Total variance of n d-dimensional rows (sum of per-column variances, divisor n − 1): the share a component explains. */
export function totalVariance(x: ArrayLike<number>, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[i * d + j] / n;
    for (let i = 0; i < n; i++) total += (x[i * d + j] - m) ** 2 / (n - 1);
  }
  return total;
}
