import { describe, it, expect } from 'vitest';
import { Rng } from '../../lib/util/rng';
import { downsample, oversample, classWeights, classCounts } from '../../lib/data/balance';

// 3 classes: 50 / 20 / 5 images, plus a 4th class with none
const labels = Int32Array.from([...Array(50).fill(0), ...Array(20).fill(1), ...Array(5).fill(2)]);
const idx = Array.from(labels, (_, i) => i);

describe('class balancing', () => {
  it('down-sampling cuts every present class to the minority count, seeded, with counts before and after', () => {
    const a = downsample(labels, idx, 4, new Rng(1));
    expect(a.before).toEqual([50, 20, 5, 0]);
    expect(a.after).toEqual([5, 5, 5, 0]);
    expect(a.indices.length).toBe(15);
    expect(new Set(a.indices).size).toBe(15); // no repeats
    expect(classCounts(labels, a.indices, 4)).toEqual(a.after);
    expect(downsample(labels, idx, 4, new Rng(1)).indices).toEqual(a.indices);
    expect(downsample(labels, idx, 4, new Rng(2)).indices).not.toEqual(a.indices);
    // every minority image is kept
    for (let i = 70; i < 75; i++) expect(a.indices).toContain(i);
  });

  it('over-sampling tops every present class up to the majority count and keeps every original', () => {
    const a = oversample(labels, idx, 4, new Rng(1));
    expect(a.before).toEqual([50, 20, 5, 0]);
    expect(a.after).toEqual([50, 50, 50, 0]);
    for (const i of idx) expect(a.indices).toContain(i);
    expect(oversample(labels, idx, 4, new Rng(1)).indices).toEqual(a.indices);
  });

  it("class weights follow scikit-learn's 'balanced' rule", () => {
    const w = classWeights(labels, idx, 4);
    // n / (n_present_classes * n_c) = 75 / (3 * n_c)
    expect(w[0]).toBeCloseTo(75 / 150, 10);
    expect(w[1]).toBeCloseTo(75 / 60, 10);
    expect(w[2]).toBeCloseTo(75 / 15, 10);
    expect(w[3]).toBe(0);
    // each present class then carries the same total weight
    expect(w[0] * 50).toBeCloseTo(w[2] * 5, 10);
  });

  it('works on a subset of indices (a train split)', () => {
    const sub = [0, 1, 2, 50, 51, 70];
    expect(downsample(labels, sub, 3, new Rng(0)).after).toEqual([1, 1, 1]);
    expect(classCounts(labels, sub, 3)).toEqual([3, 2, 1]);
  });
});
