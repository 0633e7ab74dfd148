// Training the last layers on the frozen prefix's stored activations must give the run the whole network gives:
// the same losses per epoch, the same early stopping, the same test probabilities (up to float rounding of batching
// the prefix differently), on a residual net whose frontier is one tensor (a whole block trains) or two (only the
// last batch norm trains: the shortcut and the conv output both cross into the trainable part).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select-backend';
import { finetune } from '../../lib/finetune/finetune';
import { applyFreeze } from '../../lib/finetune/freeze';
import { splitAtTrainable } from '../../lib/finetune/frozen-prefix';
import { buildClassifier } from '../../lib/models/heads';
import { buildBackbone } from '../../lib/models/variants';
import type { TrainSettings } from '../../lib/finetune/run-record';
import { shapesSet } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

const settings = (topLayers: number): TrainSettings => ({
  epochs: 3,
  batchSize: 16,
  lr: 3e-3,
  schedule: { kind: 'cosine' },
  freeze: 'top',
  topLayers,
  patience: 2,
  dropout: 0.3,
  bnMomentum: 0.9,
});

describe('frozen prefix', () => {
  it('splits before the first trainable layer; the frontier carries every tensor that crosses', () => {
    for (const [top, crossing] of [
      [6, 1], // the last residual block (2 convs + shortcut conv, their batch norms)
      [1, 2],
    ] as const) {
      const bb = buildBackbone('test-resnet', { inputSize: 16, seed: 0 });
      applyFreeze(bb.model, 'top', top);
      const clf = buildClassifier(bb, 3, { seed: 0 });
      const s = splitAtTrainable(clf)!;
      expect(s.prefix.outputs.length).toBe(crossing);
      const x = tf.randomUniform([4, 16, 16, 3], -1, 1, 'float32', 1);
      const whole = clf.predict(x) as tf.Tensor;
      const parts = s.suffix.predict(s.prefix.predict(x)) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(whole, parts))).dataSync()[0]).toBeLessThan(1e-5);
    }
    // nothing frozen before the first weights: no split
    const bb = buildBackbone('test-resnet', { inputSize: 16, seed: 0 });
    applyFreeze(bb.model, 'all');
    expect(splitAtTrainable(buildClassifier(bb, 3, { seed: 0 }))).toBeUndefined();
  });

  it('fine-tuning on stored activations gives the same run as the whole network', async () => {
    const data = shapesSet(96, { numClasses: 3, size: 16 });
    for (const top of [6, 1]) {
      const run = (augment?: (x: tf.Tensor4D) => tf.Tensor4D) =>
        finetune(buildBackbone('test-resnet', { inputSize: 16, seed: 0 }), data, {
          ...settings(top),
          seed: 3,
          augment,
        });
      const cached = await run();
      const whole = await run((x) => x); // an (identity) augmentation turns the cache off
      expect(cached.stage.epochs.length).toBe(whole.stage.epochs.length);
      expect(cached.stage.bestEpoch).toBe(whole.stage.bestEpoch);
      cached.stage.epochs.forEach((e, k) => {
        expect(e.trainLoss).toBeCloseTo(whole.stage.epochs[k].trainLoss, 4);
        expect(e.valLoss).toBeCloseTo(whole.stage.epochs[k].valLoss, 4);
      });
      const pc = cached.test!.probs,
        pw = whole.test!.probs;
      let d = 0;
      for (let i = 0; i < pc.length; i++) d = Math.max(d, Math.abs(pc[i] - pw[i]));
      expect(d).toBeLessThan(1e-4);
      expect(cached.test!.accuracy).toBe(whole.test!.accuracy);
    }
  }, 300_000); // four 3-epoch runs: ~10 s alone, minutes on a loaded 2-core machine
});
