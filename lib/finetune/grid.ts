// The fine-tuning grids (datasets × arms × conditions × seeds) per profile, sharding, the runner with one overall
// progress bar, and the results table (mean ± sd over seeds, hierarchical bootstrap CI: fine-tuning seed → shared
// test images).
//
// Profiles: smoke runs end to end in CI minutes on 32-px test backbones with class-stratified subsets; cpu is the
// matched 2×2 design at 64 px (sized in paper/results/GRID-SIZING.md); gpu is paper scale (config only).
import { Progress } from '../util/progress';
import type { ProfileName } from '../util/profile';
import { meanSd, formatMeanSd } from '../stats/summary';
import { hierarchicalBootstrap } from '../stats/hierarchical';
import type { ScalarMetricName } from '../metrics/classification';
import { stage1SetFor } from './pairs';
import { NotTrainedError, runOne, RunLockedError, type RunDeps } from './run';
import {
  isDoubleFt,
  runHash,
  type Arm,
  type Condition,
  type DataIdentity,
  type RunConfig,
  type RunRecord,
  type TrainSettings,
} from './run-record';

export interface GridSpec {
  profile: ProfileName;
  datasets: string[];
  /** Arms run under every condition (the comparison). */
  arms: Arm[];
  /** Arms run at baseline only (the controls: no pre-training, real ImageNet weights, in-domain SimCLR). */
  controls: Arm[];
  conditions: Condition[];
  seeds: number[];
  /** Fine-tuning input size (the pre-training profile's finetuneSize). */
  size: number;
  train: TrainSettings;
  stage1: TrainSettings;
  /**
   * Learning rates tried per arm × dataset on the validation split (baseline, first seed); the one with the lowest
   * best-epoch validation loss trains every run of that arm × dataset (and stage 1 on that set). The same small
   * budget for every arm, so no arm is tuned more than another. Undefined: `train.lr` everywhere.
   */
  lrCandidates?: number[];
}

/** One line saying what a grid holds, computed from its configs (not written by hand, so it cannot go stale). */
export function describeGrid(
  spec: GridSpec,
  configs: readonly { condition: string; dataset: string; size: number; arm: string }[],
  /** 'runs': `configs` is the grid's own list; 'records': the runs recorded so far (a notebook's records) */
  counted: 'runs' | 'records' = 'runs',
): string {
  const doubleFt = configs.filter((c) => isDoubleFt(c.condition as Condition));
  const sizes = [...new Set(configs.map((c) => c.size))].join('/');
  const controls = spec.controls.length ? ` + controls ${spec.controls.join('/')} at baseline` : '';
  return (
    `${spec.profile}: ${spec.datasets.length} datasets × ${spec.arms.join('/')} × ${spec.conditions.length} conditions${controls} × ${spec.seeds.length} seeds${counted === 'runs' ? ` = ${configs.length} runs` : `; ${configs.length} runs recorded`}` +
    `${doubleFt.length ? ` (double-FT only for the ${new Set(doubleFt.map((c) => c.dataset)).size} targets with a pair)` : ''}, ${sizes} px, ≤${spec.train.epochs} epochs, ` +
    `${spec.train.freeze === 'top' ? `last ${spec.train.topLayers} weighted layers + head train` : `freeze ${spec.train.freeze}`}` +
    `${spec.lrCandidates ? `, learning rate chosen on validation from ${spec.lrCandidates.join('/')}` : ''}` +
    `${spec.train.subset ? `, subsets ${spec.train.subset.train}/${spec.train.subset.val}/${spec.train.subset.test}` : ''}`
  );
}

const MEDICAL_TARGETS = [
  'breastmnist',
  'pneumoniamnist',
  'busi',
  'chest-ct',
  'ct-kidney',
  'iq-oth-nccd',
  'alzheimer-mri',
  'isic-uda1',
  'eye-fundus',
  'ham10000',
  'pbc-blood',
];
const ALL_CONDITIONS: Condition[] = [
  'baseline',
  'augment',
  'downsample',
  'double-ft',
  'double-ft-self',
  'double-ft-unrelated',
];

