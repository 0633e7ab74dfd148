// Pick the fastest TF.js backend this machine can run, once per process.
//
// Order: `tensorflow` from @tensorflow/tfjs-node-gpu (only when a GPU is visible) → `tensorflow` from the
// tfjs-node binding that `npm run native` builds against a TensorFlow wheel (npm alias @tensorflow/tfjs-node-native;
// a build against a CUDA wheel counts as GPU when a GPU is visible) → `wasm` (XNNPACK) with our training kernels →
// pure-JS `cpu`. The native packages are loaded with a dynamic import inside try/catch, so a machine without them
// falls through to wasm. MEDSSL_BACKEND=tensorflow|wasm|cpu (or opts.force) forces one; MEDSSL_THREADS (or
// opts.threads) sets the thread count (wasm pool; TensorFlow intra- and inter-op pools).
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../util/paths';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { registerTensorflowKernelFixes } from './tensorflow-kernels';
import { NATIVE_PACKAGE, nativeBindingInstalled, readNativeManifest, type NativeManifest } from './native-build';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** tf.getBackend() after selection. */
  name: BackendName;
  /** The package that provides it. */
  module: string;
  /** True when tfjs-node-gpu was loaded with a visible GPU. */
  gpu: boolean;
  /** Compute threads (wasm: XNNPACK pool size; tensorflow: logical cores, TF's default; cpu: 1). */
  threads: number;
  /** SIMD in use (wasm SIMD build; native code for tensorflow). */
  simd: boolean;
  /** Kernels this project registered on the backend (wasm training kernels). */
  kernels: string[];
  /** True when MEDSSL_BACKEND / opts.force chose the backend. */
  forced: boolean;
  /** One entry per candidate that was skipped, with why. */
  skipped: string[];
}

/** Loads a module by name; injectable so tests can simulate absent or broken tfjs-node packages. */
export type Importer = (name: string) => Promise<unknown>;

export interface SelectOptions {
  force?: BackendName;
  threads?: number;
  quiet?: boolean;
  /** For tests: replaces `import(name)` for the optional tfjs-node packages. */
  importer?: Importer;
  /** For tests: replaces GPU detection. */
  gpuVisible?: () => boolean;
  /** For tests: replaces reading data/cache/native/manifest.json (what `npm run native` built). */
  nativeManifest?: () => Pick<NativeManifest, 'flavour' | 'tensorflow'> | null;
}

const NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let selected: Promise<BackendInfo> | null = null;

/**
 * Select and initialise the backend (idempotent: later calls return the first call's result). Logs one line
 * unless `quiet`.
 */
export function selectBackend(opts: SelectOptions = {}): Promise<BackendInfo> {
  if (!selected) {
    selected = doSelect(opts).catch((e) => {
      selected = null;
      throw e;
    });
  }
  return selected;
}

/** For tests only: forget the cached selection (does not undo tf.setBackend). */
export function resetBackendSelectionForTests(): void {
  selected = null;
}

function forcedName(opts: SelectOptions): BackendName | undefined {
  const raw = opts.force ?? process.env.MEDSSL_BACKEND;
  if (raw == null || raw === '') return undefined;
  const v = raw.toLowerCase() as BackendName;
  if (!NAMES.includes(v)) {
    throw new Error(`MEDSSL_BACKEND / force must be one of ${NAMES.join(', ')}; got "${raw}"`);
  }
  return v;
}

async function doSelect(opts: SelectOptions): Promise<BackendInfo> {
  const force = forcedName(opts);
  const skipped: string[] = [];
  let info: BackendInfo | null = null;

  if (!force || force === 'tensorflow') {
    info = await tryTensorflow(opts, skipped);
    if (!info && force) {
      throw new Error(`MEDSSL_BACKEND=tensorflow but no tfjs-node package loads: ${skipped.join('; ')}`);
    }
  }
  if (!info && (!force || force === 'wasm')) {
    try {
      info = await initWasm(opts.threads);
    } catch (e) {
      if (force) throw e;
      skipped.push(`wasm: ${msg(e)}`);
    }
  }
  if (!info) info = await initCpu();
  info.forced = force != null;
  info.skipped = skipped;
  if (!opts.quiet) console.log(describeBackend(info));
  return info;
}

