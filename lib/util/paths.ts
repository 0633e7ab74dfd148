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

/**
 * Set to `1` by `npm run reproduce` for the kernels it starts. Only such a publishing run writes generated reports
 * (figures, tables, markdown, executed notebooks, logs) into the committed folders; anything else, a live Jupyter
 * kernel, a script, a test, writes them below scratch/, so exploring never changes a tracked file.
 */
export const PUBLISH_ENV = 'MEDSSL_PUBLISH';

export function isPublishing(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[PUBLISH_ENV] === '1';
}

export type ReportKind = 'figures' | 'tables' | 'paper' | 'notebooks';
const REPORT_SUBDIR: Record<ReportKind, string[]> = {
  figures: ['figures'],
  tables: ['paper', 'tables'],
  paper: ['paper'],
  notebooks: ['notebooks'],
};

/**
 * The one rule for where a generated report goes: the committed folders (figures/, paper/, notebooks/) only when
 * the process is a publishing run AND the profile's artefacts are committed; otherwise scratch/<profile>/ with the
 * same layout below it. Every writer of a figure, table, report, executed notebook or log asks this.
 */
export function reportDir(kind: ReportKind, profile: string, publishing: boolean = isPublishing()): string {
  const root = publishing && COMMITTED_PROFILES.includes(profile) ? ROOT : path.join(SCRATCH_DIR, profile);
  return path.join(root, ...REPORT_SUBDIR[kind]);
}

/**
 * A generated file's name must carry its profile as one of its `-`/`.`/`/`-separated words (`03-bars-baseline-cpu`),
 * so two profiles can never write the same file and a reader can tell which profile a file shows.
 */
export function checkNameCarriesProfile(what: string, name: string, profile: string): void {
  const words = name.split(/[-./]/);
  if (!words.includes(profile)) {
    throw new Error(`${what}: the name "${name}" does not carry its profile "${profile}" (e.g. "${name}-${profile}")`);
  }
}

/** Pre-training checkpoints of a profile: data/checkpoints/ (committed) for cpu and gpu, scratch/<profile>/checkpoints otherwise. */
export function checkpointRoot(profile: string): string {
  return COMMITTED_PROFILES.includes(profile) ? CHECKPOINTS_DIR : path.join(SCRATCH_DIR, profile, 'checkpoints');
}
