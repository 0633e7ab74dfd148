// Kernel overrides for the native `tensorflow` backend (tfjs-node on libtensorflow 2.21).
//
// Conv2DBackpropFilter for a 1×1 filter with stride > 1 is computed as  dW = X_sᵀ · dY  (X_s: the input sampled at
// the stride, a strided slice) instead of TensorFlow's Conv2DBackpropFilter. Why: in TensorFlow 2.21 with oneDNN
// on (its default on x86), that op for a 1×1 strided conv whose input channels are not a multiple of the SIMD block
// (16 floats on AVX-512, 8 on AVX2) runs oneDNN's `jit_1x1` backward-weights kernel, which corrupts the heap
// ("double free or corruption", "munmap_chunk(): invalid pointer") within a few hundred calls. Reproduced in TF's
// own Python eager runtime without tfjs (bench/onednn_repro.py), so it is not the binding; see README "Compute
// backend". The replacement is exact (a 1×1 conv never pads: its 'same' and 'valid' outputs both sample rows
// 0, s, 2s, …) and does 1/s² of the work; TensorFlow runs it as StridedSlice + MatMul.
import * as tf from '@tensorflow/tfjs';

const BACKEND = 'tensorflow';
type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a.length > 1 ? a[1] : a[0]];
}

/** True when the pad attribute adds no rows or columns before the input (1×1 'same'/'valid', zero explicit pads). */
function noLeadingPad(pad: unknown): boolean {
  if (pad === 'same' || pad === 'valid' || pad === 0) return true;
  if (Array.isArray(pad)) return (pad as number[][]).every((p) => p[0] === 0);
  return false;
}

/** dW of a 1×1 conv with strides [sh, sw] and no leading padding: X sampled at the stride, then one matMul. */
export function conv1x1StridedFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, strides: [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , ci] = x.shape;
    const [, oh, ow, co] = dy.shape;
    const [sh, sw] = strides;
    const xs = tf.stridedSlice(x, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, ci], [1, sh, sw, 1]);
    const m = n * oh * ow;
    return tf.reshape(tf.matMul(tf.reshape(xs, [m, ci]), tf.reshape(dy, [m, co]), true, false), [1, 1, ci, co]) as tf.Tensor4D;
  });
}

let installed: string[] | null = null;

/**
 * Install the overrides on the `tensorflow` backend (after tfjs-node registered its kernels; idempotent). Returns the
 * kernel names overridden; none when the backend has no such kernel (e.g. a test stand-in).
 */
export function registerTensorflowKernelFixes(): string[] {
  if (installed) return installed;
  // MEDSSL_NATIVE_FIXES=0 leaves TensorFlow's kernel in place: only for reproducing the crash (bench/stability.ts).
  if (process.env.MEDSSL_NATIVE_FIXES === '0') return [];
  const orig = tf.getKernel('Conv2DBackpropFilter', BACKEND);
  if (!orig) return [];
  tf.unregisterKernel('Conv2DBackpropFilter', BACKEND);
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: BACKEND,
    setupFunc: orig.setupFunc,
    disposeFunc: orig.disposeFunc,
    kernelFunc: ((args: KernelArgs) => {
      const at = (args.attrs ?? {}) as Record<string, unknown>;
      const fs = at.filterShape as number[];
      const [sh, sw] = pair(at.strides);
      const nhwc = at.dataFormat == null || at.dataFormat === 'NHWC' || at.dataFormat === 'channelsLast';
      if (fs[0] === 1 && fs[1] === 1 && (sh > 1 || sw > 1) && nhwc && noLeadingPad(at.pad)) {
        return conv1x1StridedFilterGrad(args.inputs.x as tf.Tensor4D, args.inputs.dy as tf.Tensor4D, [sh, sw]);
      }
      return (orig.kernelFunc as unknown as (a: KernelArgs) => tf.TensorInfo)(args);
    }) as unknown as tf.KernelFunc,
  });
  installed = ['Conv2DBackpropFilter'];
  return installed;
}
