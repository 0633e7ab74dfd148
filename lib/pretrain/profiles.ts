// Pre-training knobs per profile (smoke / cpu / gpu), in one table. The cpu numbers are sized from measured
// throughput on the 2-core reference machine (see the comment on `cpu`); gpu is paper scale, config only.
import type { ProfileName } from '../util/profile';
import { codeVersion } from '../util/code-version';
import { type OptimizerConfig, type PretrainConfig, type PretrainMethod, type SourceDataset } from './config';

export type ArchFamily = 'xception' | 'resnet';
/** paper: TL on Xception, SSL on ResNet (as in the study). matched: the same architecture in both arms. */
export type Pairing = 'paper' | 'matched';

/** One backbone a profile pre-trains: method, architecture family, source (default the profile's), seed. */
export interface PretrainRun {
  method: PretrainMethod;
  arch: ArchFamily;
  source?: SourceDataset;
  /** Pre-training seed (default the profile's): the matched ResNet pair is trained twice to measure seed spread. */
  seed?: number;
  /** Image budget override (default the profile's), e.g. to give another source the same budget as Imagenette. */
  trainImages?: number;
}

export interface PretrainProfile {
  source: SourceDataset;
  /** Pre-training input size. */
  inputSize: number;
  /** The size the fine-tuning grid uses these backbones at (they are fully convolutional). */
  finetuneSize: number;
  /** Training images per epoch (0 = whole train split): the image budget, equal for both arms. */
  trainImages: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  temperature: number;
  /** SimCLR view overrides: at ≤ 64 px the CIFAR recipe (jitter 0.5, no blur); a milder crop for short budgets. */
  views: { cropScale: [number, number]; jitterStrength: number; blurProb: number };
  variants: Record<ArchFamily, string>;
  /** The backbones `npm run pretrain` makes for this profile. */
  runs: PretrainRun[];
  /** Probe images (0 = the whole split); `every`: k-NN probe every so many epochs during pre-training (0 = never). */
  probe: { maxTrain: number; maxTest: number; every: number };
  seed: number;
  /** TL arm served by converted Keras weights (lib/weights) instead of our own pre-training, when they are present. */
  importedTl?: Partial<Record<ArchFamily, string>>;
}

const adam = (lr: number, warmupEpochs: number): OptimizerConfig => ({
  name: 'adam',
  lr,
  weightDecay: 1e-4,
  warmupEpochs,
  schedule: 'cosine',
});
const ALL_RUNS: PretrainRun[] = [
  { method: 'tl', arch: 'xception' }, // paper pairing, TL arm
  { method: 'ssl', arch: 'resnet' }, // paper pairing, SSL arm
  { method: 'tl', arch: 'resnet' }, // matched pairing (ResNet), TL arm
  { method: 'ssl', arch: 'xception' }, // matched pairing (Xception), SSL arm
  { method: 'ssl', arch: 'resnet', source: 'medical-all' }, // optional 4th backbone: in-domain SimCLR
];

