// Use both cores: one process with 2 intra-op threads vs two 1-thread processes side by side (grid shards,
// pre-training arms), on the native backend (and wasm for reference), for the cpu profile's backbones.
//   npx tsx bench/threads-vs-processes.ts [--nets tiny-resnet10-w8,tiny-xception] [--batch 64] [--steps 8] [--backend tensorflow]
// Each configuration: aggregate training img/s (sum over processes of batch / median step), and img per CPU-second;
// load average recorded around each. Writes bench/results/threads-vs-processes-<date>.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib/util/paths';
import { writeJsonAtomic } from '../lib/util/atomic';
import type { WorkerJob, WorkerResult } from './worker';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : d;
};
const nets = opt('nets', 'tiny-resnet10-w8,tiny-xception').split(',');
const batch = Number(opt('batch', '64'));
const steps = Number(opt('steps', '8'));
const backend = opt('backend', 'tensorflow') as WorkerJob['backend'];

function worker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, MEDSSL_BACKEND: '', MEDSSL_THREADS: String(job.threads) };
    delete env.TF_NUM_INTRAOP_THREADS;
    delete env.TF_NUM_INTEROP_THREADS;
    const p = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'bench', 'worker.ts'), JSON.stringify(job)],
      { cwd: ROOT, env },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', () => {});
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)) as WorkerResult);
      else reject(new Error(`worker exit ${code}: ${out.split('\n').find((l) => l.startsWith('ERROR ')) ?? ''}`));
    });
  });
}

const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const load = () => os.loadavg().map((v) => +v.toFixed(2));
const rows: Array<Record<string, unknown>> = [];
for (const net of nets) {
  const job = (threads: number): WorkerJob => ({ backend, threads, net, batch, steps, warmup: 1, inferBatch: 1 });
  for (const mode of ['1 process × 2 threads', '2 processes × 1 thread', '1 process × 1 thread'] as const) {
    const l0 = load();
    const t0 = Date.now();
    const rs = mode.startsWith('2 processes')
      ? await Promise.all([worker(job(1)), worker(job(1))])
      : [await worker(job(mode.includes('2 threads') ? 2 : 1))];
    const imgS = rs.reduce((p, r) => p + batch / med(r.trainStepS), 0);
    const cpuS = rs.reduce((p, r) => p + med(r.trainCpuS), 0) / rs.length;
    const row = {
      net,
      backend,
      mode,
      trainImgS: +imgS.toFixed(2),
      imgPerCpuSecond: +(batch / cpuS).toFixed(2),
      wallSeconds: (Date.now() - t0) / 1000,
      peakRssMB: rs.map((r) => Math.round(r.peakRssMB)),
      loadavgBefore: l0,
      loadavgAfter: load(),
    };
    rows.push(row);
    console.log(
      `[tvp] ${net} ${backend} ${mode}: ${row.trainImgS} img/s aggregate, ${row.imgPerCpuSecond} img per CPU-s, load ${l0[0]}→${row.loadavgAfter[0]}`,
    );
  }
}
const out = path.join(
  ROOT,
  'bench',
  'results',
  `threads-vs-processes-${new Date().toISOString().slice(0, 10)}-${backend}.json`,
);
fs.mkdirSync(path.dirname(out), { recursive: true });
writeJsonAtomic(out, {
  date: new Date().toISOString(),
  cores: os.cpus().length,
  batch,
  steps,
  note: 'aggregate img/s = sum over processes of batch / median step time; the machine was shared (see load averages)',
  rows,
});
console.log(`[tvp] wrote ${path.relative(ROOT, out)}`);
