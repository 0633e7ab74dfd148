// What defines a pre-training run. The checkpoint folder is named by configHash(config), so two runs with
// equal configs share one folder (re-running a finished config is a no-op) and any change makes a new one.
import { configHash } from '../util/hash';

export type PretrainMethod = 'tl' | 'ssl';
/** 'medical-all': train splits of all medical sets pooled, for in-domain SimCLR (lib/pretrain/sources.ts). */
export type SourceDataset = 'imagenette' | 'cifar10' | 'medical-all';

export interface OptimizerConfig {
  /**
   * Adam (default): robust at the small batches a CPU allows. SimCLR's LARS exists for batch 4096 across many
   * accelerators, where plain SGD/Adam steps become unstable; at batch ≤ 256 Adam with weight decay is the common
   * SimCLR choice (e.g. the SimCLR CIFAR reproductions) and SGD+momentum is offered for the gpu profile.
   */
  name: 'adam' | 'sgd';
  lr: number;
  momentum?: number;
  /** Decoupled weight decay (applied to kernels only), per step: w ← w − lr·wd·w. */
  weightDecay: number;
  warmupEpochs: number;
  schedule: 'cosine' | 'constant';
}

export interface PretrainConfig {
  method: PretrainMethod;
  /** Model variant from lib/models/variants.ts. */
  variant: string;
  inputSize: number;
  source: {
    dataset: SourceDataset;
    /** use at most this many training images (budget), 0 = all */ trainImages: number;
  };
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  seed: number;
  /** SimCLR: NT-Xent temperature, projection width, overrides of lib/data/simclr-views' defaults. */
  ssl?: {
    temperature: number;
    projDim: number;
    views: { cropScale: [number, number]; jitterStrength: number; blurProb: number };
  };
  /** Pre-training code version (lib/code-versions.json): bumped when the pre-training numerics change. */
  codeVersion: number;
}

export function pretrainHash(cfg: PretrainConfig): string {
  return configHash(cfg);
}

export function describeConfig(cfg: PretrainConfig): string {
  return (
    `${cfg.method.toUpperCase()} ${cfg.variant}@${cfg.inputSize}px on ${cfg.source.dataset}` +
    `${cfg.source.trainImages ? ` (${cfg.source.trainImages} imgs)` : ''}, ${cfg.epochs} ep × batch ${cfg.batchSize}, seed ${cfg.seed}`
  );
}
