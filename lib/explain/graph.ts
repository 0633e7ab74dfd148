// Eager re-execution of a tfjs layers model's graph, layer by layer, from its own symbolic tensors — so one
// layer's output can be captured or replaced, also INSIDE a model nested as a layer of another model.
//
// Why: Grad-CAM needs ∂score/∂A for the activation A of an inner conv layer. The Keras recipe
// `Model(inputs, [layer.output, model.output])` fails with "graph disconnected" when the layer belongs to a
// backbone nested inside the classifier (tensorflow issue 44462, keras-io 653), because the nested layer's
// output tensor lives in the backbone's graph, not the classifier's. Here we walk the graph ourselves: each
// symbolic tensor is evaluated from its source layer's inbound node (layer.apply on concrete tensors,
// training = false so batch norm uses its moving statistics and dropout is off), recursing into nested models
// when the target path goes inside them. With a replacement tensor for the target, the model's output becomes
// a plain function of that tensor, which tf.grad can differentiate.
import * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/** A nested model usable as a graph (functional LayersModel or Sequential). */
export function isContainer(layer: Layer): layer is tf.LayersModel {
  const l = layer as unknown as { layers?: unknown; inputs?: unknown; outputs?: unknown };
  return Array.isArray(l.layers) && Array.isArray(l.inputs) && Array.isArray(l.outputs);
}

/** Path of a layer: names from the top model down, e.g. ['backbone', 'block3_conv']. */
export type LayerPath = string[];

/**
 * Resolve a layer reference to a path. Accepts a path array, 'outer/inner' string, or a bare name that is
 * searched breadth-first through nested models (top-level layers first). Throws listing candidates if absent.
 */
export function resolveLayerPath(model: tf.LayersModel, ref: string | LayerPath): LayerPath {
  if (Array.isArray(ref)) {
    getLayerByPath(model, ref); // validates
    return ref.slice();
  }
  if (ref.includes('/')) return resolveLayerPath(model, ref.split('/'));
  const queue: { m: tf.LayersModel; prefix: string[] }[] = [{ m: model, prefix: [] }];
  while (queue.length) {
    const { m, prefix } = queue.shift()!;
    for (const l of m.layers) if (l.name === ref) return [...prefix, ref];
    for (const l of m.layers) if (isContainer(l)) queue.push({ m: l, prefix: [...prefix, l.name] });
  }
  throw new Error(`layer '${ref}' not found in model '${model.name}' (layers: ${listLayerPaths(model).join(', ')})`);
}

/** The layer at `path`. */
export function getLayerByPath(model: tf.LayersModel, path: LayerPath): Layer {
  if (path.length === 0) throw new Error('empty layer path');
  let m: tf.LayersModel = model;
  for (let i = 0; i < path.length; i++) {
    const l = m.layers.find((x) => x.name === path[i]);
    if (!l) throw new Error(`layer '${path.slice(0, i + 1).join('/')}' not found in model '${model.name}'`);
    if (i === path.length - 1) return l;
    if (!isContainer(l)) throw new Error(`'${path.slice(0, i + 1).join('/')}' is not a nested model`);
    m = l;
  }
  throw new Error('unreachable');
}

/** All layer paths, nested models expanded ('outer/inner'). */
export function listLayerPaths(model: tf.LayersModel, prefix = ''): string[] {
  const out: string[] = [];
  for (const l of model.layers) {
    out.push(prefix + l.name);
    if (isContainer(l)) out.push(...listLayerPaths(l, `${prefix}${l.name}/`));
  }
  return out;
}

export interface GraphHooks {
  /** Target layer path (relative to the model being run). */
  path?: LayerPath;
  /** Called with the target layer's output (tensor index 0). */
  capture?: (t: tf.Tensor) => void;
  /** Used instead of the target layer's output. */
  replace?: tf.Tensor;
  /** Return the top model's outputs before a final softmax (see header of gradcam.ts). */
  logits?: boolean;
}

