// The paper's fine-tuning augmentation: random rotation, horizontal/vertical flip, zoom and Gaussian blur,
// drawn per image from a seeded Rng and applied on the fly to each batch of [0,1] images.
// Rotation, zoom and flips are ONE affine resampling (tf.image.transform, bilinear), so an image is interpolated
// once; blur is a per-image Gaussian (blur.ts). The paper names the operations but not their strengths: the
// defaults below are ours (Keras-style magnitudes), each a named knob.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng';
import { gaussianBlurPerImage, blurKernelSize } from './blur';

export interface AugmentConfig {
  /** Rotation angle drawn uniformly from ±rotationDeg degrees (counter-clockwise positive). 0 = off. */
  rotationDeg: number;
  /** Probability of a left–right mirror. */
  hFlipProb: number;
  /** Probability of an up–down mirror. */
  vFlipProb: number;
  /** Zoom factor drawn uniformly from [1 − zoom, 1 + zoom]; > 1 magnifies (crops in). 0 = off. */
  zoom: number;
  /** Probability that an image is blurred. */
  blurProb: number;
  /** Blur standard deviation in pixels, drawn uniformly from this range when an image is blurred. */
  blurSigma: [number, number];
  /** Blur kernel side as a fraction of the image side (made odd, at least 3). */
  blurKernelFraction: number;
  /** How pixels that rotation/zoom bring in from outside the image are filled. */
  fillMode: 'reflect' | 'nearest' | 'constant' | 'wrap';
}

/** Our defaults for the paper's augmentation (values not given in the paper). */
export const PAPER_AUGMENT: AugmentConfig = {
  rotationDeg: 20,
  hFlipProb: 0.5,
  vFlipProb: 0.5,
  zoom: 0.2,
  blurProb: 0.5,
  blurSigma: [0.1, 1.5],
  blurKernelFraction: 0.1,
  fillMode: 'reflect',
};

/** Augmentation off: a useful baseline (the batch comes back unchanged). */
export const NO_AUGMENT: AugmentConfig = { ...PAPER_AUGMENT, rotationDeg: 0, hFlipProb: 0, vFlipProb: 0, zoom: 0, blurProb: 0 };

/** What was drawn for each image of a batch (kept so a batch can be explained or re-made). */
export interface AugmentDraw {
  angleRad: number;
  zoom: number;
  hFlip: boolean;
  vFlip: boolean;
  blurSigma: number; // 0 = no blur
}

/** Per-image parameters, drawn in a fixed order so the same Rng state gives the same batch. */
export function drawAugment(n: number, cfg: AugmentConfig, rng: Rng): AugmentDraw[] {
  const out: AugmentDraw[] = [];
  for (let i = 0; i < n; i++) {
    const angleRad = (rng.uniform(-cfg.rotationDeg, cfg.rotationDeg) * Math.PI) / 180;
    const zoom = rng.uniform(1 - cfg.zoom, 1 + cfg.zoom);
    const hFlip = rng.bernoulli(cfg.hFlipProb);
    const vFlip = rng.bernoulli(cfg.vFlipProb);
    const blur = rng.bernoulli(cfg.blurProb);
    const sigma = rng.uniform(cfg.blurSigma[0], cfg.blurSigma[1]);
    out.push({ angleRad, zoom, hFlip, vFlip, blurSigma: blur ? sigma : 0 });
  }
  return out;
}

/**
 * tf.image.transform row for one image: maps an output pixel p to the input point c + (1/zoom)·R(angle)·F·(p − c),
 * c = image centre, F = diag(±1, ±1) for the flips. With angle 0, zoom 1 it is the identity; a 90° rotation
 * maps pixel centres onto pixel centres exactly.
 */
export function affineRow(d: Pick<AugmentDraw, 'angleRad' | 'zoom' | 'hFlip' | 'vFlip'>, h: number, w: number): number[] {
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const cos = Math.cos(d.angleRad) / d.zoom;
  const sin = Math.sin(d.angleRad) / d.zoom;
  const fx = d.hFlip ? -1 : 1;
  const fy = d.vFlip ? -1 : 1;
  // Image y points down, so a counter-clockwise turn on screen is R(−θ) in (x, y) pixel coordinates; the
  // transform maps output → input, i.e. uses the inverse rotation R(θ) in pixel coordinates.
  const a0 = cos * fx;
  const a1 = -sin * fy;
  const b0 = sin * fx;
  const b1 = cos * fy;
  const clean = (v: number) => (Math.abs(v) < 1e-12 ? 0 : v);
  return [clean(a0), clean(a1), cx - a0 * cx - a1 * cy, clean(b0), clean(b1), cy - b0 * cx - b1 * cy, 0, 0];
}

/** Apply drawn parameters to a batch ([N,H,W,C], values in [0,1]). Returns a new tensor. */
export function applyAugment(x: tf.Tensor4D, draws: AugmentDraw[], cfg: Pick<AugmentConfig, 'fillMode' | 'blurKernelFraction'>): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (draws.length !== n) throw new Error(`applyAugment: ${draws.length} draws for a batch of ${n}`);
  return tf.tidy((): tf.Tensor4D => {
    const geometric = draws.some((d) => d.angleRad !== 0 || d.zoom !== 1 || d.hFlip || d.vFlip);
    let y: tf.Tensor4D = x;
    if (geometric) {
      // 'reflect' is done by mirror-padding then sampling with 'nearest': tfjs-backend-wasm 4.22's Transform maps
      // negative coordinates in 'reflect' mode like 'wrap', so the kernel's own reflect differs across backends.
      const reflect = cfg.fillMode === 'reflect';
      const p = reflect ? Math.ceil(Math.min(h, w) / 2) : 0;
      const src = reflect ? tf.mirrorPad(x, [[0, 0], [p, p], [p, p], [0, 0]], 'symmetric') : x;
      const mode = reflect ? 'nearest' : cfg.fillMode;
      const rows = draws.map((d) => {
        const row = affineRow(d, h, w);
        row[2] += p;
        row[5] += p;
        return row;
      });
      if (tf.getBackend() === 'cpu') {
        // tfjs 4.22's cpu Transform kernel returns after the first image of a batch (the rest come back as the
        // fill value), so on cpu each image gets its own call. Elsewhere one batched call (slicing is slow on wasm).
        const parts = rows.map((row, i) => tf.image.transform(src.slice([i], [1]), tf.tensor2d([row], [1, 8], 'float32'), 'bilinear', mode, 0, [h, w]));
        y = n === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor4D);
      } else {
        y = tf.image.transform(src, tf.tensor2d(rows, [n, 8], 'float32'), 'bilinear', mode, 0, [h, w]);
      }
    }
    if (draws.some((d) => d.blurSigma > 0)) {
      y = gaussianBlurPerImage(y, draws.map((d) => d.blurSigma), blurKernelSize(Math.min(h, w), cfg.blurKernelFraction));
    }
    return y === x ? x.clone() : (y.clipByValue(0, 1) as tf.Tensor4D);
  });
}

/**
 * Augment one batch: draws per-image parameters from `rng` (advancing it) and applies them. `x` holds images in
 * [0,1], NHWC; labels are not touched (the same label array stays valid). Returns a new tensor.
 */
export function augmentBatch(x: tf.Tensor4D, rng: Rng, cfg: AugmentConfig = PAPER_AUGMENT): tf.Tensor4D {
  return applyAugment(x, drawAugment(x.shape[0], cfg, rng), cfg);
}
