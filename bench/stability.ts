// Stability evidence for the native backend: the real pre-training loop (runPretraining: SimCLR views, NT-Xent or
// supervised, Adam, checkpoints) for a given number of steps, repeated in fresh processes (a heap corruption aborts
// the process, so each run is its own child). Checkpoints go to a temporary folder that is removed afterwards.
//   npx tsx bench/stability.ts --profile cpu --method ssl --arch resnet --steps 1000 --batch 16 --runs 5
// Prints one line per run (exit status, seconds, load average) and a summary; MEDSSL_BACKEND / MEDSSL_THREADS apply.
// imgPerCpuSecond counts the whole child (data loading included); imgPerEpochCpuSecond only the training epoch.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../lib/util/paths';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? argv[i + 1] : d;
};

if (argv.includes('--child')) {
  const { pretrainConfigFor } = await import('../lib/pretrain/profiles');
  const { runPretraining } = await import('../lib/pretrain/run');
  const { selectBackend, describeBackend } = await import('../lib/backend/select-backend');
  const info = await selectBackend({ quiet: true });
  const steps = Number(opt('steps', '1000')),
    batch = Number(opt('batch', '16'));
  const cfg = pretrainConfigFor(
    opt('profile', 'cpu') as 'cpu',
    opt('method', 'ssl') as 'ssl',
    opt('arch', 'resnet') as 'resnet',
    {
      trainImages: steps * batch,
      batchSize: batch,
      epochs: 1,
      seed: Number(opt('seed', '0')),
    },
  );
  // CPU time of the whole run (data loading included, the same for every backend)
  const c0 = process.cpuUsage();
  const r = await runPretraining(cfg, { root: opt('root', ''), quiet: true });
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  const h = r.record!.history.at(-1)!;
  console.log(
    `RESULT ${JSON.stringify({ backend: describeBackend(info), variant: cfg.variant, method: cfg.method, steps, batch, loss: h.loss, seconds: h.seconds, imgPerSec: h.imgPerSec, cpuSeconds: +cpuSeconds.toFixed(1), imgPerCpuSecond: +((steps * batch) / cpuSeconds).toFixed(1), epochCpuSeconds: h.cpuSeconds, imgPerEpochCpuSecond: h.cpuSeconds ? +((steps * batch) / h.cpuSeconds).toFixed(1) : null, load1: h.load1 })}`,
  );
  process.exit(0);
}

const runs = Number(opt('runs', '5'));
let ok = 0;
for (let i = 0; i < runs; i++) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-stability-'));
  const t0 = Date.now();
  const l0 = os.loadavg()[0].toFixed(2);
  const r = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [path.join(ROOT, 'bench', 'stability.ts'), ...argv, '--child', '--seed', String(i), '--root', root],
    { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 2 ** 20 },
  );
  fs.rmSync(root, { recursive: true, force: true });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  const crashed = r.status !== 0 || !line;
  if (!crashed) ok++;
  const why = crashed
    ? `status ${r.status} signal ${r.signal} ${(r.stderr ?? '')
        .split('\n')
        .filter((l) => /corrupt|free\(|invalid pointer|Error|abort/i.test(l) && !/port\.cc/.test(l))
        .slice(-2)
        .join(' | ')}`
    : line!.slice(7);
  console.log(
    `[stability] run ${i + 1}/${runs} seed ${i}: ${crashed ? 'CRASHED' : 'ok'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${l0}→${os.loadavg()[0].toFixed(2)}) ${why}`,
  );
}
console.log(
  `[stability] ${ok}/${runs} runs finished: ${argv.join(' ')} MEDSSL_BACKEND=${process.env.MEDSSL_BACKEND ?? ''} MEDSSL_THREADS=${process.env.MEDSSL_THREADS ?? ''} TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS ?? ''}`,
);
process.exit(ok === runs ? 0 : 1);
