// One fine-tuning run = one JSON record in runs/<config-hash>.json, written atomically. The config hash is the
// cache key: the same config again returns the stored record instead of training. `loadRuns(filter)` is the
// reader the notebooks and the report use.
import fs from 'node:fs';
import path from 'node:path';
import type { DataIdentity } from '../data/identity';
import { SCALAR_METRICS, type ClassificationMetrics, type PerClassMetrics } from '../metrics/classification';
import { configHash } from '../util/hash';
import { cleanStaleTemps, readJson, writeJsonAtomic } from '../util/atomic';
import type { LrSchedule } from '../util/lr-schedule';
import { RUNS_DIR } from '../util/paths';

/**
 * Version of the record layout. 2: the config carries the run's whole identity (backbone weights hash, fine-tuning
 * code version, dataset sha256 and split hash). Records of another schema are never served from a cache.
 */
export const RECORD_SCHEMA = 2;

export type { DataIdentity };
import type { Arm } from '../pretrain/arms';
export type { Arm };
/**
 * What is done to the target set. The double-FT family trains a first stage before the target: on a related set
 * ('double-ft'), on the target itself for the same stage-1 epochs ('double-ft-self': "is it just more training?")
 * or on an unrelated set ('double-ft-unrelated': "is any extra data enough?"), pairs in lib/finetune/pairs.ts.
 */
export type Condition =
  | 'baseline'
  | 'augment'
  | 'downsample'
  | 'oversample'
  | 'class-weights'
  | 'double-ft'
  | 'double-ft-self'
  | 'double-ft-unrelated';
export const CONDITIONS: readonly Condition[] = [
  'baseline',
  'augment',
  'downsample',
  'oversample',
  'class-weights',
  'double-ft',
  'double-ft-self',
  'double-ft-unrelated',
];
export const DOUBLE_FT_CONDITIONS: readonly Condition[] = ['double-ft', 'double-ft-self', 'double-ft-unrelated'];
/** True for the conditions that train a first stage before the target. */
export function isDoubleFt(c: Condition): boolean {
  return DOUBLE_FT_CONDITIONS.includes(c);
}
export type FreezeStrategy = 'head' | 'top' | 'all';

/** Everything that decides the result of a run; its hash names the record. */
export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  schedule: LrSchedule;
  freeze: FreezeStrategy;
  /** 'top': how many of the backbone's last weighted layers train */
  topLayers?: number;
  patience: number;
  dropout: number;
  /**
   * Momentum of the moving mean/variance of the TRAINABLE batch-norm layers while fine-tuning (Keras default 0.99;
   * 0.9 = PyTorch's default). Short CPU runs take a few hundred steps: at 0.99 the statistics used for validation
   * and test still carry ~5 % of the pre-training domain's after 300 steps, and most of it after 30.
   */
  bnMomentum?: number;
  /** cap per split (smoke profile only): train/val/test images drawn per class-stratified seeded subset */
  subset?: { train: number; val: number; test: number };
}

export interface RunConfig {
  profile: string;
  dataset: string;
  arm: Arm;
  condition: Condition;
  seed: number;
  size: number;
  /** id of the pre-trained backbone (kind:name:checkpoint config hash or weights file) */
  backbone: string;
  /**
   * sha256 (16 hex) of the backbone's weights as loaded: a re-made checkpoint with the same config but other
   * weights (pre-training code changed) is another run.
   */
  backboneWeights: string;
  /** Fine-tuning code version (lib/code-versions.json): bumped when the fine-tuning numerics change. */
  code: number;
  /** The target dataset as used: file sha256 and committed split hash. */
  data: DataIdentity;
  train: TrainSettings;
  /** double-ft only: the intermediate dataset, its identity and its stage-1 settings */
  intermediate?: string;
  intermediateData?: DataIdentity;
  stage1?: TrainSettings;
}

export interface EpochLog {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
}

export interface StageRecord {
  stage: 'stage1' | 'target';
  dataset: string;
  datasetSha256: string;
  splitHash: string;
  trainCounts: number[]; // per class, after balancing
  epochs: EpochLog[];
  bestEpoch: number;
  stoppedEarly: boolean;
  wallSeconds: number;
  /** CPU time of the process during the stage (user + system; a grid worker runs one run at a time), when recorded */
  cpuSeconds?: number;
  trainImages: number; // images pushed through training steps (all epochs)
  imgPerSec: number; // training throughput
  /** sha256 of the weights at the end of this stage (stage 1: the checkpoint stage 2 starts from) */
  weightsHash: string;
}

