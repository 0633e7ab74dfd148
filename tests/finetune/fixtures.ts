// Small pieces the fine-tuning tests share: a tiny conv net with batch norm (a stand-in backbone, so these
// tests do not depend on the pre-training stage) and a synthetic dataset whose class is where a bright square is.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/util/rng';
import { initModelSeeded } from '../../lib/models/init';
import type { Backbone } from '../../lib/models/backbone';
import { weightsHash, type FinetuneData } from '../../lib/finetune/finetune';
import { splitHash } from '../../lib/data/splits';
import type { RunConfig } from '../../lib/finetune/run-record';

let counter = 0;

/** BN momentum 0.8 (Keras default 0.99) so running statistics settle within the few steps a test trains. */
/** conv(8)–BN–ReLU–maxpool–conv(16)–BN–ReLU: image [N,S,S,3] → feature map [N,S/2,S/2,16]. */
export function tinyBackbone(size = 16, seed = 1): Backbone {
  const p = `tiny${counter++}`;
  const input = tf.input({ shape: [size, size, 3], name: `${p}_in` });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: `${p}_conv1` })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.8, name: `${p}_bn1` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: `${p}_relu1` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: `${p}_pool` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, name: `${p}_conv2` })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.8, name: `${p}_bn2` }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: `${p}_relu2` }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: x, name: p });
  initModelSeeded(model, seed);
  return {
    name: p,
    arch: 'resnet18',
    model,
    inputSize: size,
    scaling: 'unit',
    gradCamLayer: `${p}_relu2`,
    featureDim: 16,
    source: { kind: 'random', seed },
  };
}

/**
 * `n` noisy grey images with one bright shape at a random place: class 0 a horizontal bar (2×8), class 1 a
 * vertical bar (8×2), class 2 a 4×4 square (numClasses ≤ 3). Shape, not position, carries the class, so a
 * global-average-pooled head can learn it. `imbalance` gives relative class frequencies. Splits 60/20/20 in order.
 */
export function shapesSet(
  n: number,
  opts: { size?: number; numClasses?: number; seed?: number; imbalance?: number[]; id?: string } = {},
): FinetuneData {
  const size = opts.size ?? 16;
  const C = opts.numClasses ?? 2;
  const rng = new Rng(opts.seed ?? 7);
  const freq = opts.imbalance ?? new Array(C).fill(1);
  const tot = freq.reduce((a, b) => a + b, 0);
  const images = new Uint8Array(n * size * size * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.next() * tot,
      c = 0;
    while (u >= freq[c]) u -= freq[c++];
    labels[i] = c;
    const [sh, sw] = c === 0 ? [2, 8] : c === 1 ? [8, 2] : [4, 4];
    const oy = 1 + rng.int(size - sh - 1),
      ox = 1 + rng.int(size - sw - 1);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const inSq = y >= oy && y < oy + sh && x >= ox && x < ox + sw;
        const v = Math.max(0, Math.min(255, Math.round((inSq ? 200 : 60) + rng.normal(0, 25))));
        const o = (i * size * size + y * size + x) * 3;
        images[o] = images[o + 1] = images[o + 2] = v;
      }
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  const a = Math.floor(n * 0.6),
    b = Math.floor(n * 0.8);
  return {
    id: opts.id ?? 'shapes',
    n,
    images,
    labels,
    size,
    classNames: Array.from({ length: C }, (_, c) => `q${c}`),
    splits: { train: idx.slice(0, a), val: idx.slice(a, b), test: idx.slice(b) },
    sha256: 'synthetic',
  };
}

/** The identity fields a RunConfig carries for a fixture set and a tinyBackbone(size, seed). */
export function fixtureIdentity(
  set: FinetuneData,
  backboneSeed = 5,
  size = 16,
): Pick<RunConfig, 'backboneWeights' | 'code' | 'data'> {
  const bb = tinyBackbone(size, backboneSeed);
  const backboneWeights = weightsHash(bb.model).slice(0, 16);
  bb.model.dispose();
  return {
    backboneWeights,
    code: 1,
    data: { sha256: set.sha256 ?? 'unknown', splitHash: set.splitHash ?? splitHash(set.splits) },
  };
}
