// Throughput of fine-tuning steps at the fine-tuning size, for sizing the grid (paper/results/GRID-SIZING.md):
//   npx tsx bench/finetune-step.ts <variant> [size=64] [batch=64] [topLayers=10]
// Per freeze strategy ('all' = whole network trains, 'top' = the last `topLayers` weighted layers, 'head' = head
// only) one warm-up step then 3 timed steps on a random batch, plus an inference-mode forward pass: one JSON line
// each with images per CPU second (what sizing uses; it does not depend on what else the machine runs), wall, the
// backend, threads and the 1-minute load average. MEDSSL_BACKEND / MEDSSL_THREADS choose the backend.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select-backend';
import { applyFreeze } from '../lib/finetune/freeze';
import { buildClassifier } from '../lib/models/heads';
import { buildBackbone } from '../lib/models/variants';

const [name, sizeArg, batchArg, topArg] = process.argv.slice(2);
if (!name) {
  console.error('usage: npx tsx bench/finetune-step.ts <variant> [size=64] [batch=64] [topLayers=10]');
  process.exit(2);
}
const size = Number(sizeArg ?? 64);
const B = Number(batchArg ?? 64);
const top = Number(topArg ?? 10);
const info = await selectBackend({ quiet: true });
const x = tf.tidy(() => tf.randomUniform([B, size, size, 3], -2, 2, 'float32', 1)) as tf.Tensor4D;
const y = tf.tensor1d(
  Array.from({ length: B }, (_, i) => i % 4),
  'int32',
);

function timed(steps: number, step: () => void): { wall: number; cpu: number } {
  step(); // warm-up
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) step();
  const c = process.cpuUsage(c0);
  return { wall: (Date.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

function report(mode: string, steps: number, t: { wall: number; cpu: number }, trainable?: number): void {
  console.log(
    JSON.stringify({
      variant: name,
      size,
      batch: B,
      mode,
      trainableLayers: trainable,
      backend: info.name,
      threads: info.threads,
      imgPerCpuSec: +((steps * B) / t.cpu).toFixed(1),
      imgPerSec: +((steps * B) / t.wall).toFixed(1),
      cpuSeconds: +t.cpu.toFixed(1),
      load1: +os.loadavg()[0].toFixed(2),
    }),
  );
}

for (const mode of ['forward', 'all', 'top', 'head'] as const) {
  const bb = buildBackbone(name, { inputSize: size, seed: 0 });
  const clf = buildClassifier(bb, 4, { dropout: 0.3, seed: 0 });
  if (mode === 'forward') {
    const t = timed(3, () => tf.tidy(() => (clf.apply(x, { training: false }) as tf.Tensor).dataSync()));
    report(mode, 3, t);
  } else {
    const n = applyFreeze(bb.model, mode, top);
    const vars = clf.trainableWeights.map((w) => w.read() as tf.Variable);
    const opt = tf.train.adam(1e-3);
    const t = timed(3, () => {
      const loss = opt.minimize(
        () => {
          const logits = clf.apply(x, { training: true }) as tf.Tensor2D;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 4), logits) as tf.Scalar;
        },
        true,
        vars,
      )!;
      loss.dataSync();
      loss.dispose();
    });
    report(mode, 3, t, n);
    opt.dispose();
  }
  clf.dispose();
}
