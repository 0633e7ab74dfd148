import { describe, expect, it } from 'vitest';
import { tInterval, tMarginTest, tTost, welchT } from '../../lib/stats/t-tests';

// Reference values computed with scipy 1.17.1 (python3, this machine), printed with repr():
//   from scipy import stats
//   x = [-0.037, -0.037, 0.0, -0.155]                      # 4 colour-set TL−SSL effects (issue 11)
//   y = [-0.02, -0.035, -0.082, -0.095, 0.0, -0.04, 0.001]  # 7 grey-set TL−SSL effects (issue 11)
//   r = stats.ttest_1samp(x, 0); r.statistic, r.pvalue, r.confidence_interval(0.95)
//   r = stats.ttest_1samp(y, 0); r.pvalue, r.confidence_interval(0.90)
//   r = stats.ttest_ind(x, y, equal_var=False); r.statistic, r.df, r.pvalue, r.confidence_interval(0.95)
//   g = [0.041, 0.052, 0.018]
//   r = stats.ttest_1samp(g, 0.03, alternative='greater'); r.pvalue, r.confidence_interval(0.95).low
//   r = stats.ttest_1samp(g, 0.05, alternative='less'); r.pvalue, r.confidence_interval(0.95).high
const x = [-0.037, -0.037, 0.0, -0.155];
const y = [-0.02, -0.035, -0.082, -0.095, 0.0, -0.04, 0.001];
const g = [0.041, 0.052, 0.018];

describe('tInterval (one-sample t)', () => {
  it('matches scipy.stats.ttest_1samp and its confidence interval', () => {
    const r = tInterval(x);
    expect(r.n).toBe(4);
    expect(r.df).toBe(3);
    expect(r.estimate).toBeCloseTo(-0.057249999999999995, 14);
    expect(r.t).toBeCloseTo(-1.6972899713312937, 10);
    expect(r.pValue).toBeCloseTo(0.18820826609720256, 10);
    expect(r.lower).toBeCloseTo(-0.16459468125949328, 10);
    expect(r.upper).toBeCloseTo(0.050094681259493304, 10);
    const r90 = tInterval(y, 0.9);
    expect(r90.pValue).toBeCloseTo(0.034458408339848166, 10);
    expect(r90.lower).toBeCloseTo(-0.06633113648076332, 10);
    expect(r90.upper).toBeCloseTo(-0.011097434947808127, 10);
  });

  it('one unit: no spread, so no interval; identical units: zero width, p 0 unless the mean is 0', () => {
    const one = tInterval([0.1]);
    expect(one.df).toBe(0);
    expect(Number.isNaN(one.lower) && Number.isNaN(one.pValue)).toBe(true);
    const same = tInterval([0.5, 0.5, 0.5]);
    expect([same.lower, same.upper]).toEqual([0.5, 0.5]);
    expect(same.pValue).toBe(0);
    expect(tInterval([0, 0]).pValue).toBe(1);
    expect(() => tInterval([])).toThrow(/no values/);
    expect(() => tInterval([1, NaN])).toThrow(/value 1 is NaN/);
  });
});

describe('welchT', () => {
  it('matches scipy.stats.ttest_ind(equal_var=False)', () => {
    const r = welchT(x, y);
    expect(r.estimate).toBeCloseTo(-0.057249999999999995 - y.reduce((a, b) => a + b, 0) / 7, 14);
    expect(r.t).toBeCloseTo(-0.5064108774915071, 10);
    expect(r.df).toBeCloseTo(4.095226010545453, 10);
    expect(r.pValue).toBeCloseTo(0.6386186303828694, 10);
    expect(r.lower).toBeCloseTo(-0.11923431462849832, 10);
    expect(r.upper).toBeCloseTo(0.08216288605706976, 10);
    expect(() => welchT([1], y)).toThrow(/≥ 2 values/);
  });
});

describe('tMarginTest and tTost', () => {
  it('one-sided tests against a margin match scipy (alternative greater / less)', () => {
    const ge = tMarginTest(g, 0.03, 'greater');
    expect(ge.pValue).toBeCloseTo(0.27849284309362, 10);
    expect(ge.bound).toBeCloseTo(0.00775151825802704, 10);
    expect(ge.supported).toBe(false);
    const le = tMarginTest(g, 0.05, 'less');
    expect(le.pValue).toBeCloseTo(0.16192877215787807, 10);
    expect(le.bound).toBeCloseTo(0.06624848174197295, 10);
  });

  it('TOST = both one-sided tests; equivalent only when the 90% interval is inside the range', () => {
    const r = tTost(g, 0.03, 0.05);
    expect(r.pLow).toBeCloseTo(0.27849284309362, 10);
    expect(r.pHigh).toBeCloseTo(0.16192877215787807, 10);
    expect(r.pValue).toBeCloseTo(0.27849284309362, 10);
    expect(r.lower).toBeCloseTo(tInterval(g, 0.9).lower, 12);
    expect(r.upper).toBeCloseTo(tInterval(g, 0.9).upper, 12);
    expect(r.equivalent).toBe(false);
    expect(tTost([0.039, 0.04, 0.041, 0.04], 0.03, 0.05).equivalent).toBe(true);
    expect(() => tTost(g, 0.05, 0.03)).toThrow(/below/);
  });
});
