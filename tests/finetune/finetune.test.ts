import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select-backend';
import { finetune, evaluate } from '../../lib/finetune/finetune';
import { flatLayers } from '../../lib/finetune/freeze';
import type { TrainSettings } from '../../lib/finetune/run-record';
import { shapesSet, tinyBackbone } from './fixtures';

const base: TrainSettings = {
  epochs: 3,
  batchSize: 16,
  lr: 0.01,
  schedule: { kind: 'cosine' },
  freeze: 'all',
  patience: 5,
  dropout: 0,
};

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

function bnStats(model: tf.LayersModel): Map<string, Float32Array[]> {
  const m = new Map<string, Float32Array[]>();
  for (const l of flatLayers(model))
    if (l.getClassName() === 'BatchNormalization')
      m.set(
        l.name,
        l
          .getWeights()
          .slice(2)
          .map((w) => w.dataSync() as Float32Array),
      );
  return m;
}

describe('finetune', () => {
  it('learns the synthetic task well above chance (val and test)', async () => {
    const data = shapesSet(200, { numClasses: 2 });
    const bb = tinyBackbone();
    const before = tf.memory().numTensors;
    const r = await finetune(bb, data, { ...base, epochs: 4, seed: 1 });
    expect(r.test!.accuracy).toBeGreaterThan(0.8); // chance = 0.5
    expect(r.stage.epochs.length).toBeGreaterThan(0);
    expect(r.stage.epochs[r.stage.bestEpoch].valAcc).toBeGreaterThan(0.8);
    // no leak beyond the new head's weights (+ the classifier's own variables)
    const headWeights = r.classifier.weights.length - bb.model.weights.length;
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(headWeights + 2);
  });

  it('keeps frozen batch-norm statistics unchanged, and changes them when trained', async () => {
    const data = shapesSet(96);
    for (const [freeze, topLayers] of [
      ['head', 0],
      ['top', 2],
      ['all', 0],
    ] as const) {
      const bb = tinyBackbone();
      const s0 = bnStats(bb.model);
      const frozenKernel = (bb.model.getLayer(`${bb.name}_conv1`).getWeights()[0].dataSync() as Float32Array).slice();
      await finetune(bb, data, { ...base, epochs: 1, freeze, topLayers, seed: 2, evaluateTest: false });
      const s1 = bnStats(bb.model);
      const changed = (name: string) => s0.get(name)!.some((a, k) => a.some((v, j) => v !== s1.get(name)![k][j]));
      const conv1 = bb.model.getLayer(`${bb.name}_conv1`).getWeights()[0].dataSync() as Float32Array;
      const conv1Changed = conv1.some((v, j) => v !== frozenKernel[j]);
      if (freeze === 'head') {
        expect(changed(`${bb.name}_bn1`)).toBe(false);
        expect(changed(`${bb.name}_bn2`)).toBe(false);
        expect(conv1Changed).toBe(false);
      } else if (freeze === 'top') {
        // last two weighted layers are conv2 and bn2
        expect(changed(`${bb.name}_bn1`)).toBe(false);
        expect(changed(`${bb.name}_bn2`)).toBe(true);
        expect(conv1Changed).toBe(false);
      } else {
        expect(changed(`${bb.name}_bn1`)).toBe(true);
        expect(changed(`${bb.name}_bn2`)).toBe(true);
        expect(conv1Changed).toBe(true);
      }
    }
  });

  it('bnMomentum sets how fast trainable batch-norm statistics move', async () => {
    const data = shapesSet(48);
    const shift = async (bnMomentum?: number) => {
      const bb = tinyBackbone();
      const before = bnStats(bb.model).get(`${bb.name}_bn1`)![0].slice();
      await finetune(bb, data, { ...base, epochs: 1, seed: 5, evaluateTest: false, bnMomentum, lr: 1e-6 });
      const after = bnStats(bb.model).get(`${bb.name}_bn1`)![0];
      return Math.hypot(...after.map((v, j) => v - before[j]));
    };
    expect(await shift(0.3)).toBeGreaterThan(1.5 * (await shift(undefined))); // fixture layers use 0.8
  });

  it('stops early and restores the best epoch weights', async () => {
    const data = shapesSet(96);
    const bb = tinyBackbone();
    // lr × 3000 after epoch 0: validation loss blows up, so epoch 0 stays best
    const r = await finetune(bb, data, {
      ...base,
      epochs: 6,
      patience: 2,
      lr: 0.003,
      schedule: { kind: 'step', every: 1, gamma: 3000 },
      seed: 3,
      evaluateTest: false,
    });
    expect(r.stage.bestEpoch).toBe(0);
    expect(r.stage.epochs.length).toBe(3);
    expect(r.stage.stoppedEarly).toBe(true);
    expect(r.stage.epochs[1].valLoss).toBeGreaterThan(r.stage.epochs[0].valLoss);
    const again = evaluate(r.classifier, data, r.used.val, bb.scaling, 64);
    expect(again.loss).toBeCloseTo(r.stage.epochs[0].valLoss, 4);
  });

  it('down-sampling cuts every class to the smallest class count; over-sampling tops up to the largest', async () => {
    const data = shapesSet(200, { imbalance: [3, 1] });
    const train = Array.from(data.splits.train);
    const n1 = train.filter((i) => data.labels[i] === 1).length,
      n0 = train.length - n1;
    expect(n0).toBeGreaterThan(n1);
    const opts = { ...base, epochs: 1, freeze: 'head' as const, seed: 4, evaluateTest: false };
    const down = await finetune(tinyBackbone(), data, { ...opts, balance: 'downsample' });
    expect(down.stage.trainCounts).toEqual([n1, n1]);
    expect(new Set(down.used.train).size).toBe(2 * n1);
    const over = await finetune(tinyBackbone(), data, { ...opts, balance: 'oversample' });
    expect(over.stage.trainCounts).toEqual([n0, n0]);
    const cw = await finetune(tinyBackbone(), data, { ...opts, balance: 'class-weights' });
    expect(cw.stage.trainCounts).toEqual([n0, n1]);
    expect(cw.classWeights![1] / cw.classWeights![0]).toBeCloseTo(n0 / n1, 6);
  });
});
