// NT-Xent against an independent float64 implementation written from the paper's formula, and its gradient
// against central finite differences of that implementation.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ntXentLoss, ntXentTop1 } from '../../lib/ssl/ntxent-loss';
import { Rng } from '../../lib/util/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** ℓ(i,j) = -log( exp(sim(i,j)/τ) / Σ_{k≠i} exp(sim(i,k)/τ) ), averaged over the 2N ordered positive pairs. */
function handLoss(z: number[][], tau: number): number {
  const n2 = z.length;
  const n = n2 / 2;
  const unit = z.map((r) => {
    const s = Math.sqrt(r.reduce((a, v) => a + v * v, 0));
    return r.map((v) => v / s);
  });
  const sim = (i: number, j: number) => unit[i].reduce((a, v, k) => a + v * unit[j][k], 0);
  let total = 0;
  for (let i = 0; i < n2; i++) {
    const j = i < n ? i + n : i - n;
    let denom = 0;
    for (let k = 0; k < n2; k++) if (k !== i) denom += Math.exp(sim(i, k) / tau);
    total += -Math.log(Math.exp(sim(i, j) / tau) / denom);
  }
  return total / n2;
}

describe('ntXentLoss', () => {
  it('a 2-image batch with hand-picked vectors matches the closed form', () => {
    // views: a0=(1,0), a1=(0,1), b0=(1,0), b1=(0,2): cos(a0,b0)=1, cos(a0,a1)=0, cos(a0,b1)=0, etc.
    const z = [
      [1, 0],
      [0, 1],
      [1, 0],
      [0, 2],
    ];
    const tau = 0.5;
    // every anchor: positive cos 1, two negatives cos 0 → -log(e^2 / (e^2 + 2))
    const expected = -Math.log(Math.exp(2) / (Math.exp(2) + 2));
    expect(ntXentLoss(tf.tensor2d(z), tau).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(handLoss(z, tau)).toBeCloseTo(expected, 12);
  });

  it('matches the float64 reference on random batches and temperatures', () => {
    const rng = new Rng(7);
    for (const [n, d, tau] of [
      [3, 5, 0.5],
      [4, 8, 0.1],
      [2, 3, 1.0],
    ] as const) {
      const z = Array.from({ length: 2 * n }, () => Array.from({ length: d }, () => rng.normal()));
      expect(ntXentLoss(tf.tensor2d(z), tau).dataSync()[0]).toBeCloseTo(handLoss(z, tau), 4);
    }
  });

  it('gradient matches central finite differences of the reference', () => {
    const rng = new Rng(3);
    const n = 3,
      d = 4,
      tau = 0.5;
    const z = Array.from({ length: 2 * n }, () => Array.from({ length: d }, () => rng.normal()));
    const g = tf
      .grad((x: tf.Tensor) => ntXentLoss(x as tf.Tensor2D, tau))(tf.tensor2d(z))
      .arraySync() as number[][];
    const eps = 1e-5;
    let maxErr = 0,
      maxG = 0;
    for (let i = 0; i < 2 * n; i++) {
      for (let k = 0; k < d; k++) {
        const zp = z.map((r) => r.slice());
        const zm = z.map((r) => r.slice());
        zp[i][k] += eps;
        zm[i][k] -= eps;
        const fd = (handLoss(zp, tau) - handLoss(zm, tau)) / (2 * eps);
        maxErr = Math.max(maxErr, Math.abs(fd - g[i][k]));
        maxG = Math.max(maxG, Math.abs(fd));
      }
    }
    expect(maxG).toBeGreaterThan(1e-2);
    expect(maxErr).toBeLessThan(1e-4 + 1e-3 * maxG); // float32 forward/backward vs float64 reference
  });

  it('is lower when positives agree than when they do not; rejects odd batches', () => {
    const rng = new Rng(1);
    const a = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => rng.normal()));
    const aligned = tf.tensor2d([...a, ...a.map((r) => r.map((v) => v + 0.01 * rng.normal()))]);
    const shuffled = tf.tensor2d([...a, ...[a[1], a[2], a[3], a[0]]]);
    expect(ntXentLoss(aligned).dataSync()[0]).toBeLessThan(ntXentLoss(shuffled).dataSync()[0]);
    expect(ntXentTop1(aligned)).toBe(1);
    expect(() => ntXentLoss(tf.zeros([3, 2]))).toThrow(/even number/);
  });
});
