// Pre-training loop: interrupted + resumed = uninterrupted (same seed), finished config is a no-op,
// non-finite loss stops with a clear message.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select-backend';
import type { PretrainConfig } from '../../lib/pretrain/config';
import { codeVersion } from '../../lib/util/code-version';
import { NonFiniteLossError, runPretraining } from '../../lib/pretrain/run';
import { syntheticSet, testViews } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true }); // wasm + training kernels: ~30× faster than the pure-JS cpu backend here
});

const base = (method: 'tl' | 'ssl'): PretrainConfig => ({
  method,
  variant: 'test-resnet',
  inputSize: 16,
  source: { dataset: 'imagenette', trainImages: 0 },
  epochs: 3,
  batchSize: 8,
  optimizer: { name: 'adam', lr: 2e-3, weightDecay: 1e-4, warmupEpochs: 1, schedule: 'cosine' },
  seed: 5,
  ssl: { temperature: 0.5, projDim: 16, views: { cropScale: [0.2, 1], jitterStrength: 0.5, blurProb: 0 } },
  codeVersion: codeVersion('pretrain'),
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-pt-'));
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => w.dataSync().slice());

describe('runPretraining', () => {
  for (const method of ['ssl', 'tl'] as const) {
    it(`${method}: stop after epoch 1 + --resume ends with the same weights as an uninterrupted run`, async () => {
      const data = syntheticSet(40, 16);
      const cfg = base(method);
      const a = await runPretraining(cfg, { data, views: testViews, root: tmp(), quiet: true });
      expect(a.finished).toBe(true);
      const rootB = tmp();
      const b1 = await runPretraining(cfg, { data, views: testViews, root: rootB, quiet: true, stopAfterEpoch: 1 });
      expect(b1.finished).toBe(false);
      expect(fs.existsSync(path.join(b1.dir, 'latest.json'))).toBe(true);
      await expect(runPretraining(cfg, { data, views: testViews, root: rootB, quiet: true })).rejects.toThrow(
        /pass --resume/,
      );
      const b2 = await runPretraining(cfg, { data, views: testViews, root: rootB, quiet: true, resume: true });
      expect(b2.finished).toBe(true);
      expect(b2.record!.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      // Tolerance: exact on the same backend and process (same kernels, same op order, same RNG stream).
      const wa = weightsOf(a.backbone.model),
        wb = weightsOf(b2.backbone.model);
      let maxDiff = 0;
      wa.forEach((arr, i) => arr.forEach((v, k) => (maxDiff = Math.max(maxDiff, Math.abs(v - wb[i][k])))));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
      // and training did move the weights
      const init = (await import('../../lib/models/variants')).buildBackbone('test-resnet', {
        inputSize: 16,
        seed: cfg.seed,
      });
      const w0 = weightsOf(init.model);
      expect(Math.max(...wa[0].map((v, k) => Math.abs(v - w0[0][k])))).toBeGreaterThan(1e-4);
      // re-running the finished config is a no-op that returns the saved backbone
      const c = await runPretraining(cfg, { data, views: testViews, root: rootB, quiet: true });
      expect(c.skipped).toBe(true);
      const wc = weightsOf(c.backbone.model);
      expect(Math.max(...wc[0].map((v, k) => Math.abs(v - wa[0][k])))).toBe(0);
    });
  }

  it('a second trainer of the same config is refused while the first holds the lock', async () => {
    const root = tmp();
    const cfg = base('tl');
    const dir = path.join(root, (await import('../../lib/pretrain/config')).pretrainHash(cfg));
    fs.mkdirSync(dir, { recursive: true });
    const lockOf = (pid: number) => JSON.stringify({ pid, host: os.hostname(), since: new Date().toISOString() });
    fs.writeFileSync(path.join(dir, 'lock'), lockOf(process.ppid)); // a live process (our parent)
    await expect(runPretraining(cfg, { data: syntheticSet(40, 16), root, quiet: true })).rejects.toThrow(
      /being trained by process/,
    );
    fs.writeFileSync(path.join(dir, 'lock'), lockOf(999999999)); // stale: no such process → taken over
    const r = await runPretraining(cfg, { data: syntheticSet(40, 16), root, quiet: true });
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
    expect(r.finished).toBe(true);
  });

  it('a non-finite loss stops the run with a clear message', async () => {
    const cfg = { ...base('tl'), optimizer: { ...base('tl').optimizer, lr: 1e30, warmupEpochs: 0 }, epochs: 2 };
    await expect(runPretraining(cfg, { data: syntheticSet(40, 16), root: tmp(), quiet: true })).rejects.toThrow(
      NonFiniteLossError,
    );
  });

  it('a step that overflows the weights on the last step never becomes a finished backbone', async () => {
    // lr 1e39: Adam moves every weight by ~lr, past float32's range, while the step's own loss is finite.
    const cfg = {
      ...base('tl'),
      optimizer: { ...base('tl').optimizer, lr: 1e39, warmupEpochs: 0, schedule: 'constant' as const },
      epochs: 1,
    };
    const root = tmp();
    const data = syntheticSet(12, 16); // 9 train images, batch 8: one step, so the diverging step is the last one
    await expect(runPretraining(cfg, { data, root, quiet: true })).rejects.toThrow(
      /weights are not finite after epoch 1 .*there is no checkpoint yet/,
    );
    const dir = path.join(root, (await import('../../lib/pretrain/config')).pretrainHash(cfg));
    expect(fs.existsSync(path.join(dir, 'done.json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'latest.json'))).toBe(false);
  });

  it('the divergence message names the checkpoint that exists', async () => {
    const root = tmp();
    const data = syntheticSet(40, 16);
    // resumed with a view function that poisons the input from epoch 2 on
    const views: typeof testViews = (x) => [tf.fill(x.shape, NaN) as tf.Tensor4D, tf.fill(x.shape, NaN) as tf.Tensor4D];
    const sslCfg = base('ssl');
    await runPretraining(sslCfg, { data, views: testViews, root, quiet: true, stopAfterEpoch: 1 });
    await expect(runPretraining(sslCfg, { data, views, root, quiet: true, resume: true })).rejects.toThrow(
      /loss is NaN at epoch 2 step 1 .*the last good checkpoint is epoch 1 in .*--resume continues from it/,
    );
  });

  it('after a crash between log append and checkpoint, resume keeps one log line per epoch; probes land in the history', async () => {
    const root = tmp();
    const data = syntheticSet(40, 16);
    const cfg = base('tl');
    const a = await runPretraining(cfg, { data, root, quiet: true, stopAfterEpoch: 1, probe: { every: 2 } });
    const log = path.join(a.dir, 'log.jsonl');
    // the crash: epoch 2 was logged, its checkpoint never written
    fs.appendFileSync(log, JSON.stringify({ epoch: 2, loss: 9, lr: 0, images: 0, seconds: 0, imgPerSec: 0 }) + '\n');
    const b = await runPretraining(cfg, { data, root, quiet: true, resume: true, probe: { every: 2 } });
    const epochs = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([1, 2, 3]);
    expect(b.record!.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(b.record!.history[1].loss).not.toBe(9);
    // k-NN probe on epochs 2 (every 2) and 3 (the last), a fraction in [0, 1]
    expect(b.record!.history.map((h) => h.knnTop1 !== undefined)).toEqual([false, true, true]);
    expect(b.record!.history[2].knnTop1).toBeGreaterThanOrEqual(0);
    expect(b.record!.history[2].knnTop1).toBeLessThanOrEqual(1);
  });
});
