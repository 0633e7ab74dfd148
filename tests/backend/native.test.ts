// The real native backend (when `npm run native` has built it): selection over wasm, one tfjs-core instance, the
// kernel fix installed, threads from MEDSSL_THREADS, provenance. Skips with a printed reason when not built.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { backendProvenance, selectBackend } from '../../lib/backend/select-backend';
import { nativeBindingInstalled, nativePackageDir } from '../../lib/backend/native-build';
import { tfjsCoreResolutions } from '../../lib/backend/native-smoke';
import { ROOT } from '../../lib/util/paths';

const built = nativeBindingInstalled();
if (!built) {
  if (process.env.MEDSSL_REQUIRE_NATIVE === '1') throw new Error('MEDSSL_REQUIRE_NATIVE=1 but the native binding is not built');
  console.log('[tests] native backend not built (npm run native): tests/backend/native.test.ts skipped');
}

describe.skipIf(!built)('native tensorflow backend', () => {
  it('selectBackend() prefers it over wasm, with MEDSSL_THREADS as TensorFlow intra/inter-op threads', async () => {
    process.env.MEDSSL_THREADS = '1';
    delete process.env.TF_NUM_INTRAOP_THREADS;
    delete process.env.TF_NUM_INTEROP_THREADS;
    const info = await selectBackend({ quiet: true, gpuVisible: () => false });
    expect(info).toMatchObject({ name: 'tensorflow', module: '@tensorflow/tfjs-node', gpu: false, threads: 1 });
    expect(info.kernels).toEqual(['Conv2DBackpropFilter', 'FusedBatchNorm', 'Relu gradient']);
    expect(process.env.TF_NUM_INTRAOP_THREADS).toBe('1');
    expect(process.env.TF_NUM_INTEROP_THREADS).toBe('1');
    expect(tf.getBackend()).toBe('tensorflow');
    const p = backendProvenance(info);
    expect(p).toMatchObject({ backend: 'tensorflow', intraOpThreads: 1, interOpThreads: 1, tensorflow: expect.stringMatching(/^2\./) });
  });

  it('one @tensorflow/tfjs-core in the process: tfjs-node resolves the project\'s copy and shares its classes', async () => {
    const r = tfjsCoreResolutions();
    expect(r.nativePackage).toBe(r.project);
    const dir = nativePackageDir()!;
    const req = createRequire(path.join(ROOT, 'package.json'));
    expect(req.resolve('@tensorflow/tfjs-node-native')).toBe(path.join(dir, 'dist', 'index.js'));
    const node = (await import('@tensorflow/tfjs-node-native' as string)) as typeof tf;
    const t = node.tensor([1, 2, 3]);
    expect(t).toBeInstanceOf(tf.Tensor); // a second tfjs-core would have its own Tensor class
    expect(node.engine()).toBe(tf.engine());
    t.dispose();
    // every loaded tfjs-core module file is the same one
    const cores = Object.keys(createRequire(import.meta.url).cache).filter((f) => /tfjs-core[/\\]dist[/\\]tf-core\.node\.js$/.test(f));
    expect(new Set(cores).size).toBeLessThanOrEqual(1);
  });

  it('the 1×1/stride-2 filter gradient on tensorflow (our strided-slice + matMul) matches cpu, incl. 8→16 channels', async () => {
    const xd = Float32Array.from({ length: 4 * 16 * 16 * 8 }, (_, i) => Math.sin(i * 0.13));
    const dyd = Float32Array.from({ length: 4 * 8 * 8 * 16 }, (_, i) => Math.cos(i * 0.07));
    const run = async (b: string) => {
      await tf.setBackend(b);
      return tf.tidy(() =>
        (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xd, [4, 16, 16, 8]), dy: tf.tensor4d(dyd, [4, 8, 8, 16]) }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 8, 16] } as never) as tf.Tensor).dataSync(),
      );
    };
    const got = await run('tensorflow');
    const ref = await run('cpu');
    let d = 0, m = 0;
    for (let i = 0; i < ref.length; i++) {
      d = Math.max(d, Math.abs(got[i] - ref[i]));
      m = Math.max(m, Math.abs(ref[i]));
    }
    expect(d / m).toBeLessThan(1e-5);
    await tf.setBackend('tensorflow');
  });
});