// Target-stage settings per profile; stage 1 (double fine-tuning) takes the same with fewer epochs and less patience.
const SMOKE_TRAIN: TrainSettings = {
  epochs: 2,
  batchSize: 32,
  lr: 1e-3,
  schedule: { kind: 'cosine' },
  freeze: 'top',
  topLayers: 4,
  patience: 2,
  dropout: 0.2,
  bnMomentum: 0.9,
  subset: { train: 160, val: 64, test: 128 },
};
const CPU_TRAIN: TrainSettings = {
  epochs: 30,
  batchSize: 64,
  lr: 1e-3,
  schedule: { kind: 'cosine', warmupEpochs: 1 },
  freeze: 'top',
  topLayers: 10,
  patience: 4,
  dropout: 0.3,
  bnMomentum: 0.9,
};
const GPU_TRAIN: TrainSettings = {
  epochs: 50,
  batchSize: 32,
  lr: 1e-4,
  schedule: { kind: 'cosine', warmupEpochs: 2 },
  freeze: 'all',
  patience: 8,
  dropout: 0.5,
};

export const GRIDS: Record<ProfileName, GridSpec> = {
  smoke: {
    profile: 'smoke',
    datasets: ['chest-ct', 'isic-uda1'], // one grey CT set, one colour dermoscopy set; both have double-FT pairs
    arms: ['tl-resnet', 'ssl-resnet'],
    controls: ['random-resnet'],
    conditions: ALL_CONDITIONS,
    seeds: [0, 1],
    size: 32,
    lrCandidates: [1e-3, 3e-3],
    // Subsets (class-stratified, seeded) keep every run to seconds: 160 train / 64 val / 128 test images.
    train: SMOKE_TRAIN,
    stage1: {
      ...SMOKE_TRAIN,
      epochs: 1,
      schedule: { kind: 'constant' },
      patience: 1,
      subset: { train: 320, val: 64, test: 0 },
    },
  },
  // The matched 2×2 design (TL/SSL × ResNet/Xception, the ResNet pair at two pre-training seeds) under every
  // condition, the controls at baseline, 3 fine-tuning seeds, 64 px. The last stage of each backbone (its last 10
  // weighted layers: ResNet stage 5, Xception exit flow) and a new head train; the earlier layers stay frozen, batch
  // norm included. Sizing from measured throughput: paper/results/GRID-SIZING.md.
  cpu: {
    profile: 'cpu',
    datasets: MEDICAL_TARGETS,
    arms: ['tl-resnet', 'ssl-resnet', 'tl-xception', 'ssl-xception', 'tl-resnet-s1', 'ssl-resnet-s1'],
    controls: ['random-resnet', 'imagenet-mnv2', 'ssl-resnet-medical-all'],
    conditions: ALL_CONDITIONS,
    seeds: [0, 1, 2],
    size: 64,
    lrCandidates: [3e-4, 1e-3, 3e-3],
    train: CPU_TRAIN,
    stage1: { ...CPU_TRAIN, epochs: 15, patience: 3 },
  },
  // Paper scale (not run here): the paper's pairing plus the matched one, whole networks fine-tuned.
  gpu: {
    profile: 'gpu',
    datasets: MEDICAL_TARGETS,
    arms: ['tl-xception', 'ssl-resnet', 'tl-resnet', 'ssl-xception'],
    controls: ['random-resnet', 'imagenet-mnv2', 'ssl-resnet-medical-all'],
    conditions: [...ALL_CONDITIONS, 'oversample', 'class-weights'],
    seeds: [0, 1, 2, 3, 4],
    size: 128,
    lrCandidates: [1e-5, 1e-4, 1e-3],
    train: GPU_TRAIN,
    stage1: { ...GPU_TRAIN, epochs: 30, patience: 6 },
  },
};

/** What names the runs of a grid besides its settings (see RunConfig): the backbones, the data, the code. */
export interface GridIdentity {
  backbone(arm: Arm): { id: string; weights: string; size: number };
  data(dataset: string): DataIdentity;
  /** Fine-tuning code version (lib/code-versions.json). */
  code: number;
}

/** The learning rate chosen for an arm on a dataset, or undefined while its tuning runs are not all done. */
export type LrChoice = (arm: Arm, dataset: string) => number | undefined;

function baseConfig(
  spec: GridSpec,
  ident: GridIdentity,
  dataset: string,
  arm: Arm,
  condition: Condition,
  seed: number,
) {
  const bb = ident.backbone(arm);
  const c: RunConfig = {
    profile: spec.profile,
    dataset,
    arm,
    condition,
    seed,
    size: bb.size,
    backbone: bb.id,
    backboneWeights: bb.weights,
    code: ident.code,
    data: ident.data(dataset),
    train: spec.train,
  };
  return c;
}

/** The sets an arm fine-tunes on: the targets, and for arms under double-FT their stage-1 sets. */
function setsOf(spec: GridSpec, arm: Arm): string[] {
  const sets = new Set(spec.datasets);
  if (spec.arms.includes(arm))
    for (const d of spec.datasets)
      for (const cond of spec.conditions.filter(isDoubleFt)) {
        const s1 = stage1SetFor(d, cond);
        if (s1) sets.add(s1);
      }
  return [...sets];
}

