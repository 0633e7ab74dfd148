// loadProfileRuns: the notebooks' reader takes runs/ when it holds records of the profile, else falls back to the
// exported file (as a fresh clone has it), keeping one record per cell either way.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportPath, exportRuns } from '../../lib/finetune/export';
import { writeRun, type RunRecord } from '../../lib/finetune/run-record';
import { loadProfileRuns } from '../../lib/report/runs';
import { minimalRecord } from '../helpers/run-records';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('profile-runs');

/** An export for `smoke` in a fresh artefact root, written by the real exporter from these records. */
async function exported(records: RunRecord[]): Promise<string> {
  const root = tmpDir();
  const runs = tmpDir();
  for (const r of records) writeRun(r, runs);
  await exportRuns('smoke', { root, runsDir: runs });
  return root;
}

const seedsOf = (rs: { config: { seed: number } }[]) => rs.map((r) => r.config.seed).sort((a, b) => a - b);

describe('loadProfileRuns: runs/ first, the export otherwise', () => {
  it('with runs/ empty, serves the exported records and names the export file', async () => {
    const exportRoot = await exported([minimalRecord(0), minimalRecord(1), minimalRecord(2, 0.7, 'busi')]);
    const got = loadProfileRuns('smoke', { runsDir: tmpDir(), exportRoot });
    expect(seedsOf(got.records)).toEqual([0, 1, 2]);
    expect(got.source).toContain(path.basename(exportPath('smoke', exportRoot)));
    expect(got.source).toContain('(3 records)');
  });

  it('runs/ holding records of the profile wins over the export', async () => {
    const exportRoot = await exported([minimalRecord(0), minimalRecord(1)]);
    const runsDir = tmpDir();
    writeRun(minimalRecord(5), runsDir);
    const got = loadProfileRuns('smoke', { runsDir, exportRoot });
    expect(seedsOf(got.records)).toEqual([5]);
    expect(got.source).toMatch(/^runs\/ \(1 records\)$/);
  });

  it('a publishing run (MEDSSL_PUBLISH=1) reads the export even when runs/ holds records', async () => {
    const exportRoot = await exported([minimalRecord(0), minimalRecord(1)]);
    const runsDir = tmpDir();
    writeRun(minimalRecord(5), runsDir);
    expect(seedsOf(loadProfileRuns('smoke', { runsDir, exportRoot, exportOnly: true }).records)).toEqual([0, 1]);
    const before = process.env.MEDSSL_PUBLISH;
    process.env.MEDSSL_PUBLISH = '1';
    try {
      expect(seedsOf(loadProfileRuns('smoke', { runsDir, exportRoot }).records)).toEqual([0, 1]);
    } finally {
      if (before === undefined) delete process.env.MEDSSL_PUBLISH;
      else process.env.MEDSSL_PUBLISH = before;
    }
    expect(seedsOf(loadProfileRuns('smoke', { runsDir, exportRoot }).records)).toEqual([5]);
  });

  it('records of another profile in runs/ do not count: the export is used', async () => {
    const exportRoot = await exported([minimalRecord(0)]);
    const runsDir = tmpDir();
    writeRun(minimalRecord(9, 0.7, 'chest-ct', 'cpu'), runsDir);
    const got = loadProfileRuns('smoke', { runsDir, exportRoot });
    expect(seedsOf(got.records)).toEqual([0]);
    expect(got.source).not.toMatch(/^runs\//);
  });

  it('the fallback keeps one record per cell: the newest, the older one counted as ignored', async () => {
    const older = { ...minimalRecord(0, 0.7), finishedAt: '2026-01-01T00:00:00Z' };
    // same cell (dataset, arm, condition, seed), other backbone weights: another identity, so both are exported
    const newer = {
      ...minimalRecord(0, 0.9, 'chest-ct', 'smoke', { backboneWeights: 'w2' }),
      finishedAt: '2026-02-01T00:00:00Z',
    };
    const exportRoot = await exported([older, newer]);
    const got = loadProfileRuns('smoke', { runsDir: tmpDir(), exportRoot });
    expect(got.records).toHaveLength(1);
    expect(got.records[0]).toMatchObject({ configHash: newer.configHash, finishedAt: newer.finishedAt });
    expect(got.source).toContain('(1 records; left out: 1 older or stand-in records)');
  });

  it('neither runs/ nor an export: no records, source "none"', () => {
    expect(loadProfileRuns('smoke', { runsDir: tmpDir(), exportRoot: tmpDir() })).toEqual({
      records: [],
      source: 'none',
    });
  });

  it('a corrupt export is an error naming the file, not an empty result', () => {
    const exportRoot = tmpDir();
    const file = exportPath('smoke', exportRoot);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"schema":2,"runs":[{"config"');
    expect(() => loadProfileRuns('smoke', { runsDir: tmpDir(), exportRoot })).toThrow(file);
  });
});
