// SimCLR's data augmentation (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual
// Representations", appendix A): for each image, two independent views, each made by
//   random resized crop (area 8–100 %, aspect 3/4–4/3) resized back to the input size, random horizontal flip,
//   colour jitter with probability 0.8 (brightness, contrast, saturation 0.8·s, hue 0.2·s, in random order),
//   random greyscale with probability 0.2, Gaussian blur with probability 0.5 (sigma 0.1–2.0, kernel 10 % of the side).
// All randomness comes from the Rng, drawn in a fixed order, so a seed fixes both views. Inputs and outputs are
// [0,1] NHWC RGB tensors.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';
import { gaussianBlurPerImage, blurKernelSize } from './blur';

export interface SimclrViewConfig {
  /** Side of the output views (usually the input side). */
  outputSize: number;
  /** Random resized crop: range of the crop's area as a fraction of the image. */
  cropScale: [number, number];
  /** Random resized crop: range of the crop's aspect ratio (width/height), sampled log-uniformly. */
  cropRatio: [number, number];
  hFlipProb: number;
  /** Colour-jitter strength s: brightness/contrast/saturation 0.8·s, hue 0.2·s. SimCLR uses 1.0 (0.5 for CIFAR-10). */
  jitterStrength: number;
  jitterProb: number;
  greyscaleProb: number;
  blurProb: number;
  blurSigma: [number, number];
  blurKernelFraction: number;
}

export function simclrConfig(outputSize: number, overrides: Partial<SimclrViewConfig> = {}): SimclrViewConfig {
  return {
    outputSize,
    cropScale: [0.08, 1],
    cropRatio: [3 / 4, 4 / 3],
    hFlipProb: 0.5,
    jitterStrength: 1.0,
    jitterProb: 0.8,
    greyscaleProb: 0.2,
    blurProb: 0.5,
    blurSigma: [0.1, 2.0],
    blurKernelFraction: 0.1,
    ...overrides,
  };
}

export interface ViewDraw {
  /** Normalised crop box [y1, x1, y2, x2]; x1 > x2 encodes the horizontal flip. */
  box: [number, number, number, number];
  jitter: boolean;
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  /** Order of the four jitter ops (0 brightness, 1 contrast, 2 saturation, 3 hue). */
  order: number[];
  greyscale: boolean;
  blurSigma: number;
}

/** Random resized crop box as torchvision/SimCLR draw it: 10 tries, then a centre crop clamped to the ratio range. */
export function drawCropBox(h: number, w: number, scale: [number, number], ratio: [number, number], rng: Rng): [number, number, number, number] {
  const area = h * w;
  const logR = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let t = 0; t < 10; t++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(logR[0], logR[1]));
    const cw = Math.round(Math.sqrt(target * r));
    const ch = Math.round(Math.sqrt(target / r));
    if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
      const top = rng.int(h - ch + 1);
      const left = rng.int(w - cw + 1);
      return boxOf(top, left, ch, cw, h, w);
    }
  }
  const inRatio = w / h;
  let cw = w;
  let ch = h;
  if (inRatio < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (inRatio > ratio[1]) cw = Math.round(h * ratio[1]);
  return boxOf(Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), ch, cw, h, w);
}

/**
 * Pixel crop → normalised box whose corners are the first and last pixel centres (cropAndResize's convention).
 * The far edge is pulled in by 1e-6: at exactly 1.0, rounding can put a sample a hair past the last pixel, which
 * the cpu backend fills with the extrapolation value (0) and the wasm backend does not.
 */
function boxOf(top: number, left: number, ch: number, cw: number, h: number, w: number): [number, number, number, number] {
  const ny = (v: number) => (h > 1 ? Math.min(v / (h - 1), 1 - 1e-6) : 0);
  const nx = (v: number) => (w > 1 ? Math.min(v / (w - 1), 1 - 1e-6) : 0);
  return [ny(top), nx(left), ny(top + ch - 1), nx(left + cw - 1)];
}

export function drawView(h: number, w: number, cfg: SimclrViewConfig, rng: Rng): ViewDraw {
  const box = drawCropBox(h, w, cfg.cropScale, cfg.cropRatio, rng);
  if (rng.bernoulli(cfg.hFlipProb)) [box[1], box[3]] = [box[3], box[1]];
  const s = cfg.jitterStrength;
  const jitter = rng.bernoulli(cfg.jitterProb);
  const brightness = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
  const contrast = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
  const saturation = rng.uniform(Math.max(0, 1 - 0.8 * s), 1 + 0.8 * s);
  const hue = rng.uniform(-0.2 * s, 0.2 * s);
  const order = rng.shuffle([0, 1, 2, 3]);
  const greyscale = rng.bernoulli(cfg.greyscaleProb);
  const blur = rng.bernoulli(cfg.blurProb);
  const sigma = rng.uniform(cfg.blurSigma[0], cfg.blurSigma[1]);
  return { box, jitter, brightness, contrast, saturation, hue, order, greyscale, blurSigma: blur ? sigma : 0 };
}

const LUMA = [0.2989, 0.587, 0.114];

// Every colour op here is, per image, an affine map of the RGB vector: rgb_out = M · rgb_in + bias. So one jitter
// "slot" (each image applying one op) is a single batched [N, HW, 3] × [N, 3, 3] matMul, which is fast on every
// backend (broadcast subtracts and tile are slow on wasm). Matrices are stored transposed (row vector · Mᵀ).
type Mat3 = number[][];
const IDENTITY: Mat3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

