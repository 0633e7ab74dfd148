// Proof that the native backend works in this process: one tfjs-core instance, a forward op with a known answer,
// and a conv gradient against the pure-JS cpu backend. Run by `npm run native` in a fresh process.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../util/paths';
import { nativePackageDir } from './native-build';
import { selectBackend } from './select-backend';

/** Paths of @tensorflow/tfjs-core as resolved from the project and from the native package (must be one file). */
export function tfjsCoreResolutions(): { project: string; nativePackage: string | null } {
  const fromRoot = createRequire(path.join(ROOT, 'package.json')).resolve('@tensorflow/tfjs-core');
  const dir = nativePackageDir();
  let fromPkg: string | null = null;
  if (dir) {
    // tfjs-node requires @tensorflow/tfjs, which requires tfjs-core: resolve along that chain.
    const tfjsMain = createRequire(path.join(dir, 'package.json')).resolve('@tensorflow/tfjs');
    fromPkg = createRequire(tfjsMain).resolve('@tensorflow/tfjs-core');
  }
  return { project: fromRoot, nativePackage: fromPkg };
}

export async function nativeSmoke(): Promise<Record<string, unknown>> {
  const info = await selectBackend({ force: 'tensorflow', quiet: true });
  const core = tfjsCoreResolutions();
  if (core.nativePackage !== core.project)
    throw new Error(`two tfjs-core instances: ${core.project} and ${core.nativePackage}`);
  const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = tf.tensor2d([1, 0, -1, 2, 0.5, 1], [3, 2]);
  const mm = Array.from(tf.matMul(a, b).dataSync());
  const want = [1 * 1 + 2 * -1 + 3 * 0.5, 1 * 0 + 2 * 2 + 3 * 1, 4 * 1 + 5 * -1 + 6 * 0.5, 4 * 0 + 5 * 2 + 6 * 1];
  if (mm.some((v, i) => Math.abs(v - want[i]) > 1e-5)) throw new Error(`matMul gave ${mm}, want ${want}`);
  // d/dw sum(conv2d(x, w, stride 2) * r) on tensorflow vs cpu
  const xs = [2, 9, 9, 3],
    ws = [3, 3, 3, 4];
  const gen = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s + 0.3));
  const xd = gen(2 * 9 * 9 * 3, 0.37),
    wd = gen(3 * 3 * 3 * 4, 0.71);
  const grad = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(xd, xs as [number, number, number, number]);
      const w = tf.tensor4d(wd, ws as [number, number, number, number]);
      const f = (ww: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, ww as tf.Tensor4D, 2, 'same')));
      return tf.grad(f)(w).dataSync();
    });
  const gt = grad();
  await tf.setBackend('cpu');
  const gc = grad();
  await tf.setBackend('tensorflow');
  let err = 0,
    m = 0;
  for (let i = 0; i < gc.length; i++) {
    err = Math.max(err, Math.abs(gt[i] - gc[i]));
    m = Math.max(m, Math.abs(gc[i]));
  }
  if (!(err / m < 1e-4)) throw new Error(`conv2d filter gradient differs from cpu: max rel ${err / m}`);
  tf.dispose([a, b]);
  return {
    backend: info.name,
    module: info.module,
    threads: info.threads,
    tensorflow: (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version ?? null,
    gradMaxRelDiff: +(err / m).toExponential(2),
    tfjsCore: path.relative(ROOT, core.project),
  };
}
