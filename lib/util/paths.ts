// Project-relative locations. Resolved from this file, so they work from scripts, tests and notebooks alike.
import path from 'node:path';
import fs from 'node:fs';

function findRoot(): string {
  // __dirname is not available in ESM and tslab compiles to CJS without import.meta; walk up from cwd instead.
  let dir = process.env.MEDSSL_ROOT ?? process.cwd();
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'medssl') return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the medssl project root above ${process.cwd()} (set MEDSSL_ROOT)`);
    dir = up;
  }
}

export const ROOT = findRoot();
export const DATA_DIR = path.join(ROOT, 'data');
export const CACHE_DIR = path.join(DATA_DIR, 'cache');
export const SPLITS_DIR = path.join(DATA_DIR, 'splits');
export const CHECKPOINTS_DIR = path.join(DATA_DIR, 'checkpoints');
export const RUNS_DIR = path.join(ROOT, 'runs');
export const FIGURES_DIR = path.join(ROOT, 'figures');
export const PAPER_DIR = path.join(ROOT, 'paper');
/** The shared folder laid beside the checkout (datasets, weights). */
export const SHARED_DIR = process.env.MEDSSL_SHARED_DIR ?? path.join(ROOT, '..', 'shared');

/** Profiles whose generated artefacts (figures, tables, results, notebooks with outputs) are committed. */
export const COMMITTED_PROFILES: readonly string[] = ['cpu', 'gpu'];
/** Git-ignored: smoke artefacts and whatever a live notebook kernel writes while a student explores. */
export const SCRATCH_DIR = path.join(ROOT, 'scratch');

/**
 * Where a profile's artefacts live: `figures/` and `paper/` for the committed profiles, `scratch/<profile>/`
 * (same layout below it) for the others, so a smoke run can never replace a committed cpu or gpu artefact.
 */
export function artefactRoot(profile: string): string {
  return COMMITTED_PROFILES.includes(profile) ? ROOT : path.join(SCRATCH_DIR, profile);
}
