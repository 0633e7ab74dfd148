// Histories are read from finished runs and from runs still under way, in the profile's run order.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select-backend';
import { plateauEpoch, pretrainHistories, probePlateaued } from '../../lib/pretrain/histories';
import { checkpointDir } from '../../lib/pretrain/checkpoint';
import { pretrainHash } from '../../lib/pretrain/config';
import { PRETRAIN_PROFILES, runConfig } from '../../lib/pretrain/profiles';
import { runPretraining } from '../../lib/pretrain/run';
import { epochLog, syntheticSet, testViews } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

describe('pre-training histories', () => {
  it('reads finished runs from done.json, unfinished ones from log.jsonl, nothing for runs not started', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-hist-'));
    const runs = PRETRAIN_PROFILES.smoke.runs;
    const data = syntheticSet(48, 32);
    const finished = runConfig('smoke', runs[0]);
    await runPretraining(finished, { data, views: testViews, root, quiet: true, probe: { every: 1 } });
    // the second run is under way: its checkpoint folder holds the log of the epochs done so far
    const dir1 = checkpointDir(pretrainHash(runConfig('smoke', runs[1])), root);
    fs.mkdirSync(dir1, { recursive: true });
    fs.writeFileSync(
      path.join(dir1, 'log.jsonl'),
      JSON.stringify({ epoch: 1, loss: 4.2, lr: 1e-3, images: 256, seconds: 3, imgPerSec: 85, knnTop1: 0.31 }) + '\n',
    );
    const hs = pretrainHistories('smoke', root);
    expect(hs.map((h) => h.name)).toEqual(runs.map((r) => `${r.method}-${r.arch}${r.source ? `-${r.source}` : ''}`));
    expect(hs[0]).toMatchObject({ finished: true, epochs: finished.epochs });
    expect(hs[0].history).toHaveLength(finished.epochs);
    expect(hs[0].history[0].knnTop1).toBeGreaterThanOrEqual(0);
    expect(hs[1]).toMatchObject({ finished: false, history: [{ epoch: 1, knnTop1: 0.31 }] });
    expect(hs.slice(2).map((h) => [h.finished, h.history.length])).toEqual(hs.slice(2).map(() => [false, 0]));
  });

  it('a probe has plateaued when its last two values are within a point', () => {
    const e = epochLog;
    expect(probePlateaued([e(5, 0.4), e(6), e(10, 0.405)])).toBe(true);
    expect(probePlateaued([e(5, 0.4), e(10, 0.42)])).toBe(false);
    expect(probePlateaued([e(10, 0.42)])).toBe(false);
  });

  it('the plateau epoch is the first probe from which every later one stays within a point of the last', () => {
    const e = epochLog;
    // 15 is within a point of the last (0.500) but 20 dips out of it: the plateau starts at 25
    const h = [e(5, 0.3), e(10, 0.45), e(15, 0.495), e(20, 0.48), e(25, 0.498), e(26), e(30, 0.5)];
    expect(plateauEpoch(h)).toBe(25);
    expect(plateauEpoch([e(5, 0.491), e(10, 0.495), e(15, 0.5)])).toBe(5);
    expect(plateauEpoch([e(5, 0.3), e(10, 0.45)])).toBeUndefined();
    expect(plateauEpoch(h, 0.025)).toBe(15);
  });
});
