// Frozen-feature evaluation of a backbone on the source's held-out split:
//   k-NN top-1: cosine similarity, k = 20, majority vote (ties broken by summed similarity) — the standard
//     SimCLR/InstDisc monitor; no training, so it measures the representation itself.
//   linear probe top-1: multinomial logistic regression on standardised pooled features (full-batch Adam,
//     L2 1e-4, fixed iterations, seeded init), trained on the train split, scored on the held-out split.
// Features are global-average-pooled backbone outputs, computed in inference mode (BN running statistics).
import * as tf from '@tensorflow/tfjs';
import { applyScaling } from '../data/scaling';
import { toBatch, labelsOf, type ImageSet } from '../data/load';
import type { Backbone } from '../models/backbone';
import { buildEmbedder } from '../models/heads';
import { Rng } from '../util/rng';

export interface Features {
  x: Float32Array; // [n, d]
  y: Int32Array;
  n: number;
  d: number;
}

export function embed(backbone: Backbone, set: ImageSet, indices: ArrayLike<number>, batch = 128): Features {
  if (set.size !== backbone.inputSize)
    throw new Error(`embed: ${set.id} is ${set.size} px, backbone ${backbone.name} expects ${backbone.inputSize}`);
  const embedder = buildEmbedder(backbone);
  const d = backbone.featureDim;
  const out = new Float32Array(indices.length * d);
  for (let s = 0; s < indices.length; s += batch) {
    const idx = Array.from({ length: Math.min(batch, indices.length - s) }, (_, i) => indices[s + i]);
    const f = tf.tidy(() => embedder.predict(applyScaling(toBatch(set, idx), backbone.scaling)) as tf.Tensor);
    out.set(f.dataSync(), s * d);
    f.dispose();
  }
  return { x: out, y: labelsOf(set, indices), n: indices.length, d };
}

/** k-NN top-1 accuracy with cosine similarity. */
export function knnAccuracy(train: Features, test: Features, numClasses: number, k = 20): number {
  const kk = Math.min(k, train.n);
  const unit = (f: Features) =>
    tf.tidy(() => {
      const t = tf.tensor2d(f.x, [f.n, f.d]);
      return tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
    });
  const A = unit(train);
  const B = unit(test);
  let correct = 0;
  const chunk = 256;
  for (let s = 0; s < test.n; s += chunk) {
    const m = Math.min(chunk, test.n - s);
    const { values, indices } = tf.tidy(() => tf.topk(tf.matMul(B.slice([s, 0], [m, test.d]), A, false, true), kk));
    const vals = values.dataSync(),
      inds = indices.dataSync();
    values.dispose();
    indices.dispose();
    for (let i = 0; i < m; i++) {
      const votes = new Float64Array(numClasses),
        sims = new Float64Array(numClasses);
      for (let j = 0; j < kk; j++) {
        const c = train.y[inds[i * kk + j]];
        votes[c] += 1;
        sims[c] += vals[i * kk + j];
      }
      let best = 0;
      for (let c = 1; c < numClasses; c++)
        if (votes[c] > votes[best] || (votes[c] === votes[best] && sims[c] > sims[best])) best = c;
      if (best === test.y[s + i]) correct++;
    }
  }
  A.dispose();
  B.dispose();
  return correct / test.n;
}

/** Linear-probe top-1 accuracy (softmax regression on standardised features). */
export function linearProbeAccuracy(
  train: Features,
  test: Features,
  numClasses: number,
  o: { iterations?: number; lr?: number; l2?: number; seed?: number } = {},
): number {
  const d = train.d;
  const mean = new Float32Array(d),
    sd = new Float32Array(d);
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d; j++) mean[j] += train.x[i * d + j] / train.n;
  for (let i = 0; i < train.n; i++) for (let j = 0; j < d; j++) sd[j] += (train.x[i * d + j] - mean[j]) ** 2 / train.n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) + 1e-6;
  const std = (f: Features) =>
    tf.tidy(() => tf.div(tf.sub(tf.tensor2d(f.x, [f.n, d]), tf.tensor1d(mean)), tf.tensor1d(sd)) as tf.Tensor2D);
  const Xtr = std(train),
    Xte = std(test);
  const Ytr = tf.oneHot(tf.tensor1d(train.y, 'int32'), numClasses);
  const rng = new Rng(o.seed ?? 0);
  const lim = Math.sqrt(6 / (d + numClasses));
  const W = tf.variable(
    tf.tensor2d(
      Float32Array.from({ length: d * numClasses }, () => (2 * rng.next() - 1) * lim),
      [d, numClasses],
    ),
  );
  const b = tf.variable(tf.zeros([numClasses]));
  const opt = tf.train.adam(o.lr ?? 0.01);
  const l2 = o.l2 ?? 1e-4;
  for (let it = 0; it < (o.iterations ?? 300); it++) {
    opt.minimize(
      () =>
        tf.add(
          tf.losses.softmaxCrossEntropy(Ytr, tf.add(tf.matMul(Xtr, W), b)),
          tf.mul(l2, tf.sum(tf.square(W))),
        ) as tf.Scalar,
      false,
      [W, b],
    );
  }
  const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(Xte, W), b), 1));
  const p = pred.dataSync();
  let correct = 0;
  for (let i = 0; i < test.n; i++) if (p[i] === test.y[i]) correct++;
  tf.dispose([Xtr, Xte, Ytr, W, b, pred]);
  opt.dispose();
  return correct / test.n;
}

export interface ProbeResult {
  backbone: string;
  source: Backbone['source'];
  knnTop1: number;
  linearTop1: number;
  k: number;
  trainImages: number;
  testImages: number;
  featureDim: number;
  seconds: number;
}

/** Both probes on `set`: features of (a seeded subset of) the train split, scored on the held-out (test) split. */
export interface ProbeOptions {
  maxTrain?: number;
  maxTest?: number;
  seed?: number;
  k?: number;
}

/** The probe's images: seeded subsets of the train and held-out (test) splits, the same for every backbone. */
export function probeIndices(set: ImageSet, o: ProbeOptions): { train: number[]; test: number[] } {
  const pick = (a: ArrayLike<number>, n: number | undefined, salt: number) => {
    const arr = Array.from(a);
    if (!n || n >= arr.length) return arr;
    return new Rng((o.seed ?? 0) ^ salt)
      .shuffle(arr)
      .slice(0, n)
      .sort((x, y) => x - y);
  };
  return { train: pick(set.splits.train, o.maxTrain, 0x7a1), test: pick(set.splits.test, o.maxTest, 0x7e5) };
}

/** k-NN top-1 only (cheap enough to run every few epochs of pre-training). */
export function knnProbe(backbone: Backbone, set: ImageSet, o: ProbeOptions = {}): number {
  const idx = probeIndices(set, o);
  return knnAccuracy(embed(backbone, set, idx.train), embed(backbone, set, idx.test), set.numClasses, o.k ?? 20);
}

export function probeBackbone(backbone: Backbone, set: ImageSet, o: ProbeOptions = {}): ProbeResult {
  const t0 = Date.now();
  const idx = probeIndices(set, o);
  const tr = embed(backbone, set, idx.train);
  const te = embed(backbone, set, idx.test);
  const k = o.k ?? 20;
  return {
    backbone: backbone.name,
    source: backbone.source,
    knnTop1: knnAccuracy(tr, te, set.numClasses, k),
    linearTop1: linearProbeAccuracy(tr, te, set.numClasses, { seed: o.seed }),
    k,
    trainImages: tr.n,
    testImages: te.n,
    featureDim: backbone.featureDim,
    seconds: (Date.now() - t0) / 1000,
  };
}
