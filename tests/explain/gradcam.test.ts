// Grad-CAM / Grad-CAM++ tests. Reference values are closed forms derived by hand for a global-average-pool +
// dense head (then ∂logit_c/∂A_ijk = W_kc/(h·w) exactly), computed here from the layer weights and the
// backbone's own predict() — a different code path from lib/explain's graph walk and tf.grad.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select-backend';
import { camOf, gradCam, gradCamPlusPlus, type GradCamResult } from '../../lib/explain/gradcam';
import { listLayerPaths, resolveLayerPath } from '../../lib/explain/graph';
import { jet, overlayHeatmap, resizeMap, writeOverlayPng } from '../../lib/explain/overlay';
import {
  cascadingRandomisation,
  layersTopDown,
  peakInBox,
  peakOf,
  randomizeTopLayers,
  spearman,
} from '../../lib/explain/sanity';
import { buildNested, flatten, makeSquares, SIZE, toTensor, train, type SquareSet } from './fixture';

let model: tf.LayersModel;
let backbone: tf.LayersModel;
let testSet: SquareSet;
let x: tf.Tensor4D;
let trainAcc = 0;
let testAcc = 0;
const squareIdx: number[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-explain-'));

beforeAll(async () => {
  await selectBackend({ threads: 1, quiet: true });
  ({ model, backbone } = buildNested(1));
  trainAcc = await train(model, makeSquares(128, 1), 4);
  testSet = makeSquares(32, 101);
  x = toTensor(testSet);
  const pred = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(1).dataSync());
  let ok = 0;
  for (let i = 0; i < testSet.n; i++) {
    if (pred[i] === testSet.y[i]) ok++;
    if (testSet.boxes[i]) squareIdx.push(i);
  }
  testAcc = ok / testSet.n;
});

