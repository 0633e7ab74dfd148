// Micro-benchmark of forward conv vs our gradient kernels on the mini-ResNet layer shapes (wasm).
// npx tsx bench/conv-micro.ts [batch=64]
import * as tf from '@tensorflow/tfjs';
import { initWasm } from '../lib/backend/select-backend';
import * as K from '../lib/backend/wasm-kernels';

const batch = Number(process.argv[2] ?? 64);
await initWasm(1);
const shapes = [
  { hw: 32, ci: 32, co: 32, k: 3, s: 1 },
  { hw: 16, ci: 64, co: 64, k: 3, s: 1 },
  { hw: 8, ci: 128, co: 128, k: 3, s: 1 },
  { hw: 4, ci: 256, co: 256, k: 3, s: 1 },
  { hw: 32, ci: 32, co: 64, k: 3, s: 2 },
  { hw: 32, ci: 32, co: 64, k: 1, s: 2 },
];
function time(f: () => tf.Tensor, reps = 3): number {
  tf.tidy(() => {
    f().dataSync();
  });
  const t0 = performance.now();
  for (let i = 0; i < reps; i++)
    tf.tidy(() => {
      f().dataSync();
    });
  return (performance.now() - t0) / reps;
}
for (const s of shapes) {
  const x = tf.randomNormal([batch, s.hw, s.hw, s.ci]) as tf.Tensor4D;
  const w = tf.randomNormal([s.k, s.k, s.ci, s.co]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, s.s, 'same');
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const flop = (2 * batch * y.shape[1] * y.shape[2] * s.k * s.k * s.ci * s.co) / 1e9;
  const tf_ = time(() => tf.conv2d(x, w, s.s, 'same'));
  const ti = time(() => K.conv2dBackpropInputImpl(dy, w, x.shape, s.s, 'same'));
  const tw = time(() => K.conv2dBackpropFilterImpl(x, dy, w.shape, s.s, 'same'));
  const dx = tf.randomNormal([batch, s.hw, s.hw, s.ci]) as tf.Tensor4D;
  const dwf = tf.randomNormal([3, 3, s.ci, 1]) as tf.Tensor4D;
  const yd = tf.depthwiseConv2d(dx, dwf, s.s, 'same');
  const dyd = tf.randomNormal(yd.shape) as tf.Tensor4D;
  const tdf = time(() => tf.depthwiseConv2d(dx, dwf, s.s, 'same'));
  const tdi = time(() => K.depthwiseBackpropInputImpl(dyd, dwf, dx.shape, s.s, 'same'));
  const tdw = time(() => K.depthwiseBackpropFilterImpl(dx, dyd, dwf.shape, s.s, 'same'));
  const g = (t: number) => (flop / (t / 1000)).toFixed(1);
  console.log(
    `${JSON.stringify(s)} GFLOP ${flop.toFixed(3)} | fwd ${tf_.toFixed(1)}ms ${g(tf_)} GF/s | dX ${ti.toFixed(1)}ms ${g(ti)} | dW ${tw.toFixed(1)}ms ${g(tw)} | dw-fwd ${tdf.toFixed(1)} dX ${tdi.toFixed(1)} dW ${tdw.toFixed(1)} ms`,
  );
  tf.dispose([x, w, y, dy, dx, dwf, yd, dyd]);
}
