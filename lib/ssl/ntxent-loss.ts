// NT-Xent (normalised temperature-scaled cross-entropy), the SimCLR loss (Chen et al. 2020, eq. 1).
// Input: projections z of 2N views, ordered [view-a of images 0..N-1, view-b of images 0..N-1], so the positive
// of row i is row (i + N) mod 2N. Logits are cosine similarities / τ over all 2N rows; a row's similarity with
// itself is masked out (it would otherwise be the trivially largest logit); the other 2N-2 rows are negatives.
// Loss = mean over all 2N anchors of  -log softmax(logits_i)[pos(i)].
import * as tf from '@tensorflow/tfjs';

export function ntXentLoss(z: tf.Tensor2D, temperature = 0.5): tf.Scalar {
  return tf.tidy(() => {
    const n2 = z.shape[0];
    if (n2 < 2 || n2 % 2 !== 0) throw new Error(`ntXentLoss: need an even number (2N ≥ 2) of rows, got ${n2}`);
    if (!(temperature > 0)) throw new Error(`ntXentLoss: temperature must be > 0, got ${temperature}`);
    const n = n2 / 2;
    // L2-normalise rows (epsilon keeps the gradient finite for an all-zero row)
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12));
    const u = tf.div(z, norm);
    const sim = tf.div(tf.matMul(u, u, false, true), temperature);
    // mask self-similarity with a large negative constant (not -Inf: 0·Inf = NaN in the backward pass)
    const logits = tf.sub(sim, tf.mul(tf.eye(n2), 1e9));
    const pos = new Int32Array(n2);
    for (let i = 0; i < n2; i++) pos[i] = (i + n) % n2;
    const target = tf.oneHot(tf.tensor1d(pos, 'int32'), n2);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
  });
}

/** Fraction of anchors whose positive has the highest similarity (a cheap training-progress signal). */
export function ntXentTop1(z: tf.Tensor2D): number {
  return tf.tidy(() => {
    const n2 = z.shape[0];
    const u = tf.div(z, tf.sqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12)));
    const sim = tf.sub(tf.matMul(u, u, false, true), tf.mul(tf.eye(n2), 1e9));
    const arg = tf.argMax(sim, 1).dataSync();
    let hit = 0;
    for (let i = 0; i < n2; i++) if (arg[i] === (i + n2 / 2) % n2) hit++;
    return hit / n2;
  });
}
