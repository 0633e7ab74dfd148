// Supervised pre-training (the TL arm): backbone + classification head (no dropout: Keras' Xception top has
// none), softmax cross-entropy on the source's labels, light augmentation (random crop after 4-px reflection-free
// zero padding scaled to the input, horizontal flip) drawn from the seeded RNG. One training step; the loop is
// lib/pretrain/run.ts.
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../models/backbone';
import { buildClassifier } from '../models/heads';
import type { Rng } from '../util/rng';

export interface SupervisedTask {
  trainModel: tf.LayersModel;
  loss(x: tf.Tensor4D, y: Int32Array, rng: Rng): tf.Scalar;
}

/** Random crop (pad by 1/8 of the side, crop back) and horizontal flip, per image, from `rng`. */
export function cropFlip(x: tf.Tensor4D, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const pad = Math.max(1, Math.round(h / 8));
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ]);
    const boxes: number[][] = [];
    const flips: boolean[] = [];
    const H = h + 2 * pad,
      W = w + 2 * pad;
    for (let i = 0; i < n; i++) {
      const dy = rng.int(2 * pad + 1),
        dx = rng.int(2 * pad + 1);
      const flip = rng.bernoulli(0.5);
      // crop boxes in normalised coords of the padded image; a flip swaps x1 and x2
      const y1 = dy / (H - 1),
        y2 = (dy + h - 1) / (H - 1);
      const x1 = dx / (W - 1),
        x2 = (dx + w - 1) / (W - 1);
      boxes.push(flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2]);
      flips.push(flip);
    }
    const ind = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i),
      'int32',
    );
    return tf.image.cropAndResize(padded, tf.tensor2d(boxes), ind, [h, w], 'nearest') as tf.Tensor4D;
  });
}

export function supervisedTask(
  backbone: Backbone,
  o: {
    numClasses: number;
    seed: number;
    scale: (x: tf.Tensor4D) => tf.Tensor4D;
    augment?: (x: tf.Tensor4D, rng: Rng) => tf.Tensor4D;
  },
): SupervisedTask {
  const trainModel = buildClassifier(backbone, o.numClasses, { dropout: 0, seed: o.seed + 7, prefix: 'tl_head' });
  const augment = o.augment ?? cropFlip;
  return {
    trainModel,
    loss(x, y, rng) {
      const xa = o.scale(augment(x, rng));
      const logits = trainModel.apply(xa, { training: true }) as tf.Tensor2D;
      const onehot = tf.oneHot(tf.tensor1d(y, 'int32'), o.numClasses);
      return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
    },
  };
}