export const PRETRAIN_PROFILES: Record<ProfileName, PretrainProfile> = {
  // CI: proves the pipeline end to end in a couple of minutes; numbers are not meaningful.
  smoke: {
    source: 'imagenette',
    inputSize: 32,
    trainImages: 256,
    epochs: 1,
    batchSize: 32,
    finetuneSize: 32,
    optimizer: adam(2e-3, 0.25),
    temperature: 0.5,
    views: { cropScale: [0.2, 1], jitterStrength: 0.5, blurProb: 0 },
    variants: { xception: 'test-xception', resnet: 'test-resnet' },
    runs: ALL_RUNS,
    probe: { maxTrain: 500, maxTest: 300, every: 0 },
    seed: 0,
  },
  // 2-core laptop: the 2×2 design {TL, SSL} × {ResNet-18 w16, Xception ×0.25}, both ~0.7 M parameters, one input
  // scaling, total stride ≤ 16 (Grad-CAM ≥ 4×4 at the 64 px fine-tuning size). Source: Imagenette (ImageNet
  // classes, so TL is "supervised on ImageNet-like images" as in the paper), pre-trained at 32 px because a
  // 64 px step costs 4× (measured: paper/pretrain/SIZING.md) and the nets are fully convolutional.
  // Recipe, SimCLR's small-image practice: batch 256 (more negatives than 64; memory allows it), NT-Xent τ = 0.5
  // (SimCLR's best at batch 256–512 on CIFAR), crops 0.08–1, colour jitter 0.5 with p 0.8, grey p 0.2, no blur
  // (SimCLR leaves it out at 32 px: it erases what little detail there is), Adam with decoupled weight decay,
  // 2 warm-up epochs and cosine decay (LARS is for batches of thousands). Both arms see the same images for the
  // same epochs: the comparison holds the image budget fixed.
  cpu: {
    source: 'imagenette',
    inputSize: 32,
    finetuneSize: 64,
    trainImages: 0,
    epochs: 40,
    batchSize: 256,
    optimizer: adam(1e-3, 2),
    temperature: 0.5,
    views: { cropScale: [0.08, 1], jitterStrength: 0.5, blurProb: 0 },
    variants: { xception: 'small-xception-w16', resnet: 'small-resnet18-w16' },
    // the in-domain control gets Imagenette's 8,049 training images per epoch: the same image budget as the arms
    runs: [
      ...ALL_RUNS.filter((r) => !r.source),
      { method: 'ssl', arch: 'resnet', source: 'medical-all', trainImages: 8049 },
      { method: 'tl', arch: 'resnet', seed: 1 },
      { method: 'ssl', arch: 'resnet', seed: 1 },
    ],
    probe: { maxTrain: 4000, maxTest: 2000, every: 5 },
    seed: 0,
  },
  // Paper scale, for a GPU with tfjs-node-gpu (not run here). Imagenette is stored at 64 px; at 128 px the images
  // are upsampled, so on such a machine point the source at full-resolution ImageNet/Imagenette instead.
  gpu: {
    source: 'imagenette',
    inputSize: 128,
    finetuneSize: 128,
    trainImages: 0,
    epochs: 100,
    batchSize: 256,
    optimizer: adam(1e-3, 10),
    temperature: 0.2,
    views: { cropScale: [0.08, 1], jitterStrength: 1.0, blurProb: 0.5 },
    variants: { xception: 'xception', resnet: 'resnet50' },
    runs: ALL_RUNS,
    probe: { maxTrain: 0, maxTest: 0, every: 10 },
    seed: 0,
    // the paper's TL backbone: Keras's ImageNet Xception (npm run weights -- fetch xception-imagenet)
    importedTl: { xception: 'imagenet-xception' },
  },
};

export function pretrainConfigFor(
  profile: ProfileName,
  method: PretrainMethod,
  arch: ArchFamily,
  overrides: Partial<PretrainProfile> = {},
  source?: SourceDataset,
  seed?: number,
): PretrainConfig {
  const p = { ...PRETRAIN_PROFILES[profile], ...overrides, ...(source ? { source } : {}) };
  if (p.source === 'medical-all' && method !== 'ssl')
    throw new Error('the pooled medical source has no shared labels: SSL only');
  return {
    method,
    variant: p.variants[arch],
    inputSize: p.inputSize,
    source: { dataset: p.source, trainImages: p.trainImages },
    epochs: p.epochs,
    batchSize: p.batchSize,
    optimizer: p.optimizer,
    seed: seed ?? p.seed,
    ssl: method === 'ssl' ? { temperature: p.temperature, projDim: 128, views: p.views } : undefined,
    codeVersion: codeVersion('pretrain'),
  };
}

/** Architecture of an arm under a pairing (an explicit `arch` wins). */
export function archFor(method: PretrainMethod, pairing: Pairing = 'paper', arch?: ArchFamily): ArchFamily {
  if (arch) return arch;
  if (pairing === 'paper') return method === 'tl' ? 'xception' : 'resnet';
  return 'resnet';
}

/** The config of one of a profile's runs. */
export function runConfig(profile: ProfileName, r: PretrainRun): PretrainConfig {
  return pretrainConfigFor(
    profile,
    r.method,
    r.arch,
    r.trainImages !== undefined ? { trainImages: r.trainImages } : {},
    r.source,
    r.seed,
  );
}

/** Name of a run as `npm run pretrain -- --only` takes it: ssl-resnet, tl-xception, ssl-resnet-medical-all, tl-resnet-s1. */
export function runName(profile: ProfileName, r: PretrainRun): string {
  const seed = r.seed ?? PRETRAIN_PROFILES[profile].seed;
  return `${r.method}-${r.arch}${r.source ? `-${r.source}` : ''}${seed !== PRETRAIN_PROFILES[profile].seed ? `-s${seed}` : ''}`;
}
