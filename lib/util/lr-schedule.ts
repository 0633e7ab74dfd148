// Learning-rate schedules, both training loops' (TF.js optimizers have none: each loop sets the rate itself).
// The two loops use two different schedules, kept apart on purpose because results and checkpoints were made
// with them:
//   - fine-tuning (lib/finetune) sets one rate per EPOCH: `perEpochLr`; its cosine decays to a floor
//     (minFactor × peak) and its warm-up never starts at zero ((e + 1)/(w + 1) of the peak);
//   - pre-training (lib/pretrain) sets the rate before every STEP from the fractional epoch: `perStepLr`; its
//     warm-up climbs linearly from ~0 and its cosine decays to 0.

/** A fine-tuning run's schedule (part of its TrainSettings, so of its config hash). */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'cosine'; minFactor?: number; warmupEpochs?: number }
  | { kind: 'step'; every: number; gamma: number };

/**
 * The rate held for the whole of `epoch` (0-based) of `epochs`, from the peak rate `lr`.
 * - constant: `lr`.
 * - step: `lr` × gamma^⌊epoch / every⌋.
 * - cosine: warm-up epochs e < w (warmupEpochs, default 0) get lr·(e + 1)/(w + 1); then
 *   min + ½(lr − min)(1 + cos(π t)) with t = (epoch − w)/(epochs − w) and min = minFactor·lr (default 0.01), so the
 *   first epoch after warm-up runs at the peak and the last one just above the floor (t reaches 1 only after it).
 */
export function perEpochLr(schedule: LrSchedule, lr: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * Math.pow(schedule.gamma, Math.floor(epoch / schedule.every));
    case 'cosine': {
      const warm = schedule.warmupEpochs ?? 0;
      if (epoch < warm) return (lr * (epoch + 1)) / (warm + 1);
      const span = Math.max(1, epochs - warm);
      const t = Math.min(1, (epoch - warm) / span);
      const min = lr * (schedule.minFactor ?? 0.01);
      return min + 0.5 * (lr - min) * (1 + Math.cos(Math.PI * t));
    }
    default:
      throw new Error(`unknown learning-rate schedule ${JSON.stringify(schedule)}`);
  }
}

/** The optimizer settings perStepLr reads (lib/pretrain/config.ts OptimizerConfig has them). */
export interface StepLrSettings {
  lr: number;
  warmupEpochs: number;
  schedule: 'cosine' | 'constant';
}

/**
 * The rate at fractional epoch `epochFloat` (epoch + step/steps) of `epochs`, set before every step.
 * Warm-up (epochFloat < warmupEpochs): lr·(epochFloat + 0.001)/warmupEpochs, a line from ~0 to the peak (the 0.001
 * keeps the first step from being a no-op). After it: `lr` (constant), or ½·lr·(1 + cos(π t)) with
 * t = min(1, (epochFloat − warmupEpochs)/(epochs − warmupEpochs)) (cosine to 0 at the end).
 */
export function perStepLr(o: StepLrSettings, epochs: number, epochFloat: number): number {
  const { lr, warmupEpochs, schedule } = o;
  if (epochFloat < warmupEpochs) return (lr * (epochFloat + 1e-3)) / warmupEpochs;
  if (schedule === 'constant') return lr;
  const t = (epochFloat - warmupEpochs) / Math.max(1e-9, epochs - warmupEpochs);
  return 0.5 * lr * (1 + Math.cos(Math.PI * Math.min(1, t)));
}