function scaleMat(f: number): Mat3 {
  return IDENTITY.map((r) => r.map((v) => v * f));
}

/** Saturation f: out = f·rgb + (1 − f)·luma. f = 0 gives the grey (luma) image. */
function saturationMat(f: number): Mat3 {
  return [0, 1, 2].map((c) => [0, 1, 2].map((k) => (c === k ? f : 0) + (1 - f) * LUMA[k]));
}

/**
 * Hue rotation by `turns` of a full circle: rotation of the chroma plane in YIQ space about the luma axis (grey
 * pixels stay grey; luma is preserved). A close, cheap stand-in for the HSV hue shift.
 */
function hueMat(turns: number): Mat3 {
  const T = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
  ];
  const Ti = [
    [1, 0.956, 0.621],
    [1, -0.272, -0.647],
    [1, -1.106, 1.703],
  ];
  const a = 2 * Math.PI * turns;
  const R = [
    [1, 0, 0],
    [0, Math.cos(a), -Math.sin(a)],
    [0, Math.sin(a), Math.cos(a)],
  ];
  return mul3(Ti, mul3(R, T));
}

const GREY_MAT: Mat3 = [LUMA, LUMA, LUMA];

function mul3(A: Mat3, B: Mat3): Mat3 {
  return A.map((r) => [0, 1, 2].map((j) => r[0] * B[0][j] + r[1] * B[1][j] + r[2] * B[2][j]));
}

/** rgb_out = M_i · rgb_in for image i (mats[i] is M_i). */
function colourMatMul(y: tf.Tensor4D, mats: Mat3[]): tf.Tensor4D {
  const [n, h, w] = y.shape;
  const t = new Float32Array(n * 9);
  mats.forEach((M, i) => {
    for (let k = 0; k < 3; k++) for (let c = 0; c < 3; c++) t[i * 9 + k * 3 + c] = M[c][k];
  });
  return tf.matMul(y.reshape([n, h * w, 3]) as tf.Tensor3D, tf.tensor3d(t, [n, 3, 3])).reshape(y.shape) as tf.Tensor4D;
}

/** Mean luma per image, [N,1,1,1]. */
function meanLuma(y: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = y.shape;
  return tf.matMul(y.reshape([n * h * w, 3]) as tf.Tensor2D, tf.tensor2d(LUMA, [3, 1])).reshape([n, h * w]).mean(1).reshape([n, 1, 1, 1]) as tf.Tensor4D;
}

/** Make one view per image from drawn parameters. */
export function applyView(x: tf.Tensor4D, draws: ViewDraw[], cfg: SimclrViewConfig): tf.Tensor4D {
  const n = x.shape[0];
  if (draws.length !== n) throw new Error(`applyView: ${draws.length} draws for a batch of ${n}`);
  return tf.tidy((): tf.Tensor4D => {
    const boxes = tf.tensor2d(draws.map((d) => d.box), [n, 4]);
    const idx = tf.tensor1d(draws.map((_, i) => i), 'int32');
    let y = tf.image.cropAndResize(x, boxes, idx, [cfg.outputSize, cfg.outputSize], 'bilinear');
    // Colour jitter: four slots; in slot k image i applies op order_i[k] (or nothing if it is not jittered),
    // clipping to [0,1] after each, as SimCLR does. Contrast c: out = c·rgb + (1 − c)·mean luma of the image.
    for (let k = 0; k < 4; k++) {
      const ops = draws.map((d) => (d.jitter ? d.order[k] : -1));
      if (ops.every((o) => o < 0)) continue;
      const mats = draws.map((d, i) => {
        switch (ops[i]) {
          case 0:
            return scaleMat(d.brightness);
          case 1:
            return scaleMat(d.contrast);
          case 2:
            return saturationMat(d.saturation);
          case 3:
            return hueMat(d.hue);
          default:
            return IDENTITY;
        }
      });
      let out = colourMatMul(y, mats);
      const biasCoef = draws.map((d, i) => (ops[i] === 1 ? 1 - d.contrast : 0));
      if (biasCoef.some((v) => v !== 0)) out = out.add(meanLuma(y).mul(tf.tensor4d(biasCoef, [n, 1, 1, 1])));
      y = out.clipByValue(0, 1) as tf.Tensor4D;
    }
    if (draws.some((d) => d.greyscale)) y = colourMatMul(y, draws.map((d) => (d.greyscale ? GREY_MAT : IDENTITY)));
    if (draws.some((d) => d.blurSigma > 0)) {
      y = gaussianBlurPerImage(y, draws.map((d) => d.blurSigma), blurKernelSize(cfg.outputSize, cfg.blurKernelFraction));
    }
    return y.clipByValue(0, 1) as tf.Tensor4D;
  });
}

/**
 * Two SimCLR views of every image in `x` ([N,H,W,3] in [0,1]). Draws all of view 1's parameters, then view 2's,
 * from `rng` (advancing it). Returns new tensors; the caller disposes them.
 */
export function simclrViews(x: tf.Tensor4D, rng: Rng, cfg: SimclrViewConfig = simclrConfig(x.shape[1])): [tf.Tensor4D, tf.Tensor4D] {
  const [n, h, w] = x.shape;
  const d1 = Array.from({ length: n }, () => drawView(h, w, cfg, rng));
  const d2 = Array.from({ length: n }, () => drawView(h, w, cfg, rng));
  return [applyView(x, d1, cfg), applyView(x, d2, cfg)];
}
