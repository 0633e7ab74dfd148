import { describe, expect, it } from 'vitest';
import { leaveOneOutT, leaveOneOutWelch } from '../../lib/stats/leave-one-out';

// Reference values computed with scipy 1.17.1 (python3, this machine), printed with repr():
//   from scipy import stats
//   x = [-0.037, -0.037, 0.0, -0.155]; y = [-0.02, -0.035, -0.082, -0.095, 0.0, -0.04, 0.001]
//   r = stats.ttest_1samp(y without y[3], 0); r.pvalue, r.confidence_interval(0.95)   (and without y[4])
//   r = stats.ttest_ind(x without x[3], y, equal_var=False); r.pvalue, r.confidence_interval(0.95)
//   r = stats.ttest_ind(x, y without y[0], equal_var=False); r.pvalue, r.confidence_interval(0.95)
const unit = (prefix: string) => (effect: number, i: number) => ({ name: `${prefix}${i}`, effect });
const x = [-0.037, -0.037, 0.0, -0.155].map(unit('x'));
const y = [-0.02, -0.035, -0.082, -0.095, 0.0, -0.04, 0.001].map(unit('y'));

describe('leave one unit out', () => {
  it('one-sample: each unit dropped in turn, matching scipy on the rest (here one drop makes p < 0.05)', () => {
    const r = leaveOneOutT(y);
    expect(r.map((l) => l.left)).toEqual(['y0', 'y1', 'y2', 'y3', 'y4', 'y5', 'y6']);
    expect(r.every((l) => l.interval.n === 6)).toBe(true);
    expect(r[3].interval.pValue).toBeCloseTo(0.0678783412223339, 10);
    expect(r[3].interval.lower).toBeCloseTo(-0.0618059765485294, 10);
    expect(r[3].interval.upper).toBeCloseTo(0.0031393098818627285, 10);
    expect(r[4].interval.pValue).toBeCloseTo(0.029602417632667685, 10);
    expect(r[4].interval.lower).toBeCloseTo(-0.08368205077601959, 10);
    expect(r[4].interval.upper).toBeCloseTo(-0.006651282557313738, 10);
  });

  it('Welch contrast: units of either group dropped, matching scipy; a group that would keep one unit is kept whole', () => {
    const r = leaveOneOutWelch(x, y);
    expect(r).toHaveLength(11);
    const x3 = r.find((l) => l.left === 'x3')!.interval;
    expect(x3.pValue).toBeCloseTo(0.48026869311196085, 10);
    expect([x3.lower, x3.upper].map((v) => +v.toFixed(12))).toEqual([-0.030679565268, 0.058774803363]);
    const y0 = r.find((l) => l.left === 'y0')!.interval;
    expect(y0.pValue).toBeCloseTo(0.7001406779772275, 10);
    expect(y0.lower).toBeCloseTo(-0.11562366157063164, 10);
    expect(y0.upper).toBeCloseTo(0.08479032823729832, 10);
    expect(leaveOneOutWelch(x.slice(0, 2), y).map((l) => l.left)).toEqual(y.map((u) => u.name));
  });

  it('too few units is an error, not an empty answer', () => {
    expect(() => leaveOneOutT(y.slice(0, 2))).toThrow(/≥ 3 units, got 2/);
    expect(() => leaveOneOutWelch(x.slice(0, 2), y.slice(0, 2))).toThrow(/got 2 and 2/);
  });
});
