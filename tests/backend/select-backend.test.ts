// selectBackend(): order, forcing, idempotence, and clean fallback when tfjs-node(-gpu) is absent or broken.
// The importer and GPU detection are injected; the real tfjs-node packages cannot install here.
import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  applyThreadEnv,
  defaultImporter,
  describeBackend,
  resetBackendSelectionForTests,
  selectBackend,
  wasmBinaryDir,
  type Importer,
} from '../../lib/backend/select-backend';
import { ROOT } from '../../lib/util/paths';

const absent: Importer = async (name) => {
  const e = new Error(`Cannot find package '${name}' imported from x`) as Error & { code?: string };
  e.code = 'ERR_MODULE_NOT_FOUND';
  throw e;
};

afterEach(() => {
  resetBackendSelectionForTests();
  delete process.env.MEDSSL_BACKEND;
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  vi.restoreAllMocks();
});

describe('selectBackend', () => {
  it('falls back to wasm with training kernels when tfjs-node(-gpu) are absent; logs one line; idempotent', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const info = await selectBackend({ importer: absent, gpuVisible: () => true });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.kernels).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'MaxPoolGrad',
      ]),
    );
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(typeof info.simd).toBe('boolean');
    expect(info.skipped.map((s) => s.split(':')[0])).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0][0]);
    expect(line).toMatch(/wasm/);
    expect(line).toMatch(/threads=\d+/);
    expect(line).toMatch(/SIMD=(yes|no)/);
    // second call: same object, no second log line, importer not consulted again
    const importer = vi.fn(absent);
    const again = await selectBackend({ importer, force: 'cpu' });
    expect(again).toBe(info);
    expect(importer).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(1);
    expect(describeBackend(info)).toBe(line);
  });

  it('falls back when the module throws on load (e.g. missing libtensorflow / CUDA)', async () => {
    const broken: Importer = async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    };
    const info = await selectBackend({ importer: broken, gpuVisible: () => true, quiet: true });
    expect(info.name).toBe('wasm');
    expect(info.skipped[0]).toMatch(/tfjs-node-gpu: libtensorflow/);
    expect(info.skipped[1]).toMatch(/tfjs-node: libtensorflow/);
  });

  it('falls back when the module loads but registers no "tensorflow" backend (a shim)', async () => {
    const info = await selectBackend({ importer: async () => ({}), gpuVisible: () => false, quiet: true });
    expect(info.name).toBe('wasm');
    expect(info.skipped).toEqual([
      'tfjs-node-gpu: no GPU visible',
      'tfjs-node: loaded but registered no "tensorflow" backend',
    ]);
  });

  it('prefers tfjs-node-gpu when a GPU is visible and it registers the tensorflow backend', async () => {
    const imported: string[] = [];
    const fake: Importer = async (name) => {
      imported.push(name);
      // stand-in for the native backend: a cpu backend instance registered under the name "tensorflow"
      const Ctor = (tf.findBackend('cpu') as object).constructor as new () => tf.KernelBackend;
      tf.registerBackend('tensorflow', () => new Ctor());
      return {};
    };
    const info = await selectBackend({ importer: fake, gpuVisible: () => true, quiet: true });
    expect(imported).toEqual(['@tensorflow/tfjs-node-gpu']);
    expect(info).toMatchObject({ name: 'tensorflow', module: '@tensorflow/tfjs-node-gpu', gpu: true });
    expect(tf.getBackend()).toBe('tensorflow');
    await tf.setBackend('cpu');
  });

  it('uses tfjs-node (CPU) when no GPU is visible', async () => {
    const fake: Importer = async (name) => {
      if (name.endsWith('-gpu')) throw new Error('should not be imported without a GPU');
      const Ctor = (tf.findBackend('cpu') as object).constructor as new () => tf.KernelBackend;
      tf.registerBackend('tensorflow', () => new Ctor());
      return {};
    };
    const info = await selectBackend({ importer: fake, gpuVisible: () => false, quiet: true });
    expect(info).toMatchObject({ name: 'tensorflow', module: '@tensorflow/tfjs-node', gpu: false });
    await tf.setBackend('cpu');
  });

  it('our tfjs-node build against a CUDA wheel counts as GPU only when a GPU is visible (tfjs-node-gpu absent)', async () => {
    const fakeCpuPkgOnly: Importer = async (name) => {
      if (name.endsWith('-gpu')) throw new Error('not installed');
      const Ctor = (tf.findBackend('cpu') as object).constructor as new () => tf.KernelBackend;
      if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', () => new Ctor());
      return {};
    };
    const gpuBuild = () => ({ flavour: 'gpu' as const, tensorflow: '2.21.0' });
    const a = await selectBackend({
      importer: fakeCpuPkgOnly,
      gpuVisible: () => true,
      nativeManifest: gpuBuild,
      quiet: true,
    });
    expect(a).toMatchObject({ name: 'tensorflow', module: '@tensorflow/tfjs-node', gpu: true });
    expect(a.skipped).toEqual(['tfjs-node-gpu: not installed']);
    resetBackendSelectionForTests();
    const b = await selectBackend({
      importer: fakeCpuPkgOnly,
      gpuVisible: () => false,
      nativeManifest: gpuBuild,
      quiet: true,
    });
    expect(b).toMatchObject({ name: 'tensorflow', gpu: false });
    resetBackendSelectionForTests();
    const c = await selectBackend({
      importer: fakeCpuPkgOnly,
      gpuVisible: () => true,
      nativeManifest: () => ({ flavour: 'cpu', tensorflow: '2.21.0' }),
      quiet: true,
    });
    expect(c).toMatchObject({ name: 'tensorflow', gpu: false });
    await tf.setBackend('cpu');
  });

  it('MEDSSL_THREADS sets TensorFlow intra/inter-op threads unless TF_NUM_* are set; bad values throw', () => {
    const env: NodeJS.ProcessEnv = { MEDSSL_THREADS: '2' };
    expect(applyThreadEnv(env)).toEqual({ intraOp: 2, interOp: 2 });
    expect(env).toMatchObject({ TF_NUM_INTRAOP_THREADS: '2', TF_NUM_INTEROP_THREADS: '2' });
    const env2: NodeJS.ProcessEnv = { MEDSSL_THREADS: '2', TF_NUM_INTRAOP_THREADS: '1' };
    expect(applyThreadEnv(env2)).toEqual({ intraOp: 1, interOp: 2 });
    expect(() => applyThreadEnv({ MEDSSL_THREADS: 'two' })).toThrow(/positive integer/);
    expect(() => applyThreadEnv({ MEDSSL_THREADS: '0' })).toThrow(/positive integer/);
  });

  it('MEDSSL_BACKEND forces a backend; forcing an unavailable one throws; bad names throw', async () => {
    process.env.MEDSSL_BACKEND = 'cpu';
    const info = await selectBackend({ importer: absent, quiet: true });
    expect(info).toMatchObject({ name: 'cpu', forced: true });
    expect(tf.getBackend()).toBe('cpu');
    resetBackendSelectionForTests();
    process.env.MEDSSL_BACKEND = 'tensorflow';
    await expect(selectBackend({ importer: absent, quiet: true })).rejects.toThrow(/tfjs-node/);
    resetBackendSelectionForTests();
    await expect(selectBackend({ force: 'gpu' as never, quiet: true })).rejects.toThrow(/must be one of/);
    resetBackendSelectionForTests();
    delete process.env.MEDSSL_BACKEND;
    const w = await selectBackend({ force: 'wasm', importer: absent, quiet: true });
    expect(w).toMatchObject({ name: 'wasm', forced: true, skipped: [] });
  });

  it('default importer refuses the repo shim standing in for @tensorflow/tfjs-node', async () => {
    const pkgFile = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json');
    const pkg = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, 'utf8')) : null;
    if (pkg && pkg.binary == null) {
      await expect(defaultImporter('@tensorflow/tfjs-node')).rejects.toThrow(/shim/);
    }
    await expect(defaultImporter('@tensorflow/tfjs-node-gpu-does-not-exist')).rejects.toThrow(/not installed/);
  });

  it('finds the .wasm binaries in node_modules', () => {
    const dir = wasmBinaryDir();
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
  });
});

describe('defaultWorkers', () => {
  it('one 1-thread process per core on every backend; a GPU run is one process; MEDSSL_WORKERS overrides', async () => {
    const { defaultWorkers } = await import('../../lib/backend/select-backend');
    expect(defaultWorkers('tensorflow', 2, {})).toMatchObject({ processes: 2, threadsPerProcess: 1 });
    expect(defaultWorkers('wasm', 2, {})).toMatchObject({ processes: 2, threadsPerProcess: 1 });
    expect(defaultWorkers('cpu', 4, {})).toMatchObject({ processes: 4, threadsPerProcess: 1 });
    expect(defaultWorkers('tensorflow', 16, {}, true)).toMatchObject({ processes: 1, threadsPerProcess: 16 });
    expect(defaultWorkers('tensorflow', 2, { MEDSSL_WORKERS: '1x2' })).toMatchObject({
      processes: 1,
      threadsPerProcess: 2,
    });
    expect(() => defaultWorkers('wasm', 2, { MEDSSL_WORKERS: 'two' })).toThrow(/2x1/);
  });
});
