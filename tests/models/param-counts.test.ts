// Parameter counts of the full-size nets against the numbers Keras / torchvision publish (build only).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArchitecture, buildBackbone } from '../../lib/models/variants';

const trainable = (m: tf.LayersModel) =>
  m.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('full-size architectures', () => {
  it('Xception at 299 px with the 1000-class top has 22,910,480 parameters (Keras)', () => {
    const { model } = buildArchitecture('xception', { init: false, topClasses: 1000 });
    expect(model.countParams()).toBe(22_910_480);
    expect(model.outputs[0].shape).toEqual([null, 1000]);
    expect(model.getLayer('block14_sepconv2_act').outputShape).toEqual([null, 10, 10, 2048]);
    model.dispose();
  });

  it('ResNet-50 (Keras v1 layout) at 224 px with top has 25,636,712 parameters', () => {
    const { model } = buildArchitecture('resnet50', { init: false, topClasses: 1000 });
    expect(model.countParams()).toBe(25_636_712);
    expect(model.getLayer('res5c_branch2c').outputShape).toEqual([null, 7, 7, 2048]);
    model.dispose();
  });

  it('ResNet-18 with top has 11,689,512 trainable parameters (torchvision)', () => {
    const { model } = buildArchitecture('resnet18', { init: false, topClasses: 1000 });
    expect(trainable(model)).toBe(11_689_512);
    model.dispose();
  });

  it('benchmark variants are the sizes the backend benchmark expects', () => {
    const r = buildArchitecture('mini-resnet18-w32', { init: false }).model;
    expect(r.countParams()).toBeGreaterThan(2.7e6);
    expect(r.countParams()).toBeLessThan(2.9e6);
    const x = buildArchitecture('mini-xception', { init: false }).model;
    expect(x.countParams()).toBeGreaterThan(1.3e6);
    expect(x.countParams()).toBeLessThan(1.5e6);
  });
});

describe('seeded initialisation', () => {
  it('same seed gives identical weights; another seed differs; Glorot limit respected', () => {
    const a = buildBackbone('test-xception', { seed: 3 });
    const b = buildBackbone('test-xception', { seed: 3 });
    const c = buildBackbone('test-xception', { seed: 4 });
    const wa = a.model.getLayer('block1_conv1').getWeights()[0];
    const wb = b.model.getLayer('block1_conv1').getWeights()[0];
    const wc = c.model.getLayer('block1_conv1').getWeights()[0];
    expect(Array.from(wa.dataSync())).toEqual(Array.from(wb.dataSync()));
    expect(tf.max(tf.abs(tf.sub(wa, wc))).dataSync()[0]).toBeGreaterThan(0);
    const [kh, kw, cin, cout] = wa.shape;
    const limit = Math.sqrt(6 / (kh * kw * cin + kh * kw * cout));
    expect(tf.max(tf.abs(wa)).dataSync()[0]).toBeLessThanOrEqual(limit);
    const gamma = a.model.getLayer('block1_conv1_bn').getWeights()[0];
    expect(Array.from(gamma.dataSync()).every((v) => v === 1)).toBe(true);
  });
});
