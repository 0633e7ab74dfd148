// Expected values are published examples (cited) or worked by hand; where a p-value needs a normal or
// chi-square tail, it was computed separately with Python's standard library (math.erfc: chi-square 1 df
// survival = erfc(√(x/2)), two-sided normal p = erfc(|z|/√2)) and is quoted here with that source.
import { describe, expect, it } from 'vitest';
import { bootstrapCI, bootstrapMetricCI, pairedBootstrap } from '../../lib/stats/bootstrap';
import { formatMeanSd, meanSd, meanSdBy, quantileSorted } from '../../lib/stats/summary';
import { holm, mcnemar, mcnemarFromCounts, wilcoxonSignedRank } from '../../lib/stats/hypothesis';

describe('summaries', () => {
  it('mean ± sample sd (Wikipedia "Standard deviation" example 2,4,4,4,5,5,7,9)', () => {
    // population sd 2 (the article's value) → sample sd √(32/7)
    const m = meanSd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.mean).toBe(5);
    expect(m.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(m.sem).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 12);
    expect([m.min, m.max, m.n]).toEqual([2, 9, 8]);
    expect(Number.isNaN(meanSd([0.7]).sd)).toBe(true); // one seed: sd undefined
    expect(formatMeanSd(meanSd([0.5, 0.7]))).toBe('0.600 ± 0.141');
    expect(() => meanSd([1, NaN])).toThrow(/NaN/);
  });

  it('groups by configuration', () => {
    const recs = [
      { cfg: 'tl', seed: 0, acc: 0.8 },
      { cfg: 'ssl', seed: 0, acc: 0.7 },
      { cfg: 'tl', seed: 1, acc: 0.9 },
      { cfg: 'ssl', seed: 1, acc: 0.7 },
    ];
    const g = meanSdBy(
      recs,
      (r) => r.cfg,
      (r) => r.acc,
    );
    expect([...g.keys()]).toEqual(['tl', 'ssl']);
    expect(g.get('tl')!.mean).toBeCloseTo(0.85, 12);
    expect(g.get('ssl')!.sd).toBe(0);
  });

  it('type-7 quantile (numpy.percentile docs: median of [[10,7,4],[3,2,1]] = 3.5)', () => {
    const s = [1, 2, 3, 4, 7, 10];
    expect(quantileSorted(s, 0.5)).toBe(3.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75); // h = 0.75 → 1 + 0.75·(2 − 1)
    expect(quantileSorted(s, 0)).toBe(1);
    expect(quantileSorted(s, 1)).toBe(10);
  });
});

