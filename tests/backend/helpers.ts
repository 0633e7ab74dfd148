// Shared helpers for backend tests: run the same computation on two backends from the same random inputs.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/util/rng';

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, scale);
  return a;
}

export const size = (shape: number[]) => shape.reduce((p, q) => p * q, 1);

/** Run `fn` on `backend`, returning the data of every output tensor (all tensors disposed). */
export async function runOn(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return data.map((d) => Float32Array.from(d));
}

/** max |a-b| / max(1, max|b|): the "max abs diff relative" measure used in the kernel tests. */
export function maxRelDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(1, m);
}

/** ||a-b||₂ / ||b||₂ */
export function relL2(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(1e-12, Math.sqrt(den));
}