/**
 * The learning-rate tuning runs: baseline, first seed, each candidate, for every arm and control on every set it
 * fine-tunes on (targets and stage-1 sets). Empty when the spec has no candidates.
 */
export function tuningConfigs(spec: GridSpec, ident: GridIdentity): RunConfig[] {
  if (!spec.lrCandidates?.length) return [];
  const out: RunConfig[] = [];
  for (const arm of [...spec.arms, ...spec.controls])
    for (const dataset of setsOf(spec, arm))
      for (const lr of spec.lrCandidates) {
        const c = baseConfig(spec, ident, dataset, arm, 'baseline', spec.seeds[0]);
        c.train = { ...spec.train, lr };
        out.push(c);
      }
  return out;
}

/** Best-epoch validation loss of a run's target stage (the early-stopping criterion). */
export function bestValLoss(r: RunRecord): number {
  const t = r.stages[r.stages.length - 1];
  const e = t.epochs.find((x) => x.epoch === t.bestEpoch) ?? t.epochs[t.bestEpoch];
  return e ? e.valLoss : NaN;
}

/**
 * The candidate with the lowest best-epoch validation loss among the tuning records of one arm × dataset (ties:
 * the smaller rate); undefined unless every candidate has a record.
 */
export function selectLr(candidates: number[], records: RunRecord[]): number | undefined {
  const byLr = new Map(records.map((r) => [r.config.train.lr, bestValLoss(r)]));
  if (!candidates.every((lr) => byLr.has(lr))) return undefined;
  let best = candidates[0];
  for (const lr of candidates) {
    const v = byLr.get(lr)!,
      b = byLr.get(best)!;
    if (v < b || (v === b && lr < best) || (Number.isNaN(b) && !Number.isNaN(v))) best = lr;
  }
  return best;
}

/**
 * All configs of a grid, in a stable order. Each names its backbone's weights, the data's file and split and the
 * code version, so any of them changing gives new config hashes (a cache miss). The double-FT family appears only
 * for targets with a usable pair. With learning-rate candidates, a config whose rate (or whose stage-1 set's rate)
 * is not chosen yet is left out and listed in `waiting` (run the tuning configs first).
 */
export function gridConfigs(
  spec: GridSpec,
  ident: GridIdentity,
  lrOf: LrChoice = () => spec.train.lr,
  waiting: { arm: Arm; dataset: string }[] = [],
): RunConfig[] {
  const out: RunConfig[] = [];
  const lr = (arm: Arm, dataset: string): number | undefined => {
    const v = spec.lrCandidates?.length ? lrOf(arm, dataset) : spec.train.lr;
    if (v === undefined && !waiting.some((w) => w.arm === arm && w.dataset === dataset)) waiting.push({ arm, dataset });
    return v;
  };
  for (const dataset of spec.datasets)
    for (const arm of [...spec.arms, ...spec.controls]) {
      const conditions = spec.arms.includes(arm) ? spec.conditions : spec.conditions.filter((c) => c === 'baseline');
      for (const condition of conditions)
        for (const seed of spec.seeds) {
          const c = baseConfig(spec, ident, dataset, arm, condition, seed);
          if (isDoubleFt(condition)) {
            const s1 = stage1SetFor(dataset, condition);
            if (!s1) continue;
            const lr1 = lr(arm, s1);
            if (lr1 === undefined) continue;
            c.intermediate = s1;
            c.intermediateData = ident.data(s1);
            c.stage1 = { ...spec.stage1, lr: lr1 };
          }
          const lr0 = lr(arm, dataset);
          if (lr0 === undefined) continue;
          c.train = { ...spec.train, lr: lr0 };
          out.push(c);
        }
    }
  return out;
}

/** Parse "i/n" (1-based: 1/4 … 4/4). */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`--shard must look like i/n (e.g. 2/4), got "${s}"`);
  const index = Number(m[1]),
    count = Number(m[2]);
  if (!(count >= 1 && index >= 1 && index <= count)) throw new Error(`--shard ${s}: need 1 ≤ i ≤ n`);
  return { index, count };
}

/**
 * The slice of `configs` that shard i of n runs. Configs are dealt round-robin in the order of their hashes, so
 * each shard gets a mix of datasets and the partition does not depend on the order the list was built in.
 * Double-FT runs that share a stage-1 checkpoint are kept in one shard (stage 1 is then trained once).
 */
