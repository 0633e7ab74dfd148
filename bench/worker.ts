// One benchmark measurement in its own process (so peak RSS and the wasm thread pool belong to one backend).
// Spawned by scripts/bench.ts:  tsx bench/worker.ts '{"backend":"wasm","threads":1,"net":"mini-resnet18-w32",...}'
// Prints one line `RESULT {json}` on stdout.
import * as tf from '@tensorflow/tfjs';
import { initCpu, initWasm, selectBackend, type BackendInfo } from '../lib/backend/select-backend';
import { flopsPerImage } from '../lib/models/flops';
import { buildBackbone } from '../lib/models/variants';

export interface WorkerJob {
  backend: 'tensorflow' | 'wasm' | 'cpu';
  threads: number;
  net: string;
  batch: number;
  steps: number;
  warmup: number;
  inferBatch: number;
}

export interface WorkerResult {
  job: WorkerJob;
  backend: BackendInfo;
  params: number;
  backboneParams: number;
  flopsPerImage: number;
  trainStepS: number[];
  inferStepS: number[];
  /** Process CPU time (user+system) per step: robust to other processes on a shared machine for 1 thread. */
  trainCpuS: number[];
  inferCpuS: number[];
  trainImgSCpu: number;
  trainImgS: number;
  inferImgS: number;
  trainGflopS: number;
  inferGflopS: number;
  peakRssMB: number;
  finalLoss: number;
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

async function run(job: WorkerJob): Promise<WorkerResult> {
  let info: BackendInfo;
  if (job.backend === 'wasm') info = await initWasm(job.threads);
  else if (job.backend === 'cpu') info = await initCpu();
  else info = await selectBackend({ force: 'tensorflow', quiet: true });
  const bb = buildBackbone(job.net, { seed: 0 });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(bb.model.outputs[0]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 10 }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: bb.model.inputs, outputs: out });
  const s = bb.inputSize;
  const x = tf.randomNormal([job.batch, s, s, 3]);
  const y = tf.oneHot(tf.randomUniform([job.batch], 0, 10, 'int32') as tf.Tensor1D, 10).toFloat();
  const opt = tf.train.momentum(0.01, 0.9);
  let loss = NaN;
  const step = () => {
    loss = tf.tidy(() => {
      const l = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        true,
      );
      return l!.dataSync()[0];
    });
  };
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const trainStepS: number[] = [];
  const trainCpuS: number[] = [];
  for (let i = 0; i < job.warmup + job.steps; i++) {
    const t0 = performance.now();
    const c0 = cpuNow();
    step();
    if (i >= job.warmup) {
      trainStepS.push((performance.now() - t0) / 1000);
      trainCpuS.push(cpuNow() - c0);
    }
  }
  const xi = job.inferBatch === job.batch ? x : tf.randomNormal([job.inferBatch, s, s, 3]);
  const inferStepS: number[] = [];
  const inferCpuS: number[] = [];
  for (let i = 0; i < job.warmup + job.steps; i++) {
    const t0 = performance.now();
    const c0 = cpuNow();
    tf.tidy(() => (model.predict(xi) as tf.Tensor).dataSync());
    if (i >= job.warmup) {
      inferStepS.push((performance.now() - t0) / 1000);
      inferCpuS.push(cpuNow() - c0);
    }
  }
  const fpi = flopsPerImage(model);
  const trainImgS = job.batch / median(trainStepS);
  const inferImgS = job.inferBatch / median(inferStepS);
  return {
    job,
    backend: info,
    params: model.countParams(),
    backboneParams: bb.model.countParams(),
    flopsPerImage: fpi,
    trainStepS,
    inferStepS,
    trainCpuS,
    inferCpuS,
    trainImgSCpu: job.batch / median(trainCpuS),
    trainImgS,
    inferImgS,
    // training ≈ forward + 2× forward (input and weight gradients)
    trainGflopS: (3 * fpi * trainImgS) / 1e9,
    inferGflopS: (fpi * inferImgS) / 1e9,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    finalLoss: loss,
  };
}

const job = JSON.parse(process.argv[2]) as WorkerJob;
run(job).then(
  (r) => {
    console.log(`RESULT ${JSON.stringify(r)}`);
    process.exit(0);
  },
  (e) => {
    console.log(
      `ERROR ${JSON.stringify(
        String((e as Error)?.stack ?? e)
          .split('\n')
          .slice(0, 3)
          .join(' | '),
      )}`,
    );
    process.exit(1);
  },
);
