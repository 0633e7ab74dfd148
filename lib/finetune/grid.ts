// The fine-tuning grids (datasets × arms × conditions × seeds) per profile, sharding, the runner with one overall
// progress bar, and the results table (mean ± sd over seeds, bootstrap CI on the pooled seeds' test sets).
//
// Sizing (see the report in notes and README): smoke runs end to end in CI minutes on 32-px tiny backbones with
// class-stratified subsets; cpu runs every medical set once per arm × condition × 3 seeds without subsets; gpu is
// paper scale (5 seeds, all conditions).
import { Progress } from '../util/progress';
import type { ProfileName } from '../util/profile';
import { meanSd, formatMeanSd } from '../stats/summary';
import { bootstrapMetricCI } from '../stats/bootstrap';
import { intermediateFor } from './pairs';
import { NotTrainedError, runOne, RunLockedError, type RunDeps } from './run';
import {
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
  arms: Arm[];
  conditions: Condition[];
  seeds: number[];
  size: number;
  train: TrainSettings;
  stage1: TrainSettings;
}

/** One line saying what a grid holds, computed from its configs (not written by hand, so it cannot go stale). */
export function describeGrid(
  spec: GridSpec,
  configs: readonly { condition: string; dataset: string; size: number }[],
): string {
  const doubleFt = configs.filter((c) => c.condition === 'double-ft');
  const sizes = [...new Set(configs.map((c) => c.size))].join('/');
  return (
    `${spec.profile}: ${spec.datasets.length} datasets × ${spec.arms.join('/')} × ${spec.conditions.length} conditions × ${spec.seeds.length} seeds = ${configs.length} runs` +
    `${doubleFt.length ? ` (double-FT only for the ${new Set(doubleFt.map((c) => c.dataset)).size} targets with a pair)` : ''}, ${sizes} px, ≤${spec.train.epochs} epochs` +
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

export const GRIDS: Record<ProfileName, GridSpec> = {
  smoke: {
    profile: 'smoke',
    datasets: ['chest-ct', 'isic-uda1'], // one grey-ish CT set, one colour dermoscopy set; both have a double-FT pair
    arms: ['tl', 'ssl'],
    conditions: ['baseline', 'augment', 'downsample', 'double-ft'],
    seeds: [0, 1],
    size: 32,
    // Subsets (class-stratified, seeded) keep every run to seconds: 160 train / 64 val / 128 test images.
    train: {
      epochs: 2,
      batchSize: 32,
      lr: 1e-3,
      schedule: { kind: 'cosine' },
      freeze: 'all',
      patience: 2,
      dropout: 0.2,
      bnMomentum: 0.9,
      subset: { train: 160, val: 64, test: 128 },
    },
    stage1: {
      epochs: 1,
      batchSize: 32,
      lr: 1e-3,
      schedule: { kind: 'constant' },
      freeze: 'all',
      patience: 1,
      dropout: 0.2,
      bnMomentum: 0.9,
      subset: { train: 320, val: 64, test: 0 },
    },
  },
  cpu: {
    profile: 'cpu',
    datasets: MEDICAL_TARGETS,
    arms: ['tl', 'ssl'],
    conditions: ['baseline', 'augment', 'downsample', 'double-ft'],
    seeds: [0, 1, 2],
    size: 32,
    // Sizing, measured 2026-11-25 with wasm (1 thread) at 32 px on the 2-core machine while it was quiet (load
    // 1-4, `npm run grid -- --profile cpu --conditions baseline --seeds 0 --epochs 2 --runs-dir /tmp/x`): one epoch
    // over every set's full train split (21,013 images) takes 38.6 s for TL (tiny-xception, ~510 img/s) and 59.3 s
    // for SSL (tiny-resnet10-w8, ~345 img/s); with validation, loading and test ≈ 100 s per epoch for both arms.
    // Per seed at the 10-epoch cap: baseline 1000 s + augment (~1.2×) 1200 s + down-sampling (~0.3×) 300 s +
    // double-FT (4 targets + 4 stage-1 sets at 6 epochs) ≈ 400 s ≈ 48 min; 3 seeds ≈ 2.4 h, ≈ 2.1 h with early
    // stopping (seed-0 baselines stopped after 8.6 epochs on average). At load average ~10 (other jobs) it ran
    // 2-2.5× slower. Split across machines with --shard i/n.
    train: {
      epochs: 10,
      batchSize: 64,
      lr: 1e-3,
      schedule: { kind: 'cosine', warmupEpochs: 1 },
      freeze: 'all',
      patience: 3,
      dropout: 0.3,
      bnMomentum: 0.9,
    },
    stage1: {
      epochs: 6,
      batchSize: 64,
      lr: 1e-3,
      schedule: { kind: 'cosine', warmupEpochs: 1 },
      freeze: 'all',
      patience: 2,
      dropout: 0.3,
      bnMomentum: 0.9,
    },
  },
  gpu: {
    profile: 'gpu',
    datasets: MEDICAL_TARGETS,
    arms: ['tl', 'ssl'],
    conditions: ['baseline', 'augment', 'downsample', 'oversample', 'class-weights', 'double-ft'],
    seeds: [0, 1, 2, 3, 4],
    size: 128, // default only: the pre-trained backbone's input size is used (lib/pretrain gpu profile: 128)
    train: {
      epochs: 50,
      batchSize: 32,
      lr: 1e-4,
      schedule: { kind: 'cosine', warmupEpochs: 2 },
      freeze: 'all',
      patience: 8,
      dropout: 0.5,
    },
    stage1: {
      epochs: 30,
      batchSize: 32,
      lr: 1e-4,
      schedule: { kind: 'cosine', warmupEpochs: 2 },
      freeze: 'all',
      patience: 6,
      dropout: 0.5,
    },
  },
};

/** What names the runs of a grid besides its settings (see RunConfig): the backbones, the data, the code. */
export interface GridIdentity {
  backbone(arm: Arm): { id: string; weights: string; size: number };
  data(dataset: string): DataIdentity;
  /** Fine-tuning code version (lib/code-versions.json). */
  code: number;
}

/**
 * All configs of a grid, in a stable order. Each names its backbone's weights, the data's file and split and the
 * code version, so any of them changing gives new config hashes (a cache miss). Double-FT appears only for
 * targets with a usable pair.
 */
export function gridConfigs(spec: GridSpec, ident: GridIdentity): RunConfig[] {
  const out: RunConfig[] = [];
  for (const dataset of spec.datasets)
    for (const arm of spec.arms)
      for (const condition of spec.conditions)
        for (const seed of spec.seeds) {
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
          if (condition === 'double-ft') {
            const pair = intermediateFor(dataset);
            if (!pair) continue;
            c.intermediate = pair.intermediate;
            c.intermediateData = ident.data(pair.intermediate);
            c.stage1 = spec.stage1;
          }
          out.push(c);
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
  const unit = (c: RunConfig) => (c.condition === 'double-ft' ? `s1:${c.intermediate}:${c.arm}:${c.seed}` : runHash(c));
  const units = [...new Set(configs.map(unit))].sort();
  const mine = new Set(units.filter((_, k) => k % count === index - 1));
  return configs.filter((c) => mine.has(unit(c)));
}

export interface GridOptions {
  log?: (msg: string) => void;
  silentProgress?: boolean;
  /** Only collect records that exist (runs/ or the export); list the configs that would need training. */
  cachedOnly?: boolean;
}

export interface GridResult {
  records: RunRecord[];
  ran: number;
  cached: number;
  /** Configs another live process was training (their lock was held): skipped, not failed. */
  locked: RunConfig[];
  /** Configs with no record, not trained because GridOptions.cachedOnly. */
  notTrained: RunConfig[];
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
  for (let k = 0; k < configs.length; k++) {
    const c = configs[k];
    const budget = c.train.epochs + (c.stage1?.epochs ?? 0);
    const start = done;
    const label = `${c.dataset}/${c.arm}/${c.condition}/s${c.seed}`;
    try {
      const r = await runOne(c, deps, {
        onEpoch: () => bar.update(++done, { run: `${k + 1}/${configs.length}`, at: label }),
        log: o.log,
        cachedOnly: o.cachedOnly,
      });
      records.push(r.record);
      if (r.cached) cached++;
      else ran++;
    } catch (e) {
      if (e instanceof NotTrainedError) {
        notTrained.push(c);
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
  return { records, ran, cached, locked, notTrained, failed, wallSeconds: (Date.now() - t0) / 1000 };
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
  /** bootstrap 95% CI of accuracy on the test images of all seeds pooled (each seed's predictions resampled) */
  accuracyCI: string;
  trainSeconds: string;
  imgPerSec: string;
}

const num = (r: RunRecord, k: string) => r.test.metrics[k] as number;

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
    const ms = (key: string) => formatMeanSd(meanSd(rs.map((r) => num(r, key)).filter((v) => Number.isFinite(v))), 3);
    // CI: percentile bootstrap of accuracy over the pooled test predictions of all seeds
    const n = rs[0].test.labels.length;
    const C = rs[0].dataset.classNames.length;
    const sameTest = rs.every((r) => r.test.labels.length === n);
    let ci = 'n/a';
    if (sameTest && n > 1) {
      const ys: number[] = [],
        ps: number[] = [];
      for (const r of rs) {
        ys.push(...r.test.labels);
        for (const row of r.test.probs) ps.push(...row);
      }
      const b = bootstrapMetricCI(ys, ps, C, 'accuracy', { seed: bootstrapSeed, resamples });
      ci = `[${b.lower.toFixed(3)}, ${b.upper.toFixed(3)}]`;
    }
    const secs = meanSd(rs.map((r) => r.stages.reduce((s, st) => s + st.wallSeconds, 0)));
    const ips = meanSd(rs.map((r) => r.stages[r.stages.length - 1].imgPerSec));
    rows.push({
      dataset,
      arm,
      condition,
      seeds: rs.length,
      accuracy: ms('accuracy'),
      balancedAccuracy: ms('balancedAccuracy'),
      macroF1: ms('macroF1'),
      accuracyCI: ci,
      trainSeconds: secs.mean.toFixed(1),
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
