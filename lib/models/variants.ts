// The one table of named architectures. Full-size nets are the paper's; the scaled ones exist because a
// 2-core CPU trains the full nets at well under 1 img/s. Every scaled variant keeps the architecture's
// topology (same flows / stages, same layer names) and changes only width, depth and input size.
import * as tf from '@tensorflow/tfjs';
import type { Arch, Backbone } from './backbone';
import type { InputScaling } from '../data/scaling';
import { initModelSeeded, type KernelInit } from './init';
import { buildResNet, type ResNetConfig } from './resnet';
import { buildXception, XCEPTION_GRADCAM_LAYER, type XceptionConfig } from './xception';

/** `scaling` overrides the architecture's own (ARCH_SCALING), so a matched pair can share one input scaling. */
export type VariantSpec =
  | {
      arch: 'xception';
      inputSize: number;
      width: number;
      middleRepeats: number;
      stem?: 'imagenet' | 'cifar';
      scaling?: InputScaling;
      note: string;
    }
  | {
      arch: 'resnet50' | 'resnet18';
      inputSize: number;
      width: number;
      blocks: readonly number[];
      stem: 'imagenet' | 'cifar';
      scaling?: InputScaling;
      note: string;
    };

export const VARIANTS = {
  // Paper scale (gpu profile)
  xception: {
    arch: 'xception',
    inputSize: 299,
    width: 1,
    middleRepeats: 8,
    note: 'Keras Xception (paper TL backbone)',
  },
  resnet50: {
    arch: 'resnet50',
    inputSize: 224,
    width: 1,
    blocks: [3, 4, 6, 3],
    stem: 'imagenet',
    note: 'Keras v1 ResNet-50 (paper SSL backbone)',
  },
  resnet18: {
    arch: 'resnet18',
    inputSize: 224,
    width: 1,
    blocks: [2, 2, 2, 2],
    stem: 'imagenet',
    note: 'ResNet-18 (torchvision layout)',
  },
  // Benchmark nets (lib/backend benchmark, ENVIRONMENT.md speed table)
  'mini-resnet18-w32': {
    arch: 'resnet18',
    inputSize: 32,
    width: 0.5,
    blocks: [2, 2, 2, 2],
    stem: 'cifar',
    note: 'ResNet-18, base width 32, CIFAR stem',
  },
  'mini-xception': {
    arch: 'xception',
    inputSize: 64,
    width: 0.25,
    middleRepeats: 8,
    note: 'Xception ×0.25 width, 8 middle blocks',
  },
  // CPU profile nets (sized from measured throughput, see scripts/pretrain.ts)
  'tiny-resnet18-w16': {
    arch: 'resnet18',
    inputSize: 32,
    width: 0.25,
    blocks: [2, 2, 2, 2],
    stem: 'cifar',
    note: 'ResNet-18, base width 16, CIFAR stem',
  },
  'tiny-resnet10-w8': {
    arch: 'resnet18',
    inputSize: 32,
    width: 0.125,
    blocks: [1, 1, 1, 1],
    stem: 'cifar',
    note: 'cpu profile SSL/TL ResNet: basic blocks [1,1,1,1] (ResNet-10), base width 8',
  },
  'tiny-xception': {
    arch: 'xception',
    inputSize: 32,
    width: 0.125,
    middleRepeats: 2,
    note: 'cpu profile TL/SSL Xception: ×0.125 width, 2 middle blocks',
  },
  // CPU profile matched 2×2 design: both families at stride ≤ 16 (Grad-CAM map ≥ 4×4 at 64 px), one input
  // scaling (per-channel ImageNet mean/std), comparable parameter counts and FLOPs (npm run models).
  'small-resnet18-w16': {
    arch: 'resnet18',
    inputSize: 32,
    width: 0.25,
    blocks: [2, 2, 2, 2],
    stem: 'cifar',
    scaling: 'imagenet',
    note: 'cpu profile ResNet: ResNet-18, base width 16, CIFAR stem (stride 8)',
  },
  'small-xception-w16': {
    arch: 'xception',
    inputSize: 32,
    width: 0.25,
    middleRepeats: 2,
    stem: 'cifar',
    scaling: 'imagenet',
    note: 'cpu profile Xception: ×0.25 width, 2 middle blocks, stride-1 stem (stride 16)',
  },
  // Unit tests
  'test-resnet': {
    arch: 'resnet18',
    inputSize: 16,
    width: 0.125,
    blocks: [1, 1, 1, 1],
    stem: 'cifar',
    note: 'tests / smoke profile',
  },
  'test-xception': { arch: 'xception', inputSize: 16, width: 0.0625, middleRepeats: 1, note: 'tests / smoke profile' },
} as const satisfies Record<string, VariantSpec>;

