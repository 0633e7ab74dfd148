// Minimal trigger of the oneDNN heap corruption (issue 9): 3×3 conv 3→C, then a 1×1 stride-2 conv C→2C (no bias),
// global average pool, dense; Adam on random 16×16 inputs, batch 64. Prints the step count reached.
//   MEDSSL_BACKEND=tensorflow MEDSSL_THREADS=1 npx tsx bench/onednn-repro.ts [steps=300] [C=8] [kernel=1] [stride=2] [op=conv|full]
// op=conv isolates: repeated forward+backward of just the 1×1/s2 conv (no model, no optimizer).
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select-backend';

const [stepsS = '300', cS = '8', kS = '1', sS = '2', op = 'full'] = process.argv.slice(2);
const steps = Number(stepsS),
  c = Number(cS),
  k = Number(kS),
  s = Number(sS);
const info = await selectBackend({ quiet: true });
console.log(
  `backend ${info.name} threads=${info.threads} onednn=${process.env.TF_ENABLE_ONEDNN_OPTS ?? '(default)'} C=${c} k=${k} s=${s} op=${op}`,
);
if (op === 'conv') {
  const x = tf.randomNormal([64, 16, 16, c]);
  const w = tf.variable(tf.randomNormal([k, k, c, 2 * c], 0, 0.1));
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, 'valid'))),
      )([x, w]);
      g[0].dataSync();
      g[1].dataSync();
    });
    if ((i + 1) % 50 === 0) console.log(`step ${i + 1}`);
  }
} else {
  const input = tf.input({ shape: [16, 16, 3] });
  let h = tf.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 2 * c, kernelSize: k, strides: s, padding: 'same', useBias: false })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10 }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const opt = tf.train.adam(1e-3);
  const x = tf.randomNormal([64, 16, 16, 3]);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat();
  for (let i = 0; i < steps; i++) {
    tf.tidy(() =>
      opt
        .minimize(
          () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        )!
        .dataSync(),
    );
    if ((i + 1) % 50 === 0) console.log(`step ${i + 1}`);
  }
}
console.log(`finished ${steps} steps`);
