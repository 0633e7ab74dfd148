// Input scaling declared by a backbone (never chosen by the caller), applied last, after augmentation.
import * as tf from '@tensorflow/tfjs';

/**
 * 'unit': [0,1] as is; 'symmetric': [-1,1]; 'imagenet': per-channel (x - mean) / std with ImageNet statistics;
 * 'caffe': Keras' preprocess_input mode "caffe" (RGB→BGR, 0–255, minus the BGR ImageNet mean), which Keras's
 * ImageNet ResNet-50 weights expect.
 */
export type InputScaling = 'unit' | 'symmetric' | 'imagenet' | 'caffe';

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** keras.applications.imagenet_utils, mode "caffe": mean of B, G, R on the 0–255 scale. */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/**
 * Scale a [0,1] NHWC RGB batch for a model. Always returns a new tensor (the caller still owns and disposes `x`).
 */
export function applyScaling<T extends tf.Tensor>(x: T, scaling: InputScaling): T {
  return tf.tidy(() => {
    switch (scaling) {
      case 'unit':
        return x.clone();
      case 'symmetric':
        return x.mul(2).sub(1) as T;
      case 'imagenet': {
        if (x.shape[x.shape.length - 1] !== 3) throw new Error(`applyScaling('imagenet'): expected 3 channels last, got shape [${x.shape}]`);
        return x.sub(tf.tensor1d([...IMAGENET_MEAN])).div(tf.tensor1d([...IMAGENET_STD])) as T;
      }
      case 'caffe': {
        if (x.shape[x.shape.length - 1] !== 3) throw new Error(`applyScaling('caffe'): expected 3 channels last, got shape [${x.shape}]`);
        return tf.reverse(x, -1).mul(255).sub(tf.tensor1d([...CAFFE_BGR_MEAN])) as T;
      }
      default:
        throw new Error(`applyScaling: unknown scaling "${scaling as string}" (expected unit, symmetric, imagenet or caffe)`);
    }
  });
}

/** Inverse of applyScaling (for showing model inputs as images). */
export function undoScaling<T extends tf.Tensor>(x: T, scaling: InputScaling): T {
  return tf.tidy(() => {
    switch (scaling) {
      case 'unit':
        return x.clone();
      case 'symmetric':
        return x.add(1).div(2) as T;
      case 'imagenet':
        return x.mul(tf.tensor1d([...IMAGENET_STD])).add(tf.tensor1d([...IMAGENET_MEAN])) as T;
      case 'caffe':
        return tf.reverse(x.add(tf.tensor1d([...CAFFE_BGR_MEAN])).div(255), -1) as T;
      default:
        throw new Error(`undoScaling: unknown scaling "${scaling as string}"`);
    }
  });
}
