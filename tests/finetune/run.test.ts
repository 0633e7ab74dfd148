import { describe, expect, it, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../lib/backend/select-backend';
import { runOne, RunLockedError, type RunDeps } from '../../lib/finetune/run';
import { runGridWaitingForLocks } from '../../lib/finetune/grid';
import { weightsHash } from '../../lib/finetune/finetune';
import { getPretrainedBackbone } from '../../lib/pretrain/backbones';
import { pretrainConfigFor } from '../../lib/pretrain/profiles';
import { runPretraining } from '../../lib/pretrain/run';
import { syntheticSet, testViews } from '../pretrain/fixtures';
import {
  loadRuns,
  recordFromJson,
  runHash,
  runPath,
  type RunConfig,
  type TrainSettings,
} from '../../lib/finetune/run-record';
import { OverlapError } from '../../lib/finetune/pairs';
import type { FinetuneData } from '../../lib/finetune/finetune';
import { fixtureIdentity, shapesSet, tinyBackbone } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

const train: TrainSettings = {
  epochs: 1,
  batchSize: 16,
  lr: 0.01,
  schedule: { kind: 'constant' },
  freeze: 'all',
  patience: 2,
  dropout: 0,
};

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

const CHEST = shapesSet(80, { id: 'chest-ct' });
const cfg = (o: Partial<RunConfig>, set: FinetuneData = CHEST): RunConfig => ({
  profile: 'smoke',
  dataset: 'chest-ct',
  arm: 'tl',
  condition: 'baseline',
  seed: 0,
  size: 16,
  backbone: 'tiny-test',
  ...fixtureIdentity(set),
  train,
  ...o,
});

describe('run records', () => {
  it('writes one complete record, and the same config again is a cache hit (no training)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d, calls } = deps(dir, { 'chest-ct': CHEST });
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
    // CPU time is recorded beside wall time (training used the CPU; the stage is part of the run)
    expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(r.stages[0].cpuSeconds).toBeGreaterThan(0);
    expect(r.stages[0].cpuSeconds).toBeLessThanOrEqual(r.cpuSeconds!);
    expect(r.loadAverage!.start).toBeGreaterThanOrEqual(0);
    expect(r.test.probs).toHaveLength(16);
    expect(r.test.probs[0].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    expect(r.test.metrics.accuracy).toBeCloseTo(
      r.test.labels.filter((y, i) => r.test.probs[i].indexOf(Math.max(...r.test.probs[i])) === y).length / 16,
      10,
    );
    const b = await runOne(c, d);
    expect(b.cached).toBe(true);
    expect(calls.backbone).toBe(1);
    // what is read back is what was written, through JSON (its nulls for NaN metrics restored to NaN)
    expect(b.record).toEqual(recordFromJson(JSON.parse(JSON.stringify(r))));
    expect(Number.isNaN(b.record.test.metrics.auc)).toBe(Number.isNaN(r.test.metrics.auc));
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
    const c = cfg(
      {
        condition: 'double-ft',
        intermediate: 'ct-kidney',
        intermediateData: fixtureIdentity(inter).data,
        stage1: train,
      },
      target,
    );
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
    await expect(
      runOne(
        cfg(
          {
            condition: 'double-ft',
            intermediate: 'leaky',
            intermediateData: fixtureIdentity(target).data,
            stage1: train,
          },
          target,
        ),
        d,
      ),
    ).rejects.toThrow(OverlapError);
  });

  it('a reused stage-1 checkpoint gives the run the fresh stage 1 gave (layers frozen in stage 1 change getWeights order)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const target = shapesSet(80, { id: 'chest-ct', seed: 11 });
    const inter = shapesSet(120, { id: 'ct-kidney', numClasses: 3, seed: 12 });
    const { d } = deps(dir, { 'chest-ct': target, 'ct-kidney': inter });
    // stage 1 trains only the top weighted layer: the rest are frozen when its checkpoint is written
    const top: TrainSettings = { ...train, freeze: 'top', topLayers: 1 };
    const c = cfg(
      { condition: 'double-ft', intermediate: 'ct-kidney', intermediateData: fixtureIdentity(inter).data, stage1: top },
      target,
    );
    const fresh = await runOne(c, d);
    fs.rmSync(runPath(c, dir));
    const logs: string[] = [];
    const reused = await runOne(c, d, { log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/stage 1 ct-kidney reused/);
    expect(reused.record.stages[1].weightsHash).toBe(fresh.record.stages[1].weightsHash);
    expect(reused.record.test.probs).toEqual(fresh.record.test.probs);
  });

  it('a backbone whose weights are not the ones the config names is refused (a re-made checkpoint is another run)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d } = deps(dir, { 'chest-ct': CHEST });
    await runOne(cfg({}), d);
    // same config id, but the checkpoint behind it was re-made (other weights): the stored record is not served
    // for the new weights' config, and a config naming the old weights cannot train on the new backbone
    const remade: RunDeps = { ...d, getBackbone: async () => tinyBackbone(16, 6) };
    const next = cfg({ ...fixtureIdentity(CHEST, 6) });
    expect(runHash(next)).not.toBe(runHash(cfg({})));
    expect((await runOne(next, remade)).cached).toBe(false);
    await expect(runOne(cfg({ seed: 3 }), remade)).rejects.toThrow(/weights is [0-9a-f]{16}, the config names/);
    // the same for data: a config made for another split of the set
    await expect(runOne(cfg({ seed: 4, data: { sha256: 'synthetic', splitHash: 'resplit' } }), d)).rejects.toThrow(
      /dataset chest-ct is .*, the config names synthetic\/resplit/,
    );
  });

  it('a corrupt record is skipped and named; readers and the cache carry on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d } = deps(dir, { 'chest-ct': CHEST });
    await runOne(cfg({}), d);
    const bad = path.join(dir, '0123456789abcdef.json');
    fs.writeFileSync(bad, '{"schema": 2, "configHash": "0123');
    const skipped: string[] = [];
    expect(loadRuns({}, { dir, onSkip: (f, why) => skipped.push(`${f}: ${why}`) })).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toContain(bad);
    expect(skipped[0]).toMatch(/not valid JSON/);
    // a truncated record of a config: the config is simply run again
    const c = cfg({ seed: 9 });
    fs.writeFileSync(runPath(c, dir), '{"sch');
    expect((await runOne(c, d)).cached).toBe(false);
  });

  it('two processes never train the same config: the second is told it is locked, then finds the record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d, calls } = deps(dir, { 'chest-ct': CHEST });
    const c = cfg({ seed: 5 });
    const first = runOne(c, d);
    await expect(runOne(c, d)).rejects.toThrow(RunLockedError);
    await first;
    expect((await runOne(c, d)).cached).toBe(true);
    expect(calls.backbone).toBe(1);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('a grid waiting for locks trains a config whose holder died and picks up the record a live holder finishes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const { d, calls } = deps(dir, { 'chest-ct': CHEST });
    const [live, dead] = [cfg({ seed: 7 }), cfg({ seed: 8 })];
    await runOne(live, { ...d, runsDir: elsewhere }); // what the live holder will deliver
    const done = recordFromJson(JSON.parse(fs.readFileSync(runPath(live, elsewhere), 'utf8')));
    const lock = (c: RunConfig, pid: number) =>
      fs.writeFileSync(`${runPath(c, dir)}.lock`, JSON.stringify({ pid, host: os.hostname(), since: '' }));
    lock(live, process.ppid); // a live process on this host (our parent) is training it
    lock(dead, 999999999); // a task killed on this host: no such process
    const logs: string[] = [];
    const res = await runGridWaitingForLocks([live, dead], d, {
      pollMs: 50,
      silentProgress: true,
      log: (m) => {
        logs.push(m);
        if (/locked by another process; trying them again/.test(m)) {
          // the holder finishes while we wait: its record appears, its lock goes
          fs.copyFileSync(runPath(live, elsewhere), runPath(live, dir));
          fs.rmSync(`${runPath(live, dir)}.lock`);
        }
      },
    });
    expect(logs.filter((m) => /trying them again/.test(m))).toHaveLength(1);
    expect(res).toMatchObject({ ran: 1, cached: 1, locked: [], failed: [] });
    expect(res.records.map((r) => r.configHash).sort()).toEqual([runHash(live), runHash(dead)].sort());
    expect(res.records.find((r) => r.configHash === runHash(live))).toEqual(done);
    expect(calls.backbone).toBe(2); // live once elsewhere, dead once here
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('fine-tuning three times from a saved checkpoint leaves no tensors behind', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-bb-'));
    const pcfg = pretrainConfigFor('smoke', 'ssl', 'resnet');
    await runPretraining(pcfg, { data: syntheticSet(64, pcfg.inputSize), views: testViews, root, quiet: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-runs-'));
    const loadBb = () => getPretrainedBackbone('ssl-resnet', { profile: 'smoke', root, inputSize: 16 });
    const probe = await loadBb();
    const backboneWeights = weightsHash(probe.model).slice(0, 16);
    probe.model.dispose();
    const d: RunDeps = { ...deps(dir, { 'chest-ct': CHEST }).d, getBackbone: loadBb };
    const base = tf.memory().numTensors;
    for (const seed of [0, 1, 2]) {
      await runOne(cfg({ seed, backboneWeights }), d);
      expect(tf.memory().numTensors).toBe(base);
    }
  }, 180_000); // seconds alone; minutes when the 2 cores are shared with training
});
