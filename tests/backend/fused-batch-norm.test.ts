// The fused training-mode batch norm on `tensorflow` (one FusedBatchNormV3 + one FusedBatchNormGradV3) against
// tfjs-layers' own BatchNormalization on the cpu backend: output, input gradient, gamma/beta gradients and the
// updated moving mean/variance, on the NHWC shapes the models use, batch 1, and a 1×1×1 batch (N·H·W = 1). Also:
// which path ran (the fused kernel on tensorflow only, never on cpu/wasm, never in inference, not for rank 2).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initWasm } from '../../lib/backend/select-backend';
import { fusedBatchNormCalls, fusedBatchNormEnabled, setFusedBatchNorm } from '../../lib/backend/fused-batch-norm';
import { Rng } from '../../lib/util/rng';
import { loadNativeBackend, maxRelDiff, randn, size } from './helpers';

const NATIVE = await loadNativeBackend();
// Single-layer results agree with cpu to float rounding (max abs diff / max(1, max |ref|)); measured ≤ 4e-6 on
// these shapes, oneDNN on and off. 1e-4 as in kernels.test.ts; a wrong variance convention (biased vs Bessel, 1/m) or a wrong momentum
// would move the moving variance by ≥ 1e-3 relative on the smallest shape here, and a missing term of the
// gradient by O(1).
const TOL = 1e-4;

beforeAll(async () => {
  await initWasm(1);
  await tf.setBackend('cpu');
});

interface Case {
  shape: number[];
  momentum: number;
  epsilon: number;
}

/** One training step of a BN layer from fixed weights: [y, dx, dgamma, dbeta, movingMean, movingVariance]. */
async function stepOn(backend: string, c: Case, seed: number, training = true): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ch = c.shape[c.shape.length - 1];
  const rng = new Rng(seed);
  const layer = tf.layers.batchNormalization({ axis: -1, epsilon: c.epsilon, momentum: c.momentum });
  layer.build(c.shape);
  const xd = randn(rng, size(c.shape), 2).map((v, i) => v + (i % ch) * 0.5); // per-channel offsets
  const gd = randn(rng, ch).map((v) => 1 + 0.3 * v),
    bd = randn(rng, ch, 0.3),
    md = randn(rng, ch),
    vd = randn(rng, ch).map((v) => 0.5 + v * v),
    rd = randn(rng, size(c.shape));
  const init = [gd, bd, md, vd].map((d) => tf.tensor1d(d));
  layer.setWeights(init);
  tf.dispose(init);
  const out = tf.tidy(() => {
    const x = tf.variable(tf.tensor(xd, c.shape), true, `x${seed}`);
    const r = tf.tensor(rd, c.shape);
    const [gamma, beta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    let y: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      y = tf.keep(layer.apply(x, { training }) as tf.Tensor);
      return tf.sum(tf.mul(y, r)) as tf.Scalar;
    }, [x, gamma, beta]);
    const res = [y!, grads[x.name], grads[gamma.name], grads[beta.name]];
    x.dispose();
    return res;
  });
  const [mm, mv] = layer.getWeights().slice(2);
  const data = [...out, mm, mv].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  for (const w of layer.weights) w.dispose();
  return data;
}

const NAMES = ['y', 'dx', 'dgamma', 'dbeta', 'moving mean', 'moving variance'];
const CASES: Case[] = [
  { shape: [4, 5, 7, 6], momentum: 0.99, epsilon: 1e-3 }, // odd spatial sizes
  { shape: [8, 16, 16, 32], momentum: 0.9, epsilon: 1.001e-5 }, // a ResNet stage (Keras ResNet epsilon)
  { shape: [1, 3, 3, 4], momentum: 0.99, epsilon: 1e-3 }, // batch 1
  { shape: [1, 1, 1, 5], momentum: 0.5, epsilon: 1e-3 }, // N·H·W = 1: batch variance 0, y = beta
  { shape: [3, 2, 2, 1], momentum: 0.99, epsilon: 1e-3 }, // one channel
];

describe.skipIf(!NATIVE)('fused training-mode batch norm on tensorflow vs tfjs-layers on cpu', () => {
  it('is installed with the tensorflow kernel fixes', () => {
    expect(fusedBatchNormEnabled()).toBe(true);
  });

  for (const [i, c] of CASES.entries()) {
    it(`x=${c.shape} momentum ${c.momentum} epsilon ${c.epsilon}: output, gradients, moving statistics`, async () => {
      const ref = await stepOn('cpu', c, 10 + i);
      const before = fusedBatchNormCalls.forward;
      const got = await stepOn('tensorflow', c, 10 + i);
      expect(fusedBatchNormCalls.forward - before, 'fused kernel ran once').toBe(1);
      for (let k = 0; k < NAMES.length; k++) expect(maxRelDiff(got[k], ref[k]), NAMES[k]).toBeLessThan(TOL);
      // the moving variance moved (a test that cannot miss the update): momentum < 1 and batch variance ≠ it
      const layer0 = await stepOn('cpu', c, 10 + i, false);
      expect(maxRelDiff(ref[5], layer0[5])).toBeGreaterThan(1e-3);
    });
  }

  it('unfused (MEDSSL_FUSED_BN=0 path) on tensorflow is tfjs-layers own path and agrees too', async () => {
    const c = CASES[0];
    const was = setFusedBatchNorm(false);
    try {
      const before = fusedBatchNormCalls.forward;
      const got = await stepOn('tensorflow', c, 10);
      expect(fusedBatchNormCalls.forward).toBe(before);
      const ref = await stepOn('cpu', c, 10);
      for (let k = 0; k < NAMES.length; k++) expect(maxRelDiff(got[k], ref[k]), NAMES[k]).toBeLessThan(TOL);
    } finally {
      setFusedBatchNorm(was);
    }
  });

  it('falls back to tfjs-layers for rank 2 (BN after a dense layer) and in inference; never on cpu or wasm', async () => {
    const before = fusedBatchNormCalls.forward;
    const dense: Case = { shape: [8, 6], momentum: 0.99, epsilon: 1e-3 };
    const ref = await stepOn('cpu', dense, 3);
    const got = await stepOn('tensorflow', dense, 3);
    for (let k = 0; k < NAMES.length; k++) expect(maxRelDiff(got[k], ref[k]), NAMES[k]).toBeLessThan(TOL);
    const inf = await stepOn('tensorflow', CASES[0], 4, false);
    const infRef = await stepOn('cpu', CASES[0], 4, false);
    for (let k = 0; k < NAMES.length; k++) expect(maxRelDiff(inf[k], infRef[k]), NAMES[k]).toBeLessThan(TOL);
    await stepOn('wasm', CASES[0], 5);
    await stepOn('cpu', CASES[0], 5);
    expect(fusedBatchNormCalls.forward).toBe(before);
  });

  it('no tensor leak over repeated training steps', async () => {
    await stepOn('tensorflow', CASES[0], 6); // warm-up (kernel registration, variable names)
    await tf.setBackend('tensorflow');
    const n0 = tf.memory().numTensors;
    for (let s = 0; s < 3; s++) await stepOn('tensorflow', CASES[0], 6);
    expect(tf.memory().numTensors).toBe(n0);
    expect(fusedBatchNormCalls.forward).toBeGreaterThan(0);
  });
});
