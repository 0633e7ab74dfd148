// Training-mode batch norm as one TensorFlow op forward and one backward, on the native `tensorflow` backend.
//
// tfjs-layers' BatchNormalization in training computes the batch moments (tf.moments: mean, squared difference,
// mean), then normalises (FusedBatchNorm in inference form), and tfjs-core differentiates that composition: about
// ten eager TensorFlow calls forward and as many backward, each a full pass over the activation with its own
// output. Keras runs one FusedBatchNormV3 (is_training) forward and one FusedBatchNormGradV3 backward. This module
// does the same on `tensorflow`, as a tfjs kernel (MedsslFusedBatchNormTrain) with a registered gradient
// (MedsslFusedBatchNormTrainGrad), and routes BatchNormalization.call there in training mode.
//
// The layer is patched on its prototype, not replaced: weight names, shapes, serialisation and the layer class are
// tfjs-layers' own, so checkpoints and model definitions (lib/models) are untouched. The patched `call` runs the
// fused path only when the current backend is `tensorflow`, training is on, the input is float32 NHWC (rank 4,
// channels last) and the layer has gamma and beta; otherwise, and on every other backend, it is tfjs-layers' own
// `call`, unchanged. Inference is always tfjs-layers' own path.
//
// The moving statistics are updated exactly as tfjs-layers does: m ← m − (m − v)·(1 − momentum) with v the batch
// mean and the *biased* batch variance (tf.moments divides by N·H·W). FusedBatchNormV3's `batch_variance` output is
// Bessel-corrected (× m/(m−1), m = N·H·W, when m > 1), so it is scaled back by (m−1)/m here; the op normalises with
// the biased variance itself.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './kernel-args';

const BACKEND = 'tensorflow';
export const FUSED_BN_KERNEL = 'MedsslFusedBatchNormTrain';
export const FUSED_BN_GRAD_KERNEL = 'MedsslFusedBatchNormTrainGrad';

interface NativeBackend {
  executeMultipleOutputs: (op: string, attrs: unknown[], inputs: tf.Tensor[], n: number) => tf.Tensor[];
  binding: {
    TF_ATTR_TYPE: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_STRING: number;
    TF_ATTR_BOOL: number;
    TF_FLOAT: number;
  };
}

function opAttrs(be: NativeBackend, epsilon: number): unknown[] {
  const b = be.binding;
  return [
    { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'U', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: epsilon },
    { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.TF_ATTR_BOOL, value: true },
  ];
}

// Forward: outputs [y, batch_mean, batch_variance (Bessel-corrected), reserve_space_1..3]. The reserve spaces are
// what FusedBatchNormGradV3 takes back (on CPU: the mean, the biased variance, and an empty or oneDNN workspace).
const forwardKernel: tf.KernelConfig = {
  kernelName: FUSED_BN_KERNEL,
  backendName: BACKEND,
  kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
    const be = backend as NativeBackend;
    const { x, scale, offset } = inputs as Record<string, tf.Tensor>;
    const empty = tf.tensor1d([], 'float32'); // no running statistics in: exponential_avg_factor = 1
    try {
      return be.executeMultipleOutputs(
        'FusedBatchNormV3',
        opAttrs(be, Number((attrs ?? {}).epsilon)),
        [x, scale, offset, empty, empty],
        6,
      );
    } finally {
      empty.dispose();
    }
  }) as unknown as tf.KernelFunc,
};

// Backward: outputs [dx, dscale, doffset] (FusedBatchNormGradV3's two trailing placeholders are dropped).
const gradKernel: tf.KernelConfig = {
  kernelName: FUSED_BN_GRAD_KERNEL,
  backendName: BACKEND,
  kernelFunc: (({ inputs, attrs, backend }: KernelArgs) => {
    const be = backend as NativeBackend;
    const { dy, x, scale, r1, r2, r3 } = inputs as Record<string, tf.Tensor>;
    const outs = be.executeMultipleOutputs(
      'FusedBatchNormGradV3',
      opAttrs(be, Number((attrs ?? {}).epsilon)),
      [dy, x, scale, r1, r2, r3],
      5,
    );
    tf.dispose(outs.slice(3));
    return outs.slice(0, 3);
  }) as unknown as tf.KernelFunc,
};

