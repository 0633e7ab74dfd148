// Put the weights of a Keras file into one of our models by layer name, all or nothing: every problem (layer
// missing from the file, file layer with no place in the model, weight count or shape mismatch) is collected and
// reported in one error naming the file, the layer and both shapes, and no weight is set unless all of them fit.
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../models/backbone';
import type { InputScaling } from '../data/scaling';
import { buildBackbone } from '../models/variants';
import { readKerasWeightsFile, type KerasWeightsFile } from './keras-file';
import { kerasLayout, type KerasArch, type KerasLayout } from './keras-layouts';

export interface AssignReport {
  /** Weight tensors set. */
  weights: number;
  /** Our layers that received weights. */
  layers: number;
  /** File layers deliberately left out (a classifier top). */
  ignored: string[];
}

const list = (xs: string[], n = 6) => `${xs.slice(0, n).join(', ')}${xs.length > n ? ` … (${xs.length} in all)` : ''}`;

/**
 * Copy `kf`'s weights into `model`. `rename` maps a file layer name to ours (identity when absent); file layers
 * whose (renamed) name is in `ignore` are skipped. Throws before setting anything when the file does not fit.
 */
export function assignKerasWeights(
  model: tf.LayersModel,
  kf: KerasWeightsFile,
  o: { rename?: Map<string, string>; ignore?: string[] } = {},
): AssignReport {
  const byName = new Map<string, { fileName: string; layer: KerasWeightsFile['layers'][number] }>();
  for (const layer of kf.layers) {
    const ours = o.rename?.get(layer.name) ?? layer.name;
    const prev = byName.get(ours);
    if (prev) throw new Error(`${kf.file}: layers "${prev.fileName}" and "${layer.name}" both map to layer ${ours}`);
    byName.set(ours, { fileName: layer.name, layer });
  }
  const missing: string[] = [];
  const problems: string[] = [];
  const plan: [tf.layers.Layer, tf.Tensor[]][] = [];
  const used = new Set<string>();
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const hit = byName.get(layer.name);
    if (!hit) {
      missing.push(layer.name);
      continue;
    }
    used.add(layer.name);
    const src = hit.layer.weights;
    const label = hit.fileName === layer.name ? layer.name : `${layer.name} (file: ${hit.fileName})`;
    if (src.length !== layer.weights.length) {
      problems.push(
        `layer ${label} has ${src.length} weights in the file (${src.map((w) => w.name?.split('/')[1] ?? `[${w.shape}]`).join(', ')}) but ${layer.weights.length} in the model (${layer.weights.map((w) => w.originalName.split('/').pop()).join(', ')})`,
      );
      continue;
    }
    const vals: tf.Tensor[] = [];
    layer.weights.forEach((w, i) => {
      const wName = w.originalName.split('/').pop()!;
      // keras2 files name each weight: match by name (order is Keras's, but do not rely on it); keras3 by position
      const s =
        src.find((x) => x.name?.split('/')[1] === wName) ?? (src.every((x) => x.name === null) ? src[i] : undefined);
      if (!s) {
        problems.push(`layer ${label}: no weight "${wName}" in the file (it has ${src.map((x) => x.name).join(', ')})`);
        return;
      }
      const want = w.shape as number[];
      if (s.shape.join('x') !== want.join('x')) {
        problems.push(
          `layer ${label} weight ${wName}: the file has shape [${s.shape}] but the model expects [${want}]`,
        );
        return;
      }
      vals.push(tf.tensor(s.values, s.shape, 'float32'));
    });
    if (vals.length === layer.weights.length) plan.push([layer, vals]);
    else vals.forEach((t) => t.dispose());
  }
  const ignored = [...byName.keys()].filter((n) => !used.has(n) && o.ignore?.includes(n));
  const extra = [...byName.entries()]
    .filter(([n]) => !used.has(n) && !o.ignore?.includes(n))
    .map(([, v]) => v.fileName);
  if (missing.length) problems.unshift(`${missing.length} layers of the model are not in the file: ${list(missing)}`);
  if (extra.length) problems.push(`${extra.length} layers in the file have no place in the model: ${list(extra)}`);
  if (problems.length) {
    plan.forEach(([, vals]) => vals.forEach((t) => t.dispose()));
    throw new Error(
      `${kf.file}: does not fit model "${model.name}": ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; … ${problems.length - 8} more` : ''}`,
    );
  }
  let weights = 0;
  for (const [layer, vals] of plan) {
    layer.setWeights(vals);
    vals.forEach((t) => t.dispose());
    weights += vals.length;
  }
  return { weights, layers: plan.length, ignored };
}

export interface KerasImport {
  backbone: Backbone;
  layout: KerasLayout;
  format: KerasWeightsFile['format'];
  kerasVersion?: string;
  report: AssignReport;
}

/**
 * Read a Keras-layout Xception or ResNet-50 weights file (top or no-top) into a fresh full-size backbone built at
 * `inputSize` (the nets are fully convolutional). The 1000-class top, when present, is left out.
 */
export async function importKerasBackbone(
  file: string,
  arch: KerasArch,
  o: { inputSize?: number; scaling?: InputScaling } = {},
): Promise<KerasImport> {
  const kf = await readKerasWeightsFile(file);
  if (kf.layers.length === 0) throw new Error(`${file}: a Keras weights file with no weights`);
  const layout = kerasLayout(
    file,
    arch,
    kf.layers.map((l) => l.name),
  );
  const backbone = buildBackbone(layout.variant, { inputSize: o.inputSize, bnEpsilon: layout.bnEpsilon, seed: 0 });
  try {
    const report = assignKerasWeights(backbone.model, kf, { rename: layout.rename, ignore: layout.topLayers });
    backbone.scaling = o.scaling ?? layout.imagenetScaling;
    backbone.source = { kind: 'loaded', path: file };
    return { backbone, layout, format: kf.format, kerasVersion: kf.kerasVersion, report };
  } catch (e) {
    backbone.model.dispose();
    throw e;
  }
}
