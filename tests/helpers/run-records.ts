// Minimal well-formed fine-tuning run records (schema, config hash, test predictions) for tests of the readers,
// exports and caches: no training behind them.
import { RECORD_SCHEMA, runHash, type RunConfig, type RunRecord } from '../../lib/finetune/run-record';

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
