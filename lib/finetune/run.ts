// One grid cell → one run record. Looks the config up in runs/ first (cache hit: no training), otherwise loads
// the dataset and a fresh pre-trained backbone, runs the condition (double fine-tuning: checks the pair for
// shared images, runs or reloads stage 1, then the target), computes the test metrics and writes the record.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { classificationMetrics } from '../metrics/classification';
import { configHash } from '../util/hash';
import { readJson, writeJsonAtomic } from '../util/atomic';
import { tryLock } from '../util/lock';
import { RUNS_DIR } from '../util/paths';
import { cpuSecondsSince } from '../util/cpu-time';
import { gitState } from '../util/git';
import type { Backbone } from '../models/backbone';
import { finetune, weightsHash, type AugmentFn, type FinetuneData, type FinetuneOptions } from './finetune';
import { WEIGHT_FILE_LAYOUT, layerOrderedHash, readWeightsF32, writeWeightsF32 } from './weight-file';
import { checkPair } from './pairs';
import { splitHash } from '../data/splits';
import { exportedRun } from './export';
import { fingerprints } from '../data/fingerprints';
import type { OverlapReport } from '../data/overlap';
import {
  cachedRun,
  isDoubleFt,
  runHash,
  runPath,
  writeRun,
  RECORD_SCHEMA,
  type Arm,
  type DataIdentity,
  type RunConfig,
  type RunRecord,
  type StageRecord,
  type TrainSettings,
} from './run-record';
import type { Balance } from './sampling';

export interface RunDeps {
  /** An ImageSet (lib/data) at `size` px. May be cached by the caller: fine-tuning never mutates it. */
  loadDataset(id: string, size: number): Promise<FinetuneData>;
  /** A FRESH backbone for the arm (fine-tuning trains it in place). */
  getBackbone(arm: Arm, opts: { profile: string; size: number }): Promise<Backbone>;
  augment?: AugmentFn;
  backend(): string;
  /** Full backend provenance for the record (threads, native build), when the caller has it. */
  backendInfo?(): Record<string, unknown>;
  runsDir?: string;
}

export interface RunHooks {
  onEpoch?: (stage: 'stage1' | 'target') => void;
  log?: (msg: string) => void;
  /** Serve cached or exported records only: a config that would need training throws NotTrainedError. */
  cachedOnly?: boolean;
}

const BALANCE: Record<RunConfig['condition'], Balance> = {
  baseline: 'none',
  augment: 'none',
  downsample: 'downsample',
  oversample: 'oversample',
  'class-weights': 'class-weights',
  'double-ft': 'none',
  'double-ft-self': 'none',
  'double-ft-unrelated': 'none',
};

function options(train: TrainSettings, seed: number, extra: Partial<FinetuneOptions>): FinetuneOptions {
  return { ...train, seed, ...extra };
}

/** Beside a stage-1 checkpoint (runs/stage1/<key>.f32): its file layout and hash, and what the run records. */
interface Stage1Meta {
  key: string;
  layout: string;
  /** sha256 of the file (layer order) */
  fileHash: string;
  /** weightsHash of the backbone after stage 1 (getWeights order): the record's stage1CheckpointHash */
  weightsHash: string;
  stage: StageRecord;
}

/** Stage-1 checkpoints are shared by every run with the same intermediate set, arm, seed and settings. */
export function stage1Key(c: RunConfig): string {
  if (!c.intermediate || !c.stage1) throw new Error(`config ${runHash(c)}: double-ft needs intermediate and stage1`);
  const { profile, intermediate, intermediateData, arm, seed, size, backbone, backboneWeights, code, stage1 } = c;
  return configHash({
    profile,
    dataset: intermediate,
    data: intermediateData,
    arm,
    seed,
    size,
    backbone,
    backboneWeights,
    code,
    train: stage1,
  });
}

