// Well-formed fine-tuning run records for tests of the readers, reports, exports and caches: no training behind
// them. One builder (`syntheticRecord`): the test results are given (labels and probabilities) and the metrics are
// lib/metrics' own of them, so a record passes the readers' checks and its numbers can be counted on paper.
import { classificationMetrics } from '../../lib/metrics/classification';
import { RECORD_SCHEMA, runHash, type Condition, type RunConfig, type RunRecord } from '../../lib/finetune/run-record';

export interface SyntheticRecord {
  /** The config (only the fields a test reads need to be real; the record's hash is of this object). */
  config: RunConfig;
  classNames: string[];
  labels: number[];
  /** One probability row per test image (rows sum to 1). */
  probs: number[][];
  /** Dataset indices of the test images (default 0 … n−1). */
  indices?: number[];
  /** Target-stage training images (after balancing) and training seconds. */
  trainN?: number;
  seconds?: number;
  /** CPU seconds of the run; left out when undefined, as in records that predate the field. */
  cpuSeconds?: number;
}

/** The one builder: a record whose test metrics are classificationMetrics(labels, probs). */
export function syntheticRecord(o: SyntheticRecord): RunRecord {
  const K = o.classNames.length;
  const trainN = o.trainN ?? 500;
  const seconds = o.seconds ?? 10;
  const metrics = classificationMetrics(o.labels, o.probs.flat(), K, o.classNames);
  return {
    schema: RECORD_SCHEMA,
    configHash: runHash(o.config),
    config: o.config,
    seed: o.config.seed,
    dataset: {
      id: o.config.dataset,
      sha256: 's',
      splitHash: 'h',
      classNames: o.classNames,
      size: o.config.size,
      counts: { train: trainN, val: 10, test: o.labels.length },
    },
    backend: 'cpu',
    gitCommit: 'x',
    gitDirty: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: seconds,
    ...(o.cpuSeconds === undefined ? {} : { cpuSeconds: o.cpuSeconds }),
    stages: [
      {
        stage: 'target',
        dataset: o.config.dataset,
        datasetSha256: 's',
        splitHash: 'h',
        trainCounts: Array.from({ length: K }, () => trainN / K),
        epochs: [],
        bestEpoch: 0,
        stoppedEarly: false,
        wallSeconds: seconds,
        trainImages: trainN,
        imgPerSec: 100,
        weightsHash: 'w',
      },
    ],
    test: {
      metrics,
      labels: o.labels,
      probs: o.probs,
      indices: o.indices ?? o.labels.map((_, i) => i),
    },
  };
}

/** A config for tests: the fields readers use, `over` on top (unset fields of a real RunConfig stay unset). */
function testConfig(over: Record<string, unknown>): RunConfig {
  return {
    profile: 'test',
    arm: 'tl',
    condition: 'baseline',
    seed: 0,
    size: 32,
    backbone: 'b',
    backboneWeights: 'w',
    code: 1,
    data: { sha256: 's', splitHash: 'h' },
    ...over,
  } as unknown as RunConfig;
}

/** A record of `seed` on `dataset` whose test probabilities are `p` for each of its two images; `config` overrides. */
export function minimalRecord(
  seed: number,
  p = 0.7,
  dataset = 'chest-ct',
  profile = 'smoke',
  config: Record<string, unknown> = {},
): RunRecord {
  return recordOf(testConfig({ profile, dataset, seed, size: 16, ...config }), p);
}

/** A well-formed record of `config` whose test probabilities are `p` for each of its two images (class 0). */
export function recordOf(config: RunConfig, p = 0.7): RunRecord {
  return syntheticRecord({
    config,
    classNames: ['a', 'b'],
    labels: [0, 0],
    probs: [
      [p, 1 - p],
      [p, 1 - p],
    ],
    indices: [3, 4],
  });
}

/**
 * A 2-class record for report tests: test image i has class i mod 2; the first `nRight` of `n` (or those marked
 * true) are predicted correctly with probability 0.8; `trainN` training images, `seconds` of training (and
 * `cpuSeconds` of CPU time). With the first k of an even n right, accuracy = balanced accuracy = k/n: the truth of a
 * synthetic design can be set by hand.
 */
export function reportRecord(
  dataset: string,
  arm: string,
  condition: string,
  seed: number,
  n: number,
  nRight: number | boolean[],
  trainN = 500,
  seconds = 10,
  cpuSeconds?: number,
): RunRecord {
  const right = Array.isArray(nRight) ? nRight : Array.from({ length: n }, (_, i) => i < nRight);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const probs = labels.map((y, i) => (right[i] === (y === 1) ? [0.2, 0.8] : [0.8, 0.2]));
  return syntheticRecord({
    config: testConfig({ dataset, arm, condition: condition as Condition, seed, train: { lr: 1e-3 } }),
    classNames: ['a', 'b'],
    labels,
    probs,
    trainN,
    seconds,
    cpuSeconds,
  });
}

/** A record whose test image i has true class labels[i] and predicted class preds[i] (probability 0.9 on it). */
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
  return syntheticRecord({
    config: testConfig({ dataset: o.dataset, arm: o.arm, condition: o.condition ?? 'baseline', seed: o.seed ?? 0 }),
    classNames: o.classNames,
    labels: o.labels,
    probs: o.preds.map((p) => Array.from({ length: K }, (_, c) => (c === p ? 0.9 : 0.1 / (K - 1)))),
    trainN: o.trainN,
    seconds: 1,
  });
}

/** n labels: the first nFirst of class 0, the rest cycling through classes 1…K−1. */
export function labelsOf(n: number, nFirst: number, K: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < nFirst ? 0 : 1 + ((i - nFirst) % (K - 1))));
}
