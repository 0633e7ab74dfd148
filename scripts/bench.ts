// npm run bench — training and inference speed of the two reference nets on every available TF.js backend, the
// ratio of each to the pure-JS cpu backend, and (when Debian's python3-torch is importable) to PyTorch on the same
// nets, batch and thread counts. Every measurement runs in its own process (own peak RSS, own wasm thread pool).
// Writes paper/bench/bench.json with machine facts and load averages.
//
// Options: --batch 64  --steps 3  --cpu-batch 2  --cpu-steps 1  --threads 1 (wasm)  --torch-threads 1,2  --nets mini-resnet18-w32,mini-xception
//          --backends tensorflow,wasm,cpu  --no-torch  --out paper/bench/bench.json
//
// On this kind of shared 2-core machine, wall-clock numbers move with other people's load. Each step's process
// CPU time is recorded as well; for single-thread runs, img/s from CPU time is the more stable comparison and is
// what the `cpu-time` columns show.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib/util/paths';
import { writeJsonAtomic } from '../lib/util/atomic';
import { defaultImporter, gpuVisible } from '../lib/backend/select-backend';
import { enableWasmThreads as enableWasmThreadsSupported } from '../lib/backend/wasm-threads';
import type { WorkerJob, WorkerResult } from '../bench/worker';

function arg(name: string, dflt: string): string {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && argv[i + 1] != null) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : dflt;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const batch = Number(arg('batch', '64'));
const steps = Number(arg('steps', '3'));
const cpuBatch = Number(arg('cpu-batch', '2'));
const cpuSteps = Number(arg('cpu-steps', '1'));
// wasm thread counts: >1 needs the threaded build, which tfjs-backend-wasm 4.22 does not enable under Node (see
// lib/backend/wasm-threads.ts); PyTorch runs at 1 and 2 threads either way.
const threadList = arg('threads', enableWasmThreadsSupported() ? '1,2' : '1').split(',').map(Number);
const torchThreads = arg('torch-threads', '1,2').split(',').map(Number);
const nets = arg('nets', 'mini-resnet18-w32,mini-xception').split(',');
const wantBackends = arg('backends', 'tensorflow,wasm,cpu').split(',');
const outFile = path.resolve(ROOT, arg('out', 'paper/bench/bench.json'));
const TORCH_NET: Record<string, string> = { 'mini-resnet18-w32': 'resnet', 'mini-xception': 'xception' };

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    logicalCores: cpus.length,
    totalMemGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    tfjs: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version as string,
  };
}

function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runWorker(job: WorkerJob): WorkerResult | { job: WorkerJob; error: string } {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [path.join(ROOT, 'bench', 'worker.ts'), JSON.stringify(job)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, MEDSSL_BACKEND: '' },
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7)) as WorkerResult;
  const err = (r.stdout ?? '').split('\n').find((l) => l.startsWith('ERROR ')) ?? (r.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ');
  return { job, error: err || `exit ${r.status}` };
}

interface TorchRun {
  threads: number;
  torch: string;
  results: Array<{ net: string; params_backbone_with_bn_stats: number; train_img_s: number; train_img_s_cpu: number; infer_img_s: number }>;
}

function runTorch(threads: number, torchNets: string[]): TorchRun | { threads: number; error: string } {
  const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench', 'torch_bench.py'), '--threads', String(threads), '--batch', String(batch), '--steps', String(steps), '--nets', torchNets.join(',')], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  if (r.status !== 0) return { threads, error: (r.stderr ?? '').split('\n').filter(Boolean).slice(-2).join(' | ') };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchRun;
}

const fmt = (v: number | undefined, d = 1) =>
  v == null || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v > 0 && v < 0.1 ? v.toPrecision(2) : v.toFixed(d);

