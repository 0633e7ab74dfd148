// Load weights into a model by layer name, the way Keras' `load_weights(by_name=True)` does. This is how
// Keras-converted Xception / ResNet-50 weights (tensorflowjs_converter --input_format keras, layers format) go
// into our builders: names like "block1_conv1/kernel" or "bn2a_branch2a/moving_mean" match our layer names.
// Converters sometimes prefix a model scope ("xception/block1_conv1/kernel") or tfjs adds a numeric suffix to a
// duplicated weight ("kernel_1"); both are normalised away. Shapes must agree exactly.
import * as tf from '@tensorflow/tfjs';

function key(name: string): string {
  const parts = name.split('/');
  const layer = parts[parts.length - 2] ?? '';
  const weight = (parts[parts.length - 1] ?? '').replace(/_\d+$/, '').replace(/:\d+$/, '');
  return `${layer}/${weight}`;
}

/**
 * Keras 2 (the published .h5 files) numbers unnamed layers from 1 (conv2d_1, batch_normalization_1, …); tf.keras
 * numbers them from 0 with no suffix for the first (conv2d, batch_normalization_1 = the second, …). Xception's
 * four shortcut convs are such layers, so a file converted from tf.keras is matched through this alias.
 */
function tfKerasAlias(k: string): string {
  return k.replace(/^(conv2d|batch_normalization)_(\d+)\//, (_m, base: string, n: string) =>
    n === '1' ? `${base}/` : `${base}_${Number(n) - 1}/`,
  );
}

export interface LoadReport {
  loaded: number;
  /** Our weights with no same-named source weight. */
  missing: string[];
  /** Source weights not used. */
  unused: string[];
}

/**
 * Copy weights from `source` (name → tensor) into `model` by layer and weight name.
 * `skipLayers` (e.g. a classifier top) are left alone. Throws on a shape mismatch, and when `strict`
 * (default) also when any of our weights is missing.
 */
export function loadWeightsByName(
  model: tf.LayersModel,
  source: tf.NamedTensorMap,
  opts: { strict?: boolean; skipLayers?: string[]; what?: string } = {},
): LoadReport {
  const what = opts.what ?? 'weights';
  const byKey = new Map<string, [string, tf.Tensor]>();
  for (const [n, t] of Object.entries(source)) byKey.set(key(n), [n, t]);
  // a file with an unsuffixed `conv2d` / `batch_normalization` layer was numbered by tf.keras (see tfKerasAlias)
  const tfKeras = byKey.has('conv2d/kernel') || byKey.has('batch_normalization/gamma');
  const used = new Set<string>();
  const missing: string[] = [];
  let loaded = 0;
  for (const layer of model.layers) {
    if (opts.skipLayers?.includes(layer.name) || layer.weights.length === 0) continue;
    const vals: tf.Tensor[] = [];
    let ok = true;
    for (const w of layer.weights) {
      const k = key(w.originalName);
      const hit = byKey.get(tfKeras ? tfKerasAlias(k) : k);
      if (!hit) {
        missing.push(w.originalName);
        ok = false;
        continue;
      }
      const [srcName, t] = hit;
      if (t.shape.join('x') !== (w.shape as number[]).join('x')) {
        throw new Error(
          `${what}: ${srcName} has shape [${t.shape}] but layer ${layer.name} expects [${w.shape}] (different width/variant?)`,
        );
      }
      used.add(srcName);
      vals.push(t);
    }
    if (ok) {
      layer.setWeights(vals);
      loaded += vals.length;
    }
  }
  const unused = Object.keys(source).filter((n) => !used.has(n));
  if ((opts.strict ?? true) && missing.length) {
    throw new Error(
      `${what}: ${missing.length} weights of model "${model.name}" not found by name, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
  }
  return { loaded, missing, unused };
}
