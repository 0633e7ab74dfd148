// Fine-tune a backbone on one dataset: classification head, freeze strategy, Adam with a per-epoch learning
// rate, early stopping on validation loss that restores the best weights, optional augmentation and class
// balancing. A custom loop (optimizer.minimize inside tf.tidy) rather than model.fit, because fit cannot keep a
// frozen BatchNormalization in inference mode while the rest trains, cannot weight classes per batch the way we
// want, and draws its shuffles from an unseeded RNG.
//
// The backbone is trained IN PLACE: pass a fresh copy per run (getPretrainedBackbone loads one per call).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { sha256Hex } from '../util/hash';
import { applyFreeze, setTrainableBnMomentum } from './freeze';
import { perEpochLr } from '../util/lr-schedule';
import type { EpochLog, StageRecord, TrainSettings } from './run-record';
import { balanceTrainIndices, stratifiedSubset, type Balance } from './sampling';
import type { Backbone } from '../models/backbone';
import { toBatch, type ImageSet } from '../data/load';
import { buildClassifier } from '../models/heads';
import { FrozenActivations, splitAtTrainable } from './frozen-prefix';
import { applyScaling, type InputScaling } from '../data/scaling';
import { splitHash } from '../data/splits';
import { cpuSecondsSince } from '../util/cpu-time';

/** The fields of lib/data's ImageSet that fine-tuning reads (NHWC uint8, 3 channels, square). */
export type FinetuneData = Pick<
  ImageSet,
  'id' | 'n' | 'images' | 'labels' | 'size' | 'classNames' | 'splits' | 'sha256'
> & { splitHash?: string };

/** The fields of lib/models' Backbone that fine-tuning reads. */
export type FinetuneBackbone = Pick<Backbone, 'name' | 'model' | 'inputSize' | 'scaling' | 'featureDim'>;

/** Augmentation on a [0,1] NHWC batch (lib/data/augment.ts); must not dispose its input. */
export type AugmentFn = (x: tf.Tensor4D, rng: Rng) => tf.Tensor4D;

export interface FinetuneOptions extends TrainSettings {
  seed: number;
  balance?: Balance;
  augment?: AugmentFn;
  stage?: 'stage1' | 'target';
  /** head layer-name prefix (distinct per stage when two heads sit on one backbone) */
  headPrefix?: string;
  minDelta?: number;
  /** evaluate the restored model on the test split (default true) */
  evaluateTest?: boolean;
  onEpoch?: (log: EpochLog) => void;
  onBatch?: (imagesDone: number) => void;
}

export interface FinetuneResult {
  /** image → class logits; one flat graph with the backbone's layers (lib/models/heads.ts), so Grad-CAM reaches them */
  classifier: tf.LayersModel;
  stage: StageRecord;
  /** indices actually used (after subset and balancing) */
  used: { train: number[]; val: number[]; test: number[] };
  classWeights?: number[];
  test?: {
    indices: number[];
    labels: number[];
    probs: Float32Array;
    numClasses: number;
    loss: number;
    accuracy: number;
  };
}

/** A model's weights (all of them, in getWeights() order) as one float32 byte buffer: what weightsHash hashes. */
export function weightBytes(model: tf.LayersModel): Uint8Array {
  const h: Uint8Array[] = [];
  for (const w of model.getWeights()) {
    const d = w.dataSync() as Float32Array;
    h.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  const total = h.reduce((s, a) => s + a.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const a of h) {
    all.set(a, o);
    o += a.length;
  }
  return all;
}

/** sha256 of a model's weights (weightBytes), to name checkpoints. */
export function weightsHash(model: tf.LayersModel): string {
  return sha256Hex(weightBytes(model));
}

/** Weighted mean softmax cross-entropy of `logits` against integer labels. */
function crossEntropy(logits: tf.Tensor, labels: tf.Tensor1D, numClasses: number, weights?: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, numClasses).cast('float32');
  const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
  if (!weights) return tf.mean(nll) as tf.Scalar;
  return tf.mean(tf.mul(nll, tf.gather(weights, labels))) as tf.Scalar;
}

interface EvalOut {
  loss: number;
  accuracy: number;
  probs: Float32Array;
}

/** The network input for a batch of image indices: scaled images, or a frozen prefix's stored activations. */
type BatchInput = (idx: number[]) => tf.Tensor | tf.Tensor[];

