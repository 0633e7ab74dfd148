// npm run bench — training and inference speed of the two reference nets on every available TF.js backend
// (tensorflow = tfjs-node on the libtensorflow `npm run native` built, at 1 and 2 threads; wasm; pure-JS cpu) and,
// when Python has them, PyTorch and Keras 3 on TensorFlow at the same nets, batch and thread counts. Every row runs
// in its own process (own peak RSS, own thread pools) and records the load average before and after it: on a
// shared machine wall-clock numbers move with other people's load. Writes paper/bench/bench.json.
//
// Options (--help lists them): --batch 64  --steps 3  --cpu-batch 2  --cpu-steps 1  --threads 1 (wasm)  --tf-threads 1,2
//          --torch-threads 1,2  --keras-threads 1,2  --nets mini-resnet18-w32,mini-xception
//          --backends tensorflow,wasm,cpu  --no-torch  --no-keras  --out paper/bench/bench.json
// Python: MEDSSL_PYTHON, else python3 on PATH. Install the comparison packages with
//   python3 -m pip install torch tensorflow-cpu==2.21.0 keras   (add --index-url from `pip config list` offline)
//
// Every row also records its process's wall and CPU time (start-up included) and the load average around it.
// Each step's process CPU time is recorded as well; for single-thread runs, img/s from CPU time is the more stable
// comparison and is what the `cpu-time` columns show.
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, stringOption } from '../lib/util/cli';
import type { WorkerJob, WorkerResult } from '../bench/worker';

const { values: opt } = cli({
  command: 'npm run bench --',
  summary:
    'Training and inference speed of the reference nets on every TF.js backend and, when Python has them, PyTorch and Keras; one process per row with its peak RSS, wall and CPU time and load average. Writes paper/bench/bench.json.',
  options: {
    batch: { type: 'string', arg: 'N', help: 'batch size (default 64)' },
    steps: { type: 'string', arg: 'N', help: 'timed training steps per row (default 3)' },
    'cpu-batch': { type: 'string', arg: 'N', help: 'batch on the pure-JS cpu backend (default 2)' },
    'cpu-steps': { type: 'string', arg: 'N', help: 'steps on the pure-JS cpu backend (default 1)' },
    threads: { type: 'string', arg: 'a,b', help: 'wasm thread counts (default 1; 1,2 where the threaded build works)' },
    'tf-threads': { type: 'string', arg: 'a,b', help: 'tensorflow intra-op thread counts (default 1,2)' },
    'torch-threads': { type: 'string', arg: 'a,b', help: 'PyTorch thread counts (default 1,2)' },
    'keras-threads': { type: 'string', arg: 'a,b', help: 'Keras thread counts (default 1,2)' },
    nets: { type: 'string', arg: 'a,b', help: 'nets (default mini-resnet18-w32,mini-xception)' },
    backends: { type: 'string', arg: 'a,b', help: 'TF.js backends (default tensorflow,wasm,cpu)' },
    'no-torch': { type: 'boolean', help: 'skip the PyTorch rows' },
    'no-keras': { type: 'boolean', help: 'skip the Keras rows' },
    out: { type: 'string', arg: 'FILE', help: 'output (default paper/bench/bench.json)' },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const { ROOT } = await import('../lib/util/paths');
const { writeJsonAtomic } = await import('../lib/util/atomic');
const { defaultImporter, gpuVisible } = await import('../lib/backend/select-backend');

const arg = (name: string, dflt: string) => stringOption(opt, name) ?? dflt;
const flag = (name: string) => opt[name] === true;

/**
 * spawnSync, plus the child's wall time and its total CPU time (user + system of the child and anything it waited
 * for, start-up included), read from bash's `times` after it exits.
 */
function spawnTimed(
  cmd: string,
  args: string[],
  o: SpawnSyncOptions,
): { r: SpawnSyncReturns<string>; wallSeconds: number; cpuSeconds: number | null } {
  const t0 = Date.now();
  const r = spawnSync('bash', ['-c', '"$@"; rc=$?; echo "@@times"; times; exit $rc', 'bench', cmd, ...args], {
    ...o,
    encoding: 'utf8',
  });
  const wallSeconds = (Date.now() - t0) / 1000;
  const out = r.stdout ?? '';
  const k = out.lastIndexOf('@@times\n');
  let cpuSeconds: number | null = null;
  if (k >= 0) {
    // second line of `times`: the children's user and system time, e.g. "1m2.345s 0m0.678s"
    const m = out
      .slice(k)
      .split('\n')[2]
      ?.match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
    if (m) cpuSeconds = +(60 * +m[1] + +m[2] + 60 * +m[3] + +m[4]).toFixed(2);
    r.stdout = out.slice(0, k);
  }
  return { r, wallSeconds, cpuSeconds };
}

const batch = Number(arg('batch', '64'));
const steps = Number(arg('steps', '3'));
const cpuBatch = Number(arg('cpu-batch', '2'));
const cpuSteps = Number(arg('cpu-steps', '1'));
// wasm thread counts: >1 needs the threaded build, which tfjs-backend-wasm 4.22 does not load under Node (see
// initWasm in lib/backend/select-backend.ts); PyTorch runs at 1 and 2 threads either way.
const threadList = arg('threads', '1').split(',').map(Number);
const tfThreads = arg('tf-threads', '1,2').split(',').map(Number);
const torchThreads = arg('torch-threads', '1,2').split(',').map(Number);
const kerasThreads = arg('keras-threads', '1,2').split(',').map(Number);
const PYTHON = process.env.MEDSSL_PYTHON || 'python3';
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
    tfjs: JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8'))
      .version as string,
  };
}

function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Child environment: thread count for the native backend from the job, nothing inherited that would override it. */
function workerEnv(job: WorkerJob): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MEDSSL_BACKEND: '', MEDSSL_THREADS: String(job.threads) };
  delete env.TF_NUM_INTRAOP_THREADS;
  delete env.TF_NUM_INTEROP_THREADS;
  return env;
}

