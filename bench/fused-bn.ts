// Fused training-mode batch norm (lib/backend/fused-batch-norm.ts) on vs off, interleaved in one process on the
// `tensorflow` backend, for the bench nets and the real workloads:
//   npx tsx bench/fused-bn.ts [rounds=4] [steps=2] [workload,...]
// Workloads (each one JSON line):
//   profile-resnet / profile-xception  bench/profile.ts's step: backbone + GAP + dense, SGD, batch 64
//   ft-top-resnet / ft-top-xception    bench/finetune-step.ts's 'top' step at 64 px, batch 64, grid cpu settings
//                                      (last 10 weighted layers train, frozen BN in inference, Adam)
//   ssl-resnet / tl-resnet / ssl-xception   bench/pretrain-step.ts's step: cpu pre-training profile at 32 px,
//                                      batch 256 (SimCLR: 512 views; TL: supervised 10 classes)
// Per workload: one warm-up step each way, then `rounds` rounds of `steps` steps per mode in ABBA order (on, off,
// off, on, …) so drift in machine load hits both equally. Reported: images per CPU second per mode (pre-training
// counts source images, as bench/pretrain-step.ts), the ratio, wall, and the 1-minute load average before/after.
// Run with MEDSSL_THREADS=1: process CPU time then measures the work, whatever else the machine runs.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormCalls, setFusedBatchNorm } from '../lib/backend/fused-batch-norm';
import { selectBackend } from '../lib/backend/select-backend';
import { pretrainBench } from './pretrain-task';
import { applyFreeze, setTrainableBnMomentum } from '../lib/finetune/freeze';
import { buildClassifier } from '../lib/models/heads';
import { buildBackbone } from '../lib/models/variants';

const ALL = [
  'profile-resnet',
  'profile-xception',
  'ft-top-resnet',
  'ft-top-xception',
  'ssl-resnet',
  'tl-resnet',
  'ssl-xception',
] as const;
type Workload = (typeof ALL)[number];

const [roundsArg, stepsArg, listArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 4);
const steps = Number(stepsArg ?? 2);
const list = (listArg ? listArg.split(',') : [...ALL]) as Workload[];
for (const w of list) if (!ALL.includes(w)) throw new Error(`unknown workload "${w}" (one of ${ALL.join(', ')})`);
const info = await selectBackend({ quiet: true });
if (info.name !== 'tensorflow') throw new Error(`bench/fused-bn.ts needs the tensorflow backend, got ${info.name}`);

interface Bench {
  images: number; // images per step
  step: () => void;
  dispose: () => void;
}

function profileNet(variant: string): Bench {
  const bb = buildBackbone(variant, { seed: 1 });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bb.model.outputs[0]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: bb.model.inputs, outputs: out });
  const B = 64;
  const s = bb.inputSize;
  const x = tf.randomNormal([B, s, s, 3], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([B], 0, 10, 'int32', 2) as tf.Tensor1D, 10).toFloat());
  const opt = tf.train.sgd(0.01);
  const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  return {
    images: B,
    step: () => tf.tidy(() => void opt.minimize(loss, true)!.dataSync()),
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

function finetuneTop(variant: string): Bench {
  const size = 64,
    B = 64;
  const bb = buildBackbone(variant, { inputSize: size, seed: 0 });
  const clf = buildClassifier(bb, 4, { dropout: 0.3, seed: 0 });
  applyFreeze(bb.model, 'top', 10);
  setTrainableBnMomentum(bb.model, 0.9);
  const x = tf.randomUniform([B, size, size, 3], -2, 2, 'float32', 1) as tf.Tensor4D;
  const y = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: B }, (_, i) => i % 4),
        'int32',
      ),
      4,
    ),
  );
  const vars = clf.trainableWeights.map((w) => w.read() as tf.Variable);
  const opt = tf.train.adam(1e-3);
  const loss = () => tf.losses.softmaxCrossEntropy(y, clf.apply(x, { training: true }) as tf.Tensor2D) as tf.Scalar;
  return {
    images: B,
    step: () => tf.tidy(() => void opt.minimize(loss, true, vars)!.dataSync()),
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
      clf.dispose();
    },
  };
}

function pretrain(method: 'ssl' | 'tl', variant: string): Bench {
  const size = 32,
    B = 256;
  const bench = pretrainBench(method, variant, size, B);
  return {
    images: B,
    step: () => tf.tidy(() => void bench.step().dataSync()),
    dispose: bench.dispose,
  };
}

function make(w: Workload): Bench {
  switch (w) {
    case 'profile-resnet':
      return profileNet('mini-resnet18-w32');
    case 'profile-xception':
      return profileNet('mini-xception');
    case 'ft-top-resnet':
      return finetuneTop('small-resnet18-w16');
    case 'ft-top-xception':
      return finetuneTop('small-xception-w16');
    case 'ssl-resnet':
      return pretrain('ssl', 'small-resnet18-w16');
    case 'tl-resnet':
      return pretrain('tl', 'small-resnet18-w16');
    case 'ssl-xception':
      return pretrain('ssl', 'small-xception-w16');
  }
}

function timed(b: Bench, n: number): { cpu: number; wall: number } {
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) b.step();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: (Date.now() - t0) / 1000 };
}

for (const w of list) {
  const load0 = os.loadavg()[0];
  const b = make(w);
  const acc = { on: { cpu: 0, wall: 0, n: 0 }, off: { cpu: 0, wall: 0, n: 0 } };
  const fused0 = fusedBatchNormCalls.forward;
  for (const mode of ['on', 'off'] as const) {
    setFusedBatchNorm(mode === 'on');
    b.step(); // warm-up
  }
  const fusedPerStep = fusedBatchNormCalls.forward - fused0; // BN layers that ran fused in one step
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const mode of order) {
      setFusedBatchNorm(mode === 'on');
      const t = timed(b, steps);
      acc[mode].cpu += t.cpu;
      acc[mode].wall += t.wall;
      acc[mode].n += steps;
    }
  }
  setFusedBatchNorm(true);
  b.dispose();
  const rate = (m: 'on' | 'off') => (acc[m].n * b.images) / acc[m].cpu;
  console.log(
    JSON.stringify({
      workload: w,
      backend: info.name,
      threads: info.threads,
      fusedBnLayersPerStep: fusedPerStep,
      steps: acc.on.n,
      imgPerCpuSecFused: +rate('on').toFixed(1),
      imgPerCpuSecUnfused: +rate('off').toFixed(1),
      speedup: +(rate('on') / rate('off')).toFixed(3),
      cpuSecondsFused: +acc.on.cpu.toFixed(1),
      cpuSecondsUnfused: +acc.off.cpu.toFixed(1),
      wallSecondsFused: +acc.on.wall.toFixed(1),
      wallSecondsUnfused: +acc.off.wall.toFixed(1),
      load1Before: +load0.toFixed(2),
      load1After: +os.loadavg()[0].toFixed(2),
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
}