afterAll(() => {
  x?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Fraction of square images whose map peaks inside the square. */
function peakRate(r: GradCamResult): number {
  return squareIdx.filter((i) => peakInBox(camOf(r, i), SIZE, testSet.boxes[i]!)).length / squareIdx.length;
}

/** Closed-form Grad-CAM / Grad-CAM++ low-res maps for the GAP + dense head, from weights and backbone.predict. */
function closedForm(cls: number, method: 'gradcam' | 'gradcam++'): { maps: Float32Array; h: number; w: number } {
  const A = backbone.predict(x) as tf.Tensor4D;
  const [n, h, w, K] = A.shape;
  const a = A.dataSync();
  A.dispose();
  const kernel = model.getLayer('head_dense').getWeights()[0];
  const W = kernel.dataSync(); // [K, classes]
  const C = kernel.shape[1] as number;
  const maps = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) {
    const weights = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const g = W[k * C + cls] / (h * w); // ∂logit/∂A_ijk, the same at every position
      if (method === 'gradcam') weights[k] = g;
      else {
        let S = 0;
        for (let p = 0; p < h * w; p++) S += a[(i * h * w + p) * K + k];
        const aij = g === 0 ? 0 : (g * g) / (2 * g * g + S * g * g * g + 1e-7);
        weights[k] = h * w * aij * Math.max(g, 0);
      }
    }
    for (let p = 0; p < h * w; p++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += weights[k] * a[(i * h * w + p) * K + k];
      maps[i * h * w + p] = Math.max(0, s);
    }
  }
  return { maps, h, w };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('Grad-CAM on a backbone nested inside a classifier', () => {
  it('the tiny net learns the task', () => {
    expect(trainAcc).toBeGreaterThan(0.95);
    expect(testAcc).toBeGreaterThan(0.9);
  });

  it('finds the layer inside the nested model by name, path string or path array', () => {
    expect(resolveLayerPath(model, 'cam_conv')).toEqual(['backbone', 'cam_conv']);
    expect(resolveLayerPath(model, 'backbone/cam_conv')).toEqual(['backbone', 'cam_conv']);
    expect(listLayerPaths(model)).toContain('backbone/conv1');
    expect(() => resolveLayerPath(model, 'nope')).toThrow(/not found.*backbone\/cam_conv/);
    expect(() => gradCam(model, 'head_pool', x)).toThrow(/rank 2/);
    const a = gradCam(model, 'cam_conv', x);
    const b = gradCam(model, ['backbone', 'cam_conv'], x);
    expect(maxAbsDiff(a.maps, b.maps)).toBe(0);
    // class index as the 4th argument: a number or one per image
    const c1 = gradCam(model, 'cam_conv', x, 1);
    expect(Array.from(c1.classIndex)).toEqual(new Array(testSet.n).fill(1));
    const per = gradCam(model, 'cam_conv', x, a.classIndex);
    expect(maxAbsDiff(per.maps, a.maps)).toBe(0);
    expect(() => gradCam(model, 'cam_conv', x, 5)).toThrow(/out of range/);
    expect(a.layerPath).toEqual(['backbone', 'cam_conv']);
  });

  it('equals the closed form ReLU(Σ_k W_kc/(hw)·A_k) (logit, softmax stripped) for Grad-CAM', () => {
    const r = gradCam(model, 'backbone/cam_conv', x, { classIndex: 1 });
    const ref = closedForm(1, 'gradcam');
    expect([r.lowHeight, r.lowWidth]).toEqual([ref.h, ref.w]);
    expect(maxAbs(ref.maps)).toBeGreaterThan(0);
    expect(maxAbsDiff(r.lowRes, ref.maps)).toBeLessThan(1e-5 * maxAbs(ref.maps) + 1e-7);
    // explaining the softmax probability instead gives a different (rescaled per image) map
    const p = gradCam(model, 'cam_conv', x, { classIndex: 1, logits: false });
    expect(maxAbsDiff(p.lowRes, r.lowRes)).toBeGreaterThan(0);
  });

  it('equals the closed form for Grad-CAM++', () => {
    const r = gradCamPlusPlus(model, 'cam_conv', x, { classIndex: 0 });
    const ref = closedForm(0, 'gradcam++');
    expect(r.method).toBe('gradcam++');
    expect(maxAbs(ref.maps)).toBeGreaterThan(0);
    expect(maxAbsDiff(r.lowRes, ref.maps)).toBeLessThan(1e-4 * maxAbs(ref.maps) + 1e-7);
  });

  it('gives the same maps as the same layers wired flat (shared weights)', () => {
    const flat = flatten(model, backbone);
    for (const method of ['gradcam', 'gradcam++'] as const) {
      const a = gradCam(model, 'cam_conv', x, { method });
      const b = gradCam(flat, 'cam_conv', x, { method });
      expect(Array.from(b.classIndex)).toEqual(Array.from(a.classIndex));
      expect(maxAbsDiff(a.maps, b.maps)).toBeLessThan(1e-5);
    }
  });

  it('works on Sequential models, defaults to the predicted class, and leaks no tensors', () => {
    const seq = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 2,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: 'c',
        }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const img = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const r = gradCam(seq, 'c', img);
    expect(tf.memory().numTensors).toBe(before);
    const pred = tf.tidy(() => Array.from((seq.predict(img) as tf.Tensor).argMax(1).dataSync()));
    expect(Array.from(r.classIndex)).toEqual(pred);
    expect([r.n, r.height, r.width, r.maps.length]).toEqual([2, 8, 8, 128]);
    for (const v of r.maps) expect(v >= 0 && v <= 1).toBe(true);
    img.dispose();
  });
});

