// Pre-training knobs per profile (smoke / cpu / gpu), in one table. The cpu numbers are sized from measured
// throughput on the 2-core reference machine (see the comment on `cpu`); gpu is paper scale, config only.
import type { ProfileName } from '../util/profile';
import { PRETRAIN_CODE_VERSION, type OptimizerConfig, type PretrainConfig, type PretrainMethod, type SourceDataset } from './config';

export type ArchFamily = 'xception' | 'resnet';
/** paper: TL on Xception, SSL on ResNet (as in the study). matched: the same architecture in both arms. */
export type Pairing = 'paper' | 'matched';

export interface PretrainProfile {
  source: SourceDataset;
  inputSize: number;
  /** Training images per epoch (0 = whole train split): the image budget, equal for both arms. */
  trainImages: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  temperature: number;
  /** SimCLR view overrides: at ≤ 64 px the CIFAR recipe (jitter 0.5, no blur); a milder crop for short budgets. */
  views: { cropScale: [number, number]; jitterStrength: number; blurProb: number };
  variants: Record<ArchFamily, string>;
  /** Which (method, arch[, source]) runs `npm run pretrain` makes for this profile. */
  runs: { method: PretrainMethod; arch: ArchFamily; source?: SourceDataset }[];
  probe: { maxTrain: number; maxTest: number };
  seed: number;
  /** TL arm served by converted Keras weights (lib/weights) instead of our own pre-training, when they are present. */
  importedTl?: Partial<Record<ArchFamily, string>>;
}

const adam = (lr: number, epochs: number): OptimizerConfig => ({ name: 'adam', lr, weightDecay: 1e-4, warmupEpochs: Math.min(1, epochs / 4), schedule: 'cosine' });
const ALL_RUNS: PretrainProfile['runs'] = [
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
    optimizer: adam(2e-3, 1),
    temperature: 0.5,
    views: { cropScale: [0.2, 1], jitterStrength: 0.5, blurProb: 0 },
    variants: { xception: 'test-xception', resnet: 'test-resnet' },
    runs: ALL_RUNS,
    probe: { maxTrain: 500, maxTest: 300 },
    seed: 0,
  },
  // 2-core laptop. Imagenette (an ImageNet subset, so the TL arm is "supervised on ImageNet-like images" as in the
  // paper, and the ImageNet MobileNet arm is scored on the same images) at 32 px rather than CIFAR-10: Imagenette's
  // 8000 training images (after the val carve-out) make 6 epochs affordable, CIFAR's 50k would allow ~1.
  // Sized from throughput measured with selectBackend() (wasm 1 thread + training kernels), batch 64, source img/s
  // (SSL: 2 views each), load average ≈ 2.5 on the 2-core machine: TL tiny-xception 406, SSL tiny-xception 232,
  // TL tiny-resnet10-w8 342, SSL tiny-resnet10-w8 154 → 6 × 8000 images per run ≈ 2 / 3.5 / 2.3 / 5.2 min, ≈ 13 min
  // for all four. The committed reference run took 75 min of training time (two processes, ~48 min wall) because
  // the shared machine's load average was 6–18 at the time; per-epoch img/s is in each run's log.jsonl.
  cpu: {
    source: 'imagenette',
    inputSize: 32,
    trainImages: 0,
    epochs: 6,
    batchSize: 64,
    optimizer: adam(2e-3, 6),
    temperature: 0.5,
    views: { cropScale: [0.2, 1], jitterStrength: 0.5, blurProb: 0 },
    variants: { xception: 'tiny-xception', resnet: 'tiny-resnet10-w8' },
    runs: ALL_RUNS,
    probe: { maxTrain: 4000, maxTest: 2000 },
    seed: 0,
  },
  // Paper scale, for a GPU with tfjs-node-gpu (not run here). Imagenette is stored at 64 px; at 128 px the images
  // are upsampled, so on such a machine point the source at full-resolution ImageNet/Imagenette instead.
  gpu: {
    source: 'imagenette',
    inputSize: 128,
    trainImages: 0,
    epochs: 100,
    batchSize: 256,
    optimizer: adam(1e-3, 100),
    temperature: 0.2,
    views: { cropScale: [0.08, 1], jitterStrength: 1.0, blurProb: 0.5 },
    variants: { xception: 'xception', resnet: 'resnet50' },
    runs: ALL_RUNS,
    probe: { maxTrain: 0, maxTest: 0 },
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
): PretrainConfig {
  const p = { ...PRETRAIN_PROFILES[profile], ...overrides, ...(source ? { source } : {}) };
  if (p.source === 'medical-all' && method !== 'ssl') throw new Error('the pooled medical source has no shared labels: SSL only');
  return {
    method,
    variant: p.variants[arch],
    inputSize: p.inputSize,
    source: { dataset: p.source, trainImages: p.trainImages },
    epochs: p.epochs,
    batchSize: p.batchSize,
    optimizer: p.optimizer,
    seed: p.seed,
    ssl: method === 'ssl' ? { temperature: p.temperature, projDim: 128, views: p.views } : undefined,
    codeVersion: PRETRAIN_CODE_VERSION,
  };
}

/** Architecture of an arm under a pairing (an explicit `arch` wins). */
export function archFor(method: PretrainMethod, pairing: Pairing = 'paper', arch?: ArchFamily): ArchFamily {
  if (arch) return arch;
  if (pairing === 'paper') return method === 'tl' ? 'xception' : 'resnet';
  return 'resnet';
}
