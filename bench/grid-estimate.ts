// Machine time of a profile's fine-tuning grid, estimated from the CPU seconds its finished records measured
// (paper/results/GRID-SIZING.md):
//   npx tsx bench/grid-estimate.ts [--profile cpu] [--runs-dir runs] [--augment-dir DIR] [--augment-epochs 1,1.5]
// Per dataset: the mean CPU seconds of its finished baseline runs (tuning runs included, every arm and rate). The
// other conditions scale that: down-sampling by the share of training images it keeps, augmentation by the CPU
// ratio augment / baseline at the same rate and epochs (timing runs in --augment-dir: `npm run grid -- --conditions
// augment --epochs 3 --runs-dir DIR`) times the assumed ratio of epochs to early stopping (--augment-epochs, each
// value a row), double fine-tuning by a stage 1 on the intermediate set (at most half the epochs) plus the target
// run. Prints what is done, what is left and the total, in CPU seconds and in hours on all cores.
// This sizes a grid before it runs. Once most cells have records, `npm run grid -- --profile P --no-train` counts what
// is left from the grid's own runs (lib/finetune/time-left.ts), which is the better number then.
import os from 'node:os';
import path from 'node:path';
import { cli, stringOption } from '../lib/util/cli';

const { values: opt } = cli({
  command: 'npx tsx bench/grid-estimate.ts',
  summary: "Estimate a fine-tuning grid's machine time from the CPU seconds its finished records measured.",
  options: {
    profile: { type: 'string', arg: 'P', help: 'grid profile (default cpu)' },
    'runs-dir': { type: 'string', arg: 'DIR', help: 'finished records (default runs/)' },
    'augment-dir': { type: 'string', arg: 'DIR', help: 'timing records of augment vs baseline at equal epochs' },
    'augment-epochs': {
      type: 'string',
      arg: 'a,b',
      help: 'assumed epochs-to-stop ratio augment / baseline (default 1,1.5)',
    },
    'downsample-share': {
      type: 'string',
      arg: 'X',
      help: 'share of training images down-sampling keeps (default 0.456, the cpu splits)',
    },
  },
});
const { ROOT } = await import('../lib/util/paths');
const { GRIDS } = await import('../lib/finetune/grid');
const { intermediateFor } = await import('../lib/finetune/pairs');
const { loadRuns } = await import('../lib/finetune/run-record');

// every finished record of the profile in a runs folder (lib/finetune/run-record.ts reads and validates them)
const read = (dir: string) => loadRuns({ profile }, { dir });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const profile = (stringOption(opt, 'profile') ?? 'cpu') as keyof typeof GRIDS;
const spec = GRIDS[profile];
const recs = read(path.resolve(ROOT, stringOption(opt, 'runs-dir') ?? 'runs'));
const timed = recs.filter((r) => typeof r.cpuSeconds === 'number');
const base = new Map<string, number>();
for (const d of spec.datasets) {
  const xs = timed.filter((r) => r.config.dataset === d && r.config.condition === 'baseline').map((r) => r.cpuSeconds!);
  if (xs.length) base.set(d, mean(xs));
}
const missing = spec.datasets.filter((d) => !base.has(d));
if (missing.length)
  throw new Error(`no timed baseline record for ${missing.join(', ')} in the runs folder: run the tuning first`);
const c = (d: string) => base.get(d)!;

