// The sbatch command lines of a SLURM run of a profile (scripts/slurm.ts submits them): a pre-training array
// (one task per backbone the grid needs that is not trained yet), the grid array (one task per shard, after the
// pre-training: afterok), and the merge job (after the grid: afterok). Templates: scripts/slurm/*.sbatch.
// Kept apart from the submitting so the command lines can be tested without a cluster.
import fs from 'node:fs';
import path from 'node:path';
import { parseArm, type Arm } from '../pretrain/arms';
import { checkpointDir } from '../pretrain/checkpoint';
import { pretrainHash } from '../pretrain/config';
import { checkpointRoot } from '../util/paths';
import { PRETRAIN_PROFILES, runConfig, runName } from '../pretrain/profiles';
import type { ProfileName } from '../util/profile';

export interface SlurmResources {
  /** CPUs per array task (--cpus-per-task); also the task's compute threads (scripts/slurm/job-env.sh). */
  cpus: number;
  /** GPUs per array task (--gres=gpu:N); 0 = none. */
  gpus: number;
  /** Memory per task (--mem, e.g. 16G); undefined = the cluster's default. */
  mem?: string;
  /** Time limit of a grid task (--time, SLURM syntax: minutes, H:MM:SS, D-HH). */
  time: string;
  pretrainTime: string;
  mergeTime: string;
  partition?: string;
  account?: string;
  /** --requeue (default) or --no-requeue for the array tasks. */
  requeue: boolean;
}

export interface SlurmPlan {
  /** The medssl checkout (on a filesystem every node sees): the jobs' working folder. */
  root: string;
  /** Shared folder: runs/ (records, manifests, stage-1 checkpoints) and logs/ (SLURM output) go below it. */
  sharedDir: string;
  profile: string;
  shards: number;
  /** Only these shard indices (resubmitting failed shards); default 1..shards. */
  indices?: number[];
  /** Grid-selecting flags (--arms, --datasets, --conditions, --seeds), passed to the grid AND the merge job. */
  gridFlags: string[];
  /** Pre-training runs to train first (names as `npm run pretrain -- --only` takes them); none = no array. */
  pretrainRuns: string[];
  /** Artefact root of the export (tests, trial runs); default the profile's own. */
  exportRoot?: string;
  /** The merge job also probes the backbones and rebuilds notebooks, figures and tables. */
  report: boolean;
  resources: SlurmResources;
}

export const runsDirOf = (p: Pick<SlurmPlan, 'sharedDir'>) => path.join(p.sharedDir, 'runs');
export const logsDirOf = (p: Pick<SlurmPlan, 'sharedDir'>) => path.join(p.sharedDir, 'logs');

/** "1-4" for a contiguous list, "2,5" otherwise (sbatch --array syntax). */
export function arraySpec(indices: number[]): string {
  const s = [...new Set(indices)].sort((a, b) => a - b);
  const contiguous = s.every((v, k) => k === 0 || v === s[k - 1] + 1);
  return contiguous && s.length > 1 ? `${s[0]}-${s[s.length - 1]}` : s.join(',');
}

/** Parse "2,5" or "1-3,7" into indices, each within 1..count. */
export function parseIndices(spec: string, count: number): number[] {
  const out = new Set<number>();
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--array ${spec}: "${part}" is not an index or a range a-b`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (a < 1 || b > count || a > b)
      throw new Error(`--array ${spec}: shard indices run from 1 to ${count} (--shards), got ${part}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  if (!out.size) throw new Error('--array: no shard index given');
  return [...out].sort((x, y) => x - y);
}

function common(p: SlurmPlan, name: string, time: string, output: string): string[] {
  const r = p.resources;
  return [
    '--parsable',
    `--job-name=medssl-${name}-${p.profile}`,
    `--chdir=${p.root}`,
    `--output=${path.join(logsDirOf(p), output)}`,
    `--time=${time}`,
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(r.account ? [`--account=${r.account}`] : []),
  ];
}

function taskResources(p: SlurmPlan): string[] {
  const r = p.resources;
  return [
    `--cpus-per-task=${r.cpus}`,
    ...(r.gpus > 0 ? [`--gres=gpu:${r.gpus}`] : []),
    ...(r.mem ? [`--mem=${r.mem}`] : []),
    r.requeue ? '--requeue' : '--no-requeue',
  ];
}

const after = (job?: string) => (job ? [`--dependency=afterok:${job}`, '--kill-on-invalid-dep=yes'] : []);

