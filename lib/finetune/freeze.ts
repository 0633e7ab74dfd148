// Which backbone layers train. Keras's fine-tuning guidance: a frozen BatchNormalization layer must also run in
// inference mode, or small medical batches overwrite the ImageNet/SimCLR running statistics. In TF.js,
// `layer.trainable = false` only stops gradients: BatchNormalization reads `kwargs.training` and updates its
// moving mean/variance whenever training is true (tfjs-layers normalization.js). So every frozen BN layer's
// `call` is wrapped to force training=false while it is frozen (checked at call time, so unfreezing later works).
import * as tf from '@tensorflow/tfjs';
import type { FreezeStrategy } from './run-record';

type AnyLayer = tf.layers.Layer & { layers?: tf.layers.Layer[] };

/** All layers of a model, nested models flattened (depth-first, in order). */
export function flatLayers(model: tf.LayersModel | tf.layers.Layer): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  const walk = (l: AnyLayer) => {
    if (Array.isArray(l.layers)) for (const c of l.layers) walk(c as AnyLayer);
    else out.push(l);
  };
  walk(model as unknown as AnyLayer);
  return out;
}

const PATCHED = Symbol('medssl.frozenBn');

/** Wrap each BatchNormalization layer so that it runs in inference mode whenever it is not trainable. */
export function keepFrozenBatchNormInInference(model: tf.LayersModel): number {
  let n = 0;
  for (const layer of flatLayers(model)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const l = layer as tf.layers.Layer & { [PATCHED]?: boolean };
    if (l[PATCHED]) {
      n++;
      continue;
    }
    const orig = l.call.bind(l);
    l.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) =>
      orig(inputs, l.trainable ? kwargs : { ...kwargs, training: false });
    l[PATCHED] = true;
    n++;
  }
  return n;
}

/**
 * Set `trainable` on the backbone's layers: 'head' freezes the whole backbone, 'all' trains everything,
 * 'top' trains only the last `topLayers` layers that have weights (BN layers in that tail included).
 * Returns the number of backbone layers left trainable.
 */
export function applyFreeze(backbone: tf.LayersModel, strategy: FreezeStrategy, topLayers = 0): number {
  const layers = flatLayers(backbone);
  const weighted = layers.filter((l) => l.weights.length > 0);
  let firstTrainable: number;
  if (strategy === 'head') firstTrainable = weighted.length;
  else if (strategy === 'all') firstTrainable = 0;
  else if (strategy === 'top') {
    if (!(topLayers > 0)) throw new Error(`freeze 'top' needs topLayers > 0, got ${topLayers}`);
    firstTrainable = Math.max(0, weighted.length - topLayers);
  } else throw new Error(`unknown freeze strategy "${strategy as string}"`);
  const trainable = new Set(weighted.slice(firstTrainable));
  // Set nested models' own flag first (their setter cascades), then each leaf layer.
  const setNested = (l: AnyLayer) => {
    if (Array.isArray(l.layers)) {
      l.trainable = true;
      for (const c of l.layers) setNested(c as AnyLayer);
    }
  };
  setNested(backbone as unknown as AnyLayer);
  for (const l of layers) l.trainable = trainable.has(l);
  keepFrozenBatchNormInInference(backbone);
  return trainable.size;
}

/** Set the moving-statistics momentum of the trainable BatchNormalization layers (read by BN at call time). */
export function setTrainableBnMomentum(model: tf.LayersModel, momentum: number): number {
  if (!(momentum > 0 && momentum < 1)) throw new Error(`bnMomentum must be in (0, 1), got ${momentum}`);
  let n = 0;
  for (const l of flatLayers(model)) {
    if (l.getClassName() !== 'BatchNormalization' || !l.trainable) continue;
    (l as unknown as { momentum: number }).momentum = momentum;
    n++;
  }
  return n;
}
