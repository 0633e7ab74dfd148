// npm run slurm -- submit --profile P --shards N --shared-dir DIR [--arms ...] [--cpus C] [--gpus G] [--time T] ...
//
// Submits a profile's fine-tuning grid to SLURM: the pre-training array for the backbones the grid needs that are
// not trained yet, the grid as an N-task array (one shard per task), and the merge job that gathers the shards'
// records into the export (each after the previous one: --dependency=afterok). `--array 2,5` resubmits only
// those shards (and the merge). `--dry` prints the sbatch command lines instead. `--help` lists the flags.
// Command lines: lib/cluster/slurm.ts; job scripts: scripts/slurm/*.sbatch.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SlurmPlan } from '../lib/cluster/slurm';
import type { Arm } from '../lib/finetune/run-record';
import { cli, PROFILE_OPTION, listOption } from '../lib/util/cli';

const { values: opt, positionals } = cli({
  command: 'npm run slurm --',
  summary:
    'Submit the fine-tuning grid of a profile to SLURM: pre-training array (missing backbones) → grid array (one shard per task) → merge into the export (afterok). Run from the checkout, on a filesystem every node sees.',
  positionals: 'submit',
  options: {
    profile: PROFILE_OPTION,
    shards: { type: 'string', arg: 'N', help: 'split the grid into N shards = N array tasks (required)' },
    'shared-dir': {
      type: 'string',
      arg: 'DIR',
      help: 'shared folder for the run records (DIR/runs) and SLURM logs (DIR/logs) (required)',
    },
    array: {
      type: 'string',
      arg: '2,5',
      help: 'only these shards (resubmit the ones the merge named); no pre-training',
    },
    arms: {
      type: 'string',
      arg: 'a,b',
      help: 'only these arms (passed to the grid and the merge), e.g. tl-resnet,ssl-resnet',
    },
    datasets: { type: 'string', arg: 'a,b', help: 'only these datasets' },
    conditions: { type: 'string', arg: 'c1,c2', help: 'only these conditions' },
    seeds: { type: 'string', arg: '0,1', help: 'only these fine-tuning seeds' },
    controls: {
      type: 'string',
      arg: 'a,b',
      help: 'only these control arms (none for none), passed to the grid and the merge',
    },
    lr: {
      type: 'string',
      arg: 'X',
      help: 'every run at learning rate X, no tuning (passed to the grid and the merge)',
    },
    pretrain: {
      type: 'string',
      arg: 'auto|none|a,b',
      help: 'pre-training array: auto = the backbones the arms need that are not trained yet (default); none; or these runs (e.g. tl-xception,ssl-resnet)',
    },
    cpus: { type: 'string', arg: 'C', help: 'CPUs per array task (default 1; also its compute threads)' },
    gpus: { type: 'string', arg: 'G', help: 'GPUs per array task, --gres=gpu:G (default 0)' },
    mem: { type: 'string', arg: 'M', help: "memory per task, e.g. 16G (default: the cluster's)" },
    time: { type: 'string', arg: 'T', help: 'time limit of a grid task (default 04:00:00)' },
    'pretrain-time': {
      type: 'string',
      arg: 'T',
      help: 'time limit of a pre-training task (default 12:00:00; a requeued task resumes)',
    },
    'merge-time': {
      type: 'string',
      arg: 'T',
      help: 'time limit of the merge job (default 00:30:00; 04:00:00 with --report)',
    },
    partition: { type: 'string', arg: 'P', help: 'SLURM partition' },
    account: { type: 'string', arg: 'A', help: 'SLURM account' },
    'no-requeue': {
      type: 'boolean',
      help: 'array tasks are not requeued after preemption or node failure (default: --requeue)',
    },
    report: {
      type: 'boolean',
      help: 'the merge job also probes the backbones and rebuilds notebooks, figures, tables (needs Jupyter + Chromium on the node)',
    },
    'export-root': {
      type: 'string',
      arg: 'DIR',
      help: "merge into the export under DIR instead of the profile's (trial runs, tests)",
    },
    dry: { type: 'boolean', help: 'print the sbatch command lines, submit nothing' },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const {
  gridArgs,
  mergeArgs,
  parseIndices,
  parseJobId,
  pretrainArgs,
  pretrainRunsToSubmit,
  runsDirOf,
  logsDirOf,
  shellLine,
} = await import('../lib/cluster/slurm');
const { GRIDS } = await import('../lib/finetune/grid');
const { ROOT } = await import('../lib/util/paths');
const { profileName } = await import('../lib/util/profile');

const str = (k: string) => (typeof opt[k] === 'string' ? (opt[k] as string) : undefined);

function positiveInt(name: string, v: string | undefined, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < (name === 'gpus' ? 0 : 1))
    throw new Error(`--${name}: expected a ${name === 'gpus' ? 'non-negative' : 'positive'} integer, got "${v ?? ''}"`);
  return n;
}

function sbatch(what: string, args: string[], dry: boolean, placeholder: string): string {
  console.log(`[slurm] ${what}:\n  sbatch ${shellLine(args)}`);
  if (dry) return placeholder;
  const r = spawnSync('sbatch', args, { encoding: 'utf8' });
  if (r.error)
    throw new Error(`sbatch could not be run (${r.error.message}): is SLURM's client installed and on PATH?`);
  if (r.status !== 0)
    throw new Error(`sbatch (${what}) failed with exit ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  const id = parseJobId(r.stdout);
  console.log(`  → job ${id}`);
  return id;
}

function main(): void {
  if (positionals.length !== 1 || positionals[0] !== 'submit')
    throw new Error(
      `expected the command "submit" (got ${positionals.length ? positionals.map((p) => `"${p}"`).join(' ') : 'none'}); see --help`,
    );
  const profile = profileName(str('profile'));
  const shards = positiveInt('shards', str('shards'));
  if (!str('shared-dir'))
    throw new Error('--shared-dir DIR is required: a folder every node sees, for the run records and logs');
  const indices = str('array') ? parseIndices(str('array')!, shards) : undefined;
  const gridFlags: string[] = [];
  for (const k of ['arms', 'controls', 'datasets', 'conditions', 'seeds', 'lr'])
    if (str(k)) gridFlags.push(`--${k}`, listOption(str(k))!.join(','));
  const controls =
    str('controls') === 'none' ? [] : ((listOption(str('controls')) as Arm[] | undefined) ?? GRIDS[profile].controls);
  const arms = [...((listOption(str('arms')) as Arm[] | undefined) ?? GRIDS[profile].arms), ...controls];
  const report = opt.report === true;
  if (report && str('export-root'))
    throw new Error(
      "--report builds the report from the profile's own export: it cannot be combined with --export-root",
    );
  const plan: SlurmPlan = {
    root: ROOT,
    sharedDir: path.resolve(str('shared-dir')!),
    profile,
    shards,
    indices,
    gridFlags,
    pretrainRuns: indices ? [] : pretrainRunsToSubmit(profile, arms, str('pretrain') ?? 'auto'),
    exportRoot: str('export-root') ? path.resolve(str('export-root')!) : undefined,
    report,
    resources: {
      cpus: positiveInt('cpus', str('cpus'), 1),
      gpus: positiveInt('gpus', str('gpus'), 0),
      mem: str('mem'),
      time: str('time') ?? '04:00:00',
      pretrainTime: str('pretrain-time') ?? '12:00:00',
      mergeTime: str('merge-time') ?? (report ? '04:00:00' : '00:30:00'),
      partition: str('partition'),
      account: str('account'),
      requeue: opt['no-requeue'] !== true,
    },
  };
  const dry = opt.dry === true;
  if (!dry) for (const d of [runsDirOf(plan), logsDirOf(plan)]) fs.mkdirSync(d, { recursive: true });
  const ids: Record<string, string> = {};
  try {
    if (plan.pretrainRuns.length)
      ids.pretrain = sbatch(
        `pre-training array (${plan.pretrainRuns.join(', ')})`,
        pretrainArgs(plan),
        dry,
        '<pretrain job>',
      );
    else
      console.log(
        `[slurm] pre-training: ${indices ? 'not with --array' : 'nothing to submit (the backbones the grid needs are trained, or --pretrain none)'}`,
      );
    ids.grid = sbatch(
      `grid array, ${indices ? `shards ${indices.join(',')} of ${shards}` : `${shards} shards`}`,
      gridArgs(plan, ids.pretrain),
      dry,
      '<grid job>',
    );
    ids.merge = sbatch(
      `merge${report ? ' + report' : ''} (after the grid array)`,
      mergeArgs(plan, ids.grid),
      dry,
      '<merge job>',
    );
  } catch (e) {
    if (Object.keys(ids).length && !dry)
      console.error(
        `[slurm] submitted before the error: ${Object.entries(ids)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')} (scancel them if needed)`,
      );
    throw e;
  }
  console.log(`[slurm] logs: ${logsDirOf(plan)}; records: ${runsDirOf(plan)}`);
  console.log(`[slurm] jobs: pretrain=${ids.pretrain ?? '-'} grid=${ids.grid} merge=${ids.merge}`);
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