describe('bootstrap', () => {
  // 400 samples, 320 correct: binary, probabilities 0.9 on the predicted class
  const n = 400;
  const y = new Int32Array(n);
  const probs = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    const pred = i < 320 ? y[i] : 1 - y[i];
    probs[2 * i + pred] = 0.9;
    probs[2 * i + 1 - pred] = 0.1;
  }

  it('accuracy CI agrees with the normal-theory interval p ± 1.96·√(p(1−p)/n)', () => {
    // p = 0.8, SE = √(0.8·0.2/400) = 0.02 → [0.7608, 0.8392]
    const r = bootstrapMetricCI(y, probs, 2, 'accuracy', { seed: 1, resamples: 1000 });
    expect(r.estimate).toBeCloseTo(0.8, 12);
    expect(r.lower).toBeGreaterThan(0.7608 - 0.01);
    expect(r.lower).toBeLessThan(0.7608 + 0.01);
    expect(r.upper).toBeGreaterThan(0.8392 - 0.01);
    expect(r.upper).toBeLessThan(0.8392 + 0.01);
    expect(r.se).toBeGreaterThan(0.017);
    expect(r.se).toBeLessThan(0.023);
    expect(r.method).toBe('percentile');
    expect(r.level).toBe(0.95);
  });

  it('is reproducible from its seed and changes with it', () => {
    const stat = (idx: Int32Array) => {
      let s = 0;
      for (const i of idx) s += i;
      return s / idx.length;
    };
    const a = bootstrapCI(50, stat, { seed: 7, resamples: 200 });
    const b = bootstrapCI(50, stat, { seed: 7, resamples: 200 });
    const c = bootstrapCI(50, stat, { seed: 8, resamples: 200 });
    expect(a).toEqual(b);
    expect(a.lower).not.toBe(c.lower);
    expect(a.estimate).toBe(24.5);
    expect(() => bootstrapCI(50, stat, { seed: NaN })).toThrow(/seed/);
  });

  it('undefined resamples are dropped and counted; stratifying by class avoids them', () => {
    // 1 positive among 20: a plain resample has no positive with probability (19/20)^20 ≈ 0.358
    const yy = new Int32Array(20);
    yy[0] = 1;
    const pp = new Float64Array(40);
    for (let i = 0; i < 20; i++) {
      const s = i === 0 ? 0.7 : 0.1 + 0.02 * i;
      pp[2 * i + 1] = s;
      pp[2 * i] = 1 - s;
    }
    const plain = bootstrapMetricCI(yy, pp, 2, 'auc', { seed: 3, resamples: 500 });
    expect(plain.undefinedResamples / 500).toBeGreaterThan(0.28);
    expect(plain.undefinedResamples / 500).toBeLessThan(0.44);
    const strat = bootstrapMetricCI(yy, pp, 2, 'auc', { seed: 3, resamples: 500, strata: yy });
    expect(strat.undefinedResamples).toBe(0);
    expect(strat.stratified).toBe(true);
  });

  it('paired bootstrap: identical models give Δ = 0 exactly', () => {
    const r = pairedBootstrap(y, probs, probs, 2, 'accuracy', { seed: 2, resamples: 200 });
    expect([r.estimate, r.lower, r.upper, r.pValue]).toEqual([0, 0, 0, 1]);
  });

  it('paired bootstrap of an accuracy difference matches the paired-proportion normal interval', () => {
    // 200 images; A right only on 30, B right only on 10, both right on 120, both wrong on 40.
    // Δ = (30 − 10)/200 = 0.1; SE = √(b + c − (b − c)²/n)/n = √38/200 = 0.0308 → 95% ≈ [0.0396, 0.1604]
    const m = 200;
    const yt = new Int32Array(m);
    const pa = new Float64Array(2 * m);
    const pb = new Float64Array(2 * m);
    const predA: number[] = [];
    const predB: number[] = [];
    for (let i = 0; i < m; i++) {
      const aRight = i < 30 || (i >= 40 && i < 160);
      const bRight = (i >= 30 && i < 40) || (i >= 40 && i < 160);
      const ka = aRight ? 0 : 1;
      const kb = bRight ? 0 : 1;
      pa[2 * i + ka] = 0.8;
      pa[2 * i + 1 - ka] = 0.2;
      pb[2 * i + kb] = 0.8;
      pb[2 * i + 1 - kb] = 0.2;
      predA.push(ka);
      predB.push(kb);
    }
    const r = pairedBootstrap(yt, pa, pb, 2, 'accuracy', { seed: 11, resamples: 1000 });
    expect(r.estimate).toBeCloseTo(0.1, 12);
    expect(r.a).toBeCloseTo(150 / 200, 12);
    expect(r.b).toBeCloseTo(130 / 200, 12);
    expect(Math.abs(r.lower - 0.0396)).toBeLessThan(0.012);
    expect(Math.abs(r.upper - 0.1604)).toBeLessThan(0.012);
    expect(r.pValue).toBeLessThan(0.01);
    // McNemar on the same predictions: b = 30, c = 10 ≥ 25 → χ² = (20 − 1)²/40 = 9.025,
    // p = erfc(√4.5125) = 0.0026631 (Python math.erfc)
    const mc = mcnemar(yt, predA, predB);
    expect([mc.onlyACorrect, mc.onlyBCorrect, mc.bothCorrect, mc.bothWrong, mc.n]).toEqual([30, 10, 120, 40, 200]);
    expect(mc.method).toBe('chi2-continuity');
    expect(mc.statistic).toBeCloseTo(9.025, 12);
    expect(mc.pValue).toBeCloseTo(0.002663119259138554, 9);
  });
});

