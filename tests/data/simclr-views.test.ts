import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/util/rng';
import { simclrViews, simclrConfig, applyView, drawCropBox, type ViewDraw } from '../../lib/data/simclr-views';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomBatch(n: number, s: number, seed: number): tf.Tensor4D {
  const r = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * s * s * 3 }, () => r.next()), [n, s, s, 3]);
}

const identity = (): ViewDraw => ({ box: [0, 0, 1, 1], jitter: false, brightness: 1, contrast: 1, saturation: 1, hue: 0, order: [0, 1, 2, 3], greyscale: false, blurSigma: 0 });

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('simclrViews', () => {
  it('two views of the right shape in [0,1]; same seed → same views; the two views differ', () => {
    const x = randomBatch(3, 16, 1);
    const [a1, a2] = simclrViews(x, new Rng(5));
    const [b1, b2] = simclrViews(x, new Rng(5));
    expect(a1.shape).toEqual([3, 16, 16, 3]);
    expect(a2.shape).toEqual([3, 16, 16, 3]);
    expect(maxDiff(a1.dataSync(), b1.dataSync())).toBe(0);
    expect(maxDiff(a2.dataSync(), b2.dataSync())).toBe(0);
    expect(maxDiff(a1.dataSync(), a2.dataSync())).toBeGreaterThan(0.05);
    for (const v of a1.dataSync()) expect(v >= 0 && v <= 1).toBe(true);
    const [c1] = simclrViews(x, new Rng(6));
    expect(maxDiff(a1.dataSync(), c1.dataSync())).toBeGreaterThan(0.05);
  });

  it('crop boxes: area 8–100 % and aspect 3/4–4/3, as drawn', () => {
    const rng = new Rng(2);
    for (let t = 0; t < 300; t++) {
      const [y1, x1, y2, x2] = drawCropBox(32, 32, [0.08, 1], [3 / 4, 4 / 3], rng);
      const ch = Math.round((y2 - y1) * 31) + 1;
      const cw = Math.round((x2 - x1) * 31) + 1;
      expect(ch * cw).toBeGreaterThanOrEqual(Math.floor(0.08 * 1024 * 0.8));
      expect(ch * cw).toBeLessThanOrEqual(1024);
      expect(cw / ch).toBeGreaterThan(0.6);
      expect(cw / ch).toBeLessThan(1.7);
      expect(y1 >= 0 && x1 >= 0 && y2 <= 1 && x2 <= 1).toBe(true);
    }
  });

  it('the full-image box is the identity; a swapped box is a horizontal flip', () => {
    const x = randomBatch(2, 8, 3);
    const cfg = simclrConfig(8);
    const same = applyView(x, [identity(), identity()], cfg);
    expect(maxDiff(same.dataSync(), x.dataSync())).toBeLessThan(1e-5);
    const flipped = applyView(x, [{ ...identity(), box: [0, 1, 1, 0] }, { ...identity(), box: [0, 1, 1, 0] }], cfg);
    expect(maxDiff(flipped.dataSync(), tf.reverse(x, 2).dataSync())).toBeLessThan(1e-5);
  });

  it('greyscale makes R=G=B; saturation 0 gives the luma; contrast 0 gives a flat image at the mean luma', () => {
    const x = randomBatch(1, 8, 4);
    const cfg = simclrConfig(8);
    const g = applyView(x, [{ ...identity(), greyscale: true }], cfg).dataSync();
    for (let p = 0; p < g.length; p += 3) {
      expect(g[p]).toBeCloseTo(g[p + 1], 6);
      expect(g[p]).toBeCloseTo(g[p + 2], 6);
    }
    const xs = x.dataSync();
    const s0 = applyView(x, [{ ...identity(), jitter: true, saturation: 0, order: [2, 0, 1, 3] }], cfg).dataSync();
    for (let p = 0; p < s0.length; p += 3) expect(s0[p + 1]).toBeCloseTo(0.2989 * xs[p] + 0.587 * xs[p + 1] + 0.114 * xs[p + 2], 5);
    const c0 = applyView(x, [{ ...identity(), jitter: true, contrast: 0, order: [1, 0, 2, 3] }], cfg).dataSync();
    let mean = 0;
    for (let p = 0; p < xs.length; p += 3) mean += (0.2989 * xs[p] + 0.587 * xs[p + 1] + 0.114 * xs[p + 2]) / 64;
    for (const v of c0) expect(v).toBeCloseTo(mean, 5);
  });

  it('hue rotation keeps grey pixels grey and a full turn is the identity', () => {
    const grey = tf.fill([1, 4, 4, 3], 0.3) as tf.Tensor4D;
    const cfg = simclrConfig(4);
    const h = applyView(grey, [{ ...identity(), jitter: true, hue: 0.2, order: [3, 0, 1, 2] }], cfg).dataSync();
    for (const v of h) expect(v).toBeCloseTo(0.3, 4);
    const x = tf.mul(randomBatch(1, 4, 9), 0.5).add(0.25) as tf.Tensor4D; // away from the clip bounds
    const full = applyView(x, [{ ...identity(), jitter: true, hue: 0.5, order: [3, 0, 1, 2] }], cfg);
    const back = applyView(full, [{ ...identity(), jitter: true, hue: -0.5, order: [3, 0, 1, 2] }], cfg);
    expect(maxDiff(back.dataSync(), x.dataSync())).toBeLessThan(2e-3);
  });
});
