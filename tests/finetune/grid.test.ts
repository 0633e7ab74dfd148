import { describe, expect, it } from 'vitest';
import {
  describeGrid,
  GRIDS,
  gridConfigs,
  type GridIdentity,
  parseShard,
  selectLr,
  shardConfigs,
  tuningConfigs,
  resultsTable,
  seedMeanAccuracyCI,
  formatTable,
} from '../../lib/finetune/grid';
import { isDoubleFt, runHash, type RunConfig, type RunRecord } from '../../lib/finetune/run-record';
import { intermediateFor } from '../../lib/finetune/pairs';

const ident = (tag = ''): GridIdentity => ({
  backbone: (arm) => ({ id: `bb-${arm}`, weights: `w-${arm}${tag}`, size: 64 }),
  data: (id) => ({ sha256: `sha-${id}`, splitHash: `split-${id}` }),
  code: 1,
});

const records = new Map<string, RunRecord>();
/** A tuning record whose best validation loss is a made-up function of arm, set and rate (lr 1e-3 best for TL). */
const tuningRecord = (c: RunConfig): RunRecord =>
  ({
    config: c,
    stages: [
      {
        stage: 'target',
        bestEpoch: 1,
        epochs: [
          { epoch: 0, valLoss: 9 },
          { epoch: 1, valLoss: Math.abs(Math.log10(c.train.lr) - (c.arm.startsWith('tl') ? -3 : -2.5)) },
        ],
      },
    ],
  }) as unknown as RunRecord;

