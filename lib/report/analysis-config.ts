// The analysis settings of each profile, in one place: notebooks and the reproduction report display them and
// never set them again. Dataset grouping (grey vs colour) is a registry field (lib/data/registry.ts `content`).
import { REGISTRY, type DatasetId } from '../data/registry';
import type { ProfileName } from '../util/profile';

export interface AnalysisConfig {
  /** datasets with fewer training images than this are "small" (the paper's ~1000-image threshold) */
  smallSet: number;
  /** bootstrap resamples for every CI and bootstrap p-value */
  resamples: number;
  /** seed of the bootstrap's random resampling */
  bootstrapSeed: number;
}

/** Datasets with fewer training images than this count as "small" (the paper's ~1000-image threshold). */
export const SMALL_SET = 1000;

export const ANALYSIS: Record<ProfileName, AnalysisConfig> = {
  // smoke checks the pipeline in CI: fewer resamples keep it fast (its numbers are not quoted)
  smoke: { smallSet: SMALL_SET, resamples: 500, bootstrapSeed: 0 },
  cpu: { smallSet: SMALL_SET, resamples: 2000, bootstrapSeed: 0 },
  gpu: { smallSet: SMALL_SET, resamples: 5000, bootstrapSeed: 0 },
};

export function analysisConfig(profile: string): AnalysisConfig {
  const c = ANALYSIS[profile as ProfileName];
  if (!c) throw new Error(`analysisConfig: unknown profile "${profile}" (smoke, cpu or gpu)`);
  return c;
}

/** Grey or colour by image content (the registry's `content` field). */
export function contentOf(dataset: string): 'grey' | 'colour' {
  const e = REGISTRY[dataset as DatasetId];
  if (!e) throw new Error(`contentOf: unknown dataset "${dataset}"`);
  return e.content;
}
