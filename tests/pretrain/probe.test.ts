// Probes against independent computations: k-NN against a brute-force float64 loop, the linear probe on
// separable vs label-shuffled features.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { knnAccuracy, linearProbeAccuracy, type Features } from '../../lib/pretrain/probe';
import { Rng } from '../../lib/util/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function clusters(n: number, d: number, classes: number, spread: number, seed: number): Features {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => rng.normal()));
  const x = new Float32Array(n * d),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(classes);
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]][j] + spread * rng.normal();
  }
  return { x, y, n, d };
}

function bruteKnn(tr: Features, te: Features, classes: number, k: number): number {
  const cos = (a: Float32Array, i: number, b: Float32Array, j: number, d: number) => {
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let t = 0; t < d; t++) {
      ab += a[i * d + t] * b[j * d + t];
      aa += a[i * d + t] ** 2;
      bb += b[j * d + t] ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  };
  let correct = 0;
  for (let i = 0; i < te.n; i++) {
    const sims = Array.from({ length: tr.n }, (_, j) => [cos(te.x, i, tr.x, j, tr.d), j])
      .sort((a, b) => b[0] - a[0])
      .slice(0, k);
    const votes = new Array(classes).fill(0),
      s = new Array(classes).fill(0);
    for (const [v, j] of sims) {
      votes[tr.y[j]]++;
      s[tr.y[j]] += v;
    }
    let best = 0;
    for (let c = 1; c < classes; c++)
      if (votes[c] > votes[best] || (votes[c] === votes[best] && s[c] > s[best])) best = c;
    if (best === te.y[i]) correct++;
  }
  return correct / te.n;
}

describe('probes', () => {
  it('k-NN (k=20, cosine) equals a brute-force float64 implementation', () => {
    const tr = clusters(300, 8, 4, 1.2, 1),
      te = clusters(120, 8, 4, 1.2, 2);
    // same centres: regenerate test from the train generator's centres by sharing the seed of centres
    const both = clusters(420, 8, 4, 1.2, 3);
    const a: Features = { x: both.x.slice(0, 300 * 8), y: both.y.slice(0, 300), n: 300, d: 8 };
    const b: Features = { x: both.x.slice(300 * 8), y: both.y.slice(300), n: 120, d: 8 };
    const acc = knnAccuracy(a, b, 4, 20);
    expect(acc).toBeCloseTo(bruteKnn(a, b, 4, 20), 10);
    expect(acc).toBeGreaterThan(0.5); // clusters are informative
    expect(knnAccuracy(tr, te, 4, 20)).toBeCloseTo(bruteKnn(tr, te, 4, 20), 10);
  });

  it('linear probe separates clustered features and is near chance on shuffled labels', () => {
    const all = clusters(600, 16, 5, 0.8, 4);
    const split = (f: Features, lo: number, hi: number): Features => ({
      x: f.x.slice(lo * f.d, hi * f.d),
      y: f.y.slice(lo, hi),
      n: hi - lo,
      d: f.d,
    });
    const tr = split(all, 0, 400),
      te = split(all, 400, 600);
    expect(linearProbeAccuracy(tr, te, 5)).toBeGreaterThan(0.9);
    const shuffled = { ...tr, y: new Rng(9).shuffle(Int32Array.from(tr.y)) };
    expect(linearProbeAccuracy(shuffled, te, 5)).toBeLessThan(0.45);
  });
});
