// %% [markdown]
// # 00 · Environment: which backend trains our networks, and how fast
//
// The paper ("Transfer or Self-Supervised? Bridging the Performance Gap in Medical Imaging", arXiv 2407.05592)
// trains an ImageNet Xception (transfer learning, **TL**) and a SimCLR ResNet-50 (self-supervised, **SSL**) with
// Keras on a GPU. This repository does the same experiments in TypeScript with TensorFlow.js, so that every step
// can be read, run and changed from a notebook. TF.js can run on several *backends*, and they differ by two
// orders of magnitude in speed, so before any experiment we check which one this machine uses and measure it.
//
// What we do here:
// 1. select the fastest backend available (`selectBackend()` in `lib/backend`),
// 2. time a matrix product and a small training step in this very kernel,
// 3. show the benchmark table from `npm run bench` (`paper/bench/`) if it has been run.
//
// Every later notebook sizes its experiments (epochs, image size, seeds) from the **profile** chosen by the
// environment variable `MEDSSL_PROFILE`: `smoke` (CI, minutes), `cpu` (the default, a 2-core laptop) or `gpu`
// (paper scale).

// %% [markdown]
// ## Setup and knobs
// All knobs of this notebook are in the next cell.

// %%
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import * as tslab from 'tslab';
import { profileName } from '../lib/util/profile';
import { PAPER_DIR } from '../lib/util/paths';
import { selectBackend, describeBackend } from '../lib/backend/select-backend';
import { renderFigure } from '../lib/report/figures';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { horizontalBars } from '../lib/report/plots';
import { gitCommit } from '../lib/util/git';

const PROFILE = profileName(); // smoke | cpu | gpu, from MEDSSL_PROFILE
const KNOBS = {
  smoke: { matmulSize: 256, matmulReps: 5, stepBatch: 16, stepSize: 32, stepReps: 3 },
  cpu: { matmulSize: 512, matmulReps: 10, stepBatch: 32, stepSize: 64, stepReps: 5 },
  gpu: { matmulSize: 2048, matmulReps: 20, stepBatch: 64, stepSize: 64, stepReps: 10 },
}[PROFILE];
const BENCH_DIR = path.join(PAPER_DIR, 'bench');
console.log({ PROFILE, ...KNOBS, commit: gitCommit() });

// %% [markdown]
// ## The backend
// `selectBackend()` tries, in order: `@tensorflow/tfjs-node-gpu` (when a GPU is visible), native TensorFlow
// (`@tensorflow/tfjs-node`), the WebAssembly backend with this project's training kernels, and finally pure
// JavaScript. tfjs-node's own installer downloads libtensorflow, which fails offline, so `npm run native` builds its
// binding here against the TensorFlow of the `tensorflow-cpu` Python wheel (about a minute, once); after that this
// cell picks the native backend. Set `MEDSSL_BACKEND` to force one.

// %%
const backend = await selectBackend({ quiet: true });
describeBackend(backend);

// %%
const env = {
  node: process.version,
  tfjs: tf.version.tfjs,
  backend: tf.getBackend(),
  tslab: tslab.versions.tslab,
  typescript: tslab.versions.typescript,
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
  memoryGB: Math.round(os.totalmem() / 2 ** 30),
  platform: `${os.platform()} ${os.release()}`,
};
showTable(writeTable(`00-environment-${PROFILE}`, Object.entries(env).map(([key, value]) => ({ key, value: String(value) })), { title: 'Software and machine' }));

// %% [markdown]
// ## Measured here, now
// Two small timings on the backend just selected. A matrix product shows raw arithmetic speed; a training step
// of a small conv net (forward, backward, Adam update) is what the experiments actually spend their time on.
// Run this on a busy machine and the numbers drop: they are measurements, not constants.

// %%
async function timeIt(fn: () => unknown, reps: number): Promise<number> {
  await fn(); // warm-up: kernels compile, memory is allocated
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / 1000 / reps;
}

const n = KNOBS.matmulSize;
const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
const matmulSec = await timeIt(() => tf.tidy(() => tf.matMul(a, b).dataSync()), KNOBS.matmulReps);
const matmulGflops = (2 * n ** 3) / matmulSec / 1e9;
tf.dispose([a, b]);

function smallNet(): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [KNOBS.stepSize, KNOBS.stepSize, 3], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  return m;
}
const net = smallNet();
const xs = tf.randomUniform([KNOBS.stepBatch, KNOBS.stepSize, KNOBS.stepSize, 3], 0, 1, 'float32', 3);
const ys = tf.tensor1d(Array.from({ length: KNOBS.stepBatch }, (_, i) => i % 4), 'float32');
const stepSec = await timeIt(() => net.trainOnBatch(xs, ys), KNOBS.stepReps);
tf.dispose([xs, ys]);
net.dispose();
const measured = [
  { measurement: `matMul ${n}×${n}`, backend: tf.getBackend(), value: matmulGflops, unit: 'GFLOP/s' },
  { measurement: `train step, conv net, batch ${KNOBS.stepBatch} @ ${KNOBS.stepSize}px`, backend: tf.getBackend(), value: KNOBS.stepBatch / stepSec, unit: 'img/s' },
];
showTable(writeTable(`00-measured-here-${PROFILE}`, measured, { title: `Measured in this kernel (load average ${os.loadavg()[0].toFixed(1)})`, digits: 1 }));

