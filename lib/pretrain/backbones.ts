// The one entry point later stages use to get a backbone:
//   getPretrainedBackbone('tl' | 'ssl' | 'imagenet' | 'random', { profile, arch?, pairing?, inputSize? })
// Each call returns a FRESH model (fine-tuning trains it in place).
//   tl / ssl   the profile's pre-trained checkpoint (data/checkpoints/<config hash>/backbone). If it is missing it is
//              trained first when `train` is true (default only for the smoke profile, which takes seconds);
//              otherwise the error names the command that makes it.
//   imagenet   ImageNet MobileNetV2-α0.35, standing in for the paper's ImageNet Xception (recorded in source).
//   random     the same architecture at seeded random init (the "no pre-training" control).
//   imagenet-xception / imagenet-resnet50 / keras-file:<name>
//              Keras weights converted by `npm run weights -- fetch|import` (lib/weights): Keras's own ImageNet
//              Xception / ResNet-50, or any Keras-layout file. A profile's `importedTl` makes its TL arm use such
//              weights when they are present (gpu: ImageNet Xception, the paper's TL backbone).
import fs from 'node:fs';
import path from 'node:path';
import type { Backbone } from '../models/backbone';
import { loadImagenetMobileNetV2 } from '../models/mobilenet-v2-imagenet';
import { buildBackbone } from '../models/variants';
import { checkpointRoot } from '../util/paths';
import type { ProfileName } from '../util/profile';
import { hasConvertedBackbone, loadConvertedBackbone } from '../weights/converted';
import { loadBackboneDir } from './backbone-files';
import { checkpointDir } from './checkpoint';
import { pretrainHash } from './config';
import { archFor, pretrainConfigFor, PRETRAIN_PROFILES, type ArchFamily, type Pairing } from './profiles';
import { runPretraining } from './run';

/** 'ssl-medical': in-domain SimCLR on the pooled medical train splits (optional 4th backbone). */
export type Arm =
  | 'tl'
  | 'ssl'
  | 'imagenet'
  | 'random'
  | 'ssl-medical'
  | 'imagenet-xception'
  | 'imagenet-resnet50'
  | `keras-file:${string}`;

/** Converted Keras weights an arm names (lib/weights/converted.ts), if any. */
export function kerasWeightsOf(arm: Arm): string | undefined {
  if (arm === 'imagenet-xception' || arm === 'imagenet-resnet50') return arm;
  return arm.startsWith('keras-file:') ? arm.slice('keras-file:'.length) : undefined;
}

export interface BackboneRequest {
  profile: ProfileName;
  /** Architecture family; default from `pairing` (paper: TL→xception, SSL→resnet; matched: resnet). */
  arch?: ArchFamily;
  pairing?: Pairing;
  /** Input size to build at (default: the profile's pre-training size). Weights are size-independent. */
  inputSize?: number;
  /** Train the checkpoint if it is missing (default: true for smoke only). */
  train?: boolean;
  /** Seed of the random arm (default: the profile's seed). */
  seed?: number;
  /** Checkpoint root (tests). */
  root?: string;
  /** Converted Keras weights root (tests; default data/cache/weights). */
  weightsRoot?: string;
}

export async function getPretrainedBackbone(arm: Arm, o: BackboneRequest): Promise<Backbone> {
  const prof = PRETRAIN_PROFILES[o.profile];
  const inputSize = o.inputSize ?? prof.inputSize;
  if (arm === 'imagenet') return loadImagenetMobileNetV2({ inputSize });
  const keras = kerasWeightsOf(arm);
  if (keras) return loadConvertedBackbone(keras, { inputSize, root: o.weightsRoot });
  if (arm === 'random') {
    const arch = o.arch ?? archFor('tl', o.pairing);
    return buildBackbone(prof.variants[arch], { inputSize, seed: o.seed ?? prof.seed });
  }
  if (arm !== 'tl' && arm !== 'ssl' && arm !== 'ssl-medical') throw new Error(`unknown backbone arm "${arm}"`);
  const method = arm === 'ssl-medical' ? 'ssl' : arm;
  const arch = archFor(method, o.pairing, o.arch);
  const imported = arm === 'tl' ? prof.importedTl?.[arch] : undefined;
  if (imported && hasConvertedBackbone(imported, o.weightsRoot))
    return loadConvertedBackbone(imported, { inputSize, root: o.weightsRoot });
  const cfg = pretrainConfigFor(o.profile, method, arch, {}, arm === 'ssl-medical' ? 'medical-all' : undefined);
  const root = o.root ?? checkpointRoot(o.profile);
  const dir = checkpointDir(pretrainHash(cfg), root);
  if (!fs.existsSync(path.join(dir, 'done.json'))) {
    if (!(o.train ?? o.profile === 'smoke')) {
      throw new Error(
        `no ${arm.toUpperCase()} ${arch} backbone for profile "${o.profile}" (expected ${dir}). ` +
          `Make it with: npm run pretrain -- --profile ${o.profile} --only ${method}-${arch}${arm === 'ssl-medical' ? '-medical-all' : ''}` +
          (fs.existsSync(path.join(dir, 'latest.json')) ? ' --resume (a partial run exists)' : ''),
      );
    }
    await runPretraining(cfg, { root, resume: true });
  }
  return loadBackboneDir(dir, cfg, inputSize);
}