function overlapCached(
  dir: string,
  a: FinetuneData,
  b: FinetuneData,
  pair: { intermediate: string; target: string },
): OverlapReport {
  const file = path.join(
    dir,
    'overlap',
    `${a.id}__${b.id}__${(a.sha256 ?? 'x').slice(0, 12)}_${(b.sha256 ?? 'x').slice(0, 12)}_${a.size}.json`,
  );
  if (fs.existsSync(file)) {
    const r = readJson<OverlapReport & { refused?: string }>(file);
    if (r.refused) throw new Error(r.refused);
    return r;
  }
  try {
    const r = checkPair(pair, fingerprints(a), fingerprints(b));
    writeJsonAtomic(file, r);
    return r;
  } catch (e) {
    writeJsonAtomic(file, { refused: (e as Error).message });
    throw e;
  }
}

/** The run could not start because another live process holds its lock (it is training this config now). */
export class RunLockedError extends Error {}

/** No record of this config exists and training was not allowed (RunHooks.cachedOnly). */
export class NotTrainedError extends Error {}

/** Throws when the data or backbone a run got is not the one its config names (its identity). */
function checkIdentity(config: RunConfig, what: string, got: DataIdentity | string, want: DataIdentity | string): void {
  const g = typeof got === 'string' ? got : `${got.sha256.slice(0, 16)}/${got.splitHash}`;
  const w = typeof want === 'string' ? want : `${want.sha256.slice(0, 16)}/${want.splitHash}`;
  if (g !== w)
    throw new Error(
      `config ${runHash(config)} (${config.dataset}/${config.arm}): ${what} is ${g}, the config names ${w}; rebuild the grid's configs`,
    );
}

export async function runOne(
  config: RunConfig,
  deps: RunDeps,
  hooks: RunHooks = {},
): Promise<{ record: RunRecord; cached: boolean }> {
  const dir = deps.runsDir ?? RUNS_DIR;
  const hit = cachedRun(config, dir);
  if (hit) return { record: hit, cached: true };
  // Only the default runs/ falls back to the committed export (tests and timing runs use their own folders).
  const exported = dir === RUNS_DIR ? exportedRun(config) : undefined;
  if (exported) {
    writeRun(exported, dir); // restore it, so runs/ holds every record the notebooks read
    return { record: exported, cached: true };
  }
  if (hooks.cachedOnly) throw new NotTrainedError(`config ${runHash(config)} has no record and training is off`);
  // One process trains a config at a time; the second one skips it (and finds the record next time).
  const lock = tryLock(`${runPath(config, dir)}.lock`, {
    what: `fine-tuning ${config.dataset}/${config.arm}/${config.condition}/seed ${config.seed}`,
  });
  if (!lock)
    throw new RunLockedError(
      `config ${runHash(config)} is being trained by another process (${runPath(config, dir)}.lock)`,
    );
  try {
    const again = cachedRun(config, dir); // finished while we were deciding
    if (again) return { record: again, cached: true };
    return await train(config, deps, hooks, dir);
  } finally {
    lock.release();
  }
}