// augment / baseline CPU at the same rate, seed and epochs
// without timing runs, 2× (one forward of the whole net per augmented image, measured 2.09–2.22× on the cpu grid)
let augFactor = 2;
const augDir = stringOption(opt, 'augment-dir');
if (augDir) {
  const t = read(path.resolve(augDir));
  const ratios = t
    .filter((r) => r.config.condition === 'augment')
    .flatMap((a) => {
      const b = t.find(
        (r) =>
          r.config.condition === 'baseline' &&
          r.config.dataset === a.config.dataset &&
          r.config.arm === a.config.arm &&
          r.config.train.lr === a.config.train.lr &&
          r.stages.at(-1)!.epochs.length === a.stages.at(-1)!.epochs.length,
      );
      return b ? [a.cpuSeconds! / b.cpuSeconds!] : [];
    });
  if (!ratios.length) throw new Error(`${augDir}: no augment run with a baseline at the same rate and epochs`);
  augFactor = mean(ratios);
  console.log(
    `augment / baseline CPU at equal epochs: ${ratios.map((r) => r.toFixed(2)).join(', ')} → ${augFactor.toFixed(2)}×`,
  );
}
const dsShare = Number(stringOption(opt, 'downsample-share') ?? 0.456);
const augEpochs = (stringOption(opt, 'augment-epochs') ?? '1,1.5').split(',').map(Number);

const arms = spec.arms.length;
const all = arms + spec.controls.length;
const seeds = spec.seeds.length;
const rates = spec.lrCandidates?.length ?? 1;
const sum = (f: (d: string) => number) => spec.datasets.reduce((a, d) => a + f(d), 0);
const targets = spec.datasets.filter((d) => intermediateFor(d));
const doubleFt = targets.reduce((a, t) => {
  const p = intermediateFor(t)!;
  // double-ft: stage 1 on the related set + target; -self: the same extra epochs on the target; -unrelated: stage 1 elsewhere
  const stage1 = (d: string) => 0.5 * (base.get(d) ?? c(t));
  return a + (stage1(p.intermediate) + c(t)) + 2 * c(t) + (stage1(p.unrelated?.intermediate ?? t) + c(t));
}, 0);
const parts: [string, number, number][] = [
  [
    `tuning: ${all} arms and controls × ${rates} rates × ${spec.datasets.length} sets (seed-0 baselines included)`,
    all * rates * spec.datasets.length,
    rates * all * sum(c),
  ],
  [
    `baseline seeds 2–${seeds}, ${all} arms and controls`,
    all * (seeds - 1) * spec.datasets.length,
    all * (seeds - 1) * sum(c),
  ],
  [
    `down-sampling, ${arms} arms × ${seeds} seeds (× ${dsShare} of the images)`,
    arms * seeds * spec.datasets.length,
    arms * seeds * dsShare * sum(c),
  ],
  [
    `double FT and its two controls, ${arms} arms × ${targets.length} targets × ${seeds} seeds`,
    arms * seeds * targets.length * 3,
    arms * seeds * doubleFt,
  ],
];
const doneCpu = timed.reduce((a, r) => a + r.cpuSeconds!, 0);
const cores = os.cpus().length;
console.log(`\nper-dataset mean CPU s of a baseline run (${timed.length} timed records):`);
console.log(spec.datasets.map((d) => `${d} ${Math.round(c(d))}`).join(', '));
console.log('\n| part | runs | CPU-s |\n|---|---:|---:|');
for (const [what, n, s] of parts) console.log(`| ${what} | ${n} | ${Math.round(s).toLocaleString('en')} |`);
for (const e of augEpochs) {
  const aug = arms * seeds * augFactor * e * sum(c);
  const total = parts.reduce((a, p) => a + p[2], 0) + aug;
  console.log(
    `| augmentation, ${arms} arms × ${seeds} seeds, ${augFactor.toFixed(2)}× per epoch × ${e} the epochs | ${arms * seeds * spec.datasets.length} | ${Math.round(aug).toLocaleString('en')} |`,
  );
  console.log(
    `| **total (augment epochs × ${e})** | | **${Math.round(total).toLocaleString('en')} ≈ ${(total / 3600).toFixed(1)} CPU-h ≈ ${(total / 3600 / cores).toFixed(1)} h on ${cores} cores; done ${Math.round(doneCpu).toLocaleString('en')}, left ≈ ${((total - doneCpu) / 3600 / cores).toFixed(1)} h** |`,
  );
}