export type VariantName = keyof typeof VARIANTS;

export function variantSpec(name: string): VariantSpec {
  const v = (VARIANTS as Record<string, VariantSpec>)[name];
  if (!v) throw new Error(`unknown model variant "${name}": expected one of ${Object.keys(VARIANTS).join(', ')}`);
  return v;
}

/** Input scaling each from-scratch architecture declares (Keras convention for Xception; mean/std for ResNet). */
export const ARCH_SCALING: Record<Arch, InputScaling> = {
  xception: 'symmetric',
  resnet50: 'imagenet',
  resnet18: 'imagenet',
  mobilenet_v2: 'symmetric',
};

const ARCH_INIT: Record<Arch, KernelInit> = {
  xception: 'glorot_uniform', // Keras default (Xception sets no initializer)
  resnet50: 'he_normal', // keras_applications resnet50.py
  resnet18: 'he_normal',
  mobilenet_v2: 'glorot_uniform',
};

export interface BuildOptions {
  /** Override the variant's input size (all nets here are fully convolutional up to the feature map). */
  inputSize?: number;
  /** Weight-init seed (lib/util/rng). Omit `init` to skip initialisation (parameter counts only). */
  seed?: number;
  /** false: leave constant placeholder weights (for counting parameters of the full-size nets quickly). */
  init?: boolean;
  /** Add a Keras-style 1000-class top (for parameter-count checks against Keras). */
  topClasses?: number;
  /** ResNet BatchNormalization epsilon (Keras 3 ResNet50 weights expect 1.001e-5; see lib/models/resnet.ts). */
  bnEpsilon?: number;
}

/** Build the raw architecture (optionally with a Keras top) and its Grad-CAM layer. */
export function buildArchitecture(
  name: string,
  o: BuildOptions = {},
): { model: tf.LayersModel; gradCamLayer: string; spec: VariantSpec } {
  const spec = variantSpec(name);
  const inputSize = o.inputSize ?? spec.inputSize;
  let model: tf.LayersModel;
  let gradCamLayer: string;
  if (spec.arch === 'xception') {
    const cfg: XceptionConfig = {
      inputSize,
      width: spec.width,
      middleRepeats: spec.middleRepeats,
      stem: spec.stem,
      topClasses: o.topClasses,
    };
    model = buildXception(cfg, name);
    gradCamLayer = XCEPTION_GRADCAM_LAYER;
  } else {
    const cfg: ResNetConfig = {
      inputSize,
      block: spec.arch === 'resnet50' ? 'bottleneck' : 'basic',
      blocks: [...spec.blocks],
      width: spec.width,
      stem: spec.stem,
      topClasses: o.topClasses,
      bnEpsilon: o.bnEpsilon,
    };
    ({ model, gradCamLayer } = buildResNet(cfg, name));
  }
  if (o.init !== false) initModelSeeded(model, o.seed ?? 0, ARCH_INIT[spec.arch]);
  return { model, gradCamLayer, spec };
}

/** A randomly initialised backbone (image → last conv feature map) from the variant table. */
export function buildBackbone(
  name: string,
  o: { inputSize?: number; seed?: number; bnEpsilon?: number } = {},
): Backbone {
  const seed = o.seed ?? 0;
  const { model, gradCamLayer, spec } = buildArchitecture(name, {
    inputSize: o.inputSize,
    seed,
    bnEpsilon: o.bnEpsilon,
  });
  const out = model.outputs[0].shape;
  return {
    name,
    arch: spec.arch,
    model,
    inputSize: o.inputSize ?? spec.inputSize,
    scaling: spec.scaling ?? ARCH_SCALING[spec.arch],
    gradCamLayer,
    featureDim: out[out.length - 1] as number,
    source: { kind: 'random', seed },
  };
}
