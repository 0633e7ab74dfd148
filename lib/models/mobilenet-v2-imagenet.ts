// The real ImageNet arm: Keras MobileNetV2 α=0.35 ImageNet weights (no top, cut at `out_relu`) from
// shared/weights. It STANDS IN FOR the paper's ImageNet Xception, which cannot be had offline (see
// shared/weights/README.md); every record that uses it says so (source.standsInFor). Both are built from
// depthwise-separable convolutions. Input scaling is [-1,1] ('symmetric'), as the weights were trained.
// The net is fully convolutional: we load it at the profile's input size by rewriting the InputLayer's
// batch_input_shape before deserialising.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sha256File } from '../util/hash';
import { SHARED_DIR } from '../util/paths';
import type { Backbone } from './backbone';
import { initWeightsSeeded } from './init';
import { readLayersModelDir } from './tfjs-files';

export const MOBILENET_V2_DIR = path.join(SHARED_DIR, 'weights', 'mobilenet_v2_035_224_imagenet_notop');
export const MOBILENET_V2_WEIGHTS_SHA256 = 'e159deb3afa15bc63a53edb3eb31d0d6de1a25f0d8d72d9b8372b5088a902a8a';
export const IMAGENET_ARM_NAME = 'ImageNet MobileNetV2-α0.35';
export const IMAGENET_STANDS_IN_FOR = 'ImageNet Xception (paper TL backbone; not available offline)';

/**
 * Load MobileNetV2-α0.35 ImageNet at `inputSize` (≥ 32, multiple of 32 keeps Keras' padding exact).
 * `randomInit: seed` gives the same topology with seeded random weights (the probe baseline).
 */
export async function loadImagenetMobileNetV2(o: {
  inputSize: number;
  dir?: string;
  randomInit?: number;
}): Promise<Backbone> {
  if (!(Number.isInteger(o.inputSize) && o.inputSize >= 32 && o.inputSize % 32 === 0)) {
    // five stride-2 stages with Keras' fixed ((0,1),(0,1)) padding: below 32 px a layer gets an empty output
    throw new Error(`MobileNetV2 ImageNet arm: inputSize must be a multiple of 32 and ≥ 32, got ${o.inputSize}`);
  }
  const dir = o.dir ?? MOBILENET_V2_DIR;
  const files = readLayersModelDir(dir);
  const sha = sha256File(path.join(dir, 'weights.bin'));
  if (!o.dir && sha !== MOBILENET_V2_WEIGHTS_SHA256) {
    throw new Error(
      `${path.join(dir, 'weights.bin')}: sha256 ${sha} does not match the README's ${MOBILENET_V2_WEIGHTS_SHA256}`,
    );
  }
  const topo = JSON.parse(JSON.stringify(files.modelTopology));
  const cfg = topo.model_config?.config ?? topo.config;
  const inputLayer = cfg.layers.find((l: { class_name: string }) => l.class_name === 'InputLayer');
  if (!inputLayer) throw new Error(`${dir}/model.json: no InputLayer found`);
  inputLayer.config.batch_input_shape = [null, o.inputSize, o.inputSize, 3];
  for (const l of cfg.layers) if (l.config?.trainable === false) l.config.trainable = true;
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: topo, weightSpecs: files.weightSpecs, weightData: files.weightData }),
  );
  if (o.randomInit !== undefined) initWeightsSeeded(model.layers, o.randomInit);
  const out = model.outputs[0].shape;
  return {
    name: o.randomInit !== undefined ? 'mobilenet_v2_035-random' : 'imagenet-mobilenet_v2_035',
    arch: 'mobilenet_v2',
    model,
    inputSize: o.inputSize,
    scaling: 'symmetric',
    gradCamLayer: 'out_relu',
    featureDim: out[out.length - 1] as number,
    source:
      o.randomInit !== undefined
        ? { kind: 'random', seed: o.randomInit }
        : {
            kind: 'imagenet',
            weights: `shared/weights/mobilenet_v2_035_224_imagenet_notop (weights.bin sha256 ${sha})`,
            standsInFor: IMAGENET_STANDS_IN_FOR,
            note: IMAGENET_ARM_NAME,
          },
  };
}
