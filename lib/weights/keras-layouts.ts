// Keras layer names → this project's layer names for the two paper backbones, and which Keras model a file holds.
//   Xception   keras.applications names, except the four unnamed 1×1 shortcut convs and their BNs, which Keras
//              numbers by creation order in the session (Keras 2 file: conv2d_1…4; Keras 3 fresh session: conv2d,
//              conv2d_1…3; later models in one session: higher numbers). They are mapped by their order to our
//              conv2d_1…4 / batch_normalization_1…4 (lib/models/xception.ts).
//   ResNet-50  lib/models/resnet.ts uses the keras_applications v1 names (res2a_branch2a, bn2a_branch2a, …, BN ε 1e-3);
//              Keras 3 / tf.keras name the same layers conv2_block1_1_conv, conv2_block1_1_bn, … (BN ε 1.001e-5).
//              Both are accepted; the backbone is built with the ε of the file's naming.
import type { InputScaling } from '../data/scaling';

export type KerasArch = 'xception' | 'resnet50';
export const KERAS_ARCHS: readonly KerasArch[] = ['xception', 'resnet50'];

export type KerasNaming = 'xception' | 'resnet50-keras3' | 'resnet50-v1';

export interface KerasLayout {
  arch: KerasArch;
  naming: KerasNaming;
  /** lib/models/variants.ts variant that has this architecture at full size. */
  variant: 'xception' | 'resnet50';
  bnEpsilon: number;
  /** Input scaling Keras's own ImageNet weights for this architecture expect (keras.applications preprocess_input). */
  imagenetScaling: InputScaling;
  /** Our name for each file layer; layers of the 1000-class top map into `topLayers`. */
  rename: Map<string, string>;
  topLayers: string[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** What a list of Keras layer names looks like, or undefined when neither supported architecture. */
export function detectNaming(names: string[]): { naming?: KerasNaming; looksLike: string } {
  const has = (n: string) => names.includes(n);
  if (has('block1_conv1') && has('block14_sepconv2')) return { naming: 'xception', looksLike: 'a Keras Xception' };
  if (has('conv1_conv') && has('conv2_block1_preact_bn'))
    return { looksLike: 'a Keras ResNet V2 (pre-activation; not supported)' };
  if (has('conv1_conv') && has('conv4_block7_1_conv'))
    return { looksLike: 'a Keras ResNet-101/152 (not supported: only ResNet-50)' };
  if (has('conv1_conv') && has('conv5_block3_3_conv'))
    return { naming: 'resnet50-keras3', looksLike: 'a Keras ResNet-50 (Keras 3 / tf.keras names)' };
  if (has('bn_conv1') && has('res5c_branch2c'))
    return { naming: 'resnet50-v1', looksLike: 'a Keras ResNet-50 (keras_applications v1 names)' };
  return { looksLike: `not a Keras Xception or ResNet-50 (first layers: ${names.slice(0, 5).join(', ') || 'none'})` };
}

function resnetKeras3Name(n: string): string {
  if (n === 'conv1_conv') return 'conv1';
  if (n === 'conv1_bn') return 'bn_conv1';
  if (n === 'predictions') return 'fc1000';
  const m = /^conv(\d)_block(\d+)_(\d)_(conv|bn)$/.exec(n);
  if (!m) return n;
  const [, stage, block, idx, kind] = m;
  const id = `${stage}${LETTERS[Number(block) - 1]}`;
  const branch = idx === '0' ? '1' : `2${'abc'[Number(idx) - 1]}`;
  return kind === 'conv' ? `res${id}_branch${branch}` : `bn${id}_branch${branch}`;
}

/** Map the auto-numbered conv2d / batch_normalization layers, in numbering order, onto conv2d_1… / batch_normalization_1… */
function xceptionShortcuts(names: string[], rename: Map<string, string>): void {
  for (const base of ['conv2d', 'batch_normalization']) {
    const re = new RegExp(`^${base}(?:_(\\d+))?$`);
    const auto = names
      .filter((n) => re.test(n))
      .sort((a, b) => Number(re.exec(a)![1] ?? 0) - Number(re.exec(b)![1] ?? 0));
    auto.forEach((n, i) => rename.set(n, `${base}_${i + 1}`));
  }
}

/** The layout of a file's layers for `arch`; throws naming the file when they are another architecture. */
export function kerasLayout(file: string, arch: KerasArch, names: string[]): KerasLayout {
  if (!KERAS_ARCHS.includes(arch)) throw new Error(`unknown --arch "${arch}": expected ${KERAS_ARCHS.join(' or ')}`);
  const { naming, looksLike } = detectNaming(names);
  const fileArch = naming === 'xception' ? 'xception' : naming ? 'resnet50' : undefined;
  if (fileArch !== arch) {
    throw new Error(
      `${file}: --arch ${arch} but the file's layers are ${looksLike}${fileArch ? `: pass --arch ${fileArch}` : ''}`,
    );
  }
  const rename = new Map<string, string>();
  if (naming === 'xception') {
    for (const n of names) rename.set(n, n);
    xceptionShortcuts(names, rename);
    return {
      arch,
      naming,
      variant: 'xception',
      bnEpsilon: 1e-3,
      imagenetScaling: 'symmetric',
      rename,
      topLayers: ['predictions'],
    };
  }
  for (const n of names) rename.set(n, naming === 'resnet50-keras3' ? resnetKeras3Name(n) : n);
  return {
    arch,
    naming: naming!,
    variant: 'resnet50',
    bnEpsilon: naming === 'resnet50-keras3' ? 1.001e-5 : 1e-3,
    imagenetScaling: 'caffe',
    rename,
    topLayers: ['fc1000'],
  };
}
