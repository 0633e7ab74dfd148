// The one entry point later stages use to get a backbone: getPretrainedBackbone(arm, { profile, inputSize? }).
// Arms are named in lib/pretrain/arms.ts (tl-resnet, ssl-xception-s1, random-resnet, imagenet-mnv2, …). Each call
// returns a FRESH model (fine-tuning trains it in place).
//   pre-trained arms  the profile's checkpoint of that run (checkpointRoot(profile)/<config hash>/backbone). If it is
//                     missing it is trained first when `train` is true (default only for the smoke profile, which
//                     takes seconds); otherwise the error names the command that makes it. A profile's
//                     `importedTl` makes a TL arm use converted Keras weights when they are present (gpu: ImageNet
//                     Xception, the paper's TL backbone).
//   random-<arch>     the profile's architecture at seeded random init (the "no pre-training" control).
//   imagenet-mnv2     ImageNet MobileNetV2-α0.35 (real ImageNet supervised weights).
//   imagenet-xception / imagenet-resnet50 / keras-file:<name>
//                     Keras weights converted by `npm run weights -- fetch|import` (lib/weights).
import fs from 'node:fs';
import path from 'node:path';
import type { Backbone } from '../models/backbone';
import { loadImagenetMobileNetV2 } from '../models/mobilenet-v2-imagenet';
import { buildBackbone } from '../models/variants';
import { checkpointRoot } from '../util/paths';
import type { ProfileName } from '../util/profile';
import { hasConvertedBackbone, loadConvertedBackbone } from '../weights/converted';
import { parseArm, type Arm } from './arms';
import { loadBackboneDir } from './backbone-files';
import { readJson } from '../util/atomic';
import { checkpointDir } from './checkpoint';
import { pretrainHash, type PretrainConfig } from './config';
import { PRETRAIN_PROFILES, runConfig, runName } from './profiles';
import { runPretraining } from './run';

export type { Arm } from './arms';

export interface BackboneRequest {
  profile: ProfileName;
  /** Input size to build at (default: the profile's pre-training size). Weights are size-independent. */
  inputSize?: number;
  /** Train the checkpoint if it is missing (default: true for smoke only). */
  train?: boolean;
  /** Seed of a random-init arm (default: the profile's seed). */
  seed?: number;
  /** Checkpoint root (tests). */
  root?: string;
  /** Converted Keras weights root (tests; default data/cache/weights). */
  weightsRoot?: string;
}

export async function getPretrainedBackbone(arm: Arm, o: BackboneRequest): Promise<Backbone> {
  const prof = PRETRAIN_PROFILES[o.profile];
  const inputSize = o.inputSize ?? prof.inputSize;
  const spec = parseArm(arm);
  if (spec.kind === 'imagenet-mnv2') return loadImagenetMobileNetV2({ inputSize });
  if (spec.kind === 'keras') return loadConvertedBackbone(spec.weights, { inputSize, root: o.weightsRoot });
  if (spec.kind === 'random') return buildBackbone(prof.variants[spec.arch], { inputSize, seed: o.seed ?? prof.seed });
  const imported = spec.method === 'tl' && spec.seed === undefined ? prof.importedTl?.[spec.arch] : undefined;
  if (imported && hasConvertedBackbone(imported, o.weightsRoot))
    return loadConvertedBackbone(imported, { inputSize, root: o.weightsRoot });
  const run = { method: spec.method, arch: spec.arch, source: spec.source, seed: spec.seed };
  const listed = prof.runs.find((r) => runName(o.profile, r) === runName(o.profile, run));
  const cfg = runConfig(o.profile, listed ?? run);
  const root = o.root ?? checkpointRoot(o.profile);
  const dir = checkpointDir(pretrainHash(cfg), root);
  if (!fs.existsSync(path.join(dir, 'done.json'))) {
    if (!(o.train ?? o.profile === 'smoke')) {
      throw new Error(
        `no ${arm} backbone for profile "${o.profile}" (expected ${dir}). ` +
          `Make it with: npm run pretrain -- --profile ${o.profile} --only ${runName(o.profile, run)}` +
          (fs.existsSync(path.join(dir, 'latest.json')) ? ' --resume (a partial run exists)' : ''),
      );
    }
    await runPretraining(cfg, { root, resume: true });
  }
  return loadBackboneDir(dir, cfg, inputSize);
}

/**
 * The pre-trained backbone a run record names by its identity ("tl:<variant>:<checkpoint hash>", the `backbone`
 * field of a fine-tuning config), or undefined when the identity names no checkpoint (random init, ImageNet or
 * converted weights: those are re-made from the arm). Lets a record from an older arm vocabulary (e.g. 'tl'/'ssl')
 * be re-made from exactly the checkpoint it was fine-tuned from.
 */
export async function backboneOfIdentity(
  id: string,
  o: { profile: ProfileName; inputSize: number; root?: string },
): Promise<Backbone | undefined> {
  const m = /^(tl|ssl):[^:]+:([0-9a-f]{16})$/.exec(id);
  if (!m) return undefined;
  const dir = checkpointDir(m[2], o.root ?? checkpointRoot(o.profile));
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${dir}: no checkpoint for backbone "${id}" (config.json missing)`);
  const cfg = readJson<PretrainConfig>(file);
  if (pretrainHash(cfg) !== m[2]) throw new Error(`${file}: its config hashes to ${pretrainHash(cfg)}, not ${m[2]}`);
  return loadBackboneDir(dir, cfg, o.inputSize);
}
