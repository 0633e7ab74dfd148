import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { exportRuns, readExport } from '../../lib/finetune/export';
import { GRIDS, gridConfigs, shardConfigs, type GridIdentity } from '../../lib/finetune/grid';
import { runHash, writeRun } from '../../lib/finetune/run-record';
import { recordOf as record } from '../helpers/run-records';
import {
  formatShardStatus,
  gatherRecords,
  gridKey,
  manifestPath,
  readManifest,
  shardStatus,
  writeManifest,
} from '../../lib/finetune/shards';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('shards');

const ident: GridIdentity = {
  backbone: (arm) => ({ id: `bb-${arm}`, weights: `w-${arm}`, size: 32 }),
  data: (id) => ({ sha256: `sha-${id}`, splitHash: `split-${id}` }),
  code: 1,
};
const all = gridConfigs(GRIDS.smoke, ident); // the smoke grid at the profile's learning rate

const outcome = (over: Partial<Parameters<typeof writeManifest>[4]> = {}) => ({
  ran: 0,
  cached: 0,
  wallSeconds: 1,
  failed: [],
  locked: [],
  ...over,
});

describe('sharded grids: completeness from the records, reasons from the manifests', () => {
  it('names the shard whose task never finished, and the configs it is missing', () => {
    const runs = tmpDir();
    const n = 3;
    // shards 1 and 3 finished; shard 2 was cancelled after two of its runs
    for (const i of [1, 3]) {
      for (const c of shardConfigs(all, i, n)) writeRun(record(c), runs);
      writeManifest(runs, all, i, n, outcome({ ran: shardConfigs(all, i, n).length }));
    }
    const two = shardConfigs(all, 2, n);
    for (const c of two.slice(0, 2)) writeRun(record(c), runs);
    const g = gatherRecords(all, [runs]);
    expect(g.records).toHaveLength(all.length - two.length + 2);
    const st = shardStatus(all, n, new Set(g.records.map((r) => r.configHash)), [runs]);
    expect(st.map((s) => s.missing.length)).toEqual([0, two.length - 2, 0]);
    expect(st[1].manifest).toBeUndefined();
    expect(st[1].missing.map(runHash).sort()).toEqual(two.slice(2).map(runHash).sort());
    const text = formatShardStatus(st, 100);
    expect(text).toMatch(/shard 1\/3: \d+\/\d+ records, complete/);
    expect(text).toMatch(/shard 2\/3: 2\/\d+ records, INCOMPLETE .*no manifest: the shard never finished/);
    for (const c of two.slice(2)) expect(text).toContain(runHash(c));
  });

  it('a shard that finished with a failed run says so and carries the error', () => {
    const runs = tmpDir();
    const mine = shardConfigs(all, 1, 2);
    for (const c of mine.slice(1)) writeRun(record(c), runs);
    writeManifest(runs, all, 1, 2, outcome({ failed: [{ config: mine[0], error: 'out of memory' }] }), {
      SLURM_ARRAY_JOB_ID: '41',
      SLURM_ARRAY_TASK_ID: '1',
    });
    const m = readManifest([runs], 'smoke', gridKey(all), 1, 2)!.manifest;
    expect(m.slurm).toEqual({ SLURM_ARRAY_JOB_ID: '41', SLURM_ARRAY_TASK_ID: '1' });
    expect(m.configs.filter((c) => c.outcome === 'failed').map((c) => c.configHash)).toEqual([runHash(mine[0])]);
    const st = shardStatus(all, 2, new Set(gatherRecords(all, [runs]).records.map((r) => r.configHash)), [runs]);
    const text = formatShardStatus(st);
    expect(text).toMatch(/shard 1\/2: .*INCOMPLETE \(1 missing\): finished on .* with 1 failed and 0 locked/);
    expect(text).toContain(
      `missing ${runHash(mine[0])} ${mine[0].dataset}/${mine[0].arm}/${mine[0].condition}/seed ${mine[0].seed}: out of memory`,
    );
    // shard 2 has neither records nor manifest
    expect(st[1].missing).toHaveLength(shardConfigs(all, 2, 2).length);
  });

  it('records spread over several folders merge into one export; the same identity with other numbers is a conflict', async () => {
    const [a, b, root] = [tmpDir(), tmpDir(), tmpDir()];
    for (const c of shardConfigs(all, 1, 2)) writeRun(record(c), a);
    for (const c of shardConfigs(all, 2, 2)) writeRun(record(c), b);
    const twice = shardConfigs(all, 1, 2)[0];
    writeRun(record(twice, 0.2), b); // run again elsewhere, other numbers
    // a record of another grid (other backbone weights) in the folder is not merged
    const foreign = gridConfigs(GRIDS.smoke, {
      ...ident,
      backbone: (arm) => ({ id: `bb-${arm}`, weights: 'other', size: 32 }),
    })[0];
    writeRun(record(foreign), b);
    const g = gatherRecords(all, [a, b]);
    const [n1, n2] = [shardConfigs(all, 1, 2).length, shardConfigs(all, 2, 2).length];
    expect(g.perDir).toEqual([
      { dir: a, read: n1, outside: 0 },
      { dir: b, read: n2 + 2, outside: 1 },
    ]);
    const { report } = await exportRuns('smoke', { root, records: g.records });
    expect(report).toMatchObject({ before: 0, after: all.length, added: all.length });
    expect(report.conflicts).toEqual([{ configHash: runHash(twice), label: expect.any(String), kept: 'existing' }]);
    expect(
      readExport('smoke', root)
        .map((r) => r.configHash)
        .sort(),
    ).toEqual(all.map(runHash).sort());
    expect(
      shardStatus(all, 2, new Set(g.records.map((r) => r.configHash)), [a, b]).every((s) => s.missing.length === 0),
    ).toBe(true);
  });

  it('a manifest of another grid or shard under the expected name is an error naming the file', () => {
    const runs = tmpDir();
    const file = writeManifest(runs, all, 1, 2, outcome());
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...m, shard: { index: 2, count: 2 } }));
    expect(() => readManifest([runs], 'smoke', gridKey(all), 1, 2)).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not the manifest of shard 1/2`),
    );
    expect(manifestPath(runs, 'smoke', gridKey(all), 1, 2)).toBe(file);
    // the grid key follows the set of configs, not their order
    expect(gridKey([...all].reverse())).toBe(gridKey(all));
    expect(gridKey(all.slice(1))).not.toBe(gridKey(all));
  });

  it('a runs folder that does not exist is an error, not an empty shard', () => {
    expect(() => gatherRecords(all, [path.join(tmpDir(), 'nope')])).toThrow(/runs folder .*nope does not exist/);
  });
});
