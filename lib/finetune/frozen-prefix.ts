// The frozen part of a partly fine-tuned network, computed once. When only the last layers train ('top' / 'head')
// and the inputs are not augmented, every layer before the first trainable one sees the same image every epoch
// and runs in inference mode (frozen batch norm: lib/finetune/freeze.ts), so its output is the same every epoch.
// Split the classifier there: the prefix runs once per image, the suffix (the trainable layers and everything
// after them) trains on the stored activations. Same layers, same weights (shared), same numbers up to the float
// rounding of batching the prefix differently.
import * as tf from '@tensorflow/tfjs';

type ST = tf.SymbolicTensor;
interface Node {
  inboundLayers: tf.layers.Layer[];
  inputTensors: ST[];
  outputTensors: ST[];
  callArgs?: Record<string, unknown>;
}
type GraphLayer = tf.layers.Layer & { inboundNodes: Node[] };

export interface PrefixSplit {
  /** image → the activations the trainable part reads (one output per frontier tensor) */
  prefix: tf.LayersModel;
  /** frontier activations → logits; shares its layers (and weights) with the classifier */
  suffix: tf.LayersModel;
  /** layers left in the prefix (frozen, inference mode) */
  frozenLayers: number;
}

/**
 * Split a flat functional model before its first trainable layer. Undefined when nothing would be saved (the first
 * layer with weights trains) or the graph is not a plain one-node-per-layer graph (then train it whole).
 */
export function splitAtTrainable(model: tf.LayersModel): PrefixSplit | undefined {
  // The node of each layer that this model's graph uses (a layer applied again elsewhere has more nodes).
  const nodeOf = new Map<tf.layers.Layer, Node>();
  let shared = false;
  const visit = (t: ST): void => {
    const l = t.sourceLayer as GraphLayer;
    const n = l.inboundNodes[t.nodeIndex];
    const seen = nodeOf.get(l);
    if (seen) {
      shared ||= seen !== n;
      return;
    }
    nodeOf.set(l, n);
    n.inputTensors.forEach(visit);
  };
  model.outputs.forEach(visit);
  const layers = model.layers.filter((l) => nodeOf.has(l));
  if (shared || layers.some((l) => Array.isArray((l as { layers?: unknown }).layers))) return undefined;
  const inSuffix = new Set<tf.layers.Layer>();
  for (const l of layers) {
    const trains = l.trainable && l.trainableWeights.length > 0;
    const fed = nodeOf.get(l)!.inboundLayers.some((p) => inSuffix.has(p));
    if (trains || fed) inSuffix.add(l);
  }
  const prefixLayers = layers.filter((l) => !inSuffix.has(l) && l.getClassName() !== 'InputLayer');
  if (!prefixLayers.some((l) => l.weights.length > 0)) return undefined;
  // Frontier: tensors made by prefix (or input) layers and read by suffix layers, in first-use order.
  const frontier: ST[] = [];
  for (const l of layers)
    if (inSuffix.has(l))
      for (const t of nodeOf.get(l)!.inputTensors)
        if (!inSuffix.has(t.sourceLayer) && !frontier.includes(t)) frontier.push(t);
  const prefix = tf.model({ inputs: model.inputs, outputs: frontier, name: `${model.name}_frozen_prefix` });
  const mapped = new Map<ST, ST>();
  const inputs = frontier.map((t, k) => {
    const x = tf.input({ shape: t.shape.slice(1) as number[], dtype: t.dtype, name: `${model.name}_frontier_${k}` });
    mapped.set(t, x);
    return x;
  });
  for (const l of layers) {
    if (!inSuffix.has(l)) continue;
    const node = nodeOf.get(l)!;
    const args = node.inputTensors.map((t) => mapped.get(t)!);
    const out = l.apply(args.length === 1 ? args[0] : args, node.callArgs ?? {}) as ST | ST[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, i) => mapped.set(t, outs[i]));
  }
  const outputs = model.outputs.map((t) => mapped.get(t)!);
  const suffix = tf.model({ inputs, outputs, name: `${model.name}_trainable_suffix` });
  return { prefix, suffix, frozenLayers: prefixLayers.length };
}

/** The prefix's activations for a set of images, computed once, served as batches in any order. */
export class FrozenActivations {
  private readonly rows = new Map<number, number>();
  private readonly store: Float32Array[];
  private readonly shapes: number[][];

  /** `input(indices)` makes the prefix's input batch (scaled images) for those image indices. */
  constructor(prefix: tf.LayersModel, indices: number[], input: (idx: number[]) => tf.Tensor, batchSize = 64) {
    this.shapes = prefix.outputs.map((t) => t.shape.slice(1) as number[]);
    const sizes = this.shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const unique = [...new Set(indices)];
    unique.forEach((i, r) => this.rows.set(i, r));
    this.store = sizes.map((s) => new Float32Array(unique.length * s));
    for (let b = 0; b < unique.length; b += batchSize) {
      const idx = unique.slice(b, b + batchSize);
      const outs = tf.tidy(() => {
        const y = prefix.apply(input(idx), { training: false }) as tf.Tensor | tf.Tensor[];
        return Array.isArray(y) ? y : [y];
      });
      outs.forEach((t, k) => {
        this.store[k].set(t.dataSync() as Float32Array, b * sizes[k]);
        t.dispose();
      });
    }
  }

  /** The stored activations of these images, as the suffix's input(s). */
  batch(indices: number[]): tf.Tensor[] {
    return this.shapes.map((shape, k) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const out = new Float32Array(indices.length * size);
      indices.forEach((i, j) => {
        const r = this.rows.get(i);
        if (r === undefined) throw new Error(`FrozenActivations: image ${i} was not computed`);
        out.set(this.store[k].subarray(r * size, (r + 1) * size), j * size);
      });
      return tf.tensor(out, [indices.length, ...shape]);
    });
  }
}
