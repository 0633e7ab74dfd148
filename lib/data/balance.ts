// Class imbalance: the paper's down-sampling (every class cut to the minority class's count), plus over-sampling
// and class weights. Each works on a list of indices (usually a train split) and returns counts before and after,
// so the change is recorded next to the results.
import type { Rng } from '../util/rng';

export interface Resampled {
  /** Chosen indices, sorted (over-sampling repeats some). */
  indices: number[];
  /** Images per class before and after. */
  before: number[];
  after: number[];
}

/** Images per class among `indices`. */
export function classCounts(labels: ArrayLike<number>, indices: ArrayLike<number>, numClasses: number): number[] {
  const c = new Array(numClasses).fill(0);
  for (let i = 0; i < indices.length; i++) {
    const l = labels[indices[i]];
    if (!(l >= 0 && l < numClasses)) throw new Error(`classCounts: label ${l} of index ${indices[i]} outside 0..${numClasses - 1}`);
    c[l]++;
  }
  return c;
}

function byClass(labels: ArrayLike<number>, indices: ArrayLike<number>, numClasses: number): number[][] {
  const out: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < indices.length; i++) out[labels[indices[i]]].push(indices[i]);
  return out;
}

/**
 * Down-sampling: every class present is cut, by a seeded random choice without replacement, to the count of the
 * smallest class present. Classes with no images stay at zero (they do not force everything to zero).
 */
export function downsample(labels: ArrayLike<number>, indices: ArrayLike<number>, numClasses: number, rng: Rng): Resampled {
  const groups = byClass(labels, indices, numClasses);
  const before = groups.map((g) => g.length);
  const present = before.filter((c) => c > 0);
  const target = present.length ? Math.min(...present) : 0;
  const chosen: number[] = [];
  for (const g of groups) chosen.push(...rng.shuffle([...g]).slice(0, target));
  chosen.sort((a, b) => a - b);
  return { indices: chosen, before, after: classCounts(labels, chosen, numClasses) };
}

/**
 * Over-sampling: every class present keeps all its images and is topped up, by seeded draws with replacement, to
 * the count of the largest class.
 */
export function oversample(labels: ArrayLike<number>, indices: ArrayLike<number>, numClasses: number, rng: Rng): Resampled {
  const groups = byClass(labels, indices, numClasses);
  const before = groups.map((g) => g.length);
  const target = Math.max(0, ...before);
  const chosen: number[] = [];
  for (const g of groups) {
    if (!g.length) continue;
    chosen.push(...g);
    for (let k = g.length; k < target; k++) chosen.push(g[rng.int(g.length)]);
  }
  chosen.sort((a, b) => a - b);
  return { indices: chosen, before, after: classCounts(labels, chosen, numClasses) };
}

/**
 * Class weights by scikit-learn's 'balanced' rule: w_c = n_samples / (n_classes · n_c), over the classes present;
 * a class with no images gets weight 0. A weighted loss then gives every present class the same total weight.
 */
export function classWeights(labels: ArrayLike<number>, indices: ArrayLike<number>, numClasses: number): number[] {
  const counts = classCounts(labels, indices, numClasses);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? indices.length / (present * c) : 0));
}