describe('localisation and the randomisation sanity check (Adebayo et al. 2018)', () => {
  const methods = ['gradcam', 'gradcam++'] as const;

  it.each(methods)('%s: the trained model’s map peaks inside the bright square', (method) => {
    const r = gradCam(model, 'cam_conv', x, { method, classIndex: 1 });
    expect(squareIdx.length).toBe(16);
    expect(peakRate(r)).toBeGreaterThanOrEqual(0.9);
  });

  it.each(methods)('%s: under cascading randomisation the map stops following the square', (method) => {
    const trained = gradCam(model, 'cam_conv', x, { method, classIndex: 1 });
    const saved = model.getWeights().map((w) => w.clone());
    const order = layersTopDown(model).map((l) => l.name);
    expect(order).toEqual(['head_dense', 'cam_conv', 'conv1']);
    const seeds = [17, 1017, 2017, 3017, 4017];
    const summary: { k: number; rate: number; rho: number }[] = [];
    try {
      for (let k = 1; k <= order.length; k++) {
        let rate = 0;
        let rho = 0;
        for (const s of seeds) {
          randomizeTopLayers(model, k, s);
          const r = gradCam(model, 'cam_conv', x, { method, classIndex: 1 });
          rate += peakRate(r) / seeds.length;
          // rank correlation with the trained map; a constant (all-zero) map counts as 0
          for (const i of squareIdx) {
            const v = spearman(camOf(trained, i), camOf(r, i));
            rho += (Number.isNaN(v) ? 0 : v) / (seeds.length * squareIdx.length);
          }
          model.setWeights(saved);
        }
        summary.push({ k, rate, rho });
      }
    } finally {
      model.setWeights(saved);
      tf.dispose(saved);
    }
    console.log(
      `${method} cascading randomisation (peak-in-square rate, mean Spearman vs trained):`,
      summary.map((s) => `top ${s.k}: ${s.rate.toFixed(2)}, ${s.rho.toFixed(2)}`).join(' | '),
    );
    const full = summary[summary.length - 1];
    expect(peakRate(trained)).toBeGreaterThanOrEqual(0.9);
    expect(full.rate).toBeLessThan(0.6); // measured ≈ 0.2–0.35 (trained: 1.0)
    expect(full.rho).toBeLessThan(0.4); // measured ≈ 0.0–0.25
    const meanRho = summary.reduce((a, s) => a + s.rho, 0) / summary.length;
    expect(meanRho).toBeLessThan(0.6);
    // the restore worked: same maps as before
    const again = gradCam(model, 'cam_conv', x, { method, classIndex: 1 });
    expect(maxAbsDiff(again.maps, trained.maps)).toBe(0);
  });
});

describe('cascadingRandomisation (what notebook 07 runs)', () => {
  const explainWith = (m: tf.LayersModel) => (cls?: ArrayLike<number>) => {
    const r = gradCam(m, 'cam_conv', x, cls ? { classIndex: cls } : {});
    return { maps: Array.from({ length: r.n }, (_, i) => Float32Array.from(camOf(r, i))), classIndex: r.classIndex };
  };

  it('gives the numbers of the hand-written loop above, explains the originally predicted classes, restores the weights', () => {
    const trained = gradCam(model, 'cam_conv', x);
    const steps = cascadingRandomisation(model, explainWith(model), [1, 2, 3], 17);
    expect(steps.map((s) => s.layers)).toEqual([
      ['head_dense'],
      ['head_dense', 'cam_conv'],
      ['head_dense', 'cam_conv', 'conv1'],
    ]);
    const saved = model.getWeights().map((w) => w.clone());
    try {
      for (const s of steps) {
        randomizeTopLayers(model, s.k, 17);
        const r = gradCam(model, 'cam_conv', x, { classIndex: trained.classIndex });
        const rho = Array.from({ length: r.n }, (_, i) => spearman(camOf(trained, i), camOf(r, i)));
        rho.forEach((v, i) =>
          Number.isNaN(v) ? expect(s.perImage[i]).toBeNaN() : expect(s.perImage[i]).toBeCloseTo(v, 10),
        );
        const ok = rho.filter((v) => Number.isFinite(v));
        expect(s.meanSpearman).toBeCloseTo(ok.reduce((a, b) => a + b, 0) / ok.length, 10);
        model.setWeights(saved);
      }
    } finally {
      tf.dispose(saved);
    }
    expect(steps[2].meanSpearman).toBeLessThan(0.6); // fully randomised: the maps no longer follow the trained ones
    expect(maxAbsDiff(gradCam(model, 'cam_conv', x).maps, trained.maps)).toBe(0);
  });

  it('maps that ignore the weights (an edge detector) stay at ρ = 1: the test flags them', () => {
    const edges = () => {
      const d = x.dataSync();
      const maps = Array.from({ length: x.shape[0] }, (_, n) =>
        Float32Array.from({ length: SIZE * SIZE }, (_, p) => {
          const col = p % SIZE;
          const v = d[n * SIZE * SIZE + p];
          return col + 1 < SIZE ? Math.abs(d[n * SIZE * SIZE + p + 1] - v) : 0;
        }),
      );
      return { maps, classIndex: new Int32Array(x.shape[0]) };
    };
    for (const s of cascadingRandomisation(model, edges, [1, 3], 5)) expect(s.meanSpearman).toBeCloseTo(1, 10);
  });
});

