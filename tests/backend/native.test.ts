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
  if (process.env.MEDSSL_REQUIRE_NATIVE === '1')
    throw new Error('MEDSSL_REQUIRE_NATIVE=1 but the native binding is not built');
  console.log('[tests] native backend not built (npm run native): tests/backend/native.test.ts skipped');
}

describe.skipIf(!built)('native tensorflow backend', () => {
  it('selectBackend() prefers it over wasm, with MEDSSL_THREADS as TensorFlow intra/inter-op threads', async () => {
    process.env.MEDSSL_THREADS = '1';
    delete process.env.TF_NUM_INTRAOP_THREADS;
    delete process.env.TF_NUM_INTEROP_THREADS;
    const info = await selectBackend({ quiet: true, gpuVisible: () => false });
    expect(info).toMatchObject({ name: 'tensorflow', module: '@tensorflow/tfjs-node', gpu: false, threads: 1 });
    const fusedBn = process.env.MEDSSL_FUSED_BN === '0' ? [] : ['BatchNormalization training (FusedBatchNormV3)'];
    expect(info.kernels).toEqual(['Conv2DBackpropFilter', 'FusedBatchNorm', ...fusedBn, 'Relu gradient', 'Transform']);
    expect(process.env.TF_NUM_INTRAOP_THREADS).toBe('1');
    expect(process.env.TF_NUM_INTEROP_THREADS).toBe('1');
    expect(tf.getBackend()).toBe('tensorflow');
    const p = backendProvenance(info);
    expect(p).toMatchObject({
      backend: 'tensorflow',
      intraOpThreads: 1,
      interOpThreads: 1,
      tensorflow: expect.stringMatching(/^2\./),
    });
  });

  it("one @tensorflow/tfjs-core in the process: tfjs-node resolves the project's copy and shares its classes", async () => {
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
    const cores = Object.keys(createRequire(import.meta.url).cache).filter((f) =>
      /tfjs-core[/\\]dist[/\\]tf-core\.node\.js$/.test(f),
    );
    expect(new Set(cores).size).toBeLessThanOrEqual(1);
  });

  it('the 1×1/stride-2 filter gradient on tensorflow (our strided-slice + matMul) matches cpu, incl. 8→16 channels', async () => {
    const xd = Float32Array.from({ length: 4 * 16 * 16 * 8 }, (_, i) => Math.sin(i * 0.13));
    const dyd = Float32Array.from({ length: 4 * 8 * 8 * 16 }, (_, i) => Math.cos(i * 0.07));
    const run = async (b: string) => {
      await tf.setBackend(b);
      return tf.tidy(() =>
        (
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor4d(xd, [4, 16, 16, 8]), dy: tf.tensor4d(dyd, [4, 8, 8, 16]) },
              { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 8, 16] } as never,
            ) as tf.Tensor
        ).dataSync(),
      );
    };
    const got = await run('tensorflow');
    const ref = await run('cpu');
    let d = 0,
      m = 0;
    for (let i = 0; i < ref.length; i++) {
      d = Math.max(d, Math.abs(got[i] - ref[i]));
      m = Math.max(m, Math.abs(ref[i]));
    }
    expect(d / m).toBeLessThan(1e-5);
    await tf.setBackend('tensorflow');
  });

  it('tf.image.transform (the paper augmentation) runs on tensorflow and matches cpu for bilinear sampling', async () => {
    // tfjs-node has no Transform kernel; ours calls TensorFlow's ImageProjectiveTransformV3. The augmentation samples
    // bilinearly with fill modes constant, nearest and reflect: those must agree with tfjs's cpu kernel.
    await tf.setBackend('tensorflow');
    const x = tf.randomUniform([3, 9, 11, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    const rows = [
      [1.1, 0.2, -1, -0.1, 0.9, 0.5, 0, 0],
      [1, 0, 0, 0, 1, 0, 0, 0],
      [0.8, -0.3, 2, 0.3, 0.8, -1, 0, 0],
    ];
    const modes = ['constant', 'nearest', 'reflect'] as const;
    const got = modes.map((m) =>
      Array.from(tf.image.transform(x, tf.tensor2d(rows), 'bilinear', m, 0.5, [9, 11]).dataSync()),
    );
    const xs = x.arraySync();
    await tf.setBackend('cpu');
    modes.forEach((m, k) => {
      // tfjs 4.22's cpu kernel transforms only the first image of a batch: one call per image
      const ref = rows.flatMap((r, i) =>
        Array.from(tf.image.transform(tf.tensor4d([xs[i]]), tf.tensor2d([r]), 'bilinear', m, 0.5, [9, 11]).dataSync()),
      );
      const d = Math.max(...ref.map((v, j) => Math.abs(v - got[k][j])));
      expect(d, m).toBeLessThan(1e-5);
    });
    await tf.setBackend('tensorflow');
  });
});
