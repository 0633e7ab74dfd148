// Throughput of one pre-training step, for sizing (paper/pretrain/SIZING.md):
//   npx tsx bench/pretrain-step.ts <variant> <size> <tl|ssl> [batch=64]
// One warm-up step, then 4 timed steps on a random batch; prints one JSON line with source images per wall second
// and per CPU second (the second is what sizing uses: it does not depend on what else the machine runs), the
// backend, its threads and the 1-minute load average. MEDSSL_BACKEND / MEDSSL_THREADS choose the backend.
import os from 'node:os';
import { selectBackend } from '../lib/backend/select-backend';
import { pretrainBench } from './pretrain-task';

const [name, sizeArg, method, batchArg] = process.argv.slice(2);
if (!name || !sizeArg || (method !== 'tl' && method !== 'ssl')) {
  console.error('usage: npx tsx bench/pretrain-step.ts <variant> <size> <tl|ssl> [batch=64]');
  process.exit(2);
}
const size = Number(sizeArg);
const B = Number(batchArg ?? 64);
const info = await selectBackend({ quiet: true });
const bench = pretrainBench(method, name, size, B);
const steps = 4;
let t0 = 0;
let c0 = process.cpuUsage();
for (let s = 0; s <= steps; s++) {
  if (s === 1) {
    t0 = Date.now();
    c0 = process.cpuUsage();
  }
  const loss = bench.step();
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
