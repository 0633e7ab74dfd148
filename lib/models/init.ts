// Seeded weight initialisation. TF.js initializers ignore their `seed` (tfjs issue 7104), so the builders
// create every weight with a constant initializer (cheap, no random draws) and this file then overwrites
// each trainable kernel from lib/util/rng. Kernels get Glorot-uniform (the Keras default used by Keras'
// Xception and ResNet-50), biases and BN beta zeros, BN gamma ones, moving mean 0 and moving variance 1 —
// the same distributions Keras would draw, but reproducible from one integer seed and independent of backend.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

/** Keras' fan computation: receptive field = product of all but the last two dims. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * rf, fanOut: shape[shape.length - 1] * rf };
}

function kindOf(weightName: string): 'kernel' | 'zeros' | 'ones' {
  const short = weightName.split('/').pop()!.replace(/_\d+$/, '');
  if (/kernel$/.test(short)) return 'kernel'; // kernel, depthwise_kernel, pointwise_kernel
  if (short === 'gamma' || short === 'moving_variance') return 'ones';
  return 'zeros'; // bias, beta, moving_mean
}

/**
 * Re-initialise all weights of the given layers (default: every layer of `model`) from `seed`.
 * Layers are visited in graph order and weights in declaration order, so a seed fixes every value.
 */
export type KernelInit = 'glorot_uniform' | 'he_normal';

export function initWeightsSeeded(
  layers: tf.layers.Layer[],
  seed: number,
  scheme: KernelInit = 'glorot_uniform',
): void {
  const rng = new Rng(seed);
  for (const layer of layers) {
    const ws = layer.weights;
    if (ws.length === 0) continue;
    const vals = ws.map((w) => {
      const kind = kindOf(w.originalName);
      const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      if (kind === 'ones') data.fill(1);
      else if (kind === 'kernel') {
        const { fanIn, fanOut } = fans(w.shape as number[]);
        if (scheme === 'glorot_uniform') {
          const limit = Math.sqrt(6 / (fanIn + fanOut));
          for (let i = 0; i < n; i++) data[i] = (2 * rng.next() - 1) * limit;
        } else {
          // Keras VarianceScaling(2, fan_in, truncated normal): resample beyond 2 sd, rescale to keep the variance
          const sd = Math.sqrt(2 / fanIn) / 0.8796256610342398;
          for (let i = 0; i < n; i++) {
            let z = rng.normal();
            while (Math.abs(z) > 2) z = rng.normal();
            data[i] = z * sd;
          }
        }
      }
      return tf.tensor(data, w.shape as number[]);
    });
    layer.setWeights(vals);
    tf.dispose(vals);
  }
}

export function initModelSeeded(model: tf.LayersModel, seed: number, scheme: KernelInit = 'glorot_uniform'): void {
  initWeightsSeeded(model.layers, seed, scheme);
}
