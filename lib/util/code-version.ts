// Code versions that name results. A cached fine-tuning run or pre-training checkpoint is reused only when the
// code that would make it again is the code that made it. Each area (fine-tuning, pre-training) has a version
// number in lib/code-versions.json that goes into every config it names, next to a fingerprint of the sources
// that decide its numbers. tests/util/code-version.test.ts fails as soon as those sources change and the
// fingerprint was not re-recorded: then `npm run code-version -- --bump AREA` (the numbers change: new version,
// every cached result of that area becomes a miss) or `-- --accept AREA` (they do not, e.g. a rename; check it with
// `npm run grid -- --verify N`).
//
// The fingerprint (lib/util/code-fingerprint.ts) hashes the sources' syntax trees, so comments and formatting
// never count as a code change.
import path from 'node:path';
import { readJson } from './atomic';
import { ROOT } from './paths';

export type CodeArea = 'finetune' | 'pretrain';
export const CODE_AREAS: readonly CodeArea[] = ['finetune', 'pretrain'];

/**
 * The sources each area's numbers depend on (files or folders, relative to the project root). Reporting,
 * statistics and I/O are left out: they do not change what a run computes. The backend is left out too: results
 * record it, and backends agree to float tolerance. The tensorflow backend's own kernels are in for fine-tuning:
 * the exported runs are made there, and a kernel that computes differently (the fused batch-norm training step
 * did) moves a re-run's predictions by several points on a small test set, so its records are no longer the ones
 * the code would produce.
 */
export const AREA_SOURCES: Record<CodeArea, readonly string[]> = {
  finetune: [
    'lib/finetune/finetune.ts',
    'lib/finetune/freeze.ts',
    'lib/finetune/sampling.ts',
    'lib/util/lr-schedule.ts',
    'lib/finetune/run.ts',
    'lib/data/augment.ts',
    'lib/data/balance.ts',
    'lib/data/blur.ts',
    'lib/data/images.ts',
    'lib/data/load.ts',
    'lib/data/scaling.ts',
    'lib/metrics',
    'lib/models',
    'lib/util/rng.ts',
    'lib/backend/tensorflow-kernels.ts',
    'lib/backend/fused-batch-norm.ts',
    'lib/backend/kernel-args.ts',
  ],
  pretrain: [
    'lib/pretrain/run.ts',
    'lib/pretrain/supervised.ts',
    'lib/pretrain/sources.ts',
    'lib/util/lr-schedule.ts',
    'lib/ssl',
    'lib/data/simclr-views.ts',
    'lib/data/blur.ts',
    'lib/data/images.ts',
    'lib/data/load.ts',
    'lib/data/scaling.ts',
    'lib/models',
    'lib/util/rng.ts',
  ],
};

export const CODE_VERSIONS_FILE = path.join(ROOT, 'lib', 'code-versions.json');

export interface AreaVersion {
  version: number;
  fingerprint: string;
}
export type CodeVersions = Record<CodeArea, AreaVersion>;

export function readCodeVersions(file = CODE_VERSIONS_FILE): CodeVersions {
  const v = readJson<CodeVersions>(file);
  for (const a of CODE_AREAS) {
    if (!Number.isInteger(v[a]?.version)) throw new Error(`${file}: "${a}.version" missing or not an integer`);
  }
  return v;
}

/** The version number that goes into configs of `area`. */
export function codeVersion(area: CodeArea): number {
  return readCodeVersions()[area].version;
}
