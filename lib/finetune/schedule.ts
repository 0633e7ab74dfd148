// Learning-rate schedules. TF.js optimizers have none, so the training loop sets the rate at each epoch start.
import type { LrSchedule } from './run-record';

/** Learning rate for `epoch` (0-based) of `epochs`, from the peak rate `lr`. */
export function lrAt(schedule: LrSchedule, lr: number, epoch: number, epochs: number): number {
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