// %% [markdown]
// ## The benchmark (`npm run bench`)
// The benchmark times the reference networks (a mini ResNet-18 and a small Xception) on every backend that
// loads here and writes `paper/bench/*.json`. It takes minutes, so it is not re-run by this notebook; run it once
// per machine. The table and figure below are read from its output.

// %%
type BenchRow = Record<string, string | number | boolean | null>;
function readBench(dir: string): BenchRow[] {
  if (!fs.existsSync(dir)) return [];
  const rows: BenchRow[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const j = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const list: unknown[] = Array.isArray(j) ? j : Array.isArray(j.results) ? j.results : Array.isArray(j.rows) ? j.rows : [j];
    for (const r of list) {
      if (r && typeof r === 'object') {
        const flat: BenchRow = { file: f };
        for (const [k, v] of Object.entries(r as Record<string, unknown>)) {
          if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) flat[k] = v as BenchRow[string];
        }
        rows.push(flat);
      }
    }
  }
  return rows;
}
const bench = readBench(BENCH_DIR);
if (bench.length === 0) {
  console.log(`no benchmark results in ${BENCH_DIR}: run \`npm run bench\` to fill this section`);
} else {
  // The columns a reader needs; everything else stays in paper/bench/bench.json.
  const keep = ['net', 'backend', 'threads', 'batch', 'trainImgS', 'inferImgS', 'trainGflopS', 'peakRssMB', 'trainRatioToCpuBackend', 'trainRatioToTorch'];
  const cols = keep.filter((k) => bench.some((r) => k in r));
  const slim = cols.length >= 3 ? bench.map((r) => Object.fromEntries(cols.map((k) => [k, r[k] ?? null]))) : bench;
  showTable(writeTable(`00-bench-${PROFILE}`, slim, { title: 'npm run bench (training/inference images per second; ratios to the pure-JS cpu backend and to PyTorch)', digits: 2 }));
}

// %%
const speed = (r: BenchRow) => Number(r.trainImgS ?? r.imgPerSec ?? r.img_per_s);
const trainRows = bench.filter((r) => Number.isFinite(speed(r)) && speed(r) > 0);
const benchLabel = (r: BenchRow) => [r.net ?? r.model ?? r.arch, r.backend, r.threads != null ? `${r.threads} thr` : null].filter((x) => x != null).join(' · ');
if (trainRows.length > 0) {
  const fig = horizontalBars(trainRows.map((r) => ({ label: benchLabel(r), value: speed(r) })), { title: 'Training throughput by backend (npm run bench)', xTitle: 'training images / s (log)', logX: true });
  showFigure(await renderFigure(`00-bench-throughput-${PROFILE}`, fig, { height: 160 + 34 * trainRows.length }));
}

// %% [markdown]
// ## What we found
// From the measurements above: the backend this kernel uses, and per network the fastest setup in the benchmark.

// %%
const nets = [...new Set(trainRows.map((r) => String(r.net ?? r.model ?? r.arch)))];
const fastest = nets.map((net) => trainRows.filter((r) => String(r.net ?? r.model ?? r.arch) === net).sort((x, y) => speed(y) - speed(x))[0]);
showMarkdown(
  [
    `- This kernel trains on **${tf.getBackend()}**: ${(KNOBS.stepBatch / stepSec).toFixed(1)} img/s for the small conv net above (load average ${os.loadavg()[0].toFixed(1)}).`,
    ...fastest.map((r) => `- ${r.net ?? r.model ?? r.arch}: fastest in the benchmark is ${benchLabel(r)} at ${speed(r).toFixed(1)} training img/s.`),
    ...(fastest.length ? [] : ['- No benchmark results yet: `npm run bench` fills this.']),
  ].join('\n'),
);

// %% [markdown]
// The profiles (`smoke`, `cpu`, `gpu`) are sized from throughputs like these: a measured budget, not a constant.
//
// ## Exercises
// 1. Force the pure-JS backend (`MEDSSL_BACKEND=cpu`) and re-run the timing cell. How much slower is a training
//    step? Is the matrix product slowed down by the same factor? Why might they differ?
// 2. Double the batch size in `KNOBS`. Does images/second go up? What limits it?
// 3. Force the WebAssembly backend (`MEDSSL_BACKEND=wasm`) and compare with native TensorFlow. Which one wins
//    for the tiny net here, and which for the reference nets in the benchmark? Why can per-op overhead matter more
//    than raw arithmetic for small networks?
