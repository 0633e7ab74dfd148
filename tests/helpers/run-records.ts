// Minimal well-formed fine-tuning run records (schema, config hash, test predictions) for tests of the readers,
// exports and caches: no training behind them.
import { RECORD_SCHEMA, runHash, type Condition, type RunConfig, type RunRecord } from '../../lib/finetune/run-record';

/** A record of `seed` on `dataset` whose test probabilities are `p` for each of its two images; `config` overrides. */
export function minimalRecord(
  seed: number,
  p = 0.7,
  dataset = 'chest-ct',
  profile = 'smoke',
  config: Record<string, unknown> = {},
): RunRecord {
  const full = {
    profile,
    dataset,
    arm: 'tl',
    condition: 'baseline',
    seed,
    size: 16,
    backbone: 'b',
    backboneWeights: 'w',
    code: 1,
    data: { sha256: 's', splitHash: 'h' },
    ...config,
  } as unknown as RunConfig;
  return recordOf(full, p);
}

/** A well-formed record of `config` whose test probabilities are `p` for each of its two images. */
export function recordOf(config: RunConfig, p = 0.7): RunRecord {
  return {
    schema: RECORD_SCHEMA,
    configHash: runHash(config),
    config,
    seed: config.seed,
    test: {
      metrics: { accuracy: p > 0.5 ? 1 : 0 },
      labels: [0, 0],
      probs: [
        [p, 1 - p],
        [p, 1 - p],
      ],
      indices: [3, 4],
    },
  } as unknown as RunRecord;
}

/**
 * A partial record with the fields the report reads (2 classes): the first `nRight` of `n` test images (or those
 * marked true) predicted correctly, `trainN` training images, `seconds` of training (and `cpuSeconds` of CPU time,
 * left out when undefined, as in records that predate the field). Labels alternate 0, 1, … so with the first k of
 * an even n right, accuracy = balanced accuracy = k/n: the truth of a synthetic design can be set by hand.
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
  const recall = (c: number) => {
    const idx = labels.flatMap((y, i) => (y === c ? [i] : []));
    return idx.length ? idx.filter((i) => right[i]).length / idx.length : NaN;
  };
  return {
    config: {
      profile: 'test',
      dataset,
      arm,
      condition: condition as Condition,
      seed,
      size: 32,
      backbone: 'b',
      train: { lr: 1e-3 },
    },
    dataset: { id: dataset, classNames: ['a', 'b'], size: 32, counts: { train: trainN, val: 10, test: n } },
    backend: 'cpu',
    gitCommit: 'x',
    ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
    stages: [
      {
        stage: 'target',
        dataset,
        trainCounts: [trainN / 2, trainN / 2],
        wallSeconds: seconds,
        imgPerSec: 100,
        epochs: [],
      },
    ],
    test: {
      metrics: {
        accuracy: right.filter(Boolean).length / n,
        balancedAccuracy: recall(0) / 2 + recall(1) / 2,
        macroF1: 0.5,
      },
      labels,
      probs,
      indices: labels.map((_, i) => i),
    },
  } as unknown as RunRecord;
}