export interface RunRecord {
  schema: typeof RECORD_SCHEMA;
  configHash: string;
  config: RunConfig;
  seed: number;
  dataset: {
    id: string;
    sha256: string;
    splitHash: string;
    classNames: string[];
    size: number;
    counts: { train: number; val: number; test: number };
  };
  backend: string;
  /** The backend in full (lib/backend backendProvenance: module, threads, oneDNN, TensorFlow build), when known. */
  backendInfo?: Record<string, unknown>;
  gitCommit: string;
  gitDirty: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /** CPU time of the process during the run (user + system), when recorded: the timing to compare on a busy machine */
  cpuSeconds?: number;
  /** 1-minute load average when the run started and when it finished, when recorded */
  loadAverage?: { start: number; end: number };
  stages: StageRecord[];
  stage1CheckpointHash?: string;
  test: {
    /** lib/metrics' classificationMetrics of the test set (undefined values are NaN in memory, null on disk) */
    metrics: RecordedMetrics;
    labels: number[];
    /** test-set probabilities, one row per test image, rounded to 6 decimals */
    probs: number[][];
    /** indices into the dataset of the test images, in the order of labels/probs */
    indices: number[];
  };
}

/** The test metrics a record holds: lib/metrics' ClassificationMetrics (checked by metricsFromJson when read back). */
export type RecordedMetrics = ClassificationMetrics;

const PER_CLASS_NUMBERS = [
  'index',
  'support',
  'predicted',
  'tp',
  'fp',
  'fn',
  'tn',
  'sensitivity',
  'specificity',
  'precision',
  'f1',
  'auc',
] as const satisfies readonly (keyof PerClassMetrics)[];

/**
 * A record's test metrics as read from JSON, checked against ClassificationMetrics: JSON writes NaN (an undefined
 * metric, e.g. the positive-class AUC of a 3-class set) as null, which becomes NaN again here, so readers can use
 * Number.isNaN as lib/metrics documents. Throws naming `where` and the field when a record's metrics are not
 * lib/metrics' (a hand-made or truncated file).
 */