/** Inference-mode pass over `indices` in batches: mean (unweighted) loss, accuracy and probabilities. */
function evaluateOn(
  net: tf.LayersModel,
  input: BatchInput,
  data: FinetuneData,
  indices: number[],
  batchSize: number,
): EvalOut {
  const C = data.classNames.length;
  const probs = new Float32Array(indices.length * C);
  let lossSum = 0,
    correct = 0;
  for (let b = 0; b < indices.length; b += batchSize) {
    const idx = indices.slice(b, b + batchSize);
    const [l, c, p] = tf.tidy(() => {
      const y = tf.tensor1d(
        idx.map((i) => data.labels[i]),
        'int32',
      );
      const logits = net.apply(input(idx), { training: false }) as tf.Tensor2D;
      const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(y, C).cast('float32'), tf.logSoftmax(logits)), 1));
      return [tf.sum(nll), tf.sum(tf.equal(tf.argMax(logits, 1), y).cast('float32')), tf.softmax(logits)];
    });
    lossSum += await_(l);
    correct += await_(c);
    probs.set(p.dataSync() as Float32Array, b * C);
    p.dispose();
  }
  return {
    loss: indices.length ? lossSum / indices.length : NaN,
    accuracy: indices.length ? correct / indices.length : NaN,
    probs,
  };
}

/** Inference-mode pass of a whole classifier over `indices` (images scaled for its backbone). */
export function evaluate(
  classifier: tf.LayersModel,
  data: FinetuneData,
  indices: number[],
  scaling: InputScaling,
  batchSize: number,
): EvalOut {
  return evaluateOn(classifier, (idx) => applyScaling(toBatch(data, idx), scaling), data, indices, batchSize);
}

