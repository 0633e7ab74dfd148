// Small wrappers over tf.layers so the architecture files read like the Keras source they mirror.
// Every weight is created with a constant initializer; lib/models/init.ts fills them from the seeded RNG.
import * as tf from '@tensorflow/tfjs';

type ST = tf.SymbolicTensor;
const Z = 'zeros';

export function conv(
  x: ST,
  filters: number,
  k: number,
  o: { strides?: number; padding?: 'same' | 'valid'; useBias?: boolean; name: string },
): ST {
  return tf.layers
    .conv2d({
      filters,
      kernelSize: k,
      strides: o.strides ?? 1,
      padding: o.padding ?? 'valid',
      useBias: o.useBias ?? true,
      kernelInitializer: Z,
      biasInitializer: Z,
      name: o.name,
    })
    .apply(x) as ST;
}

export function sepConv(x: ST, filters: number, k: number, name: string): ST {
  return tf.layers
    .separableConv2d({
      filters,
      kernelSize: k,
      padding: 'same',
      useBias: false,
      depthwiseInitializer: Z,
      pointwiseInitializer: Z,
      name,
    })
    .apply(x) as ST;
}

/** Keras BatchNormalization defaults except epsilon/momentum, which the Keras applications set explicitly. */
export function bn(x: ST, name: string, epsilon = 1e-3, momentum = 0.99): ST {
  return tf.layers.batchNormalization({ axis: -1, epsilon, momentum, name }).apply(x) as ST;
}

export function relu(x: ST, name: string): ST {
  return tf.layers.activation({ activation: 'relu', name }).apply(x) as ST;
}

export function add(xs: ST[], name: string): ST {
  return tf.layers.add({ name }).apply(xs) as ST;
}

export function maxPool(x: ST, k: number, s: number, padding: 'same' | 'valid', name: string): ST {
  return tf.layers.maxPooling2d({ poolSize: k, strides: s, padding, name }).apply(x) as ST;
}

export function zeroPad(x: ST, p: number, name: string): ST {
  return tf.layers.zeroPadding2d({ padding: p, name }).apply(x) as ST;
}

/** Keras applications' optional top: global average pool + softmax dense. Used for parameter-count checks. */
export function keras1000Top(x: ST, classes: number, poolName: string, denseName: string): ST {
  const p = tf.layers.globalAveragePooling2d({ name: poolName }).apply(x) as ST;
  return tf.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: Z, name: denseName })
    .apply(p) as ST;
}

/** Channel count after a width multiplier: at least 4, rounded to the nearest integer. */
export function scaled(c: number, width: number): number {
  return Math.max(4, Math.round(c * width));
}
