import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  compareRecords,
  exportedRun,
  exportPath,
  exportRuns,
  mergeRecords,
  readExport,
} from '../../lib/finetune/export';
import { writeRun } from '../../lib/finetune/run-record';
import { minimalRecord as record } from '../helpers/run-records';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('export');

describe('exports merge by run identity, never shrink', () => {
  it("an empty runs/ or one shard's runs leave every exported record in place", async () => {
    const root = tmpDir();
    const runsA = tmpDir();
    for (const s of [0, 1, 2, 3]) writeRun(record(s), runsA);
    expect((await exportRuns('smoke', { root, runsDir: runsA })).report).toMatchObject({
      before: 0,
      after: 4,
      added: 4,
    });
    // runs/ deleted (a fresh clone), then exported again: nothing is lost
    const empty = tmpDir();
    expect((await exportRuns('smoke', { root, runsDir: empty })).report).toMatchObject({
      before: 4,
      after: 4,
      added: 0,
    });
    // one shard holding one new run and one already exported: 5, the unchanged one reported as such
    const shard = tmpDir();
    writeRun(record(4), shard);
    writeRun(record(0), shard);
    expect((await exportRuns('smoke', { root, runsDir: shard })).report).toMatchObject({
      before: 4,
      after: 5,
      added: 1,
      unchanged: 1,
    });
    expect(
      readExport('smoke', root)
        .map((r) => r.seed)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
    expect(
      fs.readdirSync(path.dirname(exportPath('smoke', root))).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')),
    ).toEqual([]);
  });

  it('two shards exporting at the same time both land', async () => {
    const root = tmpDir();
    const [a, b] = [tmpDir(), tmpDir()];
    for (const s of [0, 2, 4]) writeRun(record(s), a);
    for (const s of [1, 3]) writeRun(record(s), b);
    await Promise.all([exportRuns('smoke', { root, runsDir: a }), exportRuns('smoke', { root, runsDir: b })]);
    expect(readExport('smoke', root)).toHaveLength(5);
  });

  it('same identity with other numbers is a reported conflict; the exported record is kept unless replace is asked', () => {
    const old = record(0, 0.7);
    const redo = record(0, 0.3);
    const keep = mergeRecords([old], [redo]);
    expect(keep.report.conflicts).toEqual([
      { configHash: old.configHash, label: 'chest-ct/tl/baseline/seed 0', kept: 'existing' },
    ]);
    expect(keep.records[0].test.probs[0][0]).toBe(0.7);
    const replace = mergeRecords([old], [redo], { onConflict: 'replace' });
    expect(replace.records[0].test.probs[0][0]).toBe(0.3);
    // rounding to the export's 4 decimals is not a conflict
    expect(mergeRecords([old], [record(0, 0.70000004)]).report).toMatchObject({ unchanged: 1, conflicts: [] });
  });

  it('the same result re-run with CPU time replaces an exported record made before runs logged it, and only that', () => {
    const untimed = record(0, 0.7);
    delete untimed.cpuSeconds;
    const rerun = { ...record(0, 0.70000004), cpuSeconds: 12.5 };
    const m = mergeRecords([untimed], [rerun]);
    expect(m.report).toMatchObject({ unchanged: 1, conflicts: [], timed: [{ configHash: untimed.configHash }] });
    expect(m.records[0].cpuSeconds).toBe(12.5);
    // a timed export keeps its own timing; an untimed re-run adds nothing
    const timedOld = { ...record(0, 0.7), cpuSeconds: 9 };
    expect(mergeRecords([timedOld], [rerun]).records[0].cpuSeconds).toBe(9);
    expect(mergeRecords([untimed], [{ ...untimed }]).report.timed).toEqual([]);
    // a different result is still a conflict, timing or not
    expect(mergeRecords([untimed], [{ ...record(0, 0.3), cpuSeconds: 1 }]).report.conflicts).toHaveLength(1);
  });

  it('drops only on request, and says what it dropped', () => {
    const m = mergeRecords([record(0), record(1, 0.7, 'busi')], [], { drop: (r) => r.config.dataset === 'busi' });
    expect(m.records).toHaveLength(1);
    expect(m.report.dropped).toEqual([
      { configHash: record(1, 0.7, 'busi').configHash, label: 'busi/tl/baseline/seed 1' },
    ]);
  });

  it('serves an exported record by its exact identity, nothing for another', async () => {
    const root = tmpDir();
    const runs = tmpDir();
    const r = record(7);
    writeRun(r, runs);
    await exportRuns('smoke', { root, runsDir: runs });
    expect(exportedRun(r.config, root)?.configHash).toBe(r.configHash);
    expect(exportedRun({ ...r.config, backboneWeights: 'other' }, root)).toBeUndefined();
    expect(exportedRun({ ...r.config, code: 2 }, root)).toBeUndefined();
  });

  it('a corrupt export is an error naming the file', () => {
    const root = tmpDir();
    const file = exportPath('smoke', root);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"schema":2,"runs":[{"config"');
    expect(() => readExport('smoke', root)).toThrow(file);
    fs.writeFileSync(file, '{"schema":1,"runs":[]}');
    expect(() => readExport('smoke', root)).toThrow(/not a schema-2 run export/);
  });

  it('compares a re-run with its export', () => {
    expect(compareRecords(record(0, 0.7), record(0, 0.70004)).verdict).toBe('identical');
    expect(compareRecords(record(0, 0.7), record(0, 0.65)).verdict).toBe('close');
    expect(compareRecords(record(0, 0.7), record(0, 0.3)).verdict).toBe('different');
  });
});
