// SimCLR (Chen et al. 2020): two augmented views of every image, backbone → pooled h → projection z, NT-Xent over
// the 2N views. This file defines one training step; the epoch loop, checkpoints and progress live in
// lib/pretrain/run.ts, shared with supervised pre-training so both arms are trained identically apart from
// the objective.
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../models/backbone';
import { buildSimclrModel } from '../models/heads';
import type { Rng } from '../util/rng';
import { ntXentLoss } from './ntxent-loss';

/** Two random views of a [0,1] batch (lib/data/simclr-views.ts). Draws all randomness from `rng`. */
export type ViewFn = (x: tf.Tensor4D, rng: Rng) => [tf.Tensor4D, tf.Tensor4D];

export interface SimclrTask {
  /** image → [h, z]; its weights = backbone + projection head. */
  trainModel: tf.LayersModel;
  /** Loss of one batch (inside the optimizer's gradient tape). `x` in [0,1]. */
  loss(x: tf.Tensor4D, y: Int32Array, rng: Rng): tf.Scalar;
}

export function simclrTask(
  backbone: Backbone,
  o: { temperature: number; projDim: number; seed: number; views: ViewFn; scale: (x: tf.Tensor4D) => tf.Tensor4D },
): SimclrTask {
  const trainModel = buildSimclrModel(backbone, { outDim: o.projDim, seed: o.seed + 7 });
  return {
    trainModel,
    loss(x, _y, rng) {
      // views are drawn outside the tape's interest (no variables involved), then both pass through the net in one
      // batch of 2N so batch norm sees both views, as in SimCLR
      const [a, b] = o.views(x, rng);
      const both = o.scale(tf.concat([a, b], 0) as tf.Tensor4D);
      const [, z] = trainModel.apply(both, { training: true }) as tf.Tensor[];
      return ntXentLoss(z as tf.Tensor2D, o.temperature);
    },
  };
}
