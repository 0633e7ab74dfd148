// Condition-vs-baseline gains (notebooks 04-06) on synthetic records with hand-chosen correct/incorrect patterns.
import { describe, expect, it, vi } from 'vitest';
import { reportRecord } from '../helpers/run-records';
import type { RunRecord } from '../../lib/finetune/run-record';
import {
  conditionsWithRuns,
  gainsByCondition,
  gainTableRows,
  pooledGainFindings,
  pooledGains,
  pooledGainTable,
} from '../../lib/report/condition-gains';

/** The report's partial record (tests/helpers), 1 s of training each. */
const rec = (dataset: string, arm: string, condition: string, seed: number, n: number, nRight: number, trainN = 500) =>
  reportRecord(dataset, arm, condition, seed, n, nRight, trainN, 1);

// busi (small, 400 train): augment +20 pts for TL, +0 for SSL; isic-uda1 (large, 2000 train): +10 for both.
const records: RunRecord[] = [
  rec('busi', 'tl', 'baseline', 0, 100, 60, 400),
  rec('busi', 'tl', 'augment', 0, 100, 80, 400),
  rec('busi', 'ssl', 'baseline', 0, 100, 70, 400),
  rec('busi', 'ssl', 'augment', 0, 100, 70, 400),
  rec('isic-uda1', 'tl', 'baseline', 0, 100, 50, 2000),
  rec('isic-uda1', 'tl', 'augment', 0, 100, 60, 2000),
  rec('isic-uda1', 'ssl', 'baseline', 0, 100, 50, 2000),
  rec('isic-uda1', 'ssl', 'augment', 0, 100, 60, 2000),
];
const opts = { seed: 0, resamples: 200 };

describe('condition gains', () => {
  it('gainsByCondition: one row per dataset and arm, sorted by training images then arm', () => {
    const g = gainsByCondition(records, ['augment', 'downsample'], opts);
    expect(g.map((r) => `${r.condition} ${r.dataset} ${r.arm}`)).toEqual([
      'augment busi ssl',
      'augment busi tl',
      'augment isic-uda1 ssl',
      'augment isic-uda1 tl',
    ]);
    expect(g.map((r) => r.gain.diff)).toEqual([0, 0.2, 0.1, 0.1].map((x) => expect.closeTo(x, 10)));
    const rows = gainTableRows(g);
    expect(rows[1]).toMatchObject({ condition: 'augment', dataset: 'busi', arm: 'TL', 'train images': 400 });
    expect(rows[1]['gain, pts [95% CI]']).toMatch(/^\+20\.0 \[/);
  });

  it('pooledGains: both arms pooled, interaction, and the small-set subset', () => {
    const rows = pooledGains(records, ['augment'], { ...opts, smallSet: 1000 });
    expect(rows.map((r) => r.sets)).toEqual(['all sets', 'small sets (< 1000)']);
    // all sets: each dataset once, its gain the mean over the arms (busi (0.2 + 0)/2, isic (0.1 + 0.1)/2); the
    // interaction per dataset busi 0.2, isic 0: mean 0.1, Student t with 1 df (scipy t.ppf(0.975, 1) = 12.7062)
    expect(rows[0]._both.datasets).toEqual(['busi', 'isic-uda1']);
    expect(rows[0]._both.diff).toBeCloseTo(0.1, 10);
    expect(rows[0]._inter.diff).toBeCloseTo(0.1, 10);
    expect(rows[0]._inter.test).toBe('t');
    expect(rows[0]._inter.lo).toBeCloseTo(0.1 - 12.706204736174694 * 0.1, 8);
    expect(rows[0]._inter.hi).toBeCloseTo(0.1 + 12.706204736174694 * 0.1, 8);
    // small sets: busi only, an interval over its seed and test images
    expect(rows[1]._both.datasets).toEqual(['busi']);
    expect(rows[1]._both.test).toBe('bootstrap');
    expect(rows[1]._inter.diff).toBeCloseTo(0.2, 10);
    const table = pooledGainTable(rows);
    expect(Object.keys(table[0])).toEqual([
      'condition',
      'sets',
      'gain TL, pts',
      'gain SSL, pts',
      'gain both arms, pts',
      'p (both)',
      'TL gain − SSL gain',
      'p (interaction)',
      'datasets (units)',
    ]);
    expect(pooledGainFindings(rows).split('\n')).toHaveLength(2);
    expect(pooledGainFindings(rows)).toMatch(
      /^- \*\*augment\*\*, all sets \(2 datasets as units, Student t\): gain \+10\.0 points .* → helps; TL gain − SSL gain \+10\.0 points/,
    );
    expect(pooledGainTable(rows)[0]).not.toHaveProperty('_subset');
  });

  it('pooledGains: a condition without runs gives "no paired runs"', () => {
    const rows = pooledGains(records, ['downsample'], { ...opts, smallSet: 1000 });
    expect(rows[0]._both.pairs).toBe(0);
    expect(pooledGainFindings(rows)).toContain('no paired runs');
  });

  it('conditionsWithRuns: keeps the order given, says which are missing', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(conditionsWithRuns(records, ['downsample', 'augment'], 'test', 'here')).toEqual(['augment']);
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/conditions with runs: augment$/),
        expect.stringMatching(/not run yet\): downsample\./),
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