async function main() {
  const startedAt = new Date().toISOString();
  const m0 = machine();
  console.log(`[bench] ${m0.cpuModel}, ${m0.logicalCores} logical cores, node ${m0.node}, tfjs ${m0.tfjs}, load ${m0.loadavg.join(' ')}`);
  if (m0.loadavg[0] > m0.logicalCores * 0.75) {
    console.log(`[bench] WARNING: load average ${m0.loadavg[0]} on ${m0.logicalCores} cores: wall-clock numbers are unreliable; compare the cpu-time columns and the ratios.`);
  }

  // Which backends exist here?
  const backends: string[] = [];
  const notAvailable: Record<string, string> = {};
  for (const b of wantBackends) {
    if (b === 'tensorflow') {
      const mod = gpuVisible() ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      try {
        await defaultImporter(mod);
        backends.push(b);
      } catch (e) {
        notAvailable[b] = `${mod}: ${(e as Error).message}`;
        console.log(`[bench] tensorflow backend not available (${notAvailable[b]})`);
      }
    } else backends.push(b);
  }

  const results: Array<WorkerResult | { job: WorkerJob; error: string }> = [];
  for (const net of nets) {
    for (const b of backends) {
      const threads = b === 'wasm' ? threadList : [b === 'cpu' ? 1 : os.cpus().length];
      for (const t of threads) {
        const isCpu = b === 'cpu';
        const job: WorkerJob = {
          backend: b as WorkerJob['backend'],
          threads: t,
          net,
          batch: isCpu ? cpuBatch : batch,
          steps: isCpu ? cpuSteps : steps,
          warmup: isCpu ? 0 : 1,
          inferBatch: isCpu ? cpuBatch : batch,
        };
        process.stdout.write(`[bench] ${net} on ${b}${b === 'wasm' ? ` (${t} thread${t > 1 ? 's' : ''} requested)` : ''}, batch ${job.batch} ... `);
        const r = runWorker(job);
        results.push(r);
        if ('error' in r) console.log(`failed: ${r.error}`);
        else console.log(`train ${fmt(r.trainImgS, 2)} img/s (cpu-time ${fmt(r.trainImgSCpu, 2)}), infer ${fmt(r.inferImgS, 2)} img/s, threads=${r.backend.threads}, peak RSS ${fmt(r.peakRssMB, 0)} MB`);
      }
    }
  }

  // PyTorch reference
  let torch: Array<TorchRun | { threads: number; error: string }> = [];
  const torchOk = !flag('no-torch') && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  if (torchOk) {
    const torchNets = nets.map((n) => TORCH_NET[n]).filter(Boolean);
    for (const t of torchThreads) {
      process.stdout.write(`[bench] PyTorch ${t} thread(s) ... `);
      const r = runTorch(t, torchNets);
      torch.push(r);
      console.log('error' in r ? `failed: ${r.error}` : r.results.map((x) => `${x.net} train ${fmt(x.train_img_s)} (cpu-time ${fmt(x.train_img_s_cpu)}) infer ${fmt(x.infer_img_s)} img/s`).join('; '));
    }
  } else {
    console.log('[bench] PyTorch reference skipped (/usr/bin/python3 cannot import torch; apt-get install python3-torch to add it)');
    torch = [];
  }

  // Table
  const ok = results.filter((r): r is WorkerResult => !('error' in r));
  const m1 = machine();
  console.log('');
  console.log(`| net | backend | threads | batch | train img/s | train img/s (cpu-time) | infer img/s | train GFLOP/s | infer GFLOP/s | peak RSS MB | train × cpu | train × PyTorch (same threads) |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  const rows: Array<Record<string, unknown>> = [];
  for (const r of ok) {
    const cpu = ok.find((q) => q.job.net === r.job.net && q.job.backend === 'cpu');
    const tnet = TORCH_NET[r.job.net];
    const tr = torch.find((t): t is TorchRun => !('error' in t) && t.threads === r.backend.threads);
    const tres = tr?.results.find((x) => x.net === r.job.net || x.net === tnet);
    const vsCpu = cpu ? r.trainImgS / cpu.trainImgS : undefined;
    const vsCpuCpuTime = cpu ? r.trainImgSCpu / cpu.trainImgSCpu : undefined;
    const vsTorch = tres && r.backend.name !== 'cpu' ? r.trainImgS / tres.train_img_s : undefined;
    const vsTorchCpu = tres && r.backend.name !== 'cpu' && r.backend.threads === 1 ? r.trainImgSCpu / tres.train_img_s_cpu : undefined;
    rows.push({
      net: r.job.net,
      backend: r.backend.name,
      threads: r.backend.threads,
      simd: r.backend.simd,
      batch: r.job.batch,
      trainImgS: r.trainImgS,
      trainImgSCpuTime: r.trainImgSCpu,
      inferImgS: r.inferImgS,
      trainGflopS: r.trainGflopS,
      inferGflopS: r.inferGflopS,
      peakRssMB: r.peakRssMB,
      trainRatioToCpuBackend: vsCpu,
      trainRatioToCpuBackendCpuTime: vsCpuCpuTime,
      trainRatioToTorch: vsTorch,
      trainRatioToTorchCpuTime: vsTorchCpu,
      params: r.backboneParams,
      torchParamsWithBnStats: tres?.params_backbone_with_bn_stats,
    });
    console.log(
      `| ${r.job.net} | ${r.backend.name} | ${r.backend.threads} | ${r.job.batch} | ${fmt(r.trainImgS, 2)} | ${fmt(r.trainImgSCpu, 2)} | ${fmt(r.inferImgS, 2)} | ${fmt(r.trainGflopS)} | ${fmt(r.inferGflopS)} | ${fmt(r.peakRssMB, 0)} | ${vsCpu ? fmt(vsCpu) + '×' : '—'}${vsCpuCpuTime ? ` (cpu-time ${fmt(vsCpuCpuTime)}×)` : ''} | ${vsTorch ? vsTorch.toFixed(2) + '×' : '—'}${vsTorchCpu ? ` (cpu-time ${vsTorchCpu.toFixed(2)}×)` : ''} |`,
    );
  }
  for (const t of torch) {
    if ('error' in t) continue;
    for (const x of t.results) {
      rows.push({
        net: x.net,
        backend: `pytorch ${t.torch}`,
        threads: t.threads,
        batch,
        trainImgS: x.train_img_s,
        trainImgSCpuTime: x.train_img_s_cpu,
        inferImgS: x.infer_img_s,
        params: x.params_backbone_with_bn_stats,
      });
      console.log(`| ${x.net} | PyTorch ${t.torch} | ${t.threads} | ${batch} | ${fmt(x.train_img_s, 2)} | ${fmt(x.train_img_s_cpu, 2)} | ${fmt(x.infer_img_s, 2)} | | | | | |`);
    }
  }
  for (const net of nets) {
    const r = ok.find((q) => q.job.net === net);
    const tr = torch.find((t): t is TorchRun => !('error' in t));
    const tres = tr?.results.find((x) => x.net === net);
    if (r) console.log(`[bench] ${net}: TF.js parameters (incl. BN moving stats) ${r.backboneParams.toLocaleString('en')}${tres ? `, PyTorch ${tres.params_backbone_with_bn_stats.toLocaleString('en')}` : ''}`);
  }
  console.log(`[bench] cpu backend rows use batch ${cpuBatch} and ${cpuSteps} timed step(s) without warm-up (it trains at ~0.04 img/s).`);
  console.log(`[bench] load average at start ${m0.loadavg.join(' ')}, at end ${m1.loadavg.join(' ')}`);

  const record = {
    startedAt,
    finishedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine: { ...m0, loadavgStart: m0.loadavg, loadavgEnd: m1.loadavg },
    settings: { batch, steps, cpuBatch, cpuSteps, wasmThreads: threadList, torchThreads, nets },
    notAvailable,
    rows,
    runs: results,
    torch,
    notes: [
      'Each (net, backend, threads) ran in its own process; peakRssMB is that process\'s max RSS.',
      'GFLOP/s counts conv+dense multiply-adds as 2 FLOPs; training = 3 × forward FLOPs per image.',
      'img/s (cpu-time) divides by the process CPU time per step: stable under other load for 1 thread.',
      'cpu backend: small batch, 1 step, no warm-up (it is ~1000× slower).',
    ],
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  await writeJsonAtomic(outFile, record);
  console.log(`[bench] wrote ${path.relative(ROOT, outFile)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