async function train(
  config: RunConfig,
  deps: RunDeps,
  hooks: RunHooks,
  dir: string,
): Promise<{ record: RunRecord; cached: boolean }> {
  const started = new Date();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const load0 = os.loadavg()[0];
  const data = await deps.loadDataset(config.dataset, config.size);
  checkIdentity(
    config,
    `dataset ${data.id}`,
    { sha256: data.sha256 ?? 'unknown', splitHash: data.splitHash ?? splitHash(data.splits) },
    config.data,
  );
  const backbone = await deps.getBackbone(config.arm, { profile: config.profile, size: config.size });
  const stages: StageRecord[] = [];
  let stage1CheckpointHash: string | undefined;
  const classifiers: tf.LayersModel[] = [];

  try {
    checkIdentity(
      config,
      `backbone ${backbone.name} weights`,
      weightsHash(backbone.model).slice(0, 16),
      config.backboneWeights,
    );
    if (isDoubleFt(config.condition)) {
      const inter = await deps.loadDataset(config.intermediate!, config.size);
      checkIdentity(
        config,
        `intermediate ${inter.id}`,
        { sha256: inter.sha256 ?? 'unknown', splitHash: inter.splitHash ?? splitHash(inter.splits) },
        config.intermediateData!,
      );
      // 'double-ft-self' trains stage 1 on the target itself: nothing to compare.
      if (config.intermediate !== config.dataset)
        overlapCached(dir, inter, data, { intermediate: config.intermediate!, target: config.dataset });
      const key = stage1Key(config);
      const ckpt = path.join(dir, 'stage1', `${key}.f32`);
      const meta = path.join(dir, 'stage1', `${key}.json`);
      // A checkpoint of another file layout (written before lib/finetune/weight-file.ts) is not read: stage 1
      // trains again and replaces it.
      const saved = fs.existsSync(ckpt) && fs.existsSync(meta) ? readJson<Stage1Meta>(meta) : undefined;
      if (saved?.layout === WEIGHT_FILE_LAYOUT) {
        readWeightsF32(backbone.model, ckpt);
        if (layerOrderedHash(backbone.model) !== saved.fileHash)
          throw new Error(`${ckpt}: weights hash does not match ${meta} (delete both to retrain stage 1)`);
        stages.push(saved.stage);
        stage1CheckpointHash = saved.weightsHash;
        hooks.log?.(`stage 1 ${config.intermediate} reused from ${path.relative(process.cwd(), ckpt)}`);
      } else {
        const s1 = await finetune(
          backbone,
          inter,
          options(config.stage1!, config.seed, {
            stage: 'stage1',
            headPrefix: 'stage1_head',
            evaluateTest: false,
            onEpoch: () => hooks.onEpoch?.('stage1'),
          }),
        );
        classifiers.push(s1.classifier);
        writeWeightsF32(backbone.model, ckpt);
        stage1CheckpointHash = weightsHash(backbone.model);
        const m: Stage1Meta = {
          key,
          layout: WEIGHT_FILE_LAYOUT,
          fileHash: layerOrderedHash(backbone.model),
          weightsHash: stage1CheckpointHash,
          stage: s1.stage,
        };
        writeJsonAtomic(meta, m);
        stages.push(s1.stage);
      }
    }
    const augment = config.condition === 'augment' ? deps.augment : undefined;
    if (config.condition === 'augment' && !augment)
      throw new Error(`config ${runHash(config)}: condition 'augment' but no augmentation function was given`);
    const res = await finetune(
      backbone,
      data,
      options(config.train, config.seed, {
        stage: 'target',
        balance: BALANCE[config.condition],
        augment,
        onEpoch: () => hooks.onEpoch?.('target'),
      }),
    );
    classifiers.push(res.classifier);
    stages.push(res.stage);
    const test = res.test!;
    const metrics = classificationMetrics(test.labels, test.probs, test.numClasses, data.classNames);
    const probs: number[][] = [];
    for (let i = 0; i < test.labels.length; i++)
      probs.push(
        Array.from(
          test.probs.subarray(i * test.numClasses, (i + 1) * test.numClasses),
          (v) => Math.round(v * 1e6) / 1e6,
        ),
      );
    const git = gitState();
    const record: RunRecord = {
      schema: RECORD_SCHEMA,
      configHash: runHash(config),
      config,
      seed: config.seed,
      dataset: {
        id: data.id,
        sha256: data.sha256 ?? 'unknown',
        splitHash: data.splitHash ?? splitHash(data.splits),
        classNames: data.classNames,
        size: data.size,
        counts: { train: res.used.train.length, val: res.used.val.length, test: res.used.test.length },
      },
      backend: deps.backend(),
      backendInfo: deps.backendInfo?.(),
      gitCommit: git.commit,
      gitDirty: git.dirty,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      wallSeconds: (Date.now() - t0) / 1000,
      cpuSeconds: cpuSecondsSince(cpu0),
      loadAverage: { start: load0, end: os.loadavg()[0] },
      stages,
      stage1CheckpointHash,
      test: {
        metrics,
        labels: test.labels,
        probs,
        indices: test.indices,
      },
    };
    writeRun(record, dir);
    return { record, cached: false };
  } finally {
    disposeWeights([...classifiers, backbone.model]);
  }
}

/** Free the weights of models that share layers (model.dispose() throws on the second model sharing a layer). */
export function disposeWeights(models: tf.LayersModel[]): void {
  const vars = new Set<tf.Tensor>();
  for (const m of models) for (const w of m.weights) vars.add(w.read());
  for (const v of vars) if (!v.isDisposed) v.dispose();
}