function isSoftmax(layer: Layer): boolean {
  const cfg = layer.getConfig() as { activation?: unknown };
  const cls = layer.getClassName();
  if (cls === 'Softmax') return true;
  return (cls === 'Dense' || cls === 'Activation') && cfg.activation === 'softmax';
}

/** Pre-softmax value of a softmax-ending layer applied to x (Dense → x·W + b; Activation/Softmax → x). */
function preSoftmax(layer: Layer, x: tf.Tensor): tf.Tensor {
  const cls = layer.getClassName();
  if (cls === 'Activation' || cls === 'Softmax') return x;
  const w = layer.weights.map((v) => v.read());
  const z = tf.matMul(x as tf.Tensor2D, w[0] as tf.Tensor2D);
  return w.length > 1 ? tf.add(z, w[1]) : z;
}

/**
 * Run `model` on concrete `inputs`, evaluating layer by layer (inference mode), with an optional
 * capture/replacement of one layer's output anywhere in the nesting. Returns the model's outputs.
 * Call inside tf.tidy (intermediate tensors are not disposed here).
 */
export function runModel(model: tf.LayersModel, inputs: tf.Tensor[], hooks: GraphHooks = {}): tf.Tensor[] {
  if (inputs.length !== model.inputs.length) {
    throw new Error(`model '${model.name}' takes ${model.inputs.length} inputs, got ${inputs.length}`);
  }
  const values = new Map<number, tf.Tensor>();
  model.inputs.forEach((st, i) => values.set(st.id, inputs[i]));
  const path = hooks.path ?? [];
  let hits = 0;
  const outputIds = new Set(model.outputs.map((o) => o.id));

  const evaluate = (st: tf.SymbolicTensor): tf.Tensor => {
    const known = values.get(st.id);
    if (known) return known;
    const layer = st.sourceLayer as Layer;
    const node = layer.inboundNodes[st.nodeIndex];
    if (!node) throw new Error(`layer '${layer.name}' has no inbound node ${st.nodeIndex}`);
    const ins = node.inputTensors.map((t) => evaluate(t));
    const arg = ins.length === 1 ? ins[0] : ins;
    let outs: tf.Tensor[];
    const isTarget = path.length === 1 && layer.name === path[0];
    const goesInside = path.length > 1 && layer.name === path[0];
    if (isTarget) {
      hits++;
      if (hits > 1) throw new Error(`target layer '${layer.name}' is called more than once in the graph`);
      const real = hooks.replace ? null : layer.apply(arg, { ...(node.callArgs ?? {}), training: false });
      const out0 = hooks.replace ?? ((Array.isArray(real) ? real[0] : real) as tf.Tensor);
      hooks.capture?.(out0);
      outs = hooks.replace ? [hooks.replace] : Array.isArray(real) ? (real as tf.Tensor[]) : [real as tf.Tensor];
    } else if (goesInside) {
      if (!isContainer(layer)) throw new Error(`'${layer.name}' is not a nested model`);
      hits++;
      outs = runModel(layer, ins, { ...hooks, path: path.slice(1), logits: false });
    } else if (hooks.logits && outputIds.has(st.id) && isSoftmax(layer)) {
      outs = [preSoftmax(layer, ins[0])];
    } else {
      const r = layer.apply(arg, { ...(node.callArgs ?? {}), training: false });
      outs = Array.isArray(r) ? (r as tf.Tensor[]) : [r as tf.Tensor];
    }
    // Remember every output tensor of this node.
    node.outputTensors.forEach((o, k) => values.set(o.id, outs[k]));
    const v = values.get(st.id);
    if (!v) throw new Error(`could not evaluate output ${st.tensorIndex} of layer '${layer.name}'`);
    return v;
  };

  const outs = model.outputs.map((o) => evaluate(o));
  if (path.length > 0 && hits === 0) {
    throw new Error(`layer path '${path.join('/')}' is not on the path from inputs to outputs of '${model.name}'`);
  }
  return outs;
}
