// A tiny synthetic ImageSet (coloured squares on noise: 3 classes) and a simple seeded view generator, so the
// pre-training tests do not depend on dataset files.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../lib/data/load';
import type { PretrainEpochLog } from '../../lib/pretrain/run';
import type { ViewFn } from '../../lib/ssl/simclr-trainer';
import { Rng } from '../../lib/util/rng';

export function syntheticSet(n: number, size: number, seed = 0): ImageSet {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * size * size * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    const y0 = rng.int(size / 2),
      x0 = rng.int(size / 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = y >= y0 && y < y0 + size / 2 && x >= x0 && x < x0 + size / 2;
        for (let k = 0; k < 3; k++) {
          const v = inside ? (k === c ? 230 : 30) : 60 + rng.int(100);
          images[((i * size + y) * size + x) * 3 + k] = v;
        }
      }
    }
  }
  const all = Array.from({ length: n }, (_, i) => i);
  const nTest = Math.floor(n / 4);
  return {
    id: 'synthetic',
    title: 'synthetic squares',
    size,
    n,
    images,
    labels,
    classNames: ['r', 'g', 'b'],
    numClasses: 3,
    splits: { train: all.slice(nTest), val: [], test: all.slice(0, nTest) },
    splitHash: 'synthetic',
    splitMethod: 'fixed',
    sha256: 'synthetic',
    file: '-',
    storedSize: size,
    colour: 'rgb',
    domain: 'natural',
  } as unknown as ImageSet;
}

/** Flip + brightness jitter + noise, all from `rng` (stands in for lib/data/simclr-views in unit tests). */
export const testViews: ViewFn = (x, rng) => {
  const one = (): tf.Tensor4D =>
    tf.tidy(() => {
      const n = x.shape[0];
      const flips = Array.from({ length: n }, () => rng.bernoulli(0.5));
      const br = Array.from({ length: n }, () => rng.uniform(-0.2, 0.2));
      const noise = Float32Array.from({ length: x.size }, () => 0.05 * rng.normal());
      const flipped = tf.where(
        tf
          .tensor1d(flips, 'bool')
          .reshape([n, 1, 1, 1])
          .tile([1, ...x.shape.slice(1)]),
        tf.reverse(x, 2),
        x,
      );
      return tf.clipByValue(
        tf.add(tf.add(flipped, tf.tensor1d(br).reshape([n, 1, 1, 1])), tf.tensor(noise, x.shape)),
        0,
        1,
      ) as tf.Tensor4D;
    });
  return [one(), one()];
};

/** One epoch of a pre-training log with a k-NN probe (or none): what the plateau and cost helpers read. */
export function epochLog(epoch: number, knnTop1?: number, o: Partial<PretrainEpochLog> = {}): PretrainEpochLog {
  return { epoch, loss: 1, lr: 0, images: 0, seconds: 0, imgPerSec: 0, knnTop1, ...o };
}