function await_(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

export async function finetune(
  backbone: FinetuneBackbone,
  data: FinetuneData,
  opts: FinetuneOptions,
): Promise<FinetuneResult> {
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const C = data.classNames.length;
  if (data.size !== backbone.inputSize) {
    throw new Error(
      `finetune: dataset ${data.id} is ${data.size} px but backbone ${backbone.name} takes ${backbone.inputSize} px (load it with {size: ${backbone.inputSize}})`,
    );
  }
  if (!(opts.epochs >= 1) || !(opts.batchSize >= 1))
    throw new Error(`finetune: epochs and batchSize must be ≥ 1 (got ${opts.epochs}, ${opts.batchSize})`);
  const rng = new Rng(opts.seed);
  const subRng = rng.fork();
  const take = (split: 'train' | 'val' | 'test') => {
    const all = Array.from(data.splits[split]);
    return opts.subset ? stratifiedSubset(data.labels, all, opts.subset[split], subRng) : all;
  };
  const trainAll = take('train');
  const val = take('val');
  const test = take('test');
  if (!trainAll.length || !val.length) throw new Error(`finetune: dataset ${data.id} has an empty train or val split`);
  const bal = balanceTrainIndices(data.labels, trainAll, C, opts.balance ?? 'none', rng.fork());
  const train = bal.indices;
  const classWeights = bal.classWeights;

  applyFreeze(backbone.model, opts.freeze, opts.topLayers);
  if (opts.bnMomentum !== undefined) setTrainableBnMomentum(backbone.model, opts.bnMomentum);
  const classifier = buildClassifier(backbone as Backbone, C, {
    dropout: opts.dropout,
    seed: rng.seed(),
    activation: 'linear',
    prefix: opts.headPrefix ?? 'head',
  });
  // Without input augmentation the frozen layers see the same images every epoch: compute them once and train
  // the rest on their stored output (lib/finetune/frozen-prefix.ts).
  const images: BatchInput = (idx) => applyScaling(toBatch(data, idx), backbone.scaling);
  const split = !opts.augment && opts.freeze !== 'all' ? splitAtTrainable(classifier) : undefined;
  const evalTest = opts.evaluateTest !== false && test.length > 0;
  const frozen = split
    ? new FrozenActivations(
        split.prefix,
        [...train, ...val, ...(evalTest ? test : [])],
        (idx) => images(idx) as tf.Tensor,
      )
    : undefined;
  const net = split ? split.suffix : classifier;
  const input: BatchInput = frozen ? (idx) => frozen.batch(idx) : images;
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(opts.lr);
  const wT = classWeights ? tf.tensor1d(classWeights) : undefined;
  const shuffleRng = rng.fork();
  const augRng = rng.fork();

  const epochs: EpochLog[] = [];
  let best = Infinity,
    bestEpoch = -1,
    wait = 0,
    stoppedEarly = false;
  let snapshot: tf.Tensor[] | undefined;
  let trainImages = 0,
    trainSeconds = 0;
  const minDelta = opts.minDelta ?? 0;
  try {
    for (let e = 0; e < opts.epochs; e++) {
      const te = Date.now();
      const lr = perEpochLr(opts.schedule, opts.lr, e, opts.epochs);
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const order = shuffleRng.shuffle(train.slice());
      let lossSum = 0,
        correct = 0,
        seen = 0;
      for (let b = 0; b < order.length; b += opts.batchSize) {
        const idx = order.slice(b, b + opts.batchSize);
        if (idx.length < 2 && order.length > 1) continue; // a batch of one breaks batch-norm statistics
        let acc: tf.Tensor | undefined;
        const cost = tf.tidy(() => {
          let x: tf.Tensor | tf.Tensor[];
          if (opts.augment) x = applyScaling(opts.augment(toBatch(data, idx), augRng), backbone.scaling);
          else x = input(idx);
          const y = tf.tensor1d(
            idx.map((i) => data.labels[i]),
            'int32',
          );
          return optimizer.minimize(
            () => {
              const p = net.apply(x, { training: true }) as tf.Tensor2D;
              acc = tf.keep(tf.sum(tf.equal(tf.argMax(p, 1), y).cast('float32')));
              return crossEntropy(p, y, C, wT);
            },
            true,
            vars,
          ) as tf.Scalar;
        });
        lossSum += await_(cost) * idx.length;
        correct += await_(acc!);
        seen += idx.length;
        opts.onBatch?.(idx.length);
      }
      const trainSec = (Date.now() - te) / 1000;
      trainSeconds += trainSec;
      trainImages += seen;
      const v = evaluateOn(net, input, data, val, Math.max(opts.batchSize, 64));
      const log: EpochLog = {
        epoch: e,
        lr,
        trainLoss: lossSum / seen,
        trainAcc: correct / seen,
        valLoss: v.loss,
        valAcc: v.accuracy,
        seconds: (Date.now() - te) / 1000,
      };
      epochs.push(log);
      opts.onEpoch?.(log);
      if (!Number.isFinite(log.trainLoss))
        throw new Error(`finetune ${data.id}: training loss is ${log.trainLoss} at epoch ${e} (lr ${lr})`);
      if (v.loss < best - minDelta) {
        best = v.loss;
        bestEpoch = e;
        wait = 0;
        snapshot?.forEach((t) => t.dispose());
        snapshot = classifier.getWeights().map((t) => t.clone());
      } else if (++wait >= opts.patience) {
        stoppedEarly = e < opts.epochs - 1;
        break;
      }
    }
    if (snapshot) classifier.setWeights(snapshot);
  } finally {
    snapshot?.forEach((t) => t.dispose());
    wT?.dispose();
    optimizer.dispose();
  }

  const counts = new Array(C).fill(0);
  for (const i of train) counts[data.labels[i]]++;
  const stage: StageRecord = {
    stage: opts.stage ?? 'target',
    dataset: data.id,
    datasetSha256: data.sha256 ?? 'unknown',
    splitHash: data.splitHash ?? splitHash(data.splits),
    trainCounts: counts,
    epochs,
    bestEpoch,
    stoppedEarly,
    wallSeconds: (Date.now() - t0) / 1000,
    cpuSeconds: cpuSecondsSince(cpu0),
    trainImages,
    imgPerSec: trainSeconds > 0 ? trainImages / trainSeconds : 0,
    weightsHash: weightsHash(backbone.model),
  };
  const result: FinetuneResult = { classifier, stage, used: { train, val, test }, classWeights };
  if (evalTest) {
    const ev = evaluateOn(net, input, data, test, Math.max(opts.batchSize, 64));
    result.test = {
      indices: test,
      labels: test.map((i) => data.labels[i]),
      probs: ev.probs,
      numClasses: C,
      loss: ev.loss,
      accuracy: ev.accuracy,
    };
  }
  stage.wallSeconds = (Date.now() - t0) / 1000;
  stage.cpuSeconds = cpuSecondsSince(cpu0);
  return result;
}
