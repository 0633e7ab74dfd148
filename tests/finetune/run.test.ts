import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select-backend';
import { runOne, type RunDeps } from '../../lib/finetune/run';
import { loadRuns, runPath, type RunConfig, type TrainSettings } from '../../lib/finetune/run-record';
import { OverlapError } from '../../lib/finetune/pairs';
import type { FinetuneData } from '../../lib/finetune/finetune';
import { shapesSet, tinyBackbone } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

const train: TrainSettings = { epochs: 1, batchSize: 16, lr: 0.01, schedule: { kind: 'constant' }, freeze: 'all', patience: 2, dropout: 0 };

function deps(dir: string, sets: Record<string, FinetuneData>) {
  const calls = { backbone: 0 };
  const d: RunDeps = {
    loadDataset: async (id) => {
      if (!sets[id]) throw new Error(`no fixture ${id}`);
      return sets[id];
    },
    getBackbone: async () => {
      calls.backbone++;
      return tinyBackbone(16, 5);
    },
    augment: (x) => tf.reverse(x, 2) as tf.Tensor4D,
    backend: () => tf.getBackend(),
    runsDir: dir,
  };
  return { d, calls };
}

const cfg = (o: Partial<RunConfig>): RunConfig => ({ profile: 'smoke', dataset: 'chest-ct', arm: 'tl', condition: 'baseline', seed: 0, size: 16, backbone: 'tiny-test', train, ...o });

describe('run records', () => {
  it('writes one complete record, and the same config again is a cache hit (no training)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d, calls } = deps(dir, { 'chest-ct': shapesSet(80, { id: 'chest-ct' }) });
    const c = cfg({});
    const a = await runOne(c, d);
    expect(a.cached).toBe(false);
    expect(fs.existsSync(runPath(c, dir))).toBe(true);
    const r = a.record;
    expect(r.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.dataset.sha256).toBe('synthetic');
    expect(r.dataset.splitHash).toMatch(/^[0-9a-f]{16}$/);
    expect(r.backend).toBe(tf.getBackend());
    expect(r.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(r.stages).toHaveLength(1);
    expect(r.stages[0].epochs[0]).toHaveProperty('valLoss');
    expect(r.stages[0].imgPerSec).toBeGreaterThan(0);
    expect(r.test.probs).toHaveLength(16);
    expect(r.test.probs[0].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    expect(r.test.metrics.accuracy).toBeCloseTo(r.test.labels.filter((y, i) => r.test.probs[i].indexOf(Math.max(...r.test.probs[i])) === y).length / 16, 10);
    const b = await runOne(c, d);
    expect(b.cached).toBe(true);
    expect(calls.backbone).toBe(1);
    expect(b.record).toEqual(JSON.parse(JSON.stringify(r)));
    // a different seed is a different config
    const c2 = await runOne(cfg({ seed: 1 }), d);
    expect(c2.cached).toBe(false);
    expect(loadRuns({ dataset: 'chest-ct' }, dir)).toHaveLength(2);
    expect(loadRuns({ seed: 1 }, dir)[0].seed).toBe(1);
  });

  it('double fine-tuning records stage 1 and its checkpoint hash, reuses the checkpoint, refuses overlapping sets', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const target = shapesSet(80, { id: 'chest-ct', seed: 11 });
    const inter = shapesSet(120, { id: 'ct-kidney', numClasses: 3, seed: 12 });
    const { d } = deps(dir, { 'chest-ct': target, 'ct-kidney': inter, leaky: { ...target, id: 'leaky' } });
    const c = cfg({ condition: 'double-ft', intermediate: 'ct-kidney', stage1: train });
    const a = await runOne(c, d);
    expect(a.record.stages.map((s) => s.stage)).toEqual(['stage1', 'target']);
    expect(a.record.stages[0].dataset).toBe('ct-kidney');
    expect(a.record.stage1CheckpointHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.record.stage1CheckpointHash).toBe(a.record.stages[0].weightsHash);
    // same stage 1, different target settings: stage 1 comes from the checkpoint, with the same hash
    const logs: string[] = [];
    const b = await runOne({ ...c, train: { ...train, lr: 0.005 } }, d, { log: (m) => logs.push(m) });
    expect(b.cached).toBe(false);
    expect(logs.join('\n')).toMatch(/stage 1 ct-kidney reused/);
    expect(b.record.stage1CheckpointHash).toBe(a.record.stage1CheckpointHash);
    // an intermediate set holding the target's images is refused before any training
    await expect(runOne(cfg({ condition: 'double-ft', intermediate: 'leaky', stage1: train }), d)).rejects.toThrow(OverlapError);
  });
});