const load = () => os.loadavg().map((v) => +v.toFixed(2));

type Timed = { wallSeconds: number; cpuSeconds: number | null };

function runWorker(job: WorkerJob): (WorkerResult & Timed) | { job: WorkerJob; error: string } {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const { r, wallSeconds, cpuSeconds } = spawnTimed(tsx, [path.join(ROOT, 'bench', 'worker.ts'), JSON.stringify(job)], {
    cwd: ROOT,
    maxBuffer: 64 * 2 ** 20,
    env: workerEnv(job),
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return { ...(JSON.parse(line.slice(7)) as WorkerResult), wallSeconds, cpuSeconds };
  const err =
    (r.stdout ?? '').split('\n').find((l) => l.startsWith('ERROR ')) ??
    (r.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ');
  return { job, error: err || `exit ${r.status}` };
}

/** One Python reference measurement (one framework, net and thread count per process, so peak RSS is per row). */
interface PyRow {
  framework: 'pytorch' | 'keras';
  version: string;
  threads: number;
  net: string;
  trainImgS: number;
  trainImgSCpu: number;
  inferImgS: number;
  peakRssMB: number;
  params: number;
  loadavgBefore: number[];
  loadavgAfter: number[];
  wallSeconds: number;
  cpuSeconds: number | null;
  raw: unknown;
}

function runPython(
  framework: 'pytorch' | 'keras',
  threads: number,
  net: string,
): PyRow | { framework: string; threads: number; net: string; error: string } {
  const key = TORCH_NET[net];
  const script = framework === 'pytorch' ? 'torch_bench.py' : 'keras_bench.py';
  const netArg = framework === 'pytorch' ? ['--nets', key] : ['--net', key];
  const before = load();
  const { r, wallSeconds, cpuSeconds } = spawnTimed(
    PYTHON,
    [
      path.join(ROOT, 'bench', script),
      '--threads',
      String(threads),
      '--batch',
      String(batch),
      '--steps',
      String(steps),
      ...netArg,
    ],
    { cwd: ROOT, maxBuffer: 16 * 2 ** 20 },
  );
  const after = load();
  if (r.status !== 0)
    return { framework, threads, net, error: (r.stderr ?? '').split('\n').filter(Boolean).slice(-2).join(' | ') };
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    torch?: string;
    keras?: string;
    tensorflow?: string;
    results: Array<Record<string, number>>;
  };
  const x = o.results[0];
  return {
    framework,
    version: framework === 'pytorch' ? `torch ${o.torch}` : `keras ${o.keras} / tensorflow ${o.tensorflow}`,
    threads,
    net,
    trainImgS: x.train_img_s,
    trainImgSCpu: x.train_img_s_cpu,
    inferImgS: x.infer_img_s,
    peakRssMB: x.peak_rss_mb,
    params: x.params_backbone_with_bn_stats ?? x.params_backbone,
    loadavgBefore: before,
    loadavgAfter: after,
    wallSeconds,
    cpuSeconds,
    raw: o,
  };
}

function pythonHas(mod: string): boolean {
  return (
    spawnSync(PYTHON, ['-c', `import ${mod}`], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } })
      .status === 0
  );
}

