import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  arraySpec,
  gridArgs,
  mergeArgs,
  parseIndices,
  parseJobId,
  pretrainArgs,
  pretrainRunNames,
  pretrainRunsToSubmit,
  shellLine,
  type SlurmPlan,
} from '../../lib/cluster/slurm';
import { checkpointDir } from '../../lib/pretrain/checkpoint';
import { pretrainHash } from '../../lib/pretrain/config';
import { pretrainConfigFor } from '../../lib/pretrain/profiles';

const plan = (over: Partial<SlurmPlan> = {}): SlurmPlan => ({
  root: '/home/u/medssl',
  sharedDir: '/shared/m',
  profile: 'cpu',
  shards: 4,
  gridFlags: ['--arms', 'tl,ssl'],
  pretrainRuns: ['tl-xception', 'ssl-resnet'],
  report: false,
  resources: { cpus: 2, gpus: 0, time: '04:00:00', pretrainTime: '12:00:00', mergeTime: '00:30:00', requeue: true },
  ...over,
});
/** The value of a --flag=value argument (undefined when absent). */
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('sbatch command lines of a SLURM run', () => {
  it('the grid array: one task per shard, the shard count given explicitly, after the pre-training', () => {
    const g = gridArgs(plan(), '17');
    expect(flag(g, 'array')).toBe('1-4');
    expect(flag(g, 'dependency')).toBe('afterok:17');
    expect(flag(g, 'kill-on-invalid-dep')).toBe('yes');
    expect(flag(g, 'cpus-per-task')).toBe('2');
    expect(flag(g, 'chdir')).toBe('/home/u/medssl');
    expect(flag(g, 'output')).toBe('/shared/m/logs/%x-%A_%a.out');
    expect(g).toContain('--requeue');
    expect(g.some((a) => a.startsWith('--gres'))).toBe(false);
    const script = g.indexOf('/home/u/medssl/scripts/slurm/grid.sbatch');
    expect(g.slice(script + 1)).toEqual(['4', '--profile', 'cpu', '--runs-dir', '/shared/m/runs', '--arms', 'tl,ssl']);
    // every sbatch option comes before the script (sbatch passes what follows to the script)
    expect(g.slice(0, script).every((a) => a.startsWith('--'))).toBe(true);
    // no pre-training job: no dependency
    expect(flag(gridArgs(plan()), 'dependency')).toBeUndefined();
  });

  it('resubmitting shards keeps N: --array=3 runs shard 3 of 4, not 1 of 1', () => {
    const g = gridArgs(plan({ indices: [3] }));
    expect(flag(g, 'array')).toBe('3');
    expect(g[g.indexOf('/home/u/medssl/scripts/slurm/grid.sbatch') + 1]).toBe('4');
    expect(flag(gridArgs(plan({ indices: [2, 4] })), 'array')).toBe('2,4');
  });

  it("the merge job runs after the grid with the grid's own flags, on one CPU, without GPU or requeue", () => {
    const p = plan({
      resources: { ...plan().resources, gpus: 1, mem: '32G', partition: 'gpu', account: 'lab' },
      exportRoot: '/tmp/x',
    });
    const m = mergeArgs(p, '18');
    expect(flag(m, 'dependency')).toBe('afterok:18');
    expect(flag(m, 'cpus-per-task')).toBe('1');
    expect(flag(m, 'partition')).toBe('gpu');
    expect(flag(m, 'account')).toBe('lab');
    expect(m.some((a) => a.startsWith('--gres') || a.startsWith('--mem') || a === '--requeue')).toBe(false);
    const script = m.indexOf('/home/u/medssl/scripts/slurm/merge.sbatch');
    expect(m.slice(script + 1)).toEqual([
      '4',
      '--profile',
      'cpu',
      '--runs-dir',
      '/shared/m/runs',
      '--arms',
      'tl,ssl',
      '--export-root',
      '/tmp/x',
    ]);
    expect(mergeArgs(plan({ report: true }), '18')).toContain('--report');
    // GPU resources go to the array tasks
    const g = gridArgs(p);
    expect(flag(g, 'gres')).toBe('gpu:1');
    expect(flag(g, 'mem')).toBe('32G');
  });

  it('the pre-training array: one task per run, in the order listed, resumable', () => {
    const a = pretrainArgs(plan({ resources: { ...plan().resources, requeue: false } }));
    expect(flag(a, 'array')).toBe('1-2');
    expect(flag(a, 'time')).toBe('12:00:00');
    expect(a).toContain('--no-requeue');
    expect(a.slice(a.indexOf('/home/u/medssl/scripts/slurm/pretrain.sbatch') + 1)).toEqual([
      'tl-xception,ssl-resnet',
      '--profile',
      'cpu',
    ]);
    expect(() => pretrainArgs(plan({ pretrainRuns: [] }))).toThrow(/no pre-training runs/);
  });

  it('parses shard lists and job ids; rejects indices outside 1..N', () => {
    expect(parseIndices('2,5', 8)).toEqual([2, 5]);
    expect(parseIndices('1-3,7,2', 8)).toEqual([1, 2, 3, 7]);
    expect(() => parseIndices('9', 8)).toThrow(/1 to 8/);
    expect(() => parseIndices('0', 8)).toThrow(/1 to 8/);
    expect(() => parseIndices('a', 8)).toThrow(/not an index/);
    expect(arraySpec([3, 1, 2])).toBe('1-3');
    expect(arraySpec([1, 3])).toBe('1,3');
    expect(arraySpec([5])).toBe('5');
    expect(parseJobId('123\n')).toBe('123');
    expect(parseJobId('124;cluster2')).toBe('124');
    expect(() => parseJobId('sbatch: error: Batch job submission failed')).toThrow(/not a job id/);
    expect(shellLine(['sbatch', '--dependency=afterok:1', "it's here"])).toBe(
      `sbatch --dependency=afterok:1 'it'\\''s here'`,
    );
  });
});

