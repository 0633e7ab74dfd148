// Which training images an epoch sees: seeded class-stratified subsets (smoke profile) and the paper's
// class-imbalance conditions (down-sampling, over-sampling) or class weights in the loss.
// TODO(lib/data/balance.ts): delegate to the data layer's balancing once it lands; the contract here is
// indices in, indices out, so the switch is local to this file.
import { Rng } from '../util/rng';

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
 * 'downsample': every class cut to the smallest class's count (random, seeded);
 * 'oversample': every class topped up to the largest class's count by drawing with replacement;
 * 'class-weights': indices unchanged, weight n / (C · n_c) per class (Keras/sklearn "balanced");
 * 'none': unchanged.
 */
export function balanceTrainIndices(labels: ArrayLike<number>, indices: number[], numClasses: number, mode: Balance, rng: Rng): Balanced {
  if (mode === 'none') return { indices: indices.slice() };
  const groups = byClass(labels, indices);
  const sizes = [...groups.values()].map((g) => g.length);
  if (mode === 'class-weights') {
    const w = new Array(numClasses).fill(0).map((_, c) => {
      const n = groups.get(c)?.length ?? 0;
      return n ? indices.length / (groups.size * n) : 0;
    });
    return { indices: indices.slice(), classWeights: w };
  }
  const out: number[] = [];
  if (mode === 'downsample') {
    const m = Math.min(...sizes);
    for (const [, g] of groups) out.push(...rng.shuffle(g.slice()).slice(0, m));
  } else if (mode === 'oversample') {
    const m = Math.max(...sizes);
    for (const [, g] of groups) {
      out.push(...g);
      for (let k = g.length; k < m; k++) out.push(g[rng.int(g.length)]);
    }
  } else throw new Error(`unknown balance mode "${mode as string}"`);
  return { indices: out.sort((a, b) => a - b) };
}
