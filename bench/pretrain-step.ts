// Throughput of one pre-training step, for sizing (paper/pretrain/SIZING.md):
//   npx tsx bench/pretrain-step.ts <variant> <size> <tl|ssl> [batch=64]
// One warm-up step, then 4 timed steps on a random batch; prints one JSON line with source images per wall second
// and per CPU second (the second is what sizing uses: it does not depend on what else the machine runs), the
// backend, its threads and the 1-minute load average. MEDSSL_BACKEND / MEDSSL_THREADS choose the backend.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select-backend';
import { applyScaling } from '../lib/data/scaling';
import { simclrConfig, simclrViews } from '../lib/data/simclr-views';
import { buildBackbone } from '../lib/models/variants';
import { supervisedTask } from '../lib/pretrain/supervised';
import { simclrTask } from '../lib/ssl/simclr-trainer';
import { Rng } from '../lib/util/rng';

const [name, sizeArg, method, batchArg] = process.argv.slice(2);
if (!name || !sizeArg || (method !== 'tl' && method !== 'ssl')) {
  console.error('usage: npx tsx bench/pretrain-step.ts <variant> <size> <tl|ssl> [batch=64]');
  process.exit(2);
}
const size = Number(sizeArg);
const B = Number(batchArg ?? 64);
const info = await selectBackend({ quiet: true });
const bb = buildBackbone(name, { inputSize: size, seed: 0 });
const scale = (x: tf.Tensor4D) => applyScaling(x, bb.scaling);
const vc = simclrConfig(size, { cropScale: [0.08, 1], jitterStrength: 0.5, blurProb: 0 });
const task =
  method === 'ssl'
    ? simclrTask(bb, { temperature: 0.5, projDim: 128, seed: 0, scale, views: (x, r) => simclrViews(x, r, vc) })
    : supervisedTask(bb, { numClasses: 10, seed: 0, scale });
const vars = task.trainModel.trainableWeights.map((w) => w.read() as tf.Variable);
const opt = tf.train.adam(1e-3);
const rng = new Rng(0);
const x = tf.tidy(() =>
  tf.div(tf.floor(tf.randomUniform([B, size, size, 3], 0, 256, 'float32', 1)), 255),
) as tf.Tensor4D;
const y = Int32Array.from({ length: B }, (_, i) => i % 10);
const steps = 4;
let t0 = 0;
let c0 = process.cpuUsage();
for (let s = 0; s <= steps; s++) {
  if (s === 1) {
    t0 = Date.now();
    c0 = process.cpuUsage();
  }
  const loss = opt.minimize(() => task.loss(x, y, rng), true, vars)!;
  loss.dataSync();
  loss.dispose();
}
const wall = (Date.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
console.log(
  JSON.stringify({
    variant: name,
    size,
    method,
    batch: B,
    backend: info.name,
    threads: info.threads,
    imgPerSec: +((steps * B) / wall).toFixed(1),
    imgPerCpuSec: +((steps * B) / cpu).toFixed(1),
    wallSeconds: +wall.toFixed(1),
    load1: os.loadavg()[0],
  }),
);
