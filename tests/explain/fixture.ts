// Synthetic "bright square" data and a tiny conv net for the Grad-CAM tests.
// Every image: mid-grey noise background in [0.35, 0.65] and a DARK 12×12 square (0–0.1) at a random place.
// Class 1 also has a BRIGHT 8×8 square (0.9–1) at a random, recorded place clear of the dark one; class 0 has
// no bright square. 32×32×1, values in [0, 1].
//
// Design notes (measured while writing these tests):
// - The example, square top-left vs bottom-right, needs a head that keeps position (flatten → dense):
//   a global-average-pooled head cannot tell the quadrants apart. With such a head Grad-CAM's channel weights
//   (mean gradient over positions) average the position-specific dense weights to ≤ 0 and the maps came out
//   all zero (Grad-CAM++ still localised), and with 2 classes the net can call "bottom-right" from the ABSENCE
//   of a top-left square. Our classifiers (lib/models/heads.ts) use global average pooling, so the tests use
//   that head and a square that can be anywhere: the map must follow the square from image to image.
// - Without a distractor the bright square is the only object, and maps of RANDOM nets peaked in it too
//   (often 100 %): the check could not tell a trained model from a random one. A bright distractor of equal
//   area in both classes either became part of the trained evidence ("total brightness": the map peaked on
//   it) or, when brightness was made uninformative, the tiny net did not learn the shape difference in a few
//   seconds. A larger dark square carries no class information (the trained net ignores it) but has more
//   contrast energy than the bright square, so random filters, half of which respond to dark regions, are
//   drawn to it as much as to the bright square.
import * as tf from '@tensorflow/tfjs';
import { initWeightsSeeded } from '../../lib/models/init';
import { Rng } from '../../lib/util/rng';
import type { Box } from '../../lib/explain/sanity';

export const SIZE = 32;
export const SQ = 8;
export const DARK = 12;

export interface SquareSet {
  x: Float32Array; // N×32×32×1
  y: Int32Array;
  /** The square of image i (null for class 0). */
  boxes: (Box | null)[];
  n: number;
}

export function makeSquares(n: number, seed: number): SquareSet {
  const rng = new Rng(seed);
  const x = new Float32Array(n * SIZE * SIZE);
  const y = new Int32Array(n);
  const boxes: (Box | null)[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    y[i] = cls;
    const off = i * SIZE * SIZE;
    for (let p = 0; p < SIZE * SIZE; p++) x[off + p] = 0.35 + 0.3 * rng.next();
    const dt = rng.int(SIZE - DARK + 1);
    const dl = rng.int(SIZE - DARK + 1);
    for (let r = dt; r < dt + DARK; r++) for (let c = dl; c < dl + DARK; c++) x[off + r * SIZE + c] = 0.1 * rng.next();
    if (cls === 0) {
      boxes.push(null);
      continue;
    }
    let top: number;
    let left: number;
    do {
      top = rng.int(SIZE - SQ + 1);
      left = rng.int(SIZE - SQ + 1);
    } while (top < dt + DARK && top + SQ > dt && left < dl + DARK && left + SQ > dl);
    boxes.push({ top, left, size: SQ });
    for (let r = top; r < top + SQ; r++)
      for (let c = left; c < left + SQ; c++) x[off + r * SIZE + c] = 0.9 + 0.1 * rng.next();
  }
  return { x, y, boxes, n };
}

/** Images as the model sees them: 'symmetric' scaling to [−1, 1] (zero-centred, so a random filter is as
 *  likely to respond to the dark square as to the bright one). */
export function toTensor(s: SquareSet): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(s.x, [s.n, SIZE, SIZE, 1]).mul(2).sub(1));
}

/**
 * Backbone (conv → pool → conv 'cam_conv') nested as ONE layer inside a classifier (global average pool →
 * dense softmax), the shape of lib/models/heads.ts' classifier but nested (the Keras failure case).
 */
export function buildNested(seed: number): { model: tf.LayersModel; backbone: tf.LayersModel } {
  const bin = tf.input({ shape: [SIZE, SIZE, 1], name: 'bb_in' });
  let h = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' })
    .apply(bin) as tf.SymbolicTensor;
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'cam_conv' })
    .apply(h) as tf.SymbolicTensor;
  const backbone = tf.model({ inputs: bin, outputs: h, name: 'backbone' });
  const inp = tf.input({ shape: [SIZE, SIZE, 1], name: 'img' });
  let z = backbone.apply(inp) as tf.SymbolicTensor;
  z = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(z) as tf.SymbolicTensor;
  z = tf.layers.dense({ units: 2, activation: 'softmax', name: 'head_dense' }).apply(z) as tf.SymbolicTensor;
  const model = tf.model({ inputs: inp, outputs: z, name: 'classifier' });
  initWeightsSeeded([...backbone.layers, ...model.layers.filter((l) => l !== backbone)], seed);
  return { model, backbone };
}

/** The same layers (shared weights) wired as one flat graph. */
export function flatten(model: tf.LayersModel, backbone: tf.LayersModel): tf.LayersModel {
  const inp = tf.input({ shape: [SIZE, SIZE, 1], name: 'img_flat' });
  let h: tf.SymbolicTensor = inp;
  for (const l of backbone.layers.slice(1)) h = l.apply(h) as tf.SymbolicTensor;
  for (const name of ['head_pool', 'head_dense']) h = model.getLayer(name).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: h, name: 'flat' });
}

/** Train with Adam (full-batch order fixed: deterministic on the cpu backend). Returns final train accuracy. */
export async function train(model: tf.LayersModel, s: SquareSet, epochs: number): Promise<number> {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = toTensor(s);
  const y = tf.tensor1d(s.y, 'float32');
  const h = await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  const acc = h.history.acc ?? h.history.accuracy;
  return acc[acc.length - 1] as number;
}
