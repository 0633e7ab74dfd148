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

/**
 * The native `tensorflow` backend when `npm run native` has built it, else null with the reason printed once.
 * MEDSSL_REQUIRE_NATIVE=1 (set by .ci/run after a successful build) turns "not built" into a failure. Tests run
 * it with 1 intra-op thread unless MEDSSL_THREADS says otherwise (the machine is shared).
 */
let native: Promise<string | null> | null = null;
export function loadNativeBackend(): Promise<string | null> {
  native ??= (async () => {
    process.env.MEDSSL_THREADS ??= '1';
    const { defaultImporter } = await import('../../lib/backend/select-backend');
    const { registerTensorflowKernelFixes } = await import('../../lib/backend/tensorflow-kernels');
    const before = tf.getBackend();
    try {
      await defaultImporter('@tensorflow/tfjs-node');
      if (!tf.findBackendFactory('tensorflow')) throw new Error('no "tensorflow" backend registered');
      registerTensorflowKernelFixes();
      return 'tensorflow';
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      if (process.env.MEDSSL_REQUIRE_NATIVE === '1')
        throw new Error(`MEDSSL_REQUIRE_NATIVE=1 but the tensorflow backend does not load: ${why}`, { cause: e });
      console.log(`[tests] tensorflow backend skipped: ${why}`);
      return null;
    } finally {
      if (before) await tf.setBackend(before); // tfjs-node makes itself current on import
    }
  })();
  return native;
}

/** Backends whose training kernels are checked against the pure-JS cpu backend: wasm, and tensorflow when built. */
export async function backendsUnderTest(): Promise<string[]> {
  const n = await loadNativeBackend();
  return n ? ['wasm', n] : ['wasm'];
}