/** The one-line summary that selectBackend logs. */
export function describeBackend(info: BackendInfo): string {
  const extra = info.kernels.length ? `, +${info.kernels.length} training kernels` : '';
  const why = info.skipped.length ? ` (skipped: ${info.skipped.join('; ')})` : '';
  return (
    `[backend] ${info.name} via ${info.module}${info.gpu ? ' on GPU' : ''}: threads=${info.threads}, ` +
    `SIMD=${info.simd ? 'yes' : 'no'}${extra}${info.forced ? ' [forced]' : ''}${why}`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// tfjs-node / tfjs-node-gpu (optional)

/**
 * Default importer. Refuses packages that are not the native tfjs-node (this repo maps @tensorflow/tfjs-node to a
 * pure-JS shim for danfojs-node; it has no `binary` entry in its package.json).
 */
export const defaultImporter: Importer = async (name) => {
  const req = createRequire(path.join(ROOT, 'package.json'));
  // `npm run native` builds the real @tensorflow/tfjs-node under its npm alias: prefer it for the CPU package.
  const names = name === '@tensorflow/tfjs-node' ? [NATIVE_PACKAGE, name] : [name];
  const why: string[] = [];
  for (const n of names) {
    let pkgFile: string;
    try {
      pkgFile = req.resolve(`${n}/package.json`);
    } catch {
      why.push(`${n}: not installed`);
      continue;
    }
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { binary?: unknown };
    if (pkg.binary == null) {
      why.push(`${n}: installed package is not the native binding (shim?)`);
      continue;
    }
    if (n === NATIVE_PACKAGE && !nativeBindingInstalled(readNativeManifest(), path.dirname(pkgFile))) {
      why.push(`${n}: binding not built (npm run native)`);
      continue;
    }
    applyThreadEnv();
    applyOneDnnEnv();
    return import(n);
  }
  throw new Error(names.length === 1 ? why[0].replace(`${name}: `, '') : why.join('; '));
};

/**
 * MEDSSL_THREADS → TensorFlow's intra-op and inter-op thread pools. TensorFlow reads TF_NUM_INTRAOP_THREADS /
 * TF_NUM_INTEROP_THREADS when tfjs-node creates its eager context at load, so this runs before the import; values
 * already in the environment win.
 */
export function applyThreadEnv(env: NodeJS.ProcessEnv = process.env): { intraOp: number; interOp: number } {
  const n = Number(env.MEDSSL_THREADS);
  if (env.MEDSSL_THREADS != null && env.MEDSSL_THREADS !== '' && !(Number.isInteger(n) && n >= 1)) {
    throw new Error(`MEDSSL_THREADS must be a positive integer; got "${env.MEDSSL_THREADS}"`);
  }
  if (n >= 1) {
    env.TF_NUM_INTRAOP_THREADS ??= String(n);
    env.TF_NUM_INTEROP_THREADS ??= String(n);
  }
  const cores = os.cpus().length;
  return { intraOp: Number(env.TF_NUM_INTRAOP_THREADS) || cores, interOp: Number(env.TF_NUM_INTEROP_THREADS) || cores };
}

/**
 * TensorFlow turns its oneDNN kernels on by default only on some CPUs (seen: on with AVX-512, off on a CPU without
 * AVX2), and the two kernel families round differently (≈ 1e-4 in a test probability) and cover different ops (dilated
 * depthwise gradients exist only with oneDNN). Asking for it explicitly makes every machine run the same kernel
 * family; an explicit TF_ENABLE_ONEDNN_OPTS in the environment wins. Runs before the import, like the thread env.
 */
export function applyOneDnnEnv(env: NodeJS.ProcessEnv = process.env): 'on' | 'off' {
  env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  return env.TF_ENABLE_ONEDNN_OPTS === '0' ? 'off' : 'on';
}

/** The CPU a run computed on: model and the vector extensions that decide which kernels TensorFlow picks. Read once
 * per process (every run record asks; the CPU does not change under it). */
export function cpuIsa(): { model: string; avx2: boolean; avx512f: boolean } {
  if (cpuIsaCache) return cpuIsaCache;
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    /* not Linux: flags unknown */
  }
  const has = (f: string) => ` ${flags} `.includes(` ${f} `);
  return (cpuIsaCache = { model: os.cpus()[0]?.model ?? 'unknown', avx2: has('avx2'), avx512f: has('avx512f') });
}
let cpuIsaCache: ReturnType<typeof cpuIsa> | undefined;

export function gpuVisible(): boolean {
  const cvd = process.env.CUDA_VISIBLE_DEVICES;
  if (cvd === '' || cvd === '-1') return false;
  try {
    if (fs.readdirSync('/proc/driver/nvidia/gpus').length > 0) return true;
  } catch {
    /* no NVIDIA driver here */
  }
  try {
    const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
    return r.status === 0 && /GPU/.test(r.stdout ?? '');
  } catch {
    return false;
  }
}

async function tryTensorflow(opts: SelectOptions, skipped: string[]): Promise<BackendInfo | null> {
  const importer = opts.importer ?? defaultImporter;
  const hasGpu = (opts.gpuVisible ?? gpuVisible)();
  const candidates: Array<[string, boolean]> = [];
  if (hasGpu) candidates.push(['@tensorflow/tfjs-node-gpu', true]);
  else skipped.push('tfjs-node-gpu: no GPU visible');
  candidates.push(['@tensorflow/tfjs-node', false]);
  const manifest = (opts.nativeManifest ?? readNativeManifest)();
  for (const [mod, gpuPkg] of candidates) {
    try {
      if (opts.threads != null) process.env.MEDSSL_THREADS = String(opts.threads);
      await importer(mod);
      if (tf.findBackendFactory('tensorflow') == null) throw new Error('loaded but registered no "tensorflow" backend');
      const ok = await tf.setBackend('tensorflow');
      if (!ok) throw new Error('tf.setBackend("tensorflow") failed');
      await tf.ready();
      const kernels = registerTensorflowKernelFixes();
      // The CPU package name also covers our own build, which has CUDA kernels when built from a `tensorflow` wheel.
      const gpu = gpuPkg || (manifest?.flavour === 'gpu' && hasGpu);
      return {
        name: 'tensorflow',
        module: mod,
        gpu,
        threads: applyThreadEnv().intraOp,
        simd: true,
        kernels,
        forced: false,
        skipped: [],
      };
    } catch (e) {
      skipped.push(`${mod.replace('@tensorflow/', '')}: ${msg(e)}`);
    }
  }
  return null;
}

/**
 * What produced a result, for result files: backend, threads (TensorFlow intra/inter-op pools from the environment
 * it was loaded with), oneDNN setting, and the native build (TensorFlow version, wheel, build key).
 */
export function backendProvenance(info: BackendInfo): Record<string, unknown> {
  const base: Record<string, unknown> = {
    backend: info.name,
    module: info.module,
    gpu: info.gpu,
    threads: info.threads,
    kernels: info.kernels,
  };
  if (info.name !== 'tensorflow') return base;
  const t = applyThreadEnv({ ...process.env });
  const m = readNativeManifest();
  return {
    ...base,
    intraOpThreads: t.intraOp,
    interOpThreads: t.interOp,
    onednn: applyOneDnnEnv({ ...process.env }),
    cpu: cpuIsa(),
    tensorflow: m?.tensorflow ?? null,
    nativeBuild: m ? { key: m.key, source: m.source, tfjsNode: m.tfjsNode, flavour: m.flavour } : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// wasm and cpu

/** Folder (with trailing separator) that holds the wasm backend's .wasm binaries in node_modules. */
export function wasmBinaryDir(): string {
  const req = createRequire(path.join(ROOT, 'package.json'));
  const main = req.resolve('@tensorflow/tfjs-backend-wasm');
  const dir = path.dirname(main);
  if (!fs.existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) {
    throw new Error(`tfjs-backend-wasm binaries not found in ${dir}`);
  }
  return dir + path.sep;
}

let wasmPathsSet = false;

/**
 * Initialise the wasm backend with our training kernels and make it current. Used by selectBackend and by the
 * benchmark (which visits every backend). Thread count: `threads`, else MEDSSL_THREADS, else min(2, cores);
 * more than one thread would need the threaded build, which tfjs-backend-wasm 4.22 does not load under Node: it reports
 * WASM_HAS_MULTITHREAD_SUPPORT=false there (tensorflow/tfjs#3830) and loads its pthread worker from Blob URLs, which
 * Node's worker_threads cannot open. So XNNPACK runs on one thread (getThreadsCount() says how many it got); what
 * forcing it did is in paper/pretrain/SIZING.md, *wasm threads under Node*.
 */
export async function initWasm(threads?: number): Promise<BackendInfo> {
  const kernels = registerWasmTrainingKernels();
  if (!wasmPathsSet) {
    setWasmPaths(wasmBinaryDir());
    const want = threads ?? (Number(process.env.MEDSSL_THREADS) || Math.min(2, os.cpus().length));
    setThreadsCount(want);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tf.setBackend("wasm") failed');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  let n = 1;
  try {
    n = getThreadsCount();
  } catch {
    /* not initialised: cannot happen after ready() */
  }
  return {
    name: 'wasm',
    module: '@tensorflow/tfjs-backend-wasm',
    gpu: false,
    threads: n,
    simd,
    kernels,
    forced: false,
    skipped: [],
  };
}

export async function initCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return {
    name: 'cpu',
    module: '@tensorflow/tfjs (pure JS)',
    gpu: false,
    threads: 1,
    simd: false,
    kernels: [],
    forced: false,
    skipped: [],
  };
}

function msg(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 160);
}

// ---------------------------------------------------------------------------------------------------------------
// How to use the cores: processes × threads for `npm run grid` shards and `npm run pretrain` arms

export interface WorkerPlan {
  /** Processes to run side by side (grid shards, pre-training arms). */
  processes: number;
  /** MEDSSL_THREADS for each process. */
  threadsPerProcess: number;
  why: string;
}

/**
 * Default split of the cores between processes and threads for a backend: one single-thread process per core, for
 * tensorflow as for wasm and cpu. Why, for tensorflow (measured 2026-12-02 on the 2-core machine): on a quiet
 * machine (`npm run bench`, batch 64) a second intra-op thread gave 0.87× (mini-resnet18-w32, 52.3 → 45.7 img/s)
 * and 1.30× (mini-xception, 52.2 → 68.0) where a second process gives up to 2×; and in bench/threads-vs-processes.ts
 * (cpu-profile backbones, shared machine) a 1-thread process trained more images per CPU-second than a 2-thread one
 * in all four runs (tiny-resnet10-w8 213 vs 180 and 339 vs 247; tiny-xception 291 vs 205 and 341 vs 332), so with
 * both cores busy either way, two 1-thread processes do more. (Those runs' aggregate img/s favoured threads, but at
 * load 9–13 two processes competed with eight other runnable threads: see paper/bench/README.md.) A GPU run is one
 * process (one device). MEDSSL_WORKERS=<processes>x<threads> (e.g. 1x2) overrides.
 */
export function defaultWorkers(
  backend: BackendName,
  cores = os.cpus().length,
  env: NodeJS.ProcessEnv = process.env,
  gpu = false,
): WorkerPlan {
  const o = env.MEDSSL_WORKERS;
  if (o) {
    const m = o.match(/^(\d+)x(\d+)$/);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
      throw new Error(`MEDSSL_WORKERS must look like 2x1 (processes x threads); got "${o}"`);
    return { processes: Number(m[1]), threadsPerProcess: Number(m[2]), why: 'MEDSSL_WORKERS' };
  }
  if (gpu) return { processes: 1, threadsPerProcess: cores, why: 'GPU: one process drives the device' };
  const why: Record<BackendName, string> = {
    tensorflow: 'tensorflow: one 1-thread process per core (measured faster than intra-op threads)',
    wasm: 'wasm: no threads under Node, one process per core',
    cpu: 'cpu backend: single-threaded, one process per core',
  };
  return { processes: Math.max(1, cores), threadsPerProcess: 1, why: why[backend] };
}