export function shardConfigs(configs: RunConfig[], index: number, count: number): RunConfig[] {
  const unit = (c: RunConfig) => (isDoubleFt(c.condition) ? `s1:${c.intermediate}:${c.arm}:${c.seed}` : runHash(c));
  const units = [...new Set(configs.map(unit))].sort();
  const mine = new Set(units.filter((_, k) => k % count === index - 1));
  return configs.filter((c) => mine.has(unit(c)));
}

export interface GridOptions {
  log?: (msg: string) => void;
  silentProgress?: boolean;
  /** Only collect records that exist (runs/ or the export); list the configs that would need training. */
  cachedOnly?: boolean;
  /**
   * Start no new training at or after this time (ms since the epoch): a run under way finishes, records that exist
   * are still collected, and the configs that would need training go to GridResult.deferred. For a process that
   * must stop at a known time without killing a run half-way.
   */
  startBefore?: number;
}

export interface GridResult {
  records: RunRecord[];
  ran: number;
  cached: number;
  /** Configs another live process was training (their lock was held): skipped, not failed. */
  locked: RunConfig[];
  /** Configs with no record, not trained because GridOptions.cachedOnly. */
  notTrained: RunConfig[];
  /** Configs with no record, not started because GridOptions.startBefore had passed. */
  deferred: RunConfig[];
  failed: { config: RunConfig; error: string }[];
  wallSeconds: number;
}

/** Run every config (cache hits are free), one overall progress bar counted in epochs. */
export async function runGrid(configs: RunConfig[], deps: RunDeps, o: GridOptions = {}): Promise<GridResult> {
  const t0 = Date.now();
  const total = configs.reduce((s, c) => s + c.train.epochs + (c.stage1?.epochs ?? 0), 0);
  const bar = new Progress('grid', total, { silent: o.silentProgress, logEveryMs: 15_000 });
  let done = 0,
    ran = 0,
    cached = 0;
  const records: RunRecord[] = [];
  const failed: GridResult['failed'] = [];
  const locked: RunConfig[] = [];
  const notTrained: RunConfig[] = [];
  const deferred: RunConfig[] = [];
  for (let k = 0; k < configs.length; k++) {
    const c = configs[k];
    const budget = c.train.epochs + (c.stage1?.epochs ?? 0);
    const start = done;
    const label = `${c.dataset}/${c.arm}/${c.condition}/s${c.seed}`;
    const late = !o.cachedOnly && o.startBefore !== undefined && Date.now() >= o.startBefore;
    try {
      const r = await runOne(c, deps, {
        onEpoch: () => bar.update(++done, { run: `${k + 1}/${configs.length}`, at: label }),
        log: o.log,
        cachedOnly: o.cachedOnly || late,
      });
      records.push(r.record);
      if (r.cached) cached++;
      else ran++;
    } catch (e) {
      if (e instanceof NotTrainedError) {
        (late ? deferred : notTrained).push(c);
        continue;
      }
      if (e instanceof RunLockedError) {
        locked.push(c);
        o.log?.(`skipped ${label}: ${e.message}`);
        continue;
      }
      failed.push({ config: c, error: (e as Error).message });
      o.log?.(`FAILED ${label}: ${(e as Error).message}`);
    }
    done = start + budget; // early stopping / cache hits: jump to the run's full share
    bar.update(done, { run: `${k + 1}/${configs.length}`, at: label });
  }
  bar.done({ ran, cached, locked: locked.length, failed: failed.length });
  return { records, ran, cached, locked, notTrained, deferred, failed, wallSeconds: (Date.now() - t0) / 1000 };
}

/**
 * runGrid, then again over the configs another process had locked, every `pollMs`, until none is locked. A live
 * holder finishes its config (a cache hit here); a dead one's lock goes stale (lib/util/lock.ts: at once on this
 * host, after 10 min without a heartbeat from another), so a requeued SLURM task re-runs what its killed
 * predecessor was training instead of leaving it out.
 */
export async function runGridWaitingForLocks(
  configs: RunConfig[],
  deps: RunDeps,
  o: GridOptions & { pollMs?: number } = {},
): Promise<GridResult> {
  const res = await runGrid(configs, deps, o);
  const pollMs = o.pollMs ?? 30_000;
  while (res.locked.length) {
    o.log?.(
      `${res.locked.length} configs locked by another process; trying them again in ${Math.round(pollMs / 1000)} s`,
    );
    await new Promise((r) => setTimeout(r, pollMs));
    const again = await runGrid(res.locked, deps, o);
    res.records.push(...again.records);
    res.failed.push(...again.failed);
    res.notTrained.push(...again.notTrained);
    res.deferred.push(...again.deferred);
    res.ran += again.ran;
    res.cached += again.cached;
    res.locked = again.locked;
    res.wallSeconds += again.wallSeconds + pollMs / 1000;
  }
  return res;
}

