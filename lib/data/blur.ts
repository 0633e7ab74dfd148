// Gaussian blur with a different sigma per image, as ONE separable depthwise convolution for the whole batch:
// the batch is folded into channels ([N,H,W,C] → [1,H,W,N·C]) so each image's channels get that image's kernel.
// Edges are reflect-padded, so a constant image stays constant and the mean is (nearly) preserved.
import * as tf from '@tensorflow/tfjs';

/** Normalised 1-D Gaussian taps of odd length `size`; sigma ≤ 0 gives the identity (a delta). */
export function gaussianKernel1d(sigma: number, size: number): Float32Array {
  if (size % 2 !== 1) throw new Error(`gaussianKernel1d: size must be odd, got ${size}`);
  const r = (size - 1) / 2;
  const k = new Float32Array(size);
  if (!(sigma > 0)) {
    k[r] = 1;
    return k;
  }
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const d = i - r;
    k[i] = Math.exp(-(d * d) / (2 * sigma * sigma));
    sum += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= sum;
  return k;
}

/** Odd kernel side of about `fraction` of the image side (SimCLR uses 10 %), at least 3. */
export function blurKernelSize(imageSide: number, fraction = 0.1): number {
  const k = Math.max(3, Math.round(imageSide * fraction));
  return k % 2 === 1 ? k : k + 1;
}

/**
 * Blur image i of `x` ([N,H,W,C]) with a Gaussian of standard deviation `sigmas[i]` pixels (0 = unchanged), kernel
 * side `kernelSize` (odd, < H and < W). Returns a new tensor.
 */
export function gaussianBlurPerImage(x: tf.Tensor4D, sigmas: ArrayLike<number>, kernelSize: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (sigmas.length !== n) throw new Error(`gaussianBlurPerImage: ${sigmas.length} sigmas for ${n} images`);
  let r = (kernelSize - 1) / 2;
  r = Math.min(r, h - 1, w - 1); // reflect padding needs r < side
  const size = 2 * r + 1;
  if (r < 1) return x.clone();
  const taps = new Float32Array(size * n * c);
  // depthwise filter layout [size, 1, n*c, 1] (or [1, size, ...]): tap t of channel j at t*(n*c) + j
  for (let i = 0; i < n; i++) {
    const k = gaussianKernel1d(sigmas[i], size);
    for (let t = 0; t < size; t++) for (let ch = 0; ch < c; ch++) taps[t * n * c + i * c + ch] = k[t];
  }
  return tf.tidy(() => {
    const folded = x.transpose([1, 2, 0, 3]).reshape([1, h, w, n * c]) as tf.Tensor4D;
    const padded = tf.mirrorPad(folded, [[0, 0], [r, r], [r, r], [0, 0]], 'reflect');
    const kv = tf.tensor4d(taps, [size, 1, n * c, 1]);
    const kh = tf.tensor4d(taps, [1, size, n * c, 1]);
    const blurred = tf.depthwiseConv2d(tf.depthwiseConv2d(padded, kv, 1, 'valid'), kh, 1, 'valid');
    return blurred.reshape([h, w, n, c]).transpose([2, 0, 1, 3]) as tf.Tensor4D;
  });
}
