import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/util/rng';
import { augmentBatch, applyAugment, affineRow, PAPER_AUGMENT, NO_AUGMENT, type AugmentConfig, type AugmentDraw } from '../../lib/data/augment';
import { gaussianBlurPerImage, gaussianKernel1d } from '../../lib/data/blur';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randomBatch(n: number, h: number, w: number, seed: number): tf.Tensor4D {
  const r = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * h * w * 3 }, () => r.next()), [n, h, w, 3]);
}

const none: AugmentDraw = { angleRad: 0, zoom: 1, hFlip: false, vFlip: false, blurSigma: 0 };
const cfg = (o: Partial<AugmentConfig>): AugmentConfig => ({ ...NO_AUGMENT, ...o });

describe('augmentBatch', () => {
  it('same seed gives the same batch; another seed a different one; input untouched', () => {
    const x = randomBatch(4, 16, 16, 1);
    const before = x.dataSync().slice();
    const a = augmentBatch(x, new Rng(7), PAPER_AUGMENT).dataSync();
    const b = augmentBatch(x, new Rng(7), PAPER_AUGMENT).dataSync();
    const c = augmentBatch(x, new Rng(8), PAPER_AUGMENT).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(x.dataSync())).toEqual(Array.from(before));
    for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('keeps image order (so labels stay aligned): image i of the output comes from image i of the input', () => {
    // Constant images of distinct grey levels: any geometric change or blur keeps each level, so the order shows.
    const levels = [0.1, 0.5, 0.9, 0.3];
    const x = tf.concat(levels.map((v) => tf.fill([1, 12, 12, 3], v))) as tf.Tensor4D;
    const y = augmentBatch(x, new Rng(3), PAPER_AUGMENT);
    const means = (y.mean([1, 2, 3]).dataSync() as Float32Array);
    levels.forEach((v, i) => expect(means[i]).toBeCloseTo(v, 4));
  });

  it('horizontal / vertical flip equal reversing the width / height axis', () => {
    const x = randomBatch(2, 9, 7, 2);
    const h = applyAugment(x, [{ ...none, hFlip: true }, { ...none, hFlip: true }], NO_AUGMENT);
    const v = applyAugment(x, [{ ...none, vFlip: true }, { ...none, vFlip: true }], NO_AUGMENT);
    expectClose(h.dataSync(), tf.reverse(x, 2).dataSync(), 1e-5);
    expectClose(v.dataSync(), tf.reverse(x, 1).dataSync(), 1e-5);
    // flip probabilities of 1 in the config do the same
    expectClose(augmentBatch(x, new Rng(0), cfg({ hFlipProb: 1 })).dataSync(), tf.reverse(x, 2).dataSync(), 1e-5);
  });

  it('rotation by 90° turns a known image counter-clockwise (numpy rot90)', () => {
    const n = 5;
    const img = Float32Array.from({ length: n * n * 3 }, (_, k) => (k % 97) / 97);
    const x = tf.tensor4d(img, [1, n, n, 3]);
    const y = applyAugment(x, [{ ...none, angleRad: Math.PI / 2 }], NO_AUGMENT).dataSync();
    // rot90 (counter-clockwise): out[i][j] = in[j][n-1-i]
    const expected = new Float32Array(img.length);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 3; c++) expected[(i * n + j) * 3 + c] = img[(j * n + (n - 1 - i)) * 3 + c];
    expectClose(y, expected, 1e-5);
  });

  it('zoom 2 magnifies about the centre (checked on a linear ramp, which bilinear sampling keeps exact)', () => {
    const n = 9;
    const ramp = new Float32Array(n * n * 3);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < 3; c++) ramp[(i * n + j) * 3 + c] = j / (n - 1);
    const y = applyAugment(tf.tensor4d(ramp, [1, n, n, 3]), [{ ...none, zoom: 2 }], NO_AUGMENT).dataSync();
    const cx = (n - 1) / 2;
    for (let j = 0; j < n; j++) expect(y[(4 * n + j) * 3]).toBeCloseTo((cx + (j - cx) / 2) / (n - 1), 5);
  });

  it('Gaussian blur: an impulse becomes the outer product of the kernel; mean kept; constant image unchanged', () => {
    const n = 15;
    const imp = tf.tensor4d(Float32Array.from({ length: n * n * 3 }, (_, k) => (k === ((7 * n + 7) * 3) ? 1 : 0)), [1, n, n, 3]);
    const sigma = 1.2;
    const out = gaussianBlurPerImage(imp, [sigma], 5).dataSync();
    const k = gaussianKernel1d(sigma, 5);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(out[((5 + i) * n + (5 + j)) * 3]).toBeCloseTo(k[i] * k[j], 6);
    const x = randomBatch(3, 16, 16, 4);
    const b = gaussianBlurPerImage(x, [0.8, 0, 1.5], 5);
    const mx = x.mean([1, 2, 3]).dataSync();
    const mb = b.mean([1, 2, 3]).dataSync();
    for (let i = 0; i < 3; i++) expect(Math.abs(mb[i] - mx[i])).toBeLessThan(2e-3);
    // sigma 0 leaves its image alone; blur lowers the variance of noise
    expectClose(b.slice([1], [1]).dataSync(), x.slice([1], [1]).dataSync(), 1e-6);
    const vx = tf.moments(x.slice([2], [1])).variance.dataSync()[0];
    const vb = tf.moments(b.slice([2], [1])).variance.dataSync()[0];
    expect(vb).toBeLessThan(vx / 3);
    const flat = gaussianBlurPerImage(tf.fill([1, 10, 10, 3], 0.4) as tf.Tensor4D, [1.5], 5).dataSync();
    for (const v of flat) expect(v).toBeCloseTo(0.4, 6);
  });

  it('NO_AUGMENT returns the batch unchanged', () => {
    const x = randomBatch(2, 8, 8, 5);
    expectClose(augmentBatch(x, new Rng(1), NO_AUGMENT).dataSync(), x.dataSync(), 0);
  });
});

export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('reflect fill', () => {
  it("matches tfjs-cpu's own 'reflect' transform (our version pads by mirroring, so every backend agrees)", () => {
    const x = randomBatch(3, 12, 12, 6);
    const draws: AugmentDraw[] = [
      { ...none, angleRad: 0.35, zoom: 0.8 },
      { ...none, angleRad: -0.3, zoom: 1.1, hFlip: true },
      { ...none, angleRad: Math.PI / 7, zoom: 0.85, vFlip: true },
    ];
    const ours = applyAugment(x, draws, { fillMode: 'reflect', blurKernelFraction: 0.1 }).dataSync();
    const ref = tf
      .concat(draws.map((d, i) => tf.image.transform(x.slice([i], [1]), tf.tensor2d([affineRow(d, 12, 12)]), 'bilinear', 'reflect')))
      .dataSync();
    expectClose(ours, ref, 1e-5);
  });
});