describe('overlay', () => {
  it('jet colour map end points and middle (hand-computed from the piecewise-linear formula)', () => {
    expect(jet(0)).toEqual([0, 0, 128]); // b = 1.5 − |0 − 1| = 0.5
    expect(jet(0.5)).toEqual([128, 255, 128]);
    expect(jet(1)).toEqual([128, 0, 0]);
    expect(jet(0.625)).toEqual([255, 255, 0]); // r = 1.5 − |2.5 − 3| → 1, g = 1.5 − |2.5 − 2| → 1, b = 0
    expect(jet(0.75)).toEqual([255, 128, 0]); // g = 1.5 − |3 − 2| = 0.5
  });

  it('alpha blend arithmetic and bilinear resize', () => {
    // grey 100 under heat 1 (jet [128,0,0]) at α 0.5 → [114, 50, 50]
    const img = { data: new Uint8Array([100, 100, 100]), height: 1, width: 1, channels: 3 as const };
    expect(Array.from(overlayHeatmap(img, [1], { alpha: 0.5 }))).toEqual([114, 50, 50]);
    // float [0,1] grey image, 1 channel
    const g = { data: new Float32Array([0.4]), height: 1, width: 1, channels: 1 as const };
    expect(Array.from(overlayHeatmap(g, [0], { alpha: 0.5 }))).toEqual([51, 51, 115]); // (102+0)/2, (102+128)/2
    // 2×2 → 4×4 bilinear with half-pixel centres: row 0 of [[0,1],[2,3]] → 0, 0.25, 0.75, 1
    const up = resizeMap([0, 1, 2, 3], 2, 2, 4, 4);
    expect(Array.from(up.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(up[15]).toBe(3);
  });

  it('writes a PNG whose hottest pixel is red over the square', async () => {
    const r = gradCam(model, 'cam_conv', x, { classIndex: 1 });
    const i = squareIdx[0];
    const image = {
      data: testSet.x.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE),
      height: SIZE,
      width: SIZE,
      channels: 1 as const,
    };
    const file = await writeOverlayPng(path.join(tmp, 'sub', 'cam.png'), image, camOf(r, i), { alpha: 0.6, scale: 2 });
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([64, 64, 3]);
    const { row, col } = peakOf(camOf(r, i), SIZE);
    const p = (row * 2 * 64 + col * 2) * 3;
    expect(data[p]).toBeGreaterThan(data[p + 2]); // red over blue at the peak
    expect(peakInBox(camOf(r, i), SIZE, testSet.boxes[i]!)).toBe(true);
  });
});

describe('on the project backbones (lib/models), flat and nested', () => {
  it.each(['test-resnet', 'test-xception'])(
    '%s: gradCamLayer works flat and nested, same maps, weights untouched',
    async (name) => {
      const { buildBackbone } = await import('../../lib/models/variants');
      const { buildClassifier } = await import('../../lib/models/heads');
      const bb = buildBackbone(name, { seed: 3 });
      const flat = buildClassifier(bb, 3, { seed: 4, dropout: 0.5 });
      // the Keras failure case: the backbone model as ONE layer of the classifier, head layers shared
      const inp = tf.input({ shape: [bb.inputSize, bb.inputSize, 3] });
      let h = bb.model.apply(inp) as tf.SymbolicTensor;
      for (const l of ['head_avg_pool', 'head_dropout', 'head_logits'])
        h = flat.getLayer(l).apply(h) as tf.SymbolicTensor;
      const nested = tf.model({ inputs: inp, outputs: h });
      expect(resolveLayerPath(nested, bb.gradCamLayer)).toEqual([bb.model.name, bb.gradCamLayer]);
      const img = tf.randomUniform([2, bb.inputSize, bb.inputSize, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
      const before = flat.getWeights().map((w) => Array.from(w.dataSync()));
      for (const method of ['gradcam', 'gradcam++'] as const) {
        const a = gradCam(flat, bb.gradCamLayer, img, { method, classIndex: [0, 2] });
        const b = gradCam(nested, bb.gradCamLayer, img, { method, classIndex: [0, 2] });
        expect([a.height, a.width]).toEqual([bb.inputSize, bb.inputSize]);
        expect(maxAbs(a.lowRes)).toBeGreaterThan(0);
        expect(maxAbsDiff(a.lowRes, b.lowRes)).toBeLessThan(1e-4 * maxAbs(a.lowRes));
      }
      // inference mode: batch-norm moving statistics (and all other weights) unchanged
      flat.getWeights().forEach((w, i) => expect(maxAbsDiff(w.dataSync(), before[i])).toBe(0));
      img.dispose();
    },
  );
});
