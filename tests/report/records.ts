// Synthetic fine-tuning records for report tests: the true labels and predicted classes are given by hand, so the
// expected accuracies, shares and flags can be counted on paper.
import type { RunRecord } from '../../lib/report/compare';
import type { Condition } from '../../lib/finetune/run-record';

/** One record: test image i has true class labels[i] and predicted class preds[i] (probabilities 0.9 on it). */
export function record(o: {
  dataset: string;
  arm: string;
  condition?: string;
  seed?: number;
  classNames: string[];
  labels: number[];
  preds: number[];
  trainN?: number;
}): RunRecord {
  const K = o.classNames.length;
  if (o.labels.length !== o.preds.length) throw new Error('record: labels and preds differ in length');
  const probs = o.preds.map((p) => Array.from({ length: K }, (_, c) => (c === p ? 0.9 : 0.1 / (K - 1))));
  const right = o.labels.filter((y, i) => y === o.preds[i]).length;
  const recall = o.classNames.map((_, c) => {
    const idx = o.labels.map((y, i) => (y === c ? i : -1)).filter((i) => i >= 0);
    return idx.length ? idx.filter((i) => o.preds[i] === c).length / idx.length : NaN;
  });
  const present = recall.filter((r) => Number.isFinite(r));
  const trainN = o.trainN ?? 500;
  // only the fields the report reads (as tests/helpers/run-records.ts does)
  return {
    config: {
      profile: 'test',
      dataset: o.dataset,
      arm: o.arm,
      condition: (o.condition ?? 'baseline') as Condition,
      seed: o.seed ?? 0,
      size: 32,
      backbone: 'b',
    },
    dataset: {
      id: o.dataset,
      classNames: o.classNames,
      size: 32,
      counts: { train: trainN, val: 10, test: o.labels.length },
    },
    backend: 'cpu',
    gitCommit: 'x',
    stages: [{ stage: 'target', dataset: o.dataset, trainCounts: [trainN], wallSeconds: 1, imgPerSec: 1, epochs: [] }],
    test: {
      metrics: {
        accuracy: right / o.labels.length,
        balancedAccuracy: present.reduce((a, b) => a + b, 0) / present.length,
      },
      labels: o.labels,
      probs,
      indices: o.labels.map((_, i) => i),
    },
  } as unknown as RunRecord;
}

/** n labels: the first nFirst of class 0, the rest cycling through classes 1…K−1. */
export function labelsOf(n: number, nFirst: number, K: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < nFirst ? 0 : 1 + ((i - nFirst) % (K - 1))));
}
