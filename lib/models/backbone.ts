// The Backbone contract shared by pre-training, fine-tuning and Grad-CAM (see lib/README.md).
// A backbone is a tf.LayersModel from an image batch [N, S, S, 3] (already scaled by `scaling`) to its last
// convolutional feature map [N, h, w, featureDim]. Heads (lib/models/heads.ts) are stacked on that output.
import type * as tf from '@tensorflow/tfjs';
import type { InputScaling } from '../data/scaling';

export type Arch = 'xception' | 'resnet50' | 'resnet18' | 'mobilenet_v2';

/** Where a backbone's weights came from. */
export type BackboneSource =
  | { kind: 'random'; seed: number }
  | { kind: 'imagenet'; weights: string; standsInFor: string; note: string }
  | { kind: 'tl' | 'ssl'; checkpoint: string; configHash: string; dataset: string }
  | { kind: 'loaded'; path: string }
  /** Imported from a Keras weights file (lib/weights): `weights` = "<name>@<sha256 of the Keras file, 16 hex>". */
  | { kind: 'keras'; weights: string; name: string; file: string; sha256: string; origin: string; converted: string };

export interface Backbone {
  /** Variant name from lib/models/variants.ts (or 'imagenet-mobilenet_v2_035'). */
  name: string;
  arch: Arch;
  /** image [N, inputSize, inputSize, 3] → feature map [N, h, w, featureDim] */
  model: tf.LayersModel;
  inputSize: number;
  scaling: InputScaling;
  /** Name of the layer whose output Grad-CAM differentiates: the last convolutional activation. */
  gradCamLayer: string;
  /** Channels of the feature map (= length of the pooled embedding). */
  featureDim: number;
  source: BackboneSource;
}
