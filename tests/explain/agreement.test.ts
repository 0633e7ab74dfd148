// Map agreement and image choice on maps small enough to check by hand.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hottest, isFlat, mapAgreement, peakOverlap, pickByClass } from '../../lib/explain/agreement';
import { readWeightsF32, writeWeightsF32 } from '../../lib/finetune/weight-file';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-agree-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('map agreement', () => {
  // 4×4 maps, row-major
  const ramp = Float32Array.from({ length: 16 }, (_, i) => i); // hottest at the bottom-right
  const flipped = Float32Array.from({ length: 16 }, (_, i) => 15 - i); // hottest at the top-left

  it('identical maps: ρ 1, overlap 1, distance 0; reversed: ρ −1, overlap 0, distance 1', () => {
    expect(mapAgreement(ramp, ramp, 4)).toEqual({
      spearman: 1,
      peakOverlap: 1,
      peakDistance: 0,
      flatA: false,
      flatB: false,
    });
    const r = mapAgreement(ramp, flipped, 4);
    expect(r.spearman).toBeCloseTo(-1, 12);
    expect(r.peakOverlap).toBe(0);
    expect(r.peakDistance).toBeCloseTo(1, 12); // corner to corner = the diagonal
  });

  it('overlap of the hottest 25%: 4 pixels each, 2 shared → IoU 2/6', () => {
    const a = Float32Array.from({ length: 16 }, (_, i) => ([12, 13, 14, 15].includes(i) ? 1 : 0) + i / 100);
    const b = Float32Array.from({ length: 16 }, (_, i) => ([14, 15, 10, 11].includes(i) ? 1 : 0) + i / 100);
    expect([...hottest(a, 0.25)].sort((x, y) => x - y)).toEqual([12, 13, 14, 15]);
    expect(peakOverlap(a, b, 0.25)).toBeCloseTo(2 / 6, 12);
    expect(() => hottest(a, 0)).toThrow(/fraction/);
  });

  it('a flat map has no location: NaN agreement, counted as flat', () => {
    const flat = new Float32Array(16).fill(0.3);
    expect(isFlat(flat)).toBe(true);
    expect(isFlat(ramp)).toBe(false);
    const r = mapAgreement(flat, ramp, 4);
    expect(r.flatA).toBe(true);
    expect(r.spearman).toBeNaN();
    expect(r.peakOverlap).toBeNaN();
  });
});

describe('pickByClass', () => {
  const labels = [0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 2, 2];
  const test = labels.map((_, i) => i);
  it('every class, at most perClass each, the same for the same seed, different for another', () => {
    const a = pickByClass(labels, test, 2, 7);
    expect(a.map((i) => labels[i])).toEqual([0, 0, 1, 1, 2, 2]);
    expect(pickByClass(labels, test, 2, 7)).toEqual(a);
    const seeds = [1, 2, 3, 4, 5].map((s) => pickByClass(labels, test, 2, s).join(','));
    expect(new Set(seeds).size).toBeGreaterThan(1);
    expect(
      pickByClass(labels, [0, 1, 2, 6], 5, 1)
        .map((i) => labels[i])
        .sort(),
    ).toEqual([0, 0, 0, 1]);
  });
});

describe('fine-tuned weights on disk', () => {
  it('a model saved while partly frozen loads into a fresh, unfrozen one with the same outputs', () => {
    const make = (seed: number) => {
      const m = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [3],
            units: 4,
            name: 'a',
            kernelInitializer: tf.initializers.glorotUniform({ seed }),
          }),
          tf.layers.batchNormalization({ name: 'bn' }),
          tf.layers.dense({
            units: 2,
            name: 'b',
            kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
          }),
        ],
      });
      return m;
    };
    const src = make(1);
    src.getLayer('a').trainable = false; // getWeights() order now differs from a fresh model's
    const file = path.join(tmp, 'w.f32');
    expect(writeWeightsF32(src, file)).toBe(3 * 4 + 4 + 4 * 4 + 4 * 2 + 2);
    const dst = make(99);
    readWeightsF32(dst, file);
    const x = tf.tensor2d([[0.1, -0.2, 0.3]]);
    expect(Array.from((dst.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((src.predict(x) as tf.Tensor).dataSync()),
    );
    const other = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
    expect(() => readWeightsF32(other, file)).toThrow(/holds 42 floats, the model needs 4/);
  });
});
