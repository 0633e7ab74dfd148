// Per-kernel time of one training step on the current backend (tf.profile). Usage:
//   npx tsx bench/profile.ts [variant=mini-resnet18-w32] [batch=64] [backend=wasm|tensorflow|cpu] [threads=1]
// Composed kernels (ours) include the time of the kernels they call, which are also listed on their own.
import * as tf from '@tensorflow/tfjs';
import { initCpu, initWasm, selectBackend } from '../lib/backend/select-backend';
import { buildBackbone } from '../lib/models/variants';

const [variant = 'mini-resnet18-w32', batchS = '64', backend = 'wasm', threadsS = '1'] = process.argv.slice(2);
const batch = Number(batchS);
// Kernel times from process CPU time instead of wall time: stable when other processes share the cores (valid
// for 1 thread). MEDSSL_PROFILE_WALL=1 keeps wall time.
if (!process.env.MEDSSL_PROFILE_WALL) {
  (tf.env().platform as unknown as { now: () => number }).now = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}
if (backend === 'wasm') await initWasm(Number(threadsS));
else if (backend === 'tensorflow') {
  process.env.MEDSSL_THREADS = threadsS;
  await selectBackend({ force: 'tensorflow', quiet: true });
} else await initCpu();
const bb = buildBackbone(variant, { seed: 1 });
const pooled = tf.layers.globalAveragePooling2d({}).apply(bb.model.outputs[0]) as tf.SymbolicTensor;
const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
const model = tf.model({ inputs: bb.model.inputs, outputs: out });
const s = bb.inputSize;
const x = tf.randomNormal([batch, s, s, 3]);
const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat();
const opt = tf.train.sgd(0.01);
const step = () =>
  tf.tidy(() =>
    opt
      .minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      )!
      .dataSync(),
  );
step();
const c0 = process.cpuUsage();
step();
const cu = process.cpuUsage(c0);
const stepMs = (cu.user + cu.system) / 1000;
console.log(
  `${variant} batch ${batch} on ${backend}: step ${stepMs.toFixed(0)} ms CPU time = ${((batch * 1000) / stepMs).toFixed(1)} img/s`,
);
const fc0 = process.cpuUsage();
tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
const fcu = process.cpuUsage(fc0);
console.log(`forward (inference) ${((fcu.user + fcu.system) / 1000).toFixed(0)} ms CPU time`);
const prof = await tf.profile(() => {
  step();
});
const agg = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const a = agg.get(k.name) ?? { ms: 0, n: 0 };
  a.ms += ms;
  a.n += 1;
  agg.set(k.name, a);
}
const rows = [...agg.entries()].sort((p, q) => q[1].ms - p[1].ms);
for (const [name, a] of rows.slice(0, 30)) console.log(`${name.padEnd(40)} ${a.ms.toFixed(1).padStart(8)} ms  ×${a.n}`);
if (process.env.MEDSSL_PROFILE_DETAIL) {
  for (const k of prof.kernels.filter((k) => k.name === process.env.MEDSSL_PROFILE_DETAIL)) {
    console.log(
      k.name,
      JSON.stringify(k.inputShapes),
      '→',
      JSON.stringify(k.outputShapes),
      (k.kernelTimeMs as number).toFixed(1),
    );
  }
}
