// Which training images an epoch sees: seeded class-stratified subsets (smoke profile) and the paper's
// class-imbalance conditions (down-sampling, over-sampling) or class weights in the loss.
import { Rng } from '../util/rng';
import { classWeights, downsample, oversample } from '../data/balance';

export type Balance = 'none' | 'downsample' | 'oversample' | 'class-weights';

function byClass(labels: ArrayLike<number>, indices: number[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const i of indices) {
    const y = labels[i];
    if (!m.has(y)) m.set(y, []);
    m.get(y)!.push(i);
  }
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}

/** At most `cap` indices, keeping each class's share (at least one per class present), seeded. */
export function stratifiedSubset(labels: ArrayLike<number>, indices: number[], cap: number, rng: Rng): number[] {
  if (indices.length <= cap) return indices.slice();
  const groups = byClass(labels, indices);
  const out: number[] = [];
  for (const [, g] of groups) {
    const k = Math.max(1, Math.round((g.length / indices.length) * cap));
    out.push(...rng.shuffle(g.slice()).slice(0, k));
  }
  return out.sort((a, b) => a - b);
}

export interface Balanced {
  indices: number[];
  classWeights?: number[];
}

/**
 * The paper's imbalance conditions, from lib/data/balance.ts: 'downsample' cuts every class to the smallest
 * class's count, 'oversample' tops every class up to the largest by seeded draws with replacement,
 * 'class-weights' leaves the indices and weights the loss n / (C · n_c) (scikit-learn 'balanced'); 'none'.
 */
export function balanceTrainIndices(
  labels: ArrayLike<number>,
  indices: number[],
  numClasses: number,
  mode: Balance,
  rng: Rng,
): Balanced {
  switch (mode) {
    case 'none':
      return { indices: indices.slice() };
    case 'downsample':
      return { indices: downsample(labels, indices, numClasses, rng).indices };
    case 'oversample':
      return { indices: oversample(labels, indices, numClasses, rng).indices };
    case 'class-weights':
      return { indices: indices.slice(), classWeights: classWeights(labels, indices, numClasses) };
    default:
      throw new Error(`unknown balance mode "${mode as string}"`);
  }
}