describe('grid', () => {
  const configs = gridConfigs(GRIDS.cpu, ident());

  it('builds distinct configs; the double-FT family only where a usable pair exists, controls at baseline only', () => {
    expect(new Set(configs.map(runHash)).size).toBe(configs.length);
    for (const c of configs.filter((c) => c.condition === 'double-ft'))
      expect(intermediateFor(c.dataset)?.intermediate).toBe(c.intermediate);
    for (const c of configs.filter((c) => c.condition === 'double-ft-self')) expect(c.intermediate).toBe(c.dataset);
    for (const c of configs.filter((c) => c.condition === 'double-ft-unrelated'))
      expect(c.intermediate).toBe(intermediateFor(c.dataset)?.unrelated?.intermediate);
    expect(configs.some((c) => c.dataset === 'alzheimer-mri' && isDoubleFt(c.condition))).toBe(false);
    for (const arm of GRIDS.cpu.controls)
      expect(new Set(configs.filter((c) => c.arm === arm).map((c) => c.condition))).toEqual(new Set(['baseline']));
    // every (dataset, arm, condition) cell of the comparison has all three seeds
    const cells = new Map<string, number>();
    for (const c of configs)
      cells.set(`${c.dataset}/${c.arm}/${c.condition}`, (cells.get(`${c.dataset}/${c.arm}/${c.condition}`) ?? 0) + 1);
    expect([...cells.values()].every((n) => n === 3)).toBe(true);
    // smoke: 2 sets × 2 arms × (3 conditions + 3 double-FT) × 2 seeds + 1 control × 2 sets × 2 seeds
    expect(gridConfigs(GRIDS.smoke, ident())).toHaveLength(2 * 2 * 6 * 2 + 2 * 2);
  });

  it('learning rate: tuned per arm × set on validation, the same candidates for every arm; undecided configs wait', () => {
    const spec = GRIDS.cpu;
    const tuning = tuningConfigs(spec, ident());
    const sets = (arm: string) => new Set(tuning.filter((c) => c.arm === arm).map((c) => c.dataset));
    // main arms also tune on their stage-1 sets; every arm tries every candidate at baseline, first seed
    expect(sets('tl-resnet')).toEqual(new Set([...spec.datasets]));
    expect(sets('random-resnet')).toEqual(new Set(spec.datasets));
    expect(tuning.every((c) => c.condition === 'baseline' && c.seed === spec.seeds[0])).toBe(true);
    expect(tuning.length).toBe(
      (spec.arms.length + spec.controls.length) * spec.datasets.length * spec.lrCandidates!.length,
    );
    // nothing tuned yet: every config waits
    const waiting: { arm: string; dataset: string }[] = [];
    expect(gridConfigs(spec, ident(), () => undefined, waiting)).toEqual([]);
    expect(waiting.length).toBe((spec.arms.length + spec.controls.length) * spec.datasets.length);
    // all tuned: the chosen rate is the lowest best-epoch validation loss; the tuning run of that rate IS the
    // first seed's baseline (same config, same hash: no run twice)
    for (const c of tuning) records.set(runHash(c), tuningRecord(c));
    const lrOf = (arm: string, dataset: string) =>
      selectLr(
        spec.lrCandidates!,
        tuning.filter((c) => c.arm === arm && c.dataset === dataset).map((c) => records.get(runHash(c))!),
      );
    expect(lrOf('tl-resnet', 'busi')).toBe(1e-3);
    expect(lrOf('ssl-resnet', 'busi')).toBe(3e-3);
    const all = gridConfigs(spec, ident(), lrOf);
    expect(all.length).toBe(configs.length);
    const base0 = all.filter((c) => c.condition === 'baseline' && c.seed === 0).map(runHash);
    const tuned = new Set(tuning.map(runHash));
    expect(base0.every((h) => tuned.has(h))).toBe(true);
    // stage 1 trains at the rate chosen for the stage-1 set
    const dft = all.find((c) => c.condition === 'double-ft' && c.arm === 'ssl-resnet')!;
    expect(dft.stage1!.lr).toBe(lrOf('ssl-resnet', dft.intermediate!));
    // a missing candidate record leaves the choice open
    expect(selectLr([1e-3, 3e-3], [tuningRecord(tuning[0])])).toBeUndefined();
  });

  it('names each run by its backbone weights, code version and data: changing any of them changes every affected hash', () => {
    const hashes = (cs: ReturnType<typeof gridConfigs>) => new Set(cs.map(runHash));
    const base = hashes(configs);
    // re-made SSL checkpoint: same config id, other weights → every config of that arm is new, others unchanged
    const reweighted = gridConfigs(GRIDS.cpu, {
      ...ident(),
      backbone: (arm) => ({
        id: `bb-${arm}`,
        weights: arm === 'ssl-resnet' ? 'w-ssl-remade' : `w-${arm}`,
        size: 64,
      }),
    });
    for (const c of reweighted) expect(base.has(runHash(c))).toBe(c.arm !== 'ssl-resnet');
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
        const mine = shardConfigs(configs, i, n).filter((c) => isDoubleFt(c.condition));
        for (const c of configs.filter(
          (c) =>
            isDoubleFt(c.condition) &&
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

  // The CI of a cell's seed-mean accuracy resamples fine-tuning seeds, then test images shared by the seeds.
  const cellRuns = (rights: number[], n = 400): RunRecord[] =>
    rights.map(
      (k, seed) =>
        ({
          config: { dataset: 'd', arm: 'tl', condition: 'baseline', seed },
          test: {
            metrics: { accuracy: k / n, balancedAccuracy: k / n, macroF1: k / n },
            labels: Array.from({ length: n }, (_, i) => i % 2),
            probs: Array.from({ length: n }, (_, i) => (i < k === (i % 2 === 1) ? [0.2, 0.8] : [0.8, 0.2])),
            indices: Array.from({ length: n }, (_, i) => i),
          },
        }) as unknown as RunRecord,
    );

  it('CI of identical seeds is the one-seed image interval, not a pooled (seeds × images) one', () => {
    // one seed: accuracy 0.75 on 400 images, image-bootstrap sd √(0.75·0.25/400) = 0.0217, half-width ≈ 1.96·sd = 0.042
    const one = seedMeanAccuracyCI(cellRuns([300]), 0, 4000)!;
    const two = seedMeanAccuracyCI(cellRuns([300, 300]), 0, 4000)!;
    const half = (x: { lower: number; upper: number }) => (x.upper - x.lower) / 2;
    expect(half(one)).toBeGreaterThan(0.037);
    expect(half(one)).toBeLessThan(0.048);
    // pooling 800 (seed, image) units as independent would give ≈ 0.030; shared images keep ≈ 0.042
    expect(half(two)).toBeGreaterThan(0.037);
    expect(half(two)).toBeLessThan(0.048);
  });

  it('CI holds the spread between seeds (0.5 and 1.0 on the same images: draws of both seeds reach 0.5)', () => {
    const ci = seedMeanAccuracyCI(cellRuns([200, 400]), 0, 2000)!;
    // seed resamples give means 0.5, 0.75, 1.0 with probability ¼, ½, ¼: the 2.5% quantile is near 0.5
    expect(ci.lower).toBeLessThan(0.55);
    expect(ci.upper).toBeGreaterThan(0.97);
    expect(resultsTable(cellRuns([200, 400]).map((r) => ({ ...r, ...tableFields }))).map((r) => r.accuracyCI)).toEqual([
      `[${ci.lower.toFixed(3)}, ${ci.upper.toFixed(3)}]`,
    ]);
  });
});

const tableFields = {
  dataset: { classNames: ['a', 'b'] },
  stages: [{ wallSeconds: 1, imgPerSec: 1 }],
} as unknown as Partial<RunRecord>;

describe('describeGrid', () => {
  it("names the grid's run count for its own configs, and only the recorded count for a notebook's records", () => {
    const c = { condition: 'baseline', dataset: 'chest-ct', size: 64, arm: 'tl-resnet' };
    const spec = GRIDS.cpu;
    expect(describeGrid(spec, [c, c, c])).toMatch(/× 3 seeds = 3 runs/);
    const rec = describeGrid(spec, [c, c], 'records');
    expect(rec).toMatch(/× 3 seeds; 2 runs recorded/);
    expect(rec).not.toMatch(/= 2 runs/);
  });
});
