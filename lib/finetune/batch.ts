// uint8 ImageSet rows → the float batches a backbone takes: lib/data's toBatch ([0,1] NHWC), then the backbone's
// declared scaling (applyScaling) last.
import type * as tf from '@tensorflow/tfjs';
import { toBatch, type ImageSet } from '../data/load';
import { applyScaling, type InputScaling } from '../data/scaling';

export type { InputScaling };

export function toUnitBatch(set: Pick<ImageSet, 'id' | 'n' | 'images' | 'size'>, indices: number[]): tf.Tensor4D {
  return toBatch(set as ImageSet, indices);
}

export function scaleForBackbone(x: tf.Tensor4D, scaling: InputScaling): tf.Tensor4D {
  return applyScaling(x, scaling);
}
