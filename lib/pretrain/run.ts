// The pre-training loop shared by both arms (TL: supervised cross-entropy; SSL: SimCLR NT-Xent), so the only
// difference between them is the objective: same source images, same image budget, epochs, batch size,
// optimizer, schedule and seed. Checkpoints every epoch (lib/pretrain/checkpoint.ts); a finished config is a no-op.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { applyScaling } from '../data/scaling';
import { toBatch, labelsOf, type ImageSet } from '../data/load';
import { simclrConfig, simclrViews } from '../data/simclr-views';
import type { Backbone } from '../models/backbone';
import { RngDropout } from '../models/rng-dropout';
import { saveLayersModelDir } from '../models/tfjs-files';
import { buildBackbone } from '../models/variants';
import { gitCommit } from '../util/git';
import { simclrTask, type ViewFn } from '../ssl/simclr-trainer';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { canonicalJson } from '../util/hash';
import { perStepLr } from '../util/lr-schedule';
import { CHECKPOINTS_DIR } from '../util/paths';
import { Progress } from '../util/progress';
import { lockHolder, tryLock } from '../util/lock';
import { Rng } from '../util/rng';
import { checkpointDir, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { describeConfig, pretrainHash, type PretrainConfig } from './config';
import { knnProbe, type ProbeOptions } from './probe';
import { loadSource } from './sources';
import { supervisedTask } from './supervised';
import { cpuSecondsSince } from '../util/cpu-time';

/** One pre-training epoch as logged in the checkpoint's log.jsonl (fine-tuning's is run-record.ts EpochLog). */
export interface PretrainEpochLog {
  epoch: number;
  loss: number;
  lr: number;
  images: number;
  /** Training seconds of the epoch (probe excluded), and source images per second. */
  seconds: number;
  imgPerSec: number;
  /** Mean L2 norm of the whole gradient over the epoch's steps. */
  gradNorm?: number;
  /** Backend that trained this epoch (a run resumed on another backend says so per epoch). */
  backend?: string;
  /** CPU seconds of this process during the epoch, and the 1-minute load average at its end. */
  cpuSeconds?: number;
  load1?: number;
  /** k-NN top-1 of the backbone's pooled features on the source's held-out split, on probe epochs. */
  knnTop1?: number;
  probeSeconds?: number;
}

/** k-NN probe during pre-training (lib/pretrain/probe.ts): every `every` epochs and at the last. */
export interface ProbeSchedule extends ProbeOptions {
  every: number;
}

export interface PretrainRecord {
  hash: string;
  config: PretrainConfig;
  description: string;
  dataset: { id: string; sha256: string; splitHash: string; trainImagesUsed: number; inputSize: number };
  backend: string;
  commit: string;
  wallSeconds: number;
  /** Sum over the epochs actually run in this and earlier (resumed) sessions. */
  trainSeconds: number;
  history: PretrainEpochLog[];
  finishedAt: string;
}

export interface RunOptions {
  /** Continue from the latest checkpoint. Without it, an unfinished checkpoint is an error (never silently reused). */
  resume?: boolean;
  /** Stop (after checkpointing) once this many epochs are complete: simulates an interruption in tests. */
  stopAfterEpoch?: number;
  /** Source set already loaded (tests); otherwise loaded from the registry at cfg.inputSize. */
  data?: ImageSet;
  /** SimCLR view generator; default lib/data/simclr-views. */
  views?: ViewFn;
  /** Checkpoint root (default data/checkpoints). */
  root?: string;
  quiet?: boolean;
  /** Probe the backbone during training (needs a labelled source; not the pooled medical one). */
  probe?: ProbeSchedule;
}

export interface RunResult {
  hash: string;
  dir: string;
  finished: boolean;
  /** True when the config had already finished and nothing was trained. */
  skipped: boolean;
  epochsDone: number;
  record?: PretrainRecord;
  /** The trained (or partially trained) backbone, in memory. */
  backbone: Backbone;
}

export class NonFiniteLossError extends Error {}

/** Training images used: a seeded subset of the train split when the config caps the budget. */
export function budgetIndices(set: ImageSet, cfg: PretrainConfig): Int32Array {
  const train = Array.from(set.splits.train);
  const n = cfg.source.trainImages > 0 ? Math.min(cfg.source.trainImages, train.length) : train.length;
  if (n < train.length) new Rng(cfg.seed ^ 0x5eed).shuffle(train);
  return Int32Array.from(train.slice(0, n).sort((a, b) => a - b));
}

function allFinite(model: tf.LayersModel): boolean {
  return tf.tidy(() => model.weights.every((w) => tf.all(tf.isFinite(w.read())).dataSync()[0] === 1));
}

function makeOptimizer(cfg: PretrainConfig): tf.Optimizer {
  const o = cfg.optimizer;
  return o.name === 'adam' ? tf.train.adam(o.lr) : tf.train.momentum(o.lr, o.momentum ?? 0.9, true);
}

function setLr(opt: tf.Optimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

function defaultViews(cfg: PretrainConfig): ViewFn {
  const vc = simclrConfig(cfg.inputSize, cfg.ssl?.views ?? {});
  return (x, rng) => simclrViews(x, rng, vc);
}

export async function runPretraining(cfg: PretrainConfig, o: RunOptions = {}): Promise<RunResult> {
  const hash = pretrainHash(cfg);
  const dir0 = checkpointDir(hash, o.root ?? CHECKPOINTS_DIR);
  if (fs.existsSync(path.join(dir0, 'done.json'))) return runLocked(cfg, o);
  fs.mkdirSync(dir0, { recursive: true });
  // One trainer per checkpoint folder (lib/util/lock.ts: a dead holder's lock is taken over).
  const lockFile = path.join(dir0, 'lock');
  const lock = tryLock(lockFile, { what: `pre-training ${describeConfig(cfg)}` });
  if (!lock) {
    const h = lockHolder(lockFile);
    throw new Error(
      `${dir0}: being trained by process ${h?.pid} on ${h?.host} since ${h?.since} (lock file ${lockFile}); wait for it or stop it`,
    );
  }
  try {
    return await runLocked(cfg, o);
  } finally {
    lock.release();
  }
}

async function runLocked(cfg: PretrainConfig, o: RunOptions): Promise<RunResult> {
  const hash = pretrainHash(cfg);
  const dir = checkpointDir(hash, o.root ?? CHECKPOINTS_DIR);
  const donePath = path.join(dir, 'done.json');
  if (fs.existsSync(donePath)) {
    const { loadBackboneDir } = await import('./backbone-files');
    const loaded = await loadBackboneDir(dir, cfg);
    return {
      hash,
      dir,
      finished: true,
      skipped: true,
      epochsDone: cfg.epochs,
      record: readJson<PretrainRecord>(donePath),
      backbone: loaded,
    };
  }
  const backbone = buildBackbone(cfg.variant, { inputSize: cfg.inputSize, seed: cfg.seed });
  fs.mkdirSync(dir, { recursive: true });
  const cfgPath = path.join(dir, 'config.json');
  if (fs.existsSync(cfgPath)) {
    if (canonicalJson(readJson(cfgPath)) !== canonicalJson(cfg))
      throw new Error(`${cfgPath}: differs from the requested config with the same hash ${hash}`);
  } else writeJsonAtomic(cfgPath, cfg);

  const set = o.data ?? (await loadSource(cfg.source.dataset, cfg.inputSize));
  if (set.size !== cfg.inputSize)
    throw new Error(`pretrain ${hash}: data is ${set.size} px, config says ${cfg.inputSize}`);
  const idx = budgetIndices(set, cfg);
  const scale = (x: tf.Tensor4D) => applyScaling(x, backbone.scaling);
  const task =
    cfg.method === 'ssl'
      ? simclrTask(backbone, {
          temperature: cfg.ssl?.temperature ?? 0.5,
          projDim: cfg.ssl?.projDim ?? 128,
          seed: cfg.seed,
          scale,
          views: o.views ?? defaultViews(cfg),
        })
      : supervisedTask(backbone, { numClasses: set.numClasses, seed: cfg.seed, scale });
  const model = task.trainModel;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const decayed = model.trainableWeights
    .filter((w) => /kernel$/.test(w.originalName))
    .map((w) => w.read() as tf.Variable);
  const opt = makeOptimizer(cfg);
  const rng = new Rng(cfg.seed);
  const dropouts = model.layers.filter((l): l is RngDropout => l instanceof RngDropout);

  let start = 0;
  const logPath = path.join(dir, 'log.jsonl');
  const history: PretrainEpochLog[] = [];
  const latest = path.join(dir, 'latest.json');
  if (fs.existsSync(latest)) {
    if (!o.resume) {
      const ep = readJson<{ epoch: number }>(latest).epoch;
      throw new Error(
        `${dir}: an unfinished run of this config stopped after epoch ${ep}/${cfg.epochs}; pass --resume to continue it (or delete the folder to restart)`,
      );
    }
    const meta = await loadCheckpoint(dir, model, opt);
    if (meta) {
      start = meta.epoch;
      rng.setState(meta.rng);
      for (const d of dropouts) if (meta.extraRng[d.name]) d.setRngState(meta.extraRng[d.name]);
      if (fs.existsSync(logPath)) {
        // A crash between the log append and the checkpoint leaves epochs in the log that the checkpoint does not
        // hold (they are trained again): keep one entry per checkpointed epoch and rewrite the log to match.
        const byEpoch = new Map<number, PretrainEpochLog>();
        for (const line of fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean)) {
          const e = JSON.parse(line) as PretrainEpochLog;
          if (e.epoch <= start) byEpoch.set(e.epoch, e);
        }
        history.push(...[...byEpoch.values()].sort((a, b) => a.epoch - b.epoch));
        writeFileAtomic(logPath, history.map((e) => JSON.stringify(e) + '\n').join(''));
      }
    }
  } else if (fs.existsSync(logPath)) fs.rmSync(logPath);

  const B = cfg.batchSize;
  const steps = Math.floor(idx.length / B);
  if (steps < 1) throw new Error(`pretrain ${hash}: ${idx.length} training images < batch size ${B}`);
  const label = `${cfg.method.toUpperCase()} ${cfg.variant}`;
  const bar = new Progress(label, (cfg.epochs - start) * steps, { silent: o.quiet });
  const t0 = Date.now();
  let done = 0;
  for (let epoch = start; epoch < cfg.epochs; epoch++) {
    const te = Date.now();
    const cpu0 = process.cpuUsage();
    const perm = rng.shuffle(Array.from(idx));
    let lossSum = 0;
    let gnormSum = 0;
    let lr = 0;
    for (let s = 0; s < steps; s++) {
      const bIdx = perm.slice(s * B, (s + 1) * B);
      lr = perStepLr(cfg.optimizer, cfg.epochs, epoch + s / steps);
      setLr(opt, lr);
      const x = toBatch(set, bIdx);
      const y = labelsOf(set, bIdx);
      // Gradients first, applied only when loss and gradient are finite: a step that diverges never reaches the
      // weights, so the last checkpoint (and a finished backbone) cannot hold NaNs.
      const { value, grads } = tf.variableGrads(() => task.loss(x, y, rng), vars);
      const check = tf.tidy(() =>
        tf.stack([value, tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))))]),
      );
      const [loss, gnorm] = check.dataSync();
      check.dispose();
      value.dispose();
      x.dispose();
      if (!Number.isFinite(loss) || !Number.isFinite(gnorm)) {
        tf.dispose(Object.values(grads));
        const last = fs.existsSync(latest)
          ? `the last good checkpoint is epoch ${readJson<{ epoch: number }>(latest).epoch} in ${dir} (--resume continues from it)`
          : 'there is no checkpoint yet';
        throw new NonFiniteLossError(
          `pretrain ${describeConfig(cfg)}: ${Number.isFinite(loss) ? `gradient norm is ${gnorm}` : `loss is ${loss}`} at epoch ${epoch + 1} step ${s + 1} (lr ${lr.toExponential(2)}); ` +
            `the step was not applied and training stopped. ${last}. Lower optimizer.lr or check the input data.`,
        );
      }
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
      if (cfg.optimizer.weightDecay > 0) {
        const f = 1 - lr * cfg.optimizer.weightDecay;
        tf.tidy(() => decayed.forEach((v) => v.assign(tf.mul(v, f))));
      }
      gnormSum += gnorm;
      lossSum += loss;
      done++;
      const el = (Date.now() - t0) / 1000;
      bar.update(done, { ep: `${epoch + 1}/${cfg.epochs}`, loss, 'img/s': (done * B) / el });
    }
    const secs = (Date.now() - te) / 1000;
    const log: PretrainEpochLog = {
      epoch: epoch + 1,
      loss: lossSum / steps,
      lr,
      images: steps * B,
      seconds: secs,
      imgPerSec: (steps * B) / secs,
      gradNorm: gnormSum / steps,
      backend: tf.getBackend(),
      cpuSeconds: cpuSecondsSince(cpu0),
      load1: os.loadavg()[0],
    };
    if (o.probe && o.probe.every > 0 && ((epoch + 1) % o.probe.every === 0 || epoch + 1 === cfg.epochs)) {
      const tp = Date.now();
      log.knnTop1 = knnProbe(backbone, set, o.probe);
      log.probeSeconds = (Date.now() - tp) / 1000;
    }
    // The step check above cannot see an update that overflows the weights themselves (a huge learning rate):
    // check them before they become a checkpoint, so neither a checkpoint nor a finished backbone holds them.
    if (!allFinite(model)) {
      const last = fs.existsSync(latest)
        ? `the last good checkpoint is epoch ${readJson<{ epoch: number }>(latest).epoch} in ${dir} (--resume continues from it)`
        : 'there is no checkpoint yet';
      throw new NonFiniteLossError(
        `pretrain ${describeConfig(cfg)}: weights are not finite after epoch ${epoch + 1} (lr ${lr.toExponential(2)}); nothing was saved for it, ${last}. Lower optimizer.lr.`,
      );
    }
    history.push(log);
    fs.appendFileSync(logPath, JSON.stringify(log) + '\n');
    await saveCheckpoint(dir, model, opt, {
      epoch: epoch + 1,
      rng: rng.getState(),
      extraRng: Object.fromEntries(dropouts.map((d) => [d.name, d.getRngState()])),
    });
    if (o.stopAfterEpoch !== undefined && epoch + 1 >= o.stopAfterEpoch && epoch + 1 < cfg.epochs) {
      return { hash, dir, finished: false, skipped: false, epochsDone: epoch + 1, backbone };
    }
  }
  bar.done();

  await saveLayersModelDir(backbone.model, path.join(dir, 'backbone'));
  const record: PretrainRecord = {
    hash,
    config: cfg,
    description: describeConfig(cfg),
    dataset: {
      id: set.id,
      sha256: set.sha256,
      splitHash: set.splitHash,
      trainImagesUsed: idx.length,
      inputSize: set.size,
    },
    backend: tf.getBackend(),
    commit: gitCommit(),
    wallSeconds: (Date.now() - t0) / 1000,
    trainSeconds: history.reduce((s, e) => s + e.seconds, 0),
    history,
    finishedAt: new Date().toISOString(),
  };
  writeJsonAtomic(donePath, record);
  // the optimizer state is only needed to resume; a finished run keeps weights + record (small enough to commit)
  for (const f of fs.readdirSync(dir))
    if (/^state-e\d+\.bin/.test(f) || f === 'latest.json') fs.rmSync(path.join(dir, f), { force: true });
  backbone.source = {
    kind: cfg.method,
    checkpoint: path.join(dir, 'backbone'),
    configHash: hash,
    dataset: `${set.id} sha256 ${set.sha256}`,
  };
  opt.dispose();
  return { hash, dir, finished: true, skipped: false, epochsDone: cfg.epochs, record, backbone };
}