export function metricsFromJson(raw: unknown, where?: string): RecordedMetrics {
  const bad = (field: string, what: string): never => {
    throw new Error(`${where ? `${where}: ` : ''}test.metrics${field ? `.${field}` : ''} ${what}`);
  };
  const num = (o: Record<string, unknown>, k: string, field: string): void => {
    const v = o[k];
    if (v === null) o[k] = NaN;
    else if (typeof v !== 'number')
      bad(field, v === undefined ? 'is missing' : `is ${JSON.stringify(v)}, not a number`);
  };
  const list = (o: Record<string, unknown>, k: string): Record<string, unknown>[] => {
    const v = o[k];
    if (!Array.isArray(v)) return bad(k, 'is not an array');
    return v as Record<string, unknown>[];
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return bad('', 'is not an object');
  const m = raw as Record<string, unknown>;
  for (const k of ['n', 'numClasses', 'eceBins', ...SCALAR_METRICS]) num(m, k, k);
  if (!Array.isArray(m.classNames) || m.classNames.length !== m.numClasses)
    bad('classNames', `is not a list of numClasses (${m.numClasses}) names`);
  const cm = list(m, 'confusionMatrix');
  if (cm.length !== m.numClasses || !cm.every((row) => Array.isArray(row) && row.length === m.numClasses))
    bad('confusionMatrix', `is not ${m.numClasses}×${m.numClasses}`);
  if (!list(m, 'macroAucClasses').every((c) => typeof c === 'number')) bad('macroAucClasses', 'holds a non-number');
  list(m, 'reliability').forEach((b, i) => {
    for (const k of ['lower', 'upper', 'count', 'accuracy', 'confidence']) num(b, k, `reliability[${i}].${k}`);
  });
  const perClass = list(m, 'perClass');
  if (perClass.length !== m.numClasses)
    bad('perClass', `has ${perClass.length} entries, numClasses is ${m.numClasses}`);
  perClass.forEach((c, i) => {
    for (const k of PER_CLASS_NUMBERS) num(c, k, `perClass[${i}].${k}`);
  });
  return m as unknown as RecordedMetrics; // every field checked above
}

/** A record read from JSON: its metrics checked and their NaNs restored (metricsFromJson). Returns the same object. */
export function recordFromJson(rec: RunRecord, where?: string): RunRecord {
  if (!rec.test || typeof rec.test !== 'object')
    throw new Error(`${where ? `${where}: ` : ''}record has no test results`);
  rec.test.metrics = metricsFromJson(rec.test.metrics, where);
  return rec;
}

/** Records in config-hash order: one order for every reader, whatever order the records were read in. */
export const byConfigHash = (a: { configHash: string }, b: { configHash: string }): number =>
  a.configHash < b.configHash ? -1 : a.configHash > b.configHash ? 1 : 0;

export function runHash(config: RunConfig): string {
  return configHash(config);
}

export function runPath(config: RunConfig | string, dir = RUNS_DIR): string {
  return path.join(dir, `${typeof config === 'string' ? config : runHash(config)}.json`);
}

/** The stored record for this config, or undefined (also when the file is unreadable: it is then re-run). */
export function cachedRun(config: RunConfig, dir = RUNS_DIR): RunRecord | undefined {
  const file = runPath(config, dir);
  if (!fs.existsSync(file)) return undefined;
  try {
    const rec = readJson<RunRecord>(file);
    if (rec.schema === RECORD_SCHEMA) recordFromJson(rec, file);
    return rec.schema === RECORD_SCHEMA && rec.configHash === runHash(config) && runHash(rec.config) === rec.configHash
      ? rec
      : undefined;
  } catch {
    return undefined;
  }
}

export function writeRun(record: RunRecord, dir = RUNS_DIR): string {
  if (record.configHash !== runHash(record.config))
    throw new Error(`writeRun: configHash ${record.configHash} does not match its config`);
  const file = runPath(record.configHash, dir);
  writeJsonAtomic(file, record);
  return file;
}

export type RunFilter =
  Partial<Pick<RunConfig, 'profile' | 'dataset' | 'arm' | 'condition' | 'seed'>> | ((r: RunRecord) => boolean);

export interface LoadRunsOptions {
  /** folder of run records (default runs/) */
  dir?: string;
  /** Told about each file that is skipped (unreadable, another schema, a hash that does not match its config). */
  onSkip?: (file: string, why: string) => void;
}

function matches(rec: RunRecord, filter: RunFilter): boolean {
  if (typeof filter === 'function') return filter(rec);
  return Object.entries(filter).every(
    ([k, v]) => v === undefined || (rec.config as unknown as Record<string, unknown>)[k] === v,
  );
}

/** Every readable record in `dir`. A corrupt or foreign file is skipped and named, never fatal to the reader. */
export function readRunsDir(dir: string, onSkip: (file: string, why: string) => void = warnSkip): RunRecord[] {
  if (!fs.existsSync(dir)) return [];
  cleanStaleTemps(dir);
  const out: RunRecord[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (!/^[0-9a-f]{16}\.json$/.test(f)) continue;
    const file = path.join(dir, f);
    let rec: RunRecord;
    try {
      rec = readJson<RunRecord>(file);
    } catch (e) {
      onSkip(file, (e as Error).message);
      continue;
    }
    if (rec.schema !== RECORD_SCHEMA)
      onSkip(file, `schema ${rec.schema}, expected ${RECORD_SCHEMA} (made by older code: re-run it)`);
    else if (!rec.config || runHash(rec.config) !== rec.configHash || f !== `${rec.configHash}.json`)
      onSkip(file, 'its config does not hash to its name');
    else {
      try {
        out.push(recordFromJson(rec));
      } catch (e) {
        onSkip(file, (e as Error).message);
      }
    }
  }
  return out;
}

const warned = new Set<string>();
function warnSkip(file: string, why: string): void {
  if (warned.has(file)) return;
  warned.add(file);
  console.warn(`[runs] skipped ${file}: ${why}`);
}

/**
 * Every run record in runs/ matching the filter, sorted by dataset, arm, condition, seed. The reader for scripts:
 * `loadRuns({ profile: 'cpu', dataset: 'chest-ct' })` or `loadRuns((r) => r.config.condition !== 'baseline')`.
 * Notebooks read through lib/report/runs.ts, which falls back to the committed export.
 */
export function loadRuns(filter: RunFilter = {}, opts: LoadRunsOptions | string = {}): RunRecord[] {
  const o = typeof opts === 'string' ? { dir: opts } : opts;
  const out = readRunsDir(o.dir ?? RUNS_DIR, o.onSkip).filter((r) => matches(r, filter));
  const key = (r: RunRecord) =>
    [r.config.dataset, r.config.arm, r.config.condition, String(r.config.seed).padStart(6, '0')].join('|');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