export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: FUSED_BN_KERNEL,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, false, false, true, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = (dys as tf.Tensor[])[0]; // the statistics outputs only feed the moving averages: no gradient
    const [x, scale, r1, r2, r3] = saved;
    // One backward op for all three gradients; each thunk runs in its own tidy, so the op runs once per thunk
    // that is asked for would be wasteful: run it here (lives until the backward pass ends) and hand out clones.
    const [dx, dScale, dOffset] = tf.engine().runKernel(FUSED_BN_GRAD_KERNEL, { dy, x, scale, r1, r2, r3 }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
    return { x: () => dx, scale: () => dScale, offset: () => dOffset };
  },
};

/** Calls of the fused path since the process started (for tests and benches: proves which path ran). */
export const fusedBatchNormCalls = { forward: 0 };

/**
 * Training-mode batch norm of an NHWC float32 tensor over N, H, W in one FusedBatchNormV3 (backend `tensorflow`
 * only): the normalised output and the batch mean and biased batch variance (as tf.moments gives them).
 */
export function fusedBatchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const outs = tf.engine().runKernel(FUSED_BN_KERNEL, { x, scale: gamma, offset: beta }, { epsilon }) as tf.Tensor[];
  const [y, mean, besselVar] = outs;
  tf.dispose(outs.slice(3));
  const m = x.shape[0] * x.shape[1] * x.shape[2];
  const variance = m > 1 ? tf.mul(besselVar, (m - 1) / m) : besselVar;
  if (variance !== besselVar) besselVar.dispose();
  fusedBatchNormCalls.forward++;
  return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

// ---------------------------------------------------------------------------------------------------------------
// BatchNormalization.call routing

/** The fields of tfjs-layers' BatchNormalization that its training path uses. */
interface BnLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma?: { read(): tf.Tensor };
  beta?: { read(): tf.Tensor };
  movingMean: { read(): tf.Tensor; write(t: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(t: tf.Tensor): void };
}
type CallFn = (this: BnLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;

let enabled = process.env.MEDSSL_FUSED_BN !== '0';
let originalCall: CallFn | null = null;

/** Turn the fused path on or off at run time (benches compare both in one process); returns the previous state. */
export function setFusedBatchNorm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

export function fusedBatchNormEnabled(): boolean {
  return enabled && originalCall != null;
}

function fusedCall(this: BnLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
  const input = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
  const training = kwargs?.training === true;
  if (
    !enabled ||
    !training ||
    input == null ||
    tf.getBackend() !== BACKEND ||
    input.rank !== 4 ||
    input.dtype !== 'float32' ||
    !(this.axis === -1 || this.axis === 3) ||
    !this.center ||
    !this.scale ||
    this.gamma == null ||
    this.beta == null
  ) {
    return originalCall!.call(this, inputs, kwargs);
  }
  return tf.tidy(() => {
    const { y, mean, variance } = fusedBatchNormTraining(
      input as tf.Tensor4D,
      this.gamma!.read() as tf.Tensor1D,
      this.beta!.read() as tf.Tensor1D,
      this.epsilon,
    );
    // tfjs-layers' doMovingAverage, op for op.
    const update = (v: BnLayer['movingMean'], value: tf.Tensor) =>
      tf.tidy(() => {
        const orig = v.read();
        v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - this.momentum)));
      });
    update(this.movingMean, mean);
    update(this.movingVariance, variance);
    return y;
  });
}

/** The BatchNormalization class that tf.layers.batchNormalization and model deserialisation both construct. */
function batchNormalizationPrototype(): { call: CallFn } {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
  if (!entry) throw new Error('tfjs-layers has no registered BatchNormalization class');
  return (entry[0] as unknown as { prototype: { call: CallFn } }).prototype;
}

/**
 * Register the fused kernels on `tensorflow` and route BatchNormalization.call through fusedCall (idempotent).
 * Returns false when the backend has no multi-output execution (not tfjs-node), leaving everything as it was.
 */
export function installFusedBatchNorm(): boolean {
  if (originalCall) return true;
  if (!tf.getKernel('FusedBatchNorm', BACKEND)) return false;
  tf.registerKernel(forwardKernel);
  tf.registerKernel(gradKernel);
  tf.registerGradient(fusedBatchNormGradConfig);
  const proto = batchNormalizationPrototype();
  originalCall = proto.call;
  proto.call = fusedCall;
  return true;
}