describe('which backbones are pre-trained before the grid', () => {
  const dirOf = (root: string, method: 'tl' | 'ssl', arch: 'xception' | 'resnet') =>
    checkpointDir(pretrainHash(pretrainConfigFor('cpu', method, arch)), root);

  it("auto: the unfinished backbones of the grid's arms; a backbone with a lock file is not submitted twice", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-ckpt-'));
    try {
      expect(pretrainRunsToSubmit('cpu', ['tl-xception', 'ssl-resnet'], 'auto', root)).toEqual([
        'tl-xception',
        'ssl-resnet',
      ]);
      expect(pretrainRunsToSubmit('cpu', ['ssl-resnet', 'random-resnet', 'imagenet-mnv2'], 'auto', root)).toEqual([
        'ssl-resnet',
      ]);
      expect(pretrainRunsToSubmit('cpu', ['tl-resnet-s1', 'ssl-resnet-medical-all'], 'auto', root)).toEqual([
        'ssl-resnet-medical-all',
        'tl-resnet-s1',
      ]);
      fs.mkdirSync(dirOf(root, 'tl', 'xception'), { recursive: true });
      fs.writeFileSync(path.join(dirOf(root, 'tl', 'xception'), 'done.json'), '{}');
      expect(pretrainRunsToSubmit('cpu', ['tl-xception', 'ssl-resnet'], 'auto', root)).toEqual(['ssl-resnet']);
      fs.mkdirSync(dirOf(root, 'ssl', 'resnet'), { recursive: true });
      fs.writeFileSync(path.join(dirOf(root, 'ssl', 'resnet'), 'lock'), '1234');
      expect(() => pretrainRunsToSubmit('cpu', ['tl-xception', 'ssl-resnet'], 'auto', root)).toThrow(
        /ssl-resnet is being pre-trained \(lock file .*lock\)/,
      );
      expect(pretrainRunsToSubmit('cpu', ['tl-xception', 'ssl-resnet'], 'none', root)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("an explicit list is taken as given, each name checked against the profile's runs", () => {
    expect(pretrainRunNames('cpu')).toEqual(
      expect.arrayContaining(['tl-xception', 'ssl-resnet', 'ssl-resnet-medical-all']),
    );
    expect(pretrainRunsToSubmit('cpu', ['tl-xception'], 'ssl-resnet-medical-all,tl-resnet')).toEqual([
      'ssl-resnet-medical-all',
      'tl-resnet',
    ]);
    expect(() => pretrainRunsToSubmit('cpu', ['tl'], 'tl-vgg')).toThrow(
      /no run "tl-vgg" in profile cpu; choose from .*tl-xception/,
    );
  });
});
