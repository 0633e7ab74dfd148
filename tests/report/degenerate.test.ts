// The degenerate-cell check on hand-made cells: every expected share and flag below is counted by hand from the
// labels and predictions written out in the test.
import { describe, expect, it } from 'vitest';
import { cellStats, degenerateCell, degenerateCheck, type CellStats } from '../../lib/report/degenerate';
import { summarizeArm } from '../../lib/report/compare';
import { labelsOf, record } from '../helpers/run-records';

const base: CellStats = {
  accuracy: 0.85,
  lo: 0.8,
  hi: 0.9,
  balancedAccuracy: 0.8,
  numClasses: 3,
  majorityShare: 0.5,
  majorityClass: 'a',
  topPredictedShare: 0.55,
  topPredictedClass: 'a',
};

describe('degenerateCheck', () => {
  it('flags nothing on a healthy cell', () => {
    expect(degenerateCheck(base)).toEqual({ flags: [], reasons: [], label: '' });
  });

  it('collapse: one class gets ≥ 95% of the predictions (boundary at exactly 95%)', () => {
    expect(degenerateCheck({ ...base, topPredictedShare: 0.95 }).flags).toEqual(['collapse']);
    expect(degenerateCheck({ ...base, topPredictedShare: 0.949 }).flags).toEqual([]);
    expect(degenerateCheck({ ...base, topPredictedShare: 1, topPredictedClass: 'benign' }).reasons[0]).toBe(
      'predicts "benign" for 100.0% of test images',
    );
  });

  it('collapse: balanced accuracy within the CI half-width of 1/K', () => {
    // K = 4 → 1/K = 0.25; CI [0.40, 0.50] → half-width 0.05: 0.29 is 0.04 away (flag), 0.31 is 0.06 away (no flag)
    const c = { ...base, numClasses: 4, accuracy: 0.45, lo: 0.4, hi: 0.5, majorityShare: 0.3 };
    expect(degenerateCheck({ ...c, balancedAccuracy: 0.29 }).flags).toEqual(['collapse']);
    expect(degenerateCheck({ ...c, balancedAccuracy: 0.31 }).flags).toEqual([]);
  });

  it('chance and prevalence: 1/K or the majority share inside the accuracy CI', () => {
    // K = 3 → 1/3 inside [0.30, 0.50]; majority share 0.45 inside too; balanced accuracy 0.60 is far from 1/3
    const c = { ...base, accuracy: 0.4, lo: 0.3, hi: 0.5, balancedAccuracy: 0.6, majorityShare: 0.45 };
    expect(degenerateCheck(c).flags).toEqual(['chance', 'prevalence']);
    expect(degenerateCheck({ ...c, lo: 0.34 }).flags).toEqual(['prevalence']); // 1/3 < 0.34
    expect(degenerateCheck({ ...c, lo: 0.34, hi: 0.44 }).flags).toEqual([]); // 0.45 > 0.44
  });

  it('saturated: accuracy ≥ 99% or a CI reaching 100%', () => {
    expect(degenerateCheck({ ...base, accuracy: 0.99, lo: 0.97, hi: 0.995 }).flags).toEqual(['saturated']);
    expect(degenerateCheck({ ...base, accuracy: 0.97, lo: 0.94, hi: 1 }).flags).toEqual(['saturated']);
    expect(degenerateCheck({ ...base, accuracy: 0.97, lo: 0.94, hi: 0.99 }).flags).toEqual([]);
  });
});

describe('cellStats and degenerateCell on run records', () => {
  it('an always-"benign" model on a 70/30 test set: collapse and prevalence (the isic-uda1 case)', () => {
    // 20 images per seed: 14 benign (class 0), 6 malignant; both seeds predict benign for all 20
    const labels = labelsOf(20, 14, 2);
    const runs = [0, 1].map((seed) =>
      record({
        dataset: 'isic-uda1',
        arm: 'ssl',
        seed,
        classNames: ['benign', 'malignant'],
        labels,
        preds: labels.map(() => 0),
      }),
    );
    const s = summarizeArm(runs, { resamples: 200 });
    expect(s.accuracy).toBeCloseTo(0.7, 12);
    const st = cellStats(runs, s);
    expect(st.majorityShare).toBeCloseTo(0.7, 12);
    expect(st.topPredictedShare).toBe(1);
    expect(st.topPredictedClass).toBe('benign');
    expect(st.majorityClass).toBe('benign');
    const d = degenerateCell(runs, s);
    expect(d.flags).toContain('collapse');
    expect(d.flags).toContain('prevalence');
    expect(d.label).toMatch(/^collapse, /);
  });

  it('a model right on 90 of 100 images spread over 4 classes: not flagged', () => {
    // 25 images per class; predictions right except the first 10 images of class 0 (predicted as class 3)
    const labels = Array.from({ length: 100 }, (_, i) => Math.floor(i / 25));
    const preds = labels.map((y, i) => (i < 10 ? 3 : y));
    const runs = [record({ dataset: 'chest-ct', arm: 'tl', classNames: ['a', 'b', 'c', 'd'], labels, preds })];
    const s = summarizeArm(runs, { resamples: 500 });
    expect(s.accuracy).toBeCloseTo(0.9, 12);
    const st = cellStats(runs, s);
    expect(st.topPredictedShare).toBeCloseTo(35 / 100, 12); // class d: its own 25 plus the 10 mistakes
    expect(st.majorityShare).toBeCloseTo(0.25, 12);
    expect(s.hi).toBeLessThan(0.99); // 100 images at 90%: the CI stays clear of 100%
    expect(degenerateCell(runs, s).flags).toEqual([]);
  });

  it('the same 90% on 20 images: the CI reaches 100%, so saturated', () => {
    const labels = Array.from({ length: 20 }, (_, i) => Math.floor(i / 5));
    const preds = labels.map((y, i) => (i === 0 || i === 5 ? 3 : y));
    const runs = [record({ dataset: 'chest-ct', arm: 'tl', classNames: ['a', 'b', 'c', 'd'], labels, preds })];
    const s = summarizeArm(runs, { resamples: 500 });
    expect(s.hi).toBe(1);
    expect(degenerateCell(runs, s).flags).toEqual(['saturated']);
  });

  it('every image right: saturated', () => {
    const labels = labelsOf(30, 10, 3);
    const runs = [record({ dataset: 'ct-kidney', arm: 'tl', classNames: ['a', 'b', 'c'], labels, preds: labels })];
    const s = summarizeArm(runs, { resamples: 200 });
    expect(degenerateCell(runs, s).flags).toEqual(['saturated']);
  });

  it('names the cell when runs disagree on classes', () => {
    const a = record({ dataset: 'x', arm: 'tl', classNames: ['a', 'b'], labels: [0, 1], preds: [0, 1] });
    const b = record({ dataset: 'x', arm: 'tl', classNames: ['a', 'b', 'c'], labels: [0, 1], preds: [0, 1] });
    expect(() => cellStats([a, b], { accuracy: 1, lo: 1, hi: 1, balancedAccuracy: 1 })).toThrow(/x runs disagree/);
    expect(() => cellStats([], { accuracy: 1, lo: 1, hi: 1, balancedAccuracy: 1 })).toThrow(/no runs/);
  });
});
