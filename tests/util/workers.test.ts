// Worker processes side by side (lib/util/workers.ts): the command lines of a grid run as shards + merge, the
// child runner (output, exit codes, concurrency, threads), and the end-to-end promise: a smoke grid run with
// --workers 2 exports the same records (config hashes and numbers) as the same grid with --workers 1.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../lib/util/paths';
import {
  gridWorkerJobs,
  parseWorkers,
  pretrainWorkerJobs,
  runWorkers,
  threadsPerWorker,
  withoutFlags,
  type WorkerExit,
} from '../../lib/util/workers';

describe('grid worker command lines', () => {
  it('N shards of the same grid without --workers or --export, then a merge that exports', () => {
    const argv = ['--profile', 'smoke', '--workers=2', '--export', '--datasets', 'chest-ct', '--replace-conflicts'];
    const { shards, gather } = gridWorkerJobs(argv, 2);
    expect(shards.map((s) => s.args)).toEqual([
      ['--profile', 'smoke', '--datasets', 'chest-ct', '--wait-locked', '--shard', '1/2'],
      ['--profile', 'smoke', '--datasets', 'chest-ct', '--wait-locked', '--shard', '2/2'],
    ]);
    expect(gather.args).toEqual([
      '--profile',
      'smoke',
      '--datasets',
      'chest-ct',
      '--replace-conflicts',
      '--merge',
      '--shards',
      '2',
    ]);
    // without --export nothing is exported: the last step only gathers the records into the results table
    const plain = gridWorkerJobs(['--workers', '3', '--runs-dir', '/x'], 3);
    expect(plain.shards[2].args).toEqual(['--runs-dir', '/x', '--wait-locked', '--shard', '3/3']);
    expect(plain.gather.args).toEqual(['--runs-dir', '/x', '--no-train']);
  });

  it('pre-training: one process per run, each with --only <run> --no-probe and the other flags as given', () => {
    const jobs = pretrainWorkerJobs(
      ['--profile', 'cpu', '--only=tl-resnet,ssl-resnet', '--resume', '--workers', '2'],
      ['tl-resnet', 'ssl-resnet'],
    );
    expect(jobs).toEqual([
      { label: 'tl-resnet', args: ['--profile', 'cpu', '--resume', '--only', 'tl-resnet', '--no-probe'] },
      { label: 'ssl-resnet', args: ['--profile', 'cpu', '--resume', '--only', 'ssl-resnet', '--no-probe'] },
    ]);
  });

  it('strips a flag with its value in both spellings, and boolean flags; checks --workers', () => {
    expect(withoutFlags(['--a', '1', '--b=2', '--c', '--d', '4'], ['a', 'b'], ['c'])).toEqual(['--d', '4']);
    expect(parseWorkers(undefined, 2)).toBe(2);
    expect(parseWorkers('3', 2)).toBe(3);
    expect(() => parseWorkers('0', 2)).toThrow(/positive integer/);
    expect(() => parseWorkers('two', 2)).toThrow(/"two"/);
    expect(threadsPerWorker(2, 2, {})).toBe(1);
    expect(threadsPerWorker(2, 8, {})).toBe(4);
    expect(threadsPerWorker(4, 2, {})).toBe(1);
    expect(threadsPerWorker(2, 8, { MEDSSL_THREADS: '1' })).toBe(1);
  });
});

