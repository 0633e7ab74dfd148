// What tfjs passes a registered kernel's function: its inputs, attributes and the backend instance.
import type * as tf from '@tensorflow/tfjs';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };
