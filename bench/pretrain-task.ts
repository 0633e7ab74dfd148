// The pre-training step both pre-training benches time (bench/pretrain-step.ts, bench/fused-bn.ts): a TL or SimCLR
// task on a backbone variant, Adam, and one fixed random batch of B images in [0, 1] with labels i mod 10.
import * as tf from '@tensorflow/tfjs';
import { applyScaling } from '../lib/data/scaling';
import { simclrConfig, simclrViews } from '../lib/data/simclr-views';
import { buildBackbone } from '../lib/models/variants';
import { supervisedTask } from '../lib/pretrain/supervised';
import { simclrTask } from '../lib/ssl/simclr-trainer';
import { Rng } from '../lib/util/rng';

export interface PretrainBench {
  /** one optimizer step; returns the loss tensor (caller disposes) */
  step: () => tf.Scalar;
  dispose: () => void;
}

export function pretrainBench(method: 'tl' | 'ssl', variant: string, size: number, B: number): PretrainBench {
  const bb = buildBackbone(variant, { inputSize: size, seed: 0 });
  const scale = (x: tf.Tensor4D) => applyScaling(x, bb.scaling);
  const vc = simclrConfig(size, { cropScale: [0.08, 1], jitterStrength: 0.5, blurProb: 0 });
  const task =
    method === 'ssl'
      ? simclrTask(bb, { temperature: 0.5, projDim: 128, seed: 0, scale, views: (x, r) => simclrViews(x, r, vc) })
      : supervisedTask(bb, { numClasses: 10, seed: 0, scale });
  const vars = task.trainModel.trainableWeights.map((w) => w.read() as tf.Variable);
  const opt = tf.train.adam(1e-3);
  const rng = new Rng(0);
  const x = tf.tidy(() =>
    tf.div(tf.floor(tf.randomUniform([B, size, size, 3], 0, 256, 'float32', 1)), 255),
  ) as tf.Tensor4D;
  const y = Int32Array.from({ length: B }, (_, i) => i % 10);
  return {
    step: () => opt.minimize(() => task.loss(x, y, rng), true, vars)!,
    dispose: () => {
      x.dispose();
      opt.dispose();
      task.trainModel.dispose();
    },
  };
}