describe('runWorkers', () => {
  it("prefixes each child's lines, passes MEDSSL_THREADS, reports every exit code, runs at most `parallel` at once", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-workers-'));
    try {
      const script = path.join(dir, 'child.mjs');
      // each child appends start/end to a shared file, so overlap (or its absence) is visible afterwards; before
      // ending it waits (up to 20 s) until `wait` children have started, so two children run side by side end after
      // both started however slowly a loaded machine starts them, and children run one at a time are not held up
      fs.writeFileSync(
        script,
        `import fs from 'node:fs';
const [name, code, file, wait] = process.argv.slice(2);
fs.appendFileSync(file, 'start ' + name + '\\n');
const started = () => fs.readFileSync(file, 'utf8').split('\\n').filter((l) => l.startsWith('start')).length;
for (let t = 0; t < 200 && started() < Number(wait); t++) await new Promise((r) => setTimeout(r, 100));
process.stdout.write('hello from ' + name + ' threads=' + process.env.MEDSSL_THREADS + '\\nbar 1/2\\rbar 2/2\\n');
console.error('to stderr');
fs.appendFileSync(file, 'end ' + name + '\\n');
process.exit(Number(code));`,
      );
      const jobs = (file: string, wait: number) => [
        { label: 'a', args: ['a', '0', file, String(wait)] },
        { label: 'b', args: ['b', '3', file, String(wait)] },
      ];
      const lines: string[] = [];
      const seq = path.join(dir, 'seq.log');
      const exits: WorkerExit[] = await runWorkers(jobs(seq, 1), {
        parallel: 1,
        threads: 1,
        script,
        log: (l) => lines.push(l),
      });
      expect(exits.map((e) => [e.label, e.code])).toEqual([
        ['a', 0],
        ['b', 3],
      ]);
      expect(lines).toContain('[a] hello from a threads=1');
      expect(lines).toContain('[b] to stderr');
      expect(lines).toContain('[a] bar 2/2');
      expect(fs.readFileSync(seq, 'utf8').split('\n').filter(Boolean)).toEqual([
        'start a',
        'end a',
        'start b',
        'end b',
      ]);
      const par = path.join(dir, 'par.log');
      const both = await runWorkers(jobs(par, 2), { parallel: 2, threads: 4, script, log: (l) => lines.push(l) });
      expect(both.map((e) => e.code)).toEqual([0, 3]);
      expect(lines).toContain('[b] hello from b threads=4');
      // both started before either ended
      expect(fs.readFileSync(par, 'utf8').split('\n').slice(0, 2).sort()).toEqual(['start a', 'start b']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run grid -- --workers 2', () => {
  // Random-init stand-in backbones (no pre-training needed), chest-ct, both arms, baseline and double-FT (a stage-1
  // run shared within a shard), no controls: 4 runs plus the learning-rate tuning runs on chest-ct and the stage-1
  // set (the shards wait for each other's). Every process computes with 1 thread, as each worker does, so the numbers
  // must be equal, not close. About 60 s of CPU.
  it('exports the same records (config hashes, configs, test metrics, labels, indices, probabilities) as --workers 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-grid-workers-'));
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const grid = (name: string, workers: string) => {
      const t0 = Date.now();
      const r = spawnSync(
        tsx,
        [
          path.join(ROOT, 'scripts', 'grid.ts'),
          ...['--profile', 'smoke', '--stand-in', 'random', '--datasets', 'chest-ct', '--seeds', '0'],
          ...['--conditions', 'baseline,double-ft', '--controls', '', '--export', '--workers', workers],
          ...['--runs-dir', path.join(dir, name, 'runs'), '--export-root', path.join(dir, name)],
        ],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEDSSL_THREADS: '1' }, maxBuffer: 64 * 2 ** 20 },
      );
      console.log(
        `[workers test] --workers ${workers}: exit ${r.status} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      if (r.status !== 0) console.log(r.stdout.slice(-4000), r.stderr.slice(-4000));
      expect(r.status).toBe(0);
      return r.stdout;
    };
    try {
      const out2 = grid('w2', '2');
      expect(out2).toMatch(/\[grid\] 2 worker processes side by side \(1 thread each\), then merge/);
      expect(out2).toMatch(/\[merge\] shard 1\/2: (\d+)\/\1 records, complete/);
      expect(out2).toMatch(/\[merge\] shard 2\/2: (\d+)\/\1 records, complete/);
      grid('w1', '1');
      const file = (name: string) => path.join(dir, name, 'paper', 'results', 'finetune-smoke.json');
      const cmp = spawnSync(tsx, [path.join(ROOT, 'scripts', 'slurm', 'compare-exports.ts'), file('w2'), file('w1')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      console.log(cmp.stdout.trim());
      expect(cmp.status).toBe(0);
      // 4 grid runs + the tuning runs: 2 arms × {chest-ct, its stage-1 set} × 2 rates, 2 of them the seed-0 baselines
      expect(cmp.stdout).toMatch(/same: 10 runs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