export interface TableRow {
  dataset: string;
  arm: string;
  condition: string;
  seeds: number;
  accuracy: string;
  balancedAccuracy: string;
  macroF1: string;
  /**
   * 95% CI of the seed-mean accuracy: hierarchical bootstrap, fine-tuning seeds resampled, then the test images
   * (one image resample shared by every seed: the seeds are tested on the same images, so they are not independent)
   */
  accuracyCI: string;
  trainSeconds: string;
  /** mean CPU seconds per run (the comparable timing on a shared machine); n/a when a record predates it */
  cpuSeconds: string;
  imgPerSec: string;
}

const num = (r: RunRecord, k: ScalarMetricName): number => {
  const v = r.test.metrics[k];
  return typeof v === 'number' ? v : NaN;
};

/** 1 where a run's arg-max prediction is right, per test image. */
function correct(r: RunRecord): Float64Array {
  return Float64Array.from(r.test.probs, (row, i) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
    return best === r.test.labels[i] ? 1 : 0;
  });
}

const sameList = (x?: readonly number[], y?: readonly number[]) =>
  x === y || (!!x && !!y && x.length === y.length && x.every((v, i) => v === y[i]));

/**
 * 95% interval of the mean accuracy over a cell's fine-tuning seeds: hierarchical bootstrap (lib/stats/hierarchical)
 * with the seeds as one level and the test images below it. Seeds tested on the same images (same labels and
 * indices) share one image resample per draw; pooling every (seed, image) as independent would shrink the interval
 * by about √(seeds) without any new test image. Undefined for a cell whose runs have no test images.
 */
export function seedMeanAccuracyCI(
  runs: readonly RunRecord[],
  seed = 0,
  resamples = 1000,
): { lower: number; upper: number } | undefined {
  if (!runs.length || runs.some((r) => r.test.labels.length < 2)) return undefined;
  const r0 = runs[0];
  const shared = runs.every(
    (r) => sameList(r.test.labels, r0.test.labels) && sameList(r.test.indices, r0.test.indices),
  );
  const res = hierarchicalBootstrap(
    [
      {
        name: `${r0.config.dataset}/${r0.config.arm}/${r0.config.condition}`,
        cells: [runs.map((r) => ({ yTrue: r.test.labels, a: correct(r), b: new Float64Array(r.test.labels.length) }))],
      },
    ],
    { metric: 'mean', seed, resamples, images: shared ? 'shared' : 'nested' },
  );
  return { lower: res.lower, upper: res.upper };
}

/** One row per dataset × arm × condition: mean ± sd over seeds, a bootstrap CI, training time and speed. */
export function resultsTable(records: RunRecord[], bootstrapSeed = 0, resamples = 1000): TableRow[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.config.dataset}|${r.config.arm}|${r.config.condition}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  const rows: TableRow[] = [];
  for (const [k, rs] of groups) {
    const [dataset, arm, condition] = k.split('|');
    const ms = (key: ScalarMetricName) =>
      formatMeanSd(meanSd(rs.map((r) => num(r, key)).filter((v) => Number.isFinite(v))), 3);
    const ci = seedMeanAccuracyCI(rs, bootstrapSeed, resamples);
    const secs = meanSd(rs.map((r) => r.stages.reduce((s, st) => s + st.wallSeconds, 0)));
    const cpu = rs.every((r) => r.cpuSeconds !== undefined) ? meanSd(rs.map((r) => r.cpuSeconds!)) : undefined;
    const ips = meanSd(rs.map((r) => r.stages[r.stages.length - 1].imgPerSec));
    rows.push({
      dataset,
      arm,
      condition,
      seeds: rs.length,
      accuracy: ms('accuracy'),
      balancedAccuracy: ms('balancedAccuracy'),
      macroF1: ms('macroF1'),
      accuracyCI: ci ? `[${ci.lower.toFixed(3)}, ${ci.upper.toFixed(3)}]` : 'n/a',
      trainSeconds: secs.mean.toFixed(1),
      cpuSeconds: cpu ? cpu.mean.toFixed(1) : 'n/a',
      imgPerSec: ips.mean.toFixed(0),
    });
  }
  return rows;
}

/** Plain-text table (aligned columns) for the terminal and CI logs. */
export function formatTable(rows: TableRow[]): string {
  if (!rows.length) return '(no runs)';
  const cols = Object.keys(rows[0]) as (keyof TableRow)[];
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(w[i])).join('  ');
  return [line(cols), line(w.map((n) => '-'.repeat(n))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join(
    '\n',
  );
}
