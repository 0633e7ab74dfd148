import { describe, expect, it } from 'vitest';
import { perEpochLr, perStepLr } from '../../lib/util/lr-schedule';

// Reference rates from PyTorch's schedulers: tests/util/lr-schedule.references.py (torch 2.13.0) prints them.
const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-12 * Math.abs(want[i]) + 1e-18));
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('perEpochLr (fine-tuning: one rate per epoch)', () => {
  it('cosine without warm-up = torch CosineAnnealingLR(T_max = epochs, eta_min = 0.01 × peak)', () => {
    const A = [0.001, 0.000905463412215599, 0.000657963412215599, 0.0003520365877844011, 0.00010453658778440106];
    close(
      range(5).map((e) => perEpochLr({ kind: 'cosine' }, 1e-3, e, 5)),
      A,
    );
  });

  it('cosine with 2 warm-up epochs = torch LinearLR (1/3, 2/3 of the peak) then CosineAnnealingLR over the rest', () => {
    const warm = [0.0003333333333333333, 0.0006666666666666666];
    const cos = [0.001, 0.000855017856687341, 0.000505, 0.000154982143312659];
    close(
      range(6).map((e) => perEpochLr({ kind: 'cosine', warmupEpochs: 2 }, 1e-3, e, 6)),
      [...warm, ...cos],
    );
  });

  it('minFactor sets the floor: the midpoint of the decay is halfway between peak and floor', () => {
    // 4 epochs, no warm-up: epoch 2 has t = 1/2, cos(π/2) = 0
    expect(perEpochLr({ kind: 'cosine', minFactor: 0.2 }, 1, 2, 4)).toBeCloseTo((1 + 0.2) / 2, 15);
  });

  it('step = torch StepLR(step_size 2, gamma 0.5); constant stays at the peak', () => {
    close(
      range(6).map((e) => perEpochLr({ kind: 'step', every: 2, gamma: 0.5 }, 0.1, e, 6)),
      [0.1, 0.1, 0.05, 0.05, 0.025, 0.025],
    );
    expect(range(4).map((e) => perEpochLr({ kind: 'constant' }, 0.3, e, 4))).toEqual([0.3, 0.3, 0.3, 0.3]);
  });

  it('names an unknown schedule', () => {
    expect(() => perEpochLr({ kind: 'linear' } as never, 1, 0, 2)).toThrow(/unknown learning-rate schedule.*linear/);
  });
});

describe('perStepLr (pre-training: one rate per step from the fractional epoch)', () => {
  const steps = 4;
  const at = (schedule: 'cosine' | 'constant') =>
    range(3 * steps).map((i) => perStepLr({ lr: 2e-3, warmupEpochs: 1, schedule }, 3, i / steps));

  it('1 warm-up epoch then cosine to 0 = torch LinearLR(0.001 → 0.751 of the peak) then CosineAnnealingLR(8 steps, 0)', () => {
    const warm = [2e-6, 0.000502, 0.0010019999999999999, 0.0015019999999999999];
    const cos = [
      0.002, 0.0019238795325112869, 0.0017071067811865476, 0.0013826834323650901, 0.0010000000000000002,
      0.0006173165676349105, 0.0002928932188134526, 7.612046748871329e-5,
    ];
    close(at('cosine'), [...warm, ...cos]);
  });

  it('constant after the same warm-up; without warm-up the first step runs at the peak', () => {
    close(at('constant').slice(steps), Array(2 * steps).fill(2e-3));
    expect(perStepLr({ lr: 0.5, warmupEpochs: 0, schedule: 'cosine' }, 10, 0)).toBe(0.5);
    // past the last epoch the cosine stays at 0 instead of rising again
    expect(perStepLr({ lr: 0.5, warmupEpochs: 0, schedule: 'cosine' }, 10, 12)).toBe(0);
  });
});
