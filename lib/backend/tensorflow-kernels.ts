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
//
// Two overrides for speed, from the per-op profile of a mini-ResNet training step on this backend (bench/profile.ts):
// - Relu's gradient: tfjs-core computes dy · step(x), and tfjs-node's Step kernel is six TensorFlow ops (IsNan,
//   Greater, OnesLike, Fill, two Selects): a third of the step's time. On `tensorflow` the gradient is TensorFlow's
//   own ReluGrad op (one pass); elsewhere tfjs-core's formula. (ReluGrad gives 0 where x is NaN, as TF/Keras do.)
// - FusedBatchNorm (inference form, which tfjs-layers also uses in training after computing the moments): TF's
//   FusedBatchNormV3 with 5 outputs was ~25 ms per call on 64×32×32×32; y = x·k + (β − μ·k) with k = γ/√(σ²+ε) is
//   two elementwise passes.
// - Training-mode BatchNormalization: one FusedBatchNormV3 forward and one FusedBatchNormGradV3 backward instead of
//   tfjs-layers' moments + normalise composition (lib/backend/fused-batch-norm.ts; MEDSSL_FUSED_BN=0 turns it off).
import * as tf from '@tensorflow/tfjs';
import { installFusedBatchNorm } from './fused-batch-norm';
import { setGradientQuietly } from './wasm-kernels';
import type { KernelArgs } from './kernel-args';

const BACKEND = 'tensorflow';

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
    return tf.reshape(tf.matMul(tf.reshape(xs, [m, ci]), tf.reshape(dy, [m, co]), true, false), [
      1,
      1,
      ci,
      co,
    ]) as tf.Tensor4D;
  });
}

const RELU_GRAD = 'MedsslReluGrad';

/** Relu's gradient: TensorFlow's ReluGrad on the native backend, tfjs-core's dy · step(x) elsewhere. */
export const reluGradConfig: tf.GradConfig = {
  kernelName: 'Relu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const d = dy as tf.Tensor;
    if (tf.getBackend() === BACKEND && d.dtype === 'float32' && x.dtype === 'float32') {
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: d, x }) as tf.Tensor };
    }
    return { x: () => tf.mul(d, tf.cast(tf.step(x), 'float32')) };
  },
};

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
  const origBn = tf.getKernel('FusedBatchNorm', BACKEND);
  if (origBn) {
    tf.unregisterKernel('FusedBatchNorm', BACKEND);
    tf.registerKernel({
      kernelName: 'FusedBatchNorm',
      backendName: BACKEND,
      kernelFunc: ((args: KernelArgs) => {
        const { x, mean, variance, scale, offset } = args.inputs as Record<string, tf.Tensor | undefined>;
        const eps = Number((args.attrs ?? {}).varianceEpsilon ?? 1e-3);
        return tf.tidy(() => {
          let k = tf.rsqrt(tf.add(variance!, eps));
          if (scale) k = tf.mul(k, scale);
          const shift = offset ? tf.sub(offset, tf.mul(mean!, k)) : tf.neg(tf.mul(mean!, k));
          return tf.add(tf.mul(x!, k), shift);
        });
      }) as unknown as tf.KernelFunc,
    });
  }
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: BACKEND,
    kernelFunc: (({ inputs, backend: b }: KernelArgs) => {
      const dy = inputs.dy as tf.Tensor,
        x = inputs.x as tf.Tensor;
      const be = b as {
        executeSingleOutput: (op: string, attrs: unknown[], inputs: tf.Tensor[]) => tf.Tensor;
        binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
      };
      return be.executeSingleOutput(
        'ReluGrad',
        [{ name: 'T', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT }],
        [dy, x],
      );
    }) as unknown as tf.KernelFunc,
  });
  setGradientQuietly(reluGradConfig);
  // tfjs-node 4.22 has no Transform kernel (tf.image.transform, used by the paper augmentation): TensorFlow's own
  // ImageProjectiveTransformV3 is the same projective map with the same transform rows and fill modes.
  const hasTransform = !!tf.getKernel('Transform', BACKEND);
  if (!hasTransform) {
    tf.registerKernel({
      kernelName: 'Transform',
      backendName: BACKEND,
      kernelFunc: (({ inputs, attrs, backend: b }: KernelArgs) => {
        const image = inputs.image as tf.Tensor4D,
          transforms = inputs.transforms as tf.Tensor2D;
        const at = (attrs ?? {}) as {
          interpolation?: string;
          fillMode?: string;
          fillValue?: number;
          outputShape?: [number, number];
        };
        const be = b as {
          executeSingleOutput: (op: string, attrs: unknown[], inputs: tf.Tensor[]) => tf.Tensor;
          binding: { TF_ATTR_TYPE: number; TF_ATTR_STRING: number; TF_FLOAT: number };
        };
        const [h, w] = at.outputShape ?? [image.shape[1], image.shape[2]];
        const shape = tf.tensor1d([h, w], 'int32');
        const fill = tf.scalar(at.fillValue ?? 0, 'float32');
        const x = image.dtype === 'float32' ? image : tf.cast(image, 'float32');
        try {
          return be.executeSingleOutput(
            'ImageProjectiveTransformV3',
            [
              { name: 'dtype', type: be.binding.TF_ATTR_TYPE, value: be.binding.TF_FLOAT },
              {
                name: 'interpolation',
                type: be.binding.TF_ATTR_STRING,
                value: (at.interpolation ?? 'nearest').toUpperCase(),
              },
              { name: 'fill_mode', type: be.binding.TF_ATTR_STRING, value: (at.fillMode ?? 'constant').toUpperCase() },
            ],
            [x, transforms, shape, fill],
          );
        } finally {
          shape.dispose();
          fill.dispose();
          if (x !== image) x.dispose();
        }
      }) as unknown as tf.KernelFunc,
    });
  }
  const fusedBn = installFusedBatchNorm() && process.env.MEDSSL_FUSED_BN !== '0';
  installed = [
    'Conv2DBackpropFilter',
    ...(origBn ? ['FusedBatchNorm'] : []),
    ...(fusedBn ? ['BatchNormalization training (FusedBatchNormV3)'] : []),
    'Relu gradient',
    ...(hasTransform ? [] : ['Transform']),
  ];
  return installed;
}
