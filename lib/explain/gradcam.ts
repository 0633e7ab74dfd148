// Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al. 2018) for any conv layer of any
// tfjs layers model, including a layer inside a backbone nested in a classifier (see ./graph.ts).
//
//   A = activations of the target layer, [N, h, w, K];   g = ∂y_c/∂A   (y_c = class score, see below)
//   Grad-CAM:   α_k = mean_ij g_ijk;                       map = ReLU(Σ_k α_k A_k)
//   Grad-CAM++: a_ijk = g² / (2g² + (Σ_ab A_abk)·g³) (0 where g = 0);  w_k = Σ_ij a_ijk ReLU(g_ijk);
//               map = ReLU(Σ_k w_k A_k)   (the closed form of the paper's eq. 19 with y = exp(score), as in
//               the authors' and pytorch-grad-cam's code; eps 1e-7 in the denominator)
// Score y_c: the model's output for class c. By default (`logits: true`) a final softmax is stripped, i.e. the
// pre-softmax logit is used as the paper recommends — supported when the output layer is Dense with softmax
// activation, Activation('softmax') or Softmax. Class c: the argmax of the model's output unless given.
// Maps: `lowRes` is the raw map at the layer's resolution; `maps` is bilinearly resized to the input size and
// divided by its per-image maximum (→ [0, 1]; all zeros if the map is 0 everywhere).
// Everything runs in inference mode (batch norm moving statistics, no dropout).
import * as tf from '@tensorflow/tfjs';
import { resolveLayerPath, runModel, type LayerPath } from './graph';

export type CamMethod = 'gradcam' | 'gradcam++';

export interface GradCamOptions {
  /** Class to explain: one for all images, one per image, or (default) each image's predicted class. */
  classIndex?: number | ArrayLike<number>;
  method?: CamMethod;
  /** Strip a final softmax and explain the logit (default true). */
  logits?: boolean;
  /** Which model output to explain when the model has several (default 0). */
  outputIndex?: number;
}

export interface GradCamResult {
  method: CamMethod;
  layerPath: LayerPath;
  n: number;
  /** Input-size maps, N×height×width row-major, each scaled to [0, 1]. */
  maps: Float32Array;
  height: number;
  width: number;
  /** Raw maps at the target layer's resolution (N×lowHeight×lowWidth), not normalised. */
  lowRes: Float32Array;
  lowHeight: number;
  lowWidth: number;
  /** Class explained per image. */
  classIndex: Int32Array;
  /** The explained score y_c per image (logit when stripped). */
  scores: Float32Array;
}

/** The map of image i as an H×W view (no copy). */
export function camOf(r: GradCamResult, i: number): Float32Array {
  return r.maps.subarray(i * r.height * r.width, (i + 1) * r.height * r.width);
}

/**
 * Grad-CAM / Grad-CAM++ of `images` ([N, H, W, C], already scaled the way the model expects).
 * @param layer layer name (searched through nested models), 'outer/inner' path string, or path array
 * @param options options, or just the class index (one for all images, or one per image)
 */
export function gradCam(
  model: tf.LayersModel,
  layer: string | LayerPath,
  images: tf.Tensor4D,
  options: GradCamOptions | number | ArrayLike<number> = {},
): GradCamResult {
  const opts: GradCamOptions =
    typeof options === 'number' || 'length' in options
      ? { classIndex: options as number | ArrayLike<number> }
      : options;
  const method = opts.method ?? 'gradcam';
  const logits = opts.logits ?? true;
  const outIdx = opts.outputIndex ?? 0;
  const path = resolveLayerPath(model, layer);
  const [n, H, W] = images.shape;

  return tf.tidy(() => {
    // 1. forward pass: target activations and outputs
    let A: tf.Tensor | null = null;
    const outs = runModel(model, [images], { path, capture: (t) => (A = t), logits });
    if (!A) throw new Error(`layer '${path.join('/')}' produced no output`);
    const act = A as tf.Tensor;
    if (act.rank !== 4)
      throw new Error(`layer '${path.join('/')}' output has rank ${act.rank}; Grad-CAM needs a [N,h,w,K] map`);
    const out = outs[outIdx] as tf.Tensor2D;
    if (out.rank !== 2) throw new Error(`model output ${outIdx} has shape ${out.shape}; expected [N, classes]`);
    const numClasses = out.shape[1];

    // 2. classes to explain
    const cls = new Int32Array(n);
    if (opts.classIndex === undefined) cls.set(out.argMax(1).dataSync() as Int32Array);
    else if (typeof opts.classIndex === 'number') cls.fill(opts.classIndex);
    else {
      if (opts.classIndex.length !== n)
        throw new Error(`classIndex has ${opts.classIndex.length} entries for ${n} images`);
      for (let i = 0; i < n; i++) cls[i] = opts.classIndex[i];
    }
    for (const c of cls) if (!(c >= 0 && c < numClasses)) throw new Error(`class ${c} out of range [0, ${numClasses})`);
    const mask = tf.oneHot(tf.tensor1d(cls, 'int32'), numClasses).toFloat();
    const scores = tf.sum(tf.mul(out, mask), 1).dataSync() as Float32Array;

    // 3. g = ∂(Σ_i y_{i,c_i})/∂A: images are independent in inference mode, so one gradient serves the batch
    const f = (a: tf.Tensor): tf.Scalar => {
      const o = runModel(model, [images], { path, replace: a, logits })[outIdx];
      return tf.sum(tf.mul(o, mask)) as tf.Scalar;
    };
    const g = tf.grad(f)(act) as tf.Tensor4D;
    const a4 = act as tf.Tensor4D;

    // 4. channel weights and maps
    let weights: tf.Tensor; // [N, 1, 1, K]
    if (method === 'gradcam') {
      weights = tf.mean(g, [1, 2], true);
    } else {
      const g2 = tf.square(g);
      const g3 = tf.mul(g2, g);
      const sumA = tf.sum(a4, [1, 2], true);
      const denom = tf.add(tf.add(tf.mul(2, g2), tf.mul(sumA, g3)), 1e-7);
      const aij = tf.where(tf.notEqual(g, 0), tf.div(g2, denom), tf.zerosLike(g));
      weights = tf.sum(tf.mul(aij, tf.relu(g)), [1, 2], true);
    }
    const cam = tf.relu(tf.sum(tf.mul(weights, a4), 3)) as tf.Tensor3D; // [N, h, w]
    const [, h, w] = cam.shape;
    const up = tf.image.resizeBilinear(cam.expandDims(3) as tf.Tensor4D, [H, W]).squeeze([3]) as tf.Tensor3D;
    const mx = tf.max(up, [1, 2], true);
    const norm = tf.where(tf.greater(mx, 0), tf.div(up, tf.maximum(mx, 1e-30)), tf.zerosLike(up));
    return {
      method,
      layerPath: path,
      n,
      maps: norm.dataSync() as Float32Array,
      height: H,
      width: W,
      lowRes: cam.dataSync() as Float32Array,
      lowHeight: h,
      lowWidth: w,
      classIndex: cls,
      scores: Float32Array.from(scores),
    };
  }) as GradCamResult;
}

/** Grad-CAM++ shorthand. */
export function gradCamPlusPlus(
  model: tf.LayersModel,
  layer: string | LayerPath,
  images: tf.Tensor4D,
  opts: Omit<GradCamOptions, 'method'> = {},
): GradCamResult {
  return gradCam(model, layer, images, { ...opts, method: 'gradcam++' });
}
