import { describe, expect, it } from 'vitest';
import {
  GRIDS,
  gridConfigs,
  type GridIdentity,
  parseShard,
  shardConfigs,
  resultsTable,
  formatTable,
} from '../../lib/finetune/grid';
import { runHash, type RunRecord } from '../../lib/finetune/run-record';
import { intermediateFor } from '../../lib/finetune/pairs';

const ident = (tag = ''): GridIdentity => ({
  backbone: (arm) => ({ id: `bb-${arm}`, weights: `w-${arm}${tag}`, size: 32 }),
  data: (id) => ({ sha256: `sha-${id}`, splitHash: `split-${id}` }),
  code: 1,
});

describe('grid', () => {
  const configs = gridConfigs(GRIDS.cpu, ident());

  it('builds distinct configs; double-FT only where a usable pair exists', () => {
    expect(new Set(configs.map(runHash)).size).toBe(configs.length);
    for (const c of configs.filter((c) => c.condition === 'double-ft'))
      expect(intermediateFor(c.dataset)?.intermediate).toBe(c.intermediate);
    expect(configs.some((c) => c.dataset === 'alzheimer-mri' && c.condition === 'double-ft')).toBe(false);
    const smoke = gridConfigs(GRIDS.smoke, ident());
    expect(smoke).toHaveLength(2 * 2 * 4 * 2);
  });

  it('names each run by its backbone weights, code version and data: changing any of them changes every affected hash', () => {
    const hashes = (cs: ReturnType<typeof gridConfigs>) => new Set(cs.map(runHash));
    const base = hashes(configs);
    // re-made SSL checkpoint: same config id, other weights → every SSL config is new, TL configs unchanged
    const reweighted = gridConfigs(GRIDS.cpu, {
      ...ident(),
      backbone: (arm) => ({ id: `bb-${arm}`, weights: arm === 'ssl' ? 'w-ssl-remade' : `w-${arm}`, size: 32 }),
    });
    for (const c of reweighted) expect(base.has(runHash(c))).toBe(c.arm !== 'ssl');
    const recoded = gridConfigs(GRIDS.cpu, { ...ident(), code: 2 });
    expect([...hashes(recoded)].some((h) => base.has(h))).toBe(false);
    // a re-made split of ct-kidney renames its own runs and the double-FT runs that use it as intermediate
    const resplit = gridConfigs(GRIDS.cpu, {
      ...ident(),
      data: (id) => ({ sha256: `sha-${id}`, splitHash: id === 'ct-kidney' ? 'new' : `split-${id}` }),
    });
    for (const c of resplit)
      expect(base.has(runHash(c))).toBe(c.dataset !== 'ct-kidney' && c.intermediate !== 'ct-kidney');
  });

  it('shards partition the grid: every config exactly once, stage-1 groups kept together', () => {
    for (const n of [1, 2, 3, 7]) {
      const seen = new Map<string, number>();
      for (let i = 1; i <= n; i++)
        for (const c of shardConfigs(configs, i, n)) seen.set(runHash(c), (seen.get(runHash(c)) ?? 0) + 1);
      expect(seen.size).toBe(configs.length);
      expect([...seen.values()].every((v) => v === 1)).toBe(true);
      for (let i = 1; i <= n; i++) {
        const mine = shardConfigs(configs, i, n).filter((c) => c.condition === 'double-ft');
        for (const c of configs.filter(
          (c) =>
            c.condition === 'double-ft' &&
            mine.some((m) => m.intermediate === c.intermediate && m.arm === c.arm && m.seed === c.seed),
        ))
          expect(mine.map(runHash)).toContain(runHash(c));
      }
    }
    // order of the input list does not change the partition
    const rev = shardConfigs([...configs].reverse(), 2, 3)
      .map(runHash)
      .sort();
    expect(rev).toEqual(shardConfigs(configs, 2, 3).map(runHash).sort());
  });

  it('parses --shard i/n and rejects bad values', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(() => parseShard('0/4')).toThrow();
    expect(() => parseShard('5/4')).toThrow();
    expect(() => parseShard('a')).toThrow(/i\/n/);
  });

  it('tabulates mean ± sd over seeds', () => {
    const rec = (seed: number, acc: number): RunRecord =>
      ({
        config: { dataset: 'd', arm: 'tl', condition: 'baseline', seed },
        dataset: { classNames: ['a', 'b'] },
        stages: [{ wallSeconds: 2, imgPerSec: 100 }],
        test: {
          metrics: { accuracy: acc, balancedAccuracy: acc, macroF1: acc },
          labels: [0, 1, 1, 0],
          probs: [
            [0.9, 0.1],
            [0.2, 0.8],
            [0.6, 0.4],
            [0.3, 0.7],
          ],
        },
      }) as unknown as RunRecord;
    const rows = resultsTable([rec(0, 0.5), rec(1, 0.7)]);
    expect(rows).toHaveLength(1);
    expect(rows[0].accuracy).toBe('0.600 ± 0.141');
    expect(rows[0].seeds).toBe(2);
    expect(formatTable(rows)).toMatch(/dataset\s+arm\s+condition/);
  });
});