describe("McNemar's test", () => {
  it('exact binomial below 25 discordant pairs (hand: b = 1, c = 7)', () => {
    // X ~ Bin(8, ½): P(X ≤ 1) = (1 + 8)/256 → two-sided 18/256 = 0.0703125
    const r = mcnemarFromCounts(1, 7);
    expect(r.method).toBe('exact-binomial');
    expect(r.pValue).toBeCloseTo(0.0703125, 12);
    // symmetric counts give p capped at 1: b = c = 3 → 2·P(X ≤ 3 | 6) = 2·42/64 > 1
    expect(mcnemarFromCounts(3, 3).pValue).toBe(1);
    expect(mcnemarFromCounts(0, 0).pValue).toBe(1);
    // 24 discordant: still exact; 25: chi-square
    expect(mcnemarFromCounts(12, 12).method).toBe('exact-binomial');
    expect(mcnemarFromCounts(20, 5).method).toBe('chi2-continuity');
  });

  it('chi-square with continuity correction: Agresti (2002) presidential approval table 794/150/86/570', () => {
    // Agresti, Categorical Data Analysis, Table 10.1: discordant 150 and 86. Corrected:
    // χ² = (|150 − 86| − 1)²/236 = 16.8178; p = erfc(√(16.8178/2)) = 4.11456e-5 (Python math.erfc)
    const r = mcnemarFromCounts(150, 86, 'auto', { bothCorrect: 794, bothWrong: 570 });
    expect(r.statistic).toBeCloseTo(16.81779661016949, 10);
    expect(r.pValue).toBeCloseTo(4.1145622813459415e-5, 10);
    expect(r.n).toBe(1600);
  });

  it('chi-square with continuity correction: Wikipedia McNemar example (b = 121, c = 59)', () => {
    // χ² corrected = 61²/180 = 20.672; p = erfc(√(20.672/2)) = 5.4501e-6 (Python math.erfc)
    const r = mcnemarFromCounts(121, 59);
    expect(r.statistic).toBeCloseTo(20.67222222222222, 10);
    expect(r.pValue).toBeCloseTo(5.450094825427123e-6, 11);
  });

  it('forced methods and b = c', () => {
    expect(mcnemarFromCounts(1, 7, 'chi2').statistic).toBeCloseTo(25 / 8, 12); // (6 − 1)²/8
    expect(mcnemarFromCounts(30, 30).statistic).toBe(0);
    expect(mcnemarFromCounts(30, 30).pValue).toBe(1);
    expect(mcnemarFromCounts(30, 10, 'exact').method).toBe('exact-binomial');
  });
});

