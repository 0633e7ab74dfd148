// Whole-model checks on wasm (+ our training kernels) and, when built, the native tensorflow backend against the
// cpu backend: every variable's gradient on a mini-ResNet and a mini-Xception (lib/models test variants), a SimCLR
// step, and a 50-step no-leak run. On tensorflow, training-mode BN is the fused FusedBatchNormV3 path. Tolerances are the same for both (stated beside each check).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormCalls, fusedBatchNormEnabled } from '../../lib/backend/fused-batch-norm';
import { initWasm } from '../../lib/backend/select-backend';
import { buildBackbone } from '../../lib/models/variants';
import { Rng } from '../../lib/util/rng';
import { backendsUnderTest, randn, relL2, size } from './helpers';

const BACKENDS = await backendsUnderTest();

beforeAll(async () => {
  await initWasm(1);
  await tf.setBackend('cpu');
});

/** Backbone + global average pool + dense softmax head. */
function classifier(variant: string, classes: number, seed: number, inputSize?: number): tf.LayersModel {
  const bb = buildBackbone(variant, { seed, inputSize });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bb.model.outputs[0]) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: 'zeros' })
    .apply(pooled) as tf.SymbolicTensor;
  const m = tf.model({ inputs: bb.model.inputs, outputs: out });
  // deterministic non-zero head weights
  const rng = new Rng(seed + 1);
  for (const w of m.trainableWeights.slice(-2))
    w.write(tf.tensor(randn(rng, size(w.shape as number[]), 0.1), w.shape as number[]));
  return m;
}

function oneHot(labels: number[], classes: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D;
}

async function gradsOn(
  backend: string,
  model: tf.LayersModel,
  xd: Float32Array,
  xshape: number[],
  labels: number[],
  classes: number,
) {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const x = tf.tensor(xd, xshape);
    const y = oneHot(labels, classes);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    return { value, grads };
  });
  const res: Record<string, Float32Array> = {};
  for (const [k, g] of Object.entries(out.grads)) res[k] = Float32Array.from(g.dataSync());
  const loss = out.value.dataSync()[0];
  tf.dispose([out.value, ...Object.values(out.grads)]);
  return { loss, grads: res };
}

describe('whole-model gradients vs cpu (all variables)', () => {
  for (const b of BACKENDS)
    for (const variant of ['test-resnet', 'test-xception']) {
      it(`${variant} on ${b}`, async () => {
        await tf.setBackend('cpu');
        const classes = 3;
        const model = classifier(variant, classes, 7);
        const s = model.inputs[0].shape[1] as number;
        const xshape = [4, s, s, 3];
        const xd = randn(new Rng(99), size(xshape));
        const labels = [0, 1, 2, 1];
        const ref = await gradsOn('cpu', model, xd, xshape, labels, classes);
        const fused0 = fusedBatchNormCalls.forward;
        const got = await gradsOn(b, model, xd, xshape, labels, classes);
        // On tensorflow every BN layer trains through the fused path (lib/backend/fused-batch-norm.ts) unless it is off.
        const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
        expect(bnLayers).toBeGreaterThan(0);
        expect(fusedBatchNormCalls.forward - fused0).toBe(b === 'tensorflow' && fusedBatchNormEnabled() ? bnLayers : 0);
        expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.loss)));
        const names = Object.keys(ref.grads);
        expect(Object.keys(got.grads).sort()).toEqual(names.sort());
        expect(names.length).toBe(model.trainableWeights.length);
        // Per variable: relative L2. ReLU masks can flip at |x| < 1e-5 between backends (summation order), which
        // moves a few gradients slightly, so the bound is loose per variable and tighter over all variables.
        // Some variables have an exactly-zero true gradient (the beta of a BN feeding, through a linear conv, into
        // another training-mode BN that removes any constant shift): their float noise is scaled by the largest
        // gradient norm instead of their own.
        const norm = (a: Float32Array) => Math.sqrt(a.reduce((p, v) => p + v * v, 0));
        const maxNorm = Math.max(...names.map((k) => norm(ref.grads[k])));
        let num = 0;
        let den = 0;
        const worst: Array<[string, number]> = [];
        for (const k of names) {
          const e = (relL2(got.grads[k], ref.grads[k]) * norm(ref.grads[k])) / (norm(ref.grads[k]) + 1e-3 * maxNorm);
          worst.push([k, e]);
          for (let i = 0; i < ref.grads[k].length; i++) {
            num += (got.grads[k][i] - ref.grads[k][i]) ** 2;
            den += ref.grads[k][i] ** 2;
          }
        }
        worst.sort((p, q) => q[1] - p[1]);
        expect(worst[0][1], `worst variable ${worst[0][0]}`).toBeLessThan(1e-2);
        expect(Math.sqrt(num / den)).toBeLessThan(1e-3);
        model.dispose();
      });
    }
});

