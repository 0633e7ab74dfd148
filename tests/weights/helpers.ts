// Shared by tests/weights: fixture files, a Python with Keras (or the reason there is none), comparisons.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ROOT } from '../../lib/util/paths';

export const FIXTURES = path.join(ROOT, 'tests/weights/fixtures');
export const MAKE_FIXTURES = path.join(ROOT, 'scripts/keras/make_fixtures.py');

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `medssl-weights-${tag}-`));
}

export function readF32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Input tensor, Keras's output and the shapes of a make_fixtures.py model. */
export function kerasCase(
  dir: string,
  name: string,
): { x: tf.Tensor; want: Float32Array; meta: { input: number[]; output: number[]; keras: string } } {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  return {
    x: tf.tensor(readF32(path.join(dir, `${name}.input.f32`)), meta.input),
    want: readF32(path.join(dir, `${name}.output.f32`)),
    meta,
  };
}

export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} vs ${want.length}`);
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** A Python that imports Keras, h5py and TensorFlow (MEDSSL_PYTHON, else python3, else /usr/bin/python3), or why not. */
export function kerasPython(): { python?: string; reason: string } {
  const tried: string[] = [];
  for (const py of [process.env.MEDSSL_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p)) {
    // find, not import: importing TensorFlow takes seconds; a broken install then fails the test instead of skipping
    const probe =
      'import importlib.util as u, importlib.metadata as m; [u.find_spec(p) or exit("no module " + p) for p in ("keras", "h5py", "tensorflow")]; print(m.version("keras"))';
    const r = spawnSync(py, ['-c', probe], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return { python: py, reason: `keras ${r.stdout.trim()} (${py})` };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  return {
    reason: `no Python with Keras (${tried.join('; ')}); install it with: python3 -m pip install tensorflow-cpu==2.21.0 (CI does)`,
  };
}

/** Run scripts/keras/make_fixtures.py for `models` into `dir`; returns wall seconds. */
export function makeKerasFixtures(python: string, dir: string, models: string[]): number {
  const t = Date.now();
  const r = spawnSync(python, [MAKE_FIXTURES, dir, ...models], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  if (r.status !== 0) throw new Error(`${MAKE_FIXTURES} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return (Date.now() - t) / 1000;
}
