// How many epochs fine-tuning needs before early stopping, for sizing the grid (paper/results/GRID-SIZING.md):
//   npx tsx bench/finetune-convergence.ts <arm> <arch> <dataset> [lr=1e-3] [freeze=top] [topLayers=10] [epochs=30] [patience=5]
// Fine-tunes the cpu profile's pre-trained backbone at 64 px and prints one JSON line per epoch and a summary
// with the stopping epoch, CPU seconds and load. Nothing is written.
import os from 'node:os';
import { selectBackend } from '../lib/backend/select-backend';
import { loadImageSet } from '../lib/data/load';
import { finetune } from '../lib/finetune/finetune';
import { getPretrainedBackbone, type Arm } from '../lib/pretrain/backbones';
import type { FreezeStrategy } from '../lib/finetune/run-record';

const [arm, arch, dataset, lrA, freezeA, topA, epochsA, patienceA] = process.argv.slice(2);
if (!arm || !arch || !dataset) {
  console.error(
    'usage: npx tsx bench/finetune-convergence.ts <arm> <resnet|xception> <dataset> [lr] [freeze] [topLayers] [epochs] [patience]',
  );
  process.exit(2);
}
const info = await selectBackend({ quiet: true });
const data = await loadImageSet(dataset, { size: 64 });
const bb = await getPretrainedBackbone(`${arm}-${arch}` as Arm, { profile: 'cpu', inputSize: 64 });
const c0 = process.cpuUsage();
const t0 = Date.now();
const r = await finetune(bb, data, {
  epochs: Number(epochsA ?? 30),
  batchSize: 64,
  lr: Number(lrA ?? 1e-3),
  schedule: { kind: 'cosine', warmupEpochs: 1 },
  freeze: (freezeA ?? 'top') as FreezeStrategy,
  topLayers: Number(topA ?? 10),
  patience: Number(patienceA ?? 5),
  dropout: 0.3,
  bnMomentum: 0.9,
  seed: 0,
  onEpoch: (l) =>
    console.log(
      JSON.stringify({
        epoch: l.epoch,
        trainLoss: +l.trainLoss.toFixed(4),
        trainAcc: +l.trainAcc.toFixed(3),
        valLoss: +l.valLoss.toFixed(4),
        valAcc: +l.valAcc.toFixed(3),
        s: +l.seconds.toFixed(1),
      }),
    ),
});
const c = process.cpuUsage(c0);
console.log(
  JSON.stringify({
    arm,
    arch,
    dataset,
    lr: Number(lrA ?? 1e-3),
    freeze: freezeA ?? 'top',
    epochsRun: r.stage.epochs.length,
    bestEpoch: r.stage.bestEpoch,
    stoppedEarly: r.stage.stoppedEarly,
    testAcc: r.test?.accuracy,
    trainImages: data.splits.train.length,
    cpuSeconds: +((c.user + c.system) / 1e6).toFixed(1),
    wallSeconds: (Date.now() - t0) / 1000,
    backend: info.name,
    threads: info.threads,
    load1: os.loadavg()[0],
  }),
);