describe('SimCLR step (L2-normalise, matMul, softmax cross-entropy)', () => {
  for (const b of BACKENDS)
    it(`NT-Xent gradients on ${b} match cpu`, async () => {
      await tf.setBackend('cpu');
      const bb = buildBackbone('test-resnet', { seed: 3 });
      const pooled = tf.layers.globalAveragePooling2d({}).apply(bb.model.outputs[0]) as tf.SymbolicTensor;
      const proj = tf.layers.dense({ units: 8, kernelInitializer: 'glorotUniform' }).apply(pooled) as tf.SymbolicTensor;
      const model = tf.model({ inputs: bb.model.inputs, outputs: proj });
      const s = bb.inputSize;
      const xshape = [6, s, s, 3]; // 3 pairs: rows i and i+3 are two views
      const xd = randn(new Rng(5), size(xshape));
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        const out = tf.tidy(() => {
          const x = tf.tensor(xd, xshape);
          return tf.variableGrads(() => {
            const z = tf.div(model.apply(x, { training: true }) as tf.Tensor2D, 1) as tf.Tensor2D;
            const zn = tf.div(z, tf.norm(z, 'euclidean', 1, true).maximum(1e-12)) as tf.Tensor2D;
            const n = xshape[0];
            const sim = tf.div(tf.matMul(zn, zn, false, true), 0.5);
            const masked = tf.sub(sim, tf.mul(tf.eye(n), 1e9));
            const targets = tf.oneHot(tf.tensor1d([3, 4, 5, 0, 1, 2], 'int32'), n);
            return tf.losses.softmaxCrossEntropy(targets, masked) as tf.Scalar;
          });
        });
        const g = Object.fromEntries(Object.entries(out.grads).map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
        const loss = out.value.dataSync()[0];
        tf.dispose([out.value, ...Object.values(out.grads)]);
        return { loss, g };
      };
      const ref = await run('cpu');
      const got = await run(b);
      expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-4 * Math.max(1, ref.loss));
      let num = 0;
      let den = 0;
      for (const k of Object.keys(ref.g)) {
        for (let i = 0; i < ref.g[k].length; i++) {
          num += (got.g[k][i] - ref.g[k][i]) ** 2;
          den += ref.g[k][i] ** 2;
        }
      }
      expect(Math.sqrt(num / den)).toBeLessThan(1e-3);
      model.dispose();
    });
});

describe('no tensor leaks on wasm', () => {
  it('50 training steps (conv, separable conv, BN, max+avg pool, dropout, dense) keep numTensors flat', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [12, 12, 3] });
    let x = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
      .apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({}).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dropout({ rate: 0.3 }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const opt = tf.train.adam(2e-2);
    const xb = tf.randomNormal([4, 12, 12, 3], 0, 1, 'float32', 7);
    const yb = oneHot([0, 1, 2, 0], 3);
    const step = () =>
      tf.tidy(() => {
        const l = opt.minimize(
          () => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        );
        return l!.dataSync()[0];
      });
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push(step()); // optimizer slots are created lazily in the first steps
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    const idsBefore = tf.backend().numDataIds(); // wasm's own buffers (shared by Identity, freed by refcount)
    for (let i = 0; i < 50; i++) losses.push(step());
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    expect(tf.backend().numDataIds()).toBe(idsBefore);
    expect(losses.every(Number.isFinite)).toBe(true);
    // Dropout and tfjs's initializers are unseeded, so compare window means, not single noisy steps: 53 Adam steps
    // on 4 images must fit them clearly better than at the start.
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.9 * mean(losses.slice(0, 3)));
    tf.dispose([xb, yb]);
    model.dispose();
    opt.dispose();
  });
});
