// Augmentation and SimCLR views must give the same batch on every backend for the same seed. Two tfjs 4.22
// kernel differences made them diverge (wasm Transform's 'reflect' on negative coordinates; cropAndResize at a
// box edge of exactly 1.0): this test pins the workarounds.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select-backend';
import { Rng } from '../../lib/util/rng';
import { augmentBatch, PAPER_AUGMENT } from '../../lib/data/augment';
import { simclrViews } from '../../lib/data/simclr-views';

function run(data: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(data, [64, 32, 32, 3]);
    const a = augmentBatch(x, new Rng(7), PAPER_AUGMENT);
    const [v1, v2] = simclrViews(x, new Rng(7));
    return [a, v1, v2].map((t) => t.dataSync() as Float32Array);
  });
}

describe('cpu and wasm agree', () => {
  it('augmentBatch and simclrViews, same seed, same batch (max abs difference < 1e-4)', async () => {
    const r = new Rng(1);
    const data = Float32Array.from({ length: 64 * 32 * 32 * 3 }, () => r.next());
    await tf.setBackend('cpu');
    const cpu = run(data);
    await selectBackend({ force: 'wasm', quiet: true });
    expect(tf.getBackend()).toBe('wasm');
    const wasm = run(data);
    await tf.setBackend('cpu');
    for (let k = 0; k < 3; k++) {
      let worst = 0;
      for (let i = 0; i < cpu[k].length; i++) worst = Math.max(worst, Math.abs(cpu[k][i] - wasm[k][i]));
      expect(worst, ['augment', 'view 1', 'view 2'][k]).toBeLessThan(1e-4);
    }
  });
});
