// Loading weights by layer name (the path for Keras-converted Xception / ResNet-50), heads, ImageNet arm.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildClassifier, buildEmbedder, buildSimclrModel } from '../../lib/models/heads';
import { loadWeightsByName } from '../../lib/models/load-weights';
import { loadImagenetMobileNetV2, MOBILENET_V2_DIR } from '../../lib/models/mobilenet-v2-imagenet';
import { readNamedWeights, saveLayersModelDir } from '../../lib/models/tfjs-files';
import { buildArchitecture, buildBackbone } from '../../lib/models/variants';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];

describe('load weights by layer name', () => {
  for (const variant of ['test-xception', 'test-resnet']) {
    it(`${variant}: weights saved as a tfjs layers model (with a Keras top) load by name into a fresh backbone`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-w-'));
      // the saved model has a 1000-class top and a different input size, like a Keras-converted file
      const { model: src } = buildArchitecture(variant, { seed: 11, topClasses: 1000, inputSize: 32 });
      // make BN statistics non-trivial so they are checked too
      for (const l of src.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
        l.setWeights(
          l.getWeights().map((w, i) => tf.add(w, tf.mul(0.1 * (i + 1), tf.randomUniform(w.shape, 0, 1, 'float32', 5)))),
        );
      }
      await saveLayersModelDir(src, dir);
      const named = readNamedWeights(dir);
      expect(Object.keys(named)).toContain(variant === 'test-xception' ? 'block1_conv1/kernel' : 'conv1/kernel');

      const dst = buildBackbone(variant, { seed: 99 });
      const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 1);
      // reference: the same architecture at the backbone's size (16 px) with the saved weights
      const srcAt16 = buildArchitecture(variant, { seed: 1, inputSize: 16 }).model;
      loadWeightsByName(srcAt16, named);
      const before = maxDiff(dst.model.predict(x) as tf.Tensor, srcAt16.predict(x) as tf.Tensor);
      const rep = loadWeightsByName(dst.model, named);
      expect(rep.missing).toEqual([]);
      expect(rep.unused.sort()).toEqual(
        variant === 'test-xception' ? ['predictions/bias', 'predictions/kernel'] : ['fc1000/bias', 'fc1000/kernel'],
      );
      const diff = maxDiff(dst.model.predict(x) as tf.Tensor, srcAt16.predict(x) as tf.Tensor);
      expect(before).toBeGreaterThan(1e3 * diff);
      expect(diff).toBeLessThan(1e-5);
      for (const l of dst.model.layers) {
        const w = l.getWeights();
        if (w.length) expect(maxDiff(w[0], named[l.weights[0].originalName])).toBe(0);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('a shape mismatch (other width) gives a clear error', () => {
    const a = buildBackbone('test-resnet');
    const b = buildBackbone('tiny-resnet18-w16');
    const named: tf.NamedTensorMap = {};
    for (const w of b.model.weights) named[w.originalName] = w.read();
    expect(() => loadWeightsByName(a.model, named, { what: 'ckpt' })).toThrow(/ckpt: conv1\/kernel has shape/);
  });
});

describe('heads', () => {
  it('classifier is one flat graph reaching the Grad-CAM layer; SimCLR model gives 128-d z', () => {
    const bb = buildBackbone('test-resnet', { seed: 1 });
    const clf = buildClassifier(bb, 5, { dropout: 0.5, seed: 2 });
    const x = tf.randomUniform([3, 16, 16, 3], 0, 1, 'float32', 2);
    expect((clf.predict(x) as tf.Tensor).shape).toEqual([3, 5]);
    expect(clf.getLayer(bb.gradCamLayer)).toBe(bb.model.getLayer(bb.gradCamLayer));
    // dropout active only in training, and scales kept units by 1/(1-p)
    const a = clf.apply(x, { training: true }) as tf.Tensor;
    const b = clf.apply(x, { training: false }) as tf.Tensor;
    expect(maxDiff(a, b)).toBeGreaterThan(0);
    const sim = buildSimclrModel(bb, { seed: 3 });
    const [h, z] = sim.predict(x) as tf.Tensor[];
    expect(h.shape).toEqual([3, bb.featureDim]);
    expect(z.shape).toEqual([3, 128]);
    const emb = buildEmbedder(bb).predict(x) as tf.Tensor;
    expect(maxDiff(emb, h)).toBeLessThan(1e-6);
  });
});

describe.skipIf(!fs.existsSync(MOBILENET_V2_DIR))('ImageNet MobileNetV2 arm', () => {
  it('loads at 32 px, gives 1280-d features, random init differs', async () => {
    const bb = await loadImagenetMobileNetV2({ inputSize: 32 });
    expect(bb.scaling).toBe('symmetric');
    expect(bb.source.kind).toBe('imagenet');
    expect(bb.model.countParams()).toBe(410_208);
    const y = bb.model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor;
    expect(y.shape).toEqual([1, 1, 1, 1280]);
    const r = await loadImagenetMobileNetV2({ inputSize: 32, randomInit: 1 });
    expect(maxDiff(y, r.model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor)).toBeGreaterThan(1e-3);
  });
});

describe('tf.keras numbering of unnamed layers', () => {
  it('Xception shortcut convs load from tf.keras names (conv2d, conv2d_1, …) as well as Keras 2 names (conv2d_1, …)', () => {
    const src = buildBackbone('test-xception', { seed: 21 });
    const named: tf.NamedTensorMap = {};
    for (const w of src.model.weights) {
      // rename Keras-2 style conv2d_N / batch_normalization_N to tf.keras style (N-1, none for the first)
      const n = w.originalName.replace(/^(conv2d|batch_normalization)_(\d+)\//, (_m, b: string, k: string) =>
        k === '1' ? `${b}/` : `${b}_${Number(k) - 1}/`,
      );
      named[`xception/${n}`] = w.read();
    }
    expect(Object.keys(named)).toContain('xception/conv2d/kernel');
    const dst = buildBackbone('test-xception', { seed: 22 });
    const rep = loadWeightsByName(dst.model, named);
    expect(rep.missing).toEqual([]);
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 4);
    expect(maxDiff(dst.model.predict(x) as tf.Tensor, src.model.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
  });
});
