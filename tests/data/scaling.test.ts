// 'caffe' input scaling (what Keras's ImageNet ResNet-50 weights expect) against Keras's own preprocess_input
// (its output on the small fixture's image is committed: scripts/keras/make_fixtures.py small), and by hand.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyScaling, undoScaling } from '../../lib/data/scaling';
import { FIXTURES, kerasCase, maxAbsDiff, readF32 } from '../weights/helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("applyScaling('caffe')", () => {
  it('RGB in [0,1] → BGR on 0–255 minus the BGR ImageNet mean, and back', () => {
    const x = tf.tensor4d([1, 0.5, 0, 0.2, 0.4, 0.6], [1, 1, 2, 3]);
    const y = applyScaling(x, 'caffe');
    // pixel 1: B = 0·255 − 103.939, G = 127.5 − 116.779, R = 255 − 123.68
    expect(Array.from(y.dataSync()).map((v) => +v.toFixed(3))).toEqual([-103.939, 10.721, 131.32, 49.061, -14.779, -72.68]);
    expect(Array.from(undoScaling(y, 'caffe').dataSync()).map((v) => +v.toFixed(5))).toEqual([1, 0.5, 0, 0.2, 0.4, 0.6]);
  });

  it('matches keras.applications.resnet50.preprocess_input within 1e-4', () => {
    const { x } = kerasCase(FIXTURES, 'small');
    const unit = x.add(1).div(2);
    const want = readF32(path.join(FIXTURES, 'small.caffe.f32'));
    expect(maxAbsDiff(applyScaling(unit, 'caffe').dataSync(), want)).toBeLessThan(1e-4);
  });
});