describe('Wilcoxon signed-rank test', () => {
  it('exact: R wilcox.test help page example (Hollander & Wolfe 1973, depression scale) V = 40', () => {
    // R: wilcox.test(x, y, paired = TRUE, alternative = "greater") → V = 40, p-value = 0.01953.
    // By hand: negative differences −0.147 (rank 3) and −0.08 (rank 2) → W− = 5; P(W+ ≥ 40) = P(W+ ≤ 5)
    // = #subsets of {1..9} with sum ≤ 5 / 2^9 = 10/512 = 0.01953125; two-sided 20/512.
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const g = wilcoxonSignedRank(x, y, { alternative: 'greater' });
    expect(g.method).toBe('exact');
    expect(g.wPlus).toBe(40);
    expect(g.wMinus).toBe(5);
    expect(g.pValue).toBeCloseTo(10 / 512, 12);
    expect(wilcoxonSignedRank(x, y).pValue).toBeCloseTo(20 / 512, 12);
    // P(W+ ≤ 40) = 1 − P(W+ ≥ 41) = 1 − P(W+ ≤ 4) = 1 − 7/512
    expect(wilcoxonSignedRank(x, y, { alternative: 'less' }).pValue).toBeCloseTo(1 - 7 / 512, 12);
  });

  it("exact and normal: scipy.stats.wilcoxon docs example (Darwin's Zea mays differences)", () => {
    // scipy docs: d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75]
    //   wilcoxon(d) → statistic 24.0, pvalue 0.041259765625 (exact)
    //   wilcoxon(d, alternative='greater') → statistic 96.0, pvalue 0.0206298828125
    //   wilcoxon(d, method='approx') → pvalue 0.04088813291185591 (scipy: no continuity correction by default)
    const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
    const r = wilcoxonSignedRank(d);
    expect(r.method).toBe('exact');
    expect(Math.min(r.wPlus, r.wMinus)).toBe(24);
    expect(r.pValue).toBeCloseTo(0.041259765625, 12);
    const g = wilcoxonSignedRank(d, undefined, { alternative: 'greater' });
    expect(g.wPlus).toBe(96);
    expect(g.pValue).toBeCloseTo(0.0206298828125, 12);
    const a = wilcoxonSignedRank(d, undefined, { method: 'normal', correction: false });
    expect(a.method).toBe('normal');
    expect(a.z).toBeCloseTo((96 - 60) / Math.sqrt(310), 12); // mean n(n+1)/4 = 60, var n(n+1)(2n+1)/24 = 310
    expect(a.pValue).toBeCloseTo(0.04088813291185591, 10);
  });

  it('zeros dropped, ties → normal approximation with tie-corrected variance and continuity correction', () => {
    // d = [0, 1, −1, 2, 2, 3, 3, 3, 4, 5]: drop the zero → n = 9; |d| ranks 1,1 → 1.5; 2,2 → 3.5; 3,3,3 → 6;
    // 4 → 8; 5 → 9. W+ = 1.5 + 7 + 18 + 8 + 9 = 43.5, W− = 1.5. Mean 22.5;
    // var = 9·10·19/24 − Σ(t³ − t)/48 = 71.25 − (6 + 6 + 24)/48 = 70.5;
    // z = (43.5 − 22.5 − 0.5)/√70.5 = 2.441514; p = erfc(z/√2) = 0.0146258 (Python math.erfc)
    const r = wilcoxonSignedRank([0, 1, -1, 2, 2, 3, 3, 3, 4, 5]);
    expect(r.n).toBe(9);
    expect(r.zerosDropped).toBe(1);
    expect(r.ties).toBe(true);
    expect(r.method).toBe('normal');
    expect(r.wPlus).toBe(43.5);
    expect(r.z).toBeCloseTo(2.441514470119196, 10);
    expect(r.pValue).toBeCloseTo(0.014625802185752969, 10);
    expect(() => wilcoxonSignedRank([0, 1, 2], undefined, { method: 'exact' })).toThrow(/ties|zeros/);
  });

  it('all-zero differences give p = 1', () => {
    const r = wilcoxonSignedRank([0.8, 0.7], [0.8, 0.7]);
    expect(r.method).toBe('none');
    expect(r.pValue).toBe(1);
  });
});

describe('Holm correction', () => {
  it('hand-worked step-down example', () => {
    // p = [0.01, 0.04, 0.03, 0.005], m = 4. Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06,
    // 0.04·1 = 0.04 → running max 0.02, 0.03, 0.06, 0.06 → input order [0.03, 0.06, 0.06, 0.02]
    const r = holm([0.01, 0.04, 0.03, 0.005]);
    const expected = [0.03, 0.06, 0.06, 0.02];
    r.adjusted.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
    expect(r.rejected).toEqual([true, false, false, true]);
  });

  it('caps at 1, keeps a single test unchanged, rejects invalid p', () => {
    expect(holm([0.6, 0.5]).adjusted).toEqual([1, 1]);
    expect(holm([0.03]).adjusted).toEqual([0.03]);
    expect(holm([]).adjusted).toEqual([]);
    expect(() => holm([0.1, NaN])).toThrow();
  });
});