const fmt = (v: number | undefined, d = 1) =>
  v == null || !Number.isFinite(v) ? '—' : v >= 100 ? v.toFixed(0) : v > 0 && v < 0.1 ? v.toPrecision(2) : v.toFixed(d);

async function main() {
  const startedAt = new Date().toISOString();
  const m0 = machine();
  console.log(
    `[bench] ${m0.cpuModel}, ${m0.logicalCores} logical cores, node ${m0.node}, tfjs ${m0.tfjs}, load ${m0.loadavg.join(' ')}`,
  );
  if (m0.loadavg[0] > m0.logicalCores * 0.75) {
    console.log(
      `[bench] WARNING: load average ${m0.loadavg[0]} on ${m0.logicalCores} cores: wall-clock numbers are unreliable; compare the cpu-time columns and the ratios.`,
    );
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

  type Row = Record<string, unknown> & {
    net: string;
    framework: string;
    threads: number;
    trainImgS: number;
    trainImgSCpuTime: number;
  };
  const results: Array<
    (WorkerResult & { loadavgBefore: number[]; loadavgAfter: number[] }) | { job: WorkerJob; error: string }
  > = [];
  const rows: Row[] = [];
  const failures: unknown[] = [];
  for (const net of nets) {
    for (const b of backends) {
      const threads = b === 'wasm' ? threadList : b === 'cpu' ? [1] : tfThreads;
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
        const before = load();
        process.stdout.write(`[bench] ${net} on ${b}, ${t} thread(s), batch ${job.batch}, load ${before[0]} ... `);
        const r = runWorker(job);
        const after = load();
        if ('error' in r) {
          results.push(r);
          failures.push(r);
          console.log(`failed: ${r.error}`);
          continue;
        }
        results.push({ ...r, loadavgBefore: before, loadavgAfter: after });
        console.log(
          `train ${fmt(r.trainImgS, 2)} img/s (cpu-time ${fmt(r.trainImgSCpu, 2)}), infer ${fmt(r.inferImgS, 2)} img/s, threads=${r.backend.threads}, peak RSS ${fmt(r.peakRssMB, 0)} MB`,
        );
        rows.push({
          net,
          framework: `tfjs ${b}`,
          backend: r.backend.name,
          threads: r.backend.threads,
          batch: r.job.batch,
          trainImgS: r.trainImgS,
          trainImgSCpuTime: r.trainImgSCpu,
          inferImgS: r.inferImgS,
          trainGflopS: r.trainGflopS,
          inferGflopS: r.inferGflopS,
          peakRssMB: r.peakRssMB,
          params: r.backboneParams,
          loadavgBefore: before,
          loadavgAfter: after,
          wallSeconds: r.wallSeconds,
          cpuSeconds: r.cpuSeconds,
        });
      }
    }
  }

  // Python references: PyTorch and Keras 3 on TensorFlow, one process per (framework, net, threads)
  const py: Record<string, string> = {};
  const want: Array<['pytorch' | 'keras', number[], string]> = [];
  if (flag('no-torch')) py.pytorch = 'skipped (--no-torch)';
  else if (!pythonHas('torch'))
    py.pytorch = `skipped: ${PYTHON} cannot import torch (pip install torch; MEDSSL_PYTHON picks another Python)`;
  else want.push(['pytorch', torchThreads, 'torch']);
  if (flag('no-keras')) py.keras = 'skipped (--no-keras)';
  else if (!pythonHas('keras, tensorflow'))
    py.keras = `skipped: ${PYTHON} cannot import keras and tensorflow (pip install tensorflow-cpu==2.21.0 keras)`;
  else want.push(['keras', kerasThreads, 'keras']);
  for (const [k, v] of Object.entries(py)) console.log(`[bench] ${k} ${v}`);
  for (const [fw, threads] of want) {
    for (const net of nets.filter((n) => TORCH_NET[n])) {
      for (const t of threads) {
        process.stdout.write(`[bench] ${net} on ${fw}, ${t} thread(s), load ${load()[0]} ... `);
        const r = runPython(fw, t, net);
        if ('error' in r) {
          failures.push(r);
          console.log(`failed: ${r.error}`);
          continue;
        }
        console.log(
          `train ${fmt(r.trainImgS)} (cpu-time ${fmt(r.trainImgSCpu)}) infer ${fmt(r.inferImgS)} img/s, peak RSS ${fmt(r.peakRssMB, 0)} MB (${r.version})`,
        );
        rows.push({
          net,
          framework: r.version,
          backend: fw,
          threads: t,
          batch,
          trainImgS: r.trainImgS,
          trainImgSCpuTime: r.trainImgSCpu,
          inferImgS: r.inferImgS,
          peakRssMB: r.peakRssMB,
          params: r.params,
          wallSeconds: r.wallSeconds,
          cpuSeconds: r.cpuSeconds,
          loadavgBefore: r.loadavgBefore,
          loadavgAfter: r.loadavgAfter,
        });
      }
    }
  }

  // Ratios at the same net and thread count
  const ref = (net: string, fw: string, t: number) =>
    rows.find((q) => q.net === net && q.backend === fw && q.threads === t);
  for (const r of rows) {
    const cpu = rows.find((q) => q.net === r.net && q.backend === 'cpu');
    if (cpu && r !== cpu) r.trainRatioToCpuBackend = r.trainImgS / cpu.trainImgS;
    for (const fw of ['pytorch', 'keras']) {
      const q = ref(r.net, fw, r.threads);
      if (q && q !== r && r.backend !== 'cpu') {
        r[`trainRatioTo_${fw}`] = r.trainImgS / q.trainImgS;
        r[`trainRatioTo_${fw}_cpuTime`] = r.trainImgSCpuTime / q.trainImgSCpuTime;
        if (typeof r.peakRssMB === 'number' && typeof q.peakRssMB === 'number')
          r[`peakRssRatioTo_${fw}`] = r.peakRssMB / q.peakRssMB;
      }
    }
  }

  const m1 = machine();
  console.log('');
  console.log(
    '| net | framework / backend | threads | batch | train img/s | train img/s (cpu-time) | infer img/s | peak RSS MB | × PyTorch (cpu-time) | × Keras (cpu-time) | load before→after |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const ratio = (v: unknown, c: unknown) =>
    typeof v === 'number' ? `${v.toFixed(2)}×${typeof c === 'number' ? ` (${c.toFixed(2)}×)` : ''}` : '—';
  for (const r of rows) {
    console.log(
      `| ${r.net} | ${r.framework} | ${r.threads} | ${r.batch} | ${fmt(r.trainImgS, 2)} | ${fmt(r.trainImgSCpuTime, 2)} | ${fmt(r.inferImgS as number, 2)} | ${fmt(r.peakRssMB as number, 0)} | ${ratio(r.trainRatioTo_pytorch, r.trainRatioTo_pytorch_cpuTime)} | ${ratio(r.trainRatioTo_keras, r.trainRatioTo_keras_cpuTime)} | ${(r.loadavgBefore as number[])[0]}→${(r.loadavgAfter as number[])[0]} |`,
    );
  }
  console.log(
    `[bench] cpu backend rows use batch ${cpuBatch} and ${cpuSteps} timed step(s) without warm-up (it trains at ~0.04 img/s).`,
  );
  console.log(
    `[bench] load average at start ${m0.loadavg.join(' ')}, at end ${m1.loadavg.join(' ')} on ${m0.logicalCores} cores${m0.loadavg[0] > 0.5 ? ': NOT a quiet machine' : ''}`,
  );

  const record = {
    startedAt,
    finishedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine: { ...m0, loadavgStart: m0.loadavg, loadavgEnd: m1.loadavg },
    settings: {
      batch,
      steps,
      cpuBatch,
      cpuSteps,
      wasmThreads: threadList,
      tfThreads,
      torchThreads,
      kerasThreads,
      nets,
      python: PYTHON,
    },
    notAvailable: { ...notAvailable, ...py },
    rows,
    failures,
    runs: results,
    notes: [
      "Each row ran in its own process; peakRssMB is that process's max RSS (PyTorch and Keras: one net per process).",
      'loadavgBefore/After: 1/5/15-min load average around each row; on 2 cores, a 1-min load above ~0.5 means other work shared the CPUs.',
      'GFLOP/s counts conv+dense multiply-adds as 2 FLOPs; training = 3 × forward FLOPs per image.',
      'img/s (cpu-time) divides by the process CPU time per step: stable under other load for 1 thread.',
      'tensorflow rows: MEDSSL_THREADS = TF intra- and inter-op threads; Keras: tf.config.threading intra/inter = threads, jit_compile=False; PyTorch: torch.set_num_threads.',
      'cpu backend: small batch, 1 step, no warm-up (it is ~1000× slower).',
    ],
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  writeJsonAtomic(outFile, record);
  console.log(`[bench] wrote ${path.relative(ROOT, outFile)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