/** What grid and merge jobs both pass on to the grid script: the profile, the shared runs folder, the grid flags. */
const gridRunArgs = (p: SlurmPlan) => ['--profile', p.profile, '--runs-dir', runsDirOf(p), ...p.gridFlags];

/** sbatch arguments of the pre-training array (one task per run). */
export function pretrainArgs(p: SlurmPlan): string[] {
  if (!p.pretrainRuns.length) throw new Error('no pre-training runs to submit');
  return [
    ...common(p, 'pretrain', p.resources.pretrainTime, '%x-%A_%a.out'),
    ...taskResources(p),
    `--array=1-${p.pretrainRuns.length}`,
    path.join(p.root, 'scripts/slurm/pretrain.sbatch'),
    p.pretrainRuns.join(','),
    '--profile',
    p.profile,
  ];
}

/** sbatch arguments of the grid array (one task per shard), after `afterJob` when given. */
export function gridArgs(p: SlurmPlan, afterJob?: string): string[] {
  const indices = p.indices ?? Array.from({ length: p.shards }, (_, k) => k + 1);
  return [
    ...common(p, 'grid', p.resources.time, '%x-%A_%a.out'),
    ...taskResources(p),
    `--array=${arraySpec(indices)}`,
    ...after(afterJob),
    path.join(p.root, 'scripts/slurm/grid.sbatch'),
    String(p.shards),
    ...gridRunArgs(p),
  ];
}

/** sbatch arguments of the merge (+ report) job, after `afterJob` (the grid array). */
export function mergeArgs(p: SlurmPlan, afterJob?: string): string[] {
  return [
    ...common(p, 'merge', p.resources.mergeTime, '%x-%j.out'),
    '--cpus-per-task=1',
    ...after(afterJob),
    path.join(p.root, 'scripts/slurm/merge.sbatch'),
    ...(p.report ? ['--report'] : []),
    String(p.shards),
    ...gridRunArgs(p),
    ...(p.exportRoot ? ['--export-root', p.exportRoot] : []),
  ];
}

/** A command line as a shell would take it (for printing; arguments with spaces or quotes are quoted). */
export function shellLine(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The job id sbatch --parsable printed ("123" or "123;cluster"). */
export function parseJobId(stdout: string): string {
  const m = /^(\d+)(?:;\S+)?\s*$/.exec(stdout.trim());
  if (!m) throw new Error(`sbatch --parsable printed "${stdout.trim()}", not a job id`);
  return m[1];
}

/** Names of a profile's pre-training runs, as `npm run pretrain -- --only` takes them. */
export function pretrainRunNames(profile: ProfileName): string[] {
  return PRETRAIN_PROFILES[profile].runs.map((r) => runName(profile, r));
}

/**
 * The pre-training runs to submit before the grid: `spec` 'none', a list of run names (submitted as given), or
 * 'auto': the backbones the grid's arms need (an arm we pre-train is named as its run, lib/pretrain/arms.ts) that are
 * not finished. A backbone whose checkpoint folder holds a lock file is being trained by a job already (or one that
 * died): submitting a second trainer on another node would write the same checkpoint, so that is an error.
 */
export function pretrainRunsToSubmit(
  profile: ProfileName,
  arms: readonly Arm[],
  spec: string,
  root?: string,
): string[] {
  if (spec === 'none') return [];
  const names = pretrainRunNames(profile);
  if (spec !== 'auto') {
    const want = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const n of want)
      if (!names.includes(n))
        throw new Error(`--pretrain: no run "${n}" in profile ${profile}; choose from ${names.join(', ')}`);
    return want;
  }
  const needed = arms.filter((a) => parseArm(a).kind === 'pretrained'); // a pre-trained arm is named as its run
  const out: string[] = [];
  PRETRAIN_PROFILES[profile].runs.forEach((r, k) => {
    if (!needed.includes(names[k])) return;
    const dir = checkpointDir(pretrainHash(runConfig(profile, r)), root ?? checkpointRoot(profile));
    if (fs.existsSync(path.join(dir, 'done.json'))) return;
    if (fs.existsSync(path.join(dir, 'lock'))) {
      throw new Error(
        `${names[k]} is being pre-trained (lock file ${path.join(dir, 'lock')}): wait for that job, or remove the lock if no job trains it; ` +
          '--pretrain none submits the grid without it (the grid then fails until the backbone is finished)',
      );
    }
    out.push(names[k]);
  });
  return out;
}
