// Heads stacked on a backbone's feature map. Both are built as layers applied to the backbone's own output
// tensor, so backbone + head is ONE flat graph: Grad-CAM can reach `backbone.gradCamLayer` inside it
// (a nested model breaks that: tensorflow issue 44462), and the backbone's layers (weights) are shared.
//   classification head: global average pool → dropout → dense (logits, or softmax)
//   SimCLR projection head g(h) = W2·ReLU(W1·h): 2-layer MLP on the pooled embedding, 128-d output (Chen et al.
//   2020 §2.1); the loss is taken on g(h), the representation kept for transfer is h.
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from './backbone';
import { initWeightsSeeded } from './init';
import { RngDropout } from './rng-dropout';

type ST = tf.SymbolicTensor;

export interface ClassifierOptions {
  dropout?: number;
  /** Seed for the head's weights and for its dropout masks (lib/util/rng). */
  seed?: number;
  activation?: 'linear' | 'softmax';
  /** Layer-name prefix (keep distinct when stacking two heads on one backbone). */
  prefix?: string;
}

/** Backbone + classification head as one flat model: image → class logits (or probabilities). */
export function buildClassifier(backbone: Backbone, numClasses: number, o: ClassifierOptions = {}): tf.LayersModel {
  const p = o.prefix ?? 'head';
  const gap = tf.layers.globalAveragePooling2d({ name: `${p}_avg_pool` });
  const drop = new RngDropout({ rate: o.dropout ?? 0.5, seed: (o.seed ?? 0) + 1, name: `${p}_dropout` });
  const dense = tf.layers.dense({
    units: numClasses,
    activation: o.activation ?? 'linear',
    kernelInitializer: 'zeros',
    name: `${p}_logits`,
  });
  const out = dense.apply(drop.apply(gap.apply(backbone.model.outputs[0]))) as ST;
  initWeightsSeeded([dense], o.seed ?? 0);
  return tf.model({ inputs: backbone.model.inputs, outputs: out, name: `${backbone.name}_classifier` });
}

export interface ProjectionOptions {
  /** Hidden width (SimCLR uses the embedding width). */
  hidden?: number;
  outDim?: number;
  seed?: number;
}

/**
 * Backbone + pooling + projection MLP: image → [h (pooled embedding), z (projection, outDim)].
 * Train with the NT-Xent loss on z; transfer h (i.e. the backbone).
 */
export function buildSimclrModel(backbone: Backbone, o: ProjectionOptions = {}): tf.LayersModel {
  const gap = tf.layers.globalAveragePooling2d({ name: 'proj_avg_pool' });
  const d1 = tf.layers.dense({
    units: o.hidden ?? backbone.featureDim,
    activation: 'relu',
    kernelInitializer: 'zeros',
    name: 'proj_dense1',
  });
  const d2 = tf.layers.dense({ units: o.outDim ?? 128, kernelInitializer: 'zeros', name: 'proj_dense2' });
  const h = gap.apply(backbone.model.outputs[0]) as ST;
  const z = d2.apply(d1.apply(h)) as ST;
  initWeightsSeeded([d1, d2], o.seed ?? 0);
  return tf.model({ inputs: backbone.model.inputs, outputs: [h, z], name: `${backbone.name}_simclr` });
}

/** Backbone + global average pool: image → embedding (what the probes and k-NN use). */
export function buildEmbedder(backbone: Backbone): tf.LayersModel {
  const h = tf.layers.globalAveragePooling2d({ name: 'embed_avg_pool' }).apply(backbone.model.outputs[0]) as ST;
  return tf.model({ inputs: backbone.model.inputs, outputs: h, name: `${backbone.name}_embedder` });
}
