// runGrid's startBefore: past the time no new training starts (what exists is still collected), before it the grid
// trains as usual. The deps refuse to train, so "started" shows as their error.
import { describe, expect, it } from 'vitest';
import { GRIDS, gridConfigs, runGrid, type GridIdentity } from '../../lib/finetune/grid';
import { runHash, writeRun } from '../../lib/finetune/run-record';
import type { RunDeps } from '../../lib/finetune/run';
import { recordOf } from '../helpers/run-records';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('grid-deadline');
const ident: GridIdentity = {
  backbone: (arm) => ({ id: `bb-${arm}`, weights: `w-${arm}`, size: 32 }),
  data: (id) => ({ sha256: `sha-${id}`, splitHash: `split-${id}` }),
  code: 1,
};
const [done, todo] = gridConfigs(GRIDS.smoke, ident).filter((c) => c.condition === 'baseline');

function deps(runsDir: string): RunDeps {
  const refuse = () => Promise.reject(new Error('would train'));
  return { loadDataset: refuse, getBackbone: refuse, backend: () => 'test', runsDir };
}

describe('runGrid startBefore', () => {
  it('past the time: collects the record that exists and defers the config that would need training', async () => {
    const runs = tmpDir();
    writeRun(recordOf(done), runs);
    const res = await runGrid([done, todo], deps(runs), { silentProgress: true, startBefore: Date.now() - 1 });
    expect(res.records.map((r) => r.configHash)).toEqual([runHash(done)]);
    expect([res.cached, res.ran, res.failed.length, res.notTrained.length]).toEqual([1, 0, 0, 0]);
    expect(res.deferred.map(runHash)).toEqual([runHash(todo)]);
  });

  it('before the time: the config starts training (here: the deps refuse), nothing is deferred', async () => {
    const runs = tmpDir();
    const res = await runGrid([todo], deps(runs), { silentProgress: true, startBefore: Date.now() + 3_600_000 });
    expect(res.deferred).toEqual([]);
    expect(res.failed.map((f) => f.error)).toEqual([expect.stringMatching(/would train/)]);
  });

  it('--no-train (cachedOnly) lists the config as not trained, not as deferred', async () => {
    const res = await runGrid([todo], deps(tmpDir()), { silentProgress: true, cachedOnly: true, startBefore: 0 });
    expect([res.notTrained.length, res.deferred.length]).toEqual([1, 0]);
  });
});
