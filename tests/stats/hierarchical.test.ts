// Reference values were computed independently in Python (numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0) by the
// snippets quoted beside each test; the bootstrap side runs a few thousand resamples, so comparisons allow for
// Monte-Carlo error (stated per test).
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/util/rng';
import { pairedBootstrap } from '../../lib/stats/bootstrap';
import { holm } from '../../lib/stats/hypothesis';
import {
  byMetric,
  datasetEffects,
  groupContrast,
  hierarchicalBootstrap,
  marginTest,
  tost,
  type PairedCell,
  type PairedDataset,
} from '../../lib/stats/hierarchical';

/** A dataset of 'mean' cells, value(p, f, i) for arm A and 0 for arm B. */
function meanDataset(
  name: string,
  P: number,
  F: number,
  n: number,
  value: (p: number, f: number, i: number) => number,
): PairedDataset {
  const cells: PairedCell[][] = [];
  for (let p = 0; p < P; p++) {
    const row: PairedCell[] = [];
    for (let f = 0; f < F; f++) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = value(p, f, i);
      row.push({ a, b: new Float64Array(n) });
    }
    cells.push(row);
  }
  return { name, cells };
}

/** One dataset-level number per dataset (one seed, one image): the bootstrap of a plain mean over datasets. */
const scalars = (values: number[], prefix = 'd') =>
  values.map((v, k) => meanDataset(`${prefix}${k}`, 1, 1, 1, () => v));

function variance(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return s / (x.length - 1);
}

/** n samples, C classes: labels i % C; probabilities from a seeded generator, rows sum to 1. */
function probsFor(n: number, C: number, seed: number, skill: number): { y: Int32Array; p: Float64Array } {
  const rng = new Rng(seed);
  const y = new Int32Array(n);
  const p = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    y[i] = i % C;
    let s = 0;
    for (let c = 0; c < C; c++) {
      const v = rng.next() + (c === y[i] ? skill * rng.next() : 0);
      p[i * C + c] = v;
      s += v;
    }
    for (let c = 0; c < C; c++) p[i * C + c] /= s;
  }
  return { y, p };
}

describe('hierarchical bootstrap: reductions and pairing', () => {
  const { y, p: pa } = probsFor(90, 3, 1, 1.2);
  const { p: pb } = probsFor(90, 3, 2, 0.8);
  const one: PairedDataset = { name: 'single', numClasses: 3, cells: [[{ yTrue: y, a: pa, b: pb }]] };

  it('one dataset, one seed of each kind: exactly pairedBootstrap (same data, same seed) for accuracy, balanced accuracy, macro-AUC', () => {
    for (const metric of ['accuracy', 'balancedAccuracy', 'macroAuc'] as const) {
      for (const stratify of [false, true]) {
        const h = hierarchicalBootstrap([one], { metric, seed: 5, resamples: 300, stratifyImages: stratify });
        const r = pairedBootstrap(y, pa, pb, 3, metric, { seed: 5, resamples: 300, strata: stratify ? y : undefined });
        expect([h.estimate, h.lower, h.upper, h.se, h.pValue, h.undefinedResamples]).toEqual([
          r.estimate,
          r.lower,
          r.upper,
          r.se,
          r.pValue,
          r.undefinedResamples,
        ]);
      }
    }
    const h = hierarchicalBootstrap([one], { metric: 'accuracy', seed: 5, resamples: 50 });
    expect(h.levelsVaried).toEqual({ dataset: false, pretrainSeed: false, finetuneSeed: false, image: true });
    expect(h.notes.join('\n')).toMatch(/pretrainSeed: one unit in single: .*no pre-training-seed variance/);
    expect(h.units.image).toEqual({ min: 90, max: 90 });
  });

  it("'mean' of per-image correctness gives the same resamples as 'accuracy' on a multi-level design", () => {
    const ds: PairedDataset[] = [0, 1].map((k) => {
      const rows: PairedCell[][] = [];
      for (let s = 0; s < 2; s++) {
        const row: PairedCell[] = [];
        for (let f = 0; f < 3; f++)
          row.push({
            yTrue: y,
            a: probsFor(90, 3, 10 * k + 3 * s + f, 1.0).p,
            b: probsFor(90, 3, 100 + 10 * k + 3 * s + f, 0.7).p,
          });
        rows.push(row);
      }
      return { name: `ds${k}`, numClasses: 3, cells: rows };
    });
    const correct = (p: ArrayLike<number>) =>
      Float64Array.from({ length: 90 }, (_, i) => {
        let best = 0;
        for (let c = 1; c < 3; c++) if (p[i * 3 + c] > p[i * 3 + best]) best = c;
        return best === y[i] ? 1 : 0;
      });
    const asMean = ds.map((d) => ({
      name: d.name,
      cells: d.cells.map((r) => r.map((c) => ({ a: correct(c.a), b: correct(c.b) }))),
    }));
    const acc = hierarchicalBootstrap(ds, { metric: 'accuracy', seed: 9, resamples: 200 });
    const mean = hierarchicalBootstrap(asMean, { metric: 'mean', seed: 9, resamples: 200 });
    expect(mean.estimate).toBeCloseTo(acc.estimate, 12);
    for (let b = 0; b < 200; b++) expect(mean.distribution[b]).toBeCloseTo(acc.distribution[b], 12);
    expect(acc.levelsVaried).toEqual({ dataset: true, pretrainSeed: true, finetuneSeed: true, image: true });
    expect(acc.notes).toEqual([]);
    // several metrics side by side from the same resamples
    const all = byMetric(['accuracy', 'balancedAccuracy', 'macroAuc'], (metric) =>
      hierarchicalBootstrap(ds, { metric, seed: 9, resamples: 200 }),
    );
    expect(all.accuracy.distribution).toEqual(acc.distribution);
    expect(Object.keys(all)).toEqual(['accuracy', 'balancedAccuracy', 'macroAuc']);
  });

  it('difference in differences (minus): (A − B) − (A′ − B′) with the same image multiplicities for all four arms', () => {
    // TL gain − SSL gain per cell; the 'mean' form equals the difference of two separate paired analyses
    // resample by resample (same seed, same draws), and a named metric (accuracy) agrees with 'mean' of correctness.
    const mk = (off: number) => Float64Array.from({ length: 30 }, (_, i) => ((i * 7 + off) % 11) / 11);
    const four = [0, 1].map((k) => ({
      name: `dd${k}`,
      cells: [0, 1].map((p) =>
        [0, 1, 2].map((f) => ({ a: mk(k + p + f + 1), b: mk(k), minus: { a: mk(2 * k + p + 3), b: mk(f) } })),
      ),
    }));
    const first = four.map((d) => ({ name: d.name, cells: d.cells.map((r) => r.map((c) => ({ a: c.a, b: c.b }))) }));
    const second = four.map((d) => ({
      name: d.name,
      cells: d.cells.map((r) => r.map((c) => ({ a: c.minus.a, b: c.minus.b }))),
    }));
    const o = { metric: 'mean' as const, seed: 4, resamples: 100 };
    const dd = hierarchicalBootstrap(four, o);
    const r1 = hierarchicalBootstrap(first, o);
    const r2 = hierarchicalBootstrap(second, o);
    expect(dd.estimate).toBeCloseTo(r1.estimate - r2.estimate, 12);
    for (let b = 0; b < 100; b++) expect(dd.distribution[b]).toBeCloseTo(r1.distribution[b] - r2.distribution[b], 12);
    const yy = Int32Array.from({ length: 30 }, (_, i) => i % 2);
    const asProbs = (v: Float64Array) =>
      Float64Array.from({ length: 60 }, (_, j) => (j % 2 === 0 ? 1 - v[j >> 1] : v[j >> 1]));
    const asCorrect = (v: Float64Array) => v.map((x, i) => ((x > 0.5 ? 1 : 0) === yy[i] ? 1 : 0));
    const named = four.map((d) => ({
      name: d.name,
      numClasses: 2,
      cells: d.cells.map((r) =>
        r.map((c) => ({
          yTrue: yy,
          a: asProbs(c.a),
          b: asProbs(c.b),
          minus: { a: asProbs(c.minus.a), b: asProbs(c.minus.b) },
        })),
      ),
    }));
    const corr = four.map((d) => ({
      name: d.name,
      cells: d.cells.map((r) =>
        r.map((c) => ({
          a: asCorrect(c.a),
          b: asCorrect(c.b),
          minus: { a: asCorrect(c.minus.a), b: asCorrect(c.minus.b) },
        })),
      ),
    }));
    const acc = hierarchicalBootstrap(named, { ...o, metric: 'accuracy' });
    const mc = hierarchicalBootstrap(corr, o);
    expect(acc.estimate).toBeCloseTo(mc.estimate, 12);
    for (let b = 0; b < 100; b++) expect(acc.distribution[b]).toBeCloseTo(mc.distribution[b], 12);
  });

  it('the same image multiplicities go to A and B: a constant per-image shift gives a zero-width interval', () => {
    // a_i = z_i + 0.01, b_i = z_i with z_i spread over [0, 1]: unpaired resampling would give a wide interval
    const ds = [0, 1, 2].map((k) => {
      const cells: PairedCell[][] = [
        [0, 1].map((f) => {
          const b = Float64Array.from({ length: 40 }, (_, i) => ((i * 17 + k * 5 + f) % 40) / 40);
          return { a: b.map((v) => v + 0.01), b };
        }),
      ];
      return { name: `s${k}`, cells };
    });
    const r = hierarchicalBootstrap(ds, { metric: 'mean', seed: 1, resamples: 200 });
    expect(r.estimate).toBeCloseTo(0.01, 12);
    expect(r.lower).toBeCloseTo(0.01, 12);
    expect(r.upper).toBeCloseTo(0.01, 12);
    expect(r.pValue).toBe(0);
    expect(r.levelsVaried.pretrainSeed).toBe(false);
  });
});

describe('hierarchical bootstrap: variance against closed forms', () => {
  // x[k,p,f,i] = 0.1k + 0.4((p + k) mod 2) + 2((3p + 5f) mod 7)/7 + ((11i + k) mod 13)/13: K = 4 datasets, 2 pre-training seeds,
  // 3 fine-tuning seeds, 5 images; the image term is the same in every seed cell (images crossed with seeds).
  // Exact bootstrap variances of the mean (Python, numpy):
  //   def V(a):  # nested: every level resampled, independent image draw per cell
  //       if a.ndim == 1: return a.var() / len(a)
  //       return (np.array([ch.mean() for ch in a]).var() + np.mean([V(ch) for ch in a])) / len(a)
  //   V(x) = 0.024709830513401945 (shares: datasets 14%, pre-training seeds 25%, fine-tuning seeds 58%, images 3%)
  //   shared images: per dataset, Var = Vseeds(cell means) + mean_i[Vseeds(r[:,:,i]) + mean(r[:,:,i])²]/n with
  //   r = x − cell mean, Vseeds the two seed levels of V; total (var_k(dataset means) + mean_k Var_k)/K
  //   = 0.02860529402425007 (images 19%);  datasets only: var_k(dataset means)/K = 0.0034356508875739667;
  //   mean 1.7148351648351647
  const K = 4;
  const ds = Array.from({ length: K }, (_, k) =>
    meanDataset(
      `x${k}`,
      2,
      3,
      5,
      (p, f, i) => 0.1 * k + 0.4 * ((p + k) % 2) + (2 * ((3 * p + 5 * f) % 7)) / 7 + ((11 * i + k) % 13) / 13,
    ),
  );
  // 4000 resamples: the sample variance of the distribution has a relative sd ≈ √(2/4000) ≈ 2.2%; allow 8%.
  const B = 4000;

  it.each([
    ['nested', 'nested' as const, undefined, 0.024709830513401945],
    ['shared', 'shared' as const, undefined, 0.02860529402425007],
    [
      'datasets only',
      'shared' as const,
      { pretrainSeed: false, finetuneSeed: false, image: false },
      0.0034356508875739667,
    ],
  ])('%s', (_label, images, resample, exact) => {
    const r = hierarchicalBootstrap(ds, { metric: 'mean', seed: 3, resamples: B, images, resample });
    expect(r.estimate).toBeCloseTo(1.7148351648351647, 12);
    expect(variance(r.distribution) / exact).toBeGreaterThan(0.92);
    expect(variance(r.distribution) / exact).toBeLessThan(1.08);
    if (resample) {
      expect(r.levelsVaried).toEqual({ dataset: true, pretrainSeed: false, finetuneSeed: false, image: false });
      expect(r.notes.some((n) => /image: not resampled/.test(n))).toBe(true);
    }
  });

  it("images: 'shared' resamples one image set for all seed cells, 'nested' one per cell (hand-computed)", () => {
    // One dataset, 1 pre-training seed, 2 fine-tuning seeds on the same 6 images: x₀ = 0…5, x₁ = 5…0.
    // (fine-tuning seeds not resampled) shared: every resample weights image i equally in both cells and x₀ᵢ + x₁ᵢ = 5, so the effect is 2.5 exactly;
    // nested: Var = (1/F²) Σ_f popvar(x_f)/n = (1/4)·2·(35/12)/6 = 0.2430556 (allow 8%).
    const d = meanDataset('mirror', 1, 2, 6, (_p, f, i) => (f === 0 ? i : 5 - i));
    const shared = hierarchicalBootstrap([d], {
      metric: 'mean',
      seed: 2,
      resamples: 4000,
      resample: { finetuneSeed: false },
    });
    expect(shared.lower).toBeCloseTo(2.5, 12);
    expect(shared.upper).toBeCloseTo(2.5, 12);
    expect(shared.se).toBeLessThan(1e-12);
    const nested = hierarchicalBootstrap([d], {
      metric: 'mean',
      seed: 2,
      resamples: 4000,
      images: 'nested',
      resample: { finetuneSeed: false },
    });
    expect(variance(nested.distribution) / 0.2430556).toBeGreaterThan(0.92);
    expect(variance(nested.distribution) / 0.2430556).toBeLessThan(1.08);
  });

  it('between-dataset spread: CI width ≈ 2·1.96 × the analytic SE of the mean over datasets', () => {
    // 20 dataset effects (numpy default_rng(5).normal(0, 1, 20) rounded to 3 decimals); SE = sd/√20 = 0.2142917
    // (ddof 1; the bootstrap's plug-in SE is 0.2088657). Within a dataset: 3 fine-tuning seeds × 10 images
    // spread by ±0.001 only. Allow 10% (Monte-Carlo error of the 2.5/97.5% quantiles at 2000 resamples ≈ 3%).
    const e = [
      -0.802, -1.324, -0.248, 0.42, 1.136, 0.11, -0.553, -0.785, 0.749, 1.635, 0.273, -1.233, -0.958, 1.6, 0.203,
      -1.732, -0.084, -1.163, -0.629, -0.488,
    ];
    const data = e.map((v, k) => meanDataset(`e${k}`, 1, 3, 10, (_p, f, i) => v + 0.001 * (((f + i) % 3) - 1)));
    const r = hierarchicalBootstrap(data, { metric: 'mean', seed: 4, resamples: 2000 });
    const width = (r.upper - r.lower) / (2 * 1.959964);
    expect(width / 0.2142917).toBeGreaterThan(0.9);
    expect(width / 0.2142917).toBeLessThan(1.1);
    expect(r.se / 0.2088657).toBeGreaterThan(0.95);
    expect(r.se / 0.2088657).toBeLessThan(1.05);
  });

  it('coverage of nominal 95% intervals on 200 simulated designs lies in 90–99%', () => {
    // effect = μ + dataset (sd 1) + pre-training seed (0.5) + fine-tuning seed (0.5) + image (1.5), K = 8 datasets,
    // 2 × 3 seeds, 10 images; 300 resamples each. Resampling every level is conservative by about the
    // within-dataset share of a dataset mean's variance (header of lib/stats/hierarchical.ts), ~17% here; the
    // percentile interval of a mean over 8 datasets is a little narrow; the two roughly cancel.
    const rng = new Rng(2024);
    const mu = 0.3;
    let covered = 0;
    const sims = 200;
    for (let s = 0; s < sims; s++) {
      const data = Array.from({ length: 8 }, (_, k) => {
        const dk = mu + rng.normal(0, 1);
        const sp = [rng.normal(0, 0.5), rng.normal(0, 0.5)];
        const tf = sp.map(() => [0, 1, 2].map(() => rng.normal(0, 0.5)));
        const noise = sp.map(() => [0, 1, 2].map(() => Array.from({ length: 10 }, () => rng.normal(0, 1.5))));
        return meanDataset(`sim${k}`, 2, 3, 10, (p, f, i) => dk + sp[p] + tf[p][f] + noise[p][f][i]);
      });
      const r = hierarchicalBootstrap(data, { metric: 'mean', seed: s, resamples: 300, images: 'nested' });
      if (r.lower <= mu && mu <= r.upper) covered++;
    }
    expect(covered / sims).toBeGreaterThanOrEqual(0.9);
    expect(covered / sims).toBeLessThanOrEqual(0.99);
  });
});

describe('hierarchical bootstrap: few datasets', () => {
  it("documents the percentile interval's under-coverage with 4 datasets (≈ 81% for nominal 95%)", () => {
    // 400 simulated sets of K = 4 normal dataset effects (no lower levels), 500 resamples each. The percentile
    // bootstrap of a mean of 4 values is too narrow (plug-in variance × 3/4, few distinct resamples): a run with
    // 1000 resamples gave 0.81 (K = 4), 0.89 (K = 7), 0.88 (K = 11). Allow 0.74–0.88 (Monte-Carlo sd ≈ 0.02).
    const rng = new Rng(7);
    let covered = 0;
    const sims = 400;
    for (let s = 0; s < sims; s++) {
      const r = hierarchicalBootstrap(scalars([0, 1, 2, 3].map(() => rng.normal(0, 1))), {
        metric: 'mean',
        seed: s,
        resamples: 500,
      });
      if (r.lower <= 0 && 0 <= r.upper) covered++;
    }
    expect(covered / sims).toBeGreaterThan(0.74);
    expect(covered / sims).toBeLessThan(0.88);
  });
});

describe('colour × method interaction and group contrasts', () => {
  // The review's per-dataset TL − SSL (points): colour −3.7, −3.7, 0.0, −15.5; grey −2.0, −3.5, −8.2, −9.5, 0.0,
  // −4.0, +0.1. Exact ("ideal") stratified bootstrap by enumerating every multiset of 4 and of 7 (Python):
  //   cm = [(m @ c / 4, p) for m, p in compositions(4)]; gm likewise for 7; vals = a − b, probs = pa·pb
  //   (compositions: every multiplicity vector with its multinomial probability n!/∏m_i! / n^n)
  //   estimate −1.8535714285714286 (−5.725 − (−3.8714285714285714)); P*(Δ ≤ 0) = 0.6958610966959224,
  //   P*(Δ ≥ 0) = 0.30445765278801473 → two-sided p 0.6089153; quantiles 2.5% −8.635714, 97.5% 3.692857;
  //   bootstrap sd √(var(c)/4 + var(g)/7) = 3.2037916 (population variances); colour simple effect: P*(Δ ≥ 0) =
  //   0.00390625 (all four draws the 0.0 set: (1/4)^4) → p 0.0078125, sd 2.9211246.
  const colour = scalars([-3.7, -3.7, 0.0, -15.5], 'c');
  const grey = scalars([-2.0, -3.5, -8.2, -9.5, 0.0, -4.0, 0.1], 'g');

  it('estimate = hand-computed difference of means; interval, p and sd match the exact bootstrap', () => {
    const r = groupContrast(colour, grey, { metric: 'mean', seed: 8, resamples: 4000 }, ['colour', 'grey']);
    expect(r.labels).toEqual(['colour', 'grey']);
    expect(r.contrast.estimate).toBeCloseTo(-1.8535714285714286, 12);
    expect(r.simple[0].estimate).toBeCloseTo(-5.725, 12);
    expect(r.simple[1].estimate).toBeCloseTo(-3.8714285714285714, 12);
    // Monte-Carlo sd of a p near 0.6 at 4000 resamples ≈ 0.015; of the 2.5/97.5% quantiles ≈ 0.2 points
    expect(Math.abs(r.contrast.pValue - 0.6089153)).toBeLessThan(0.045);
    expect(Math.abs(r.contrast.lower - -8.635714)).toBeLessThan(0.6);
    expect(Math.abs(r.contrast.upper - 3.692857)).toBeLessThan(0.6);
    expect(r.contrast.se / 3.2037916).toBeGreaterThan(0.96);
    expect(r.contrast.se / 3.2037916).toBeLessThan(1.04);
    expect(r.simple[0].se / 2.9211246).toBeGreaterThan(0.96);
    expect(r.simple[0].se / 2.9211246).toBeLessThan(1.04);
    expect(Math.abs(r.simple[0].pValue - 0.0078125)).toBeLessThan(0.006);
    // the three distributions come from the same resamples
    for (let b = 0; b < 50; b++)
      expect(r.contrast.distribution[b]).toBeCloseTo(r.simple[0].distribution[b] - r.simple[1].distribution[b], 12);
    expect(r.contrast.levelsVaried.dataset).toBe(true);
    expect(r.contrast.perDataset.map((d) => d.name)).toEqual([...colour, ...grey].map((d) => d.name));
  });

  it('rejects an empty group', () => {
    expect(() => groupContrast(colour, [], { metric: 'mean', seed: 1 }, ['small', 'large'])).toThrow(
      /'small' has 4 datasets, 'large' 0/,
    );
  });
});

describe('tests against a stated size', () => {
  it('hand-computed: margin test and TOST on a given distribution', () => {
    const d = { distribution: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };
    // P*(Δ ≤ 3) = 3/10; 10% quantile (type 7): h = 0.9 → 1.9
    expect(marginTest(d, 3, 'greater', 0.1)).toMatchObject({ pValue: 0.3, supported: false });
    expect(marginTest(d, 3, 'greater', 0.1).bound).toBeCloseTo(1.9, 12);
    expect(marginTest(d, 1.5, 'greater', 0.1)).toMatchObject({ pValue: 0.1, supported: true });
    expect(marginTest(d, 9.5, 'less', 0.1)).toMatchObject({ pValue: 0.1, supported: true }); // bound 9.1 < 9.5
    const t = tost(d, 0.5, 10.5, 0.1);
    expect([t.pLow, t.pHigh, t.pValue, t.equivalent]).toEqual([0, 0, 0, true]);
    expect([t.lower, t.upper].map((v) => +v.toFixed(12))).toEqual([1.9, 9.1]);
    expect(tost(d, 2.5, 10.5, 0.1)).toMatchObject({ pLow: 0.2, pValue: 0.2, equivalent: false });
    expect(() => tost(d, 3, 3)).toThrow(/below/);
  });

  it('bootstrap TOST on 40 dataset-level effects agrees with statsmodels ttost_paired', () => {
    // d = np.round(np.random.default_rng(11).normal(0.04, 0.02, 40), 4)
    // ttost_paired(d, np.zeros(40), 0.035, 0.042) → p 0.11122938 (p_low 0.11122938, p_high 0.09349976);
    // normal theory with the bootstrap's plug-in SE (ddof 0): p_low 0.10463, p_high 0.08688.
    // Allow 0.03: Monte-Carlo sd ≈ 0.005 at 4000 resamples, plus the t vs bootstrap difference (≈ 0.007).
    const d = [
      0.0407, 0.0672, 0.0645, 0.0298, 0.034, 0.0295, 0.0514, 0.0389, 0.0549, 0.0031, 0.0713, 0.0381, 0.0536, 0.0373,
      0.0324, 0.0493, 0.0565, 0.0359, 0.0369, 0.0537, 0.0226, 0.0097, 0.0479, 0.0266, 0.0016, 0.0237, 0.0306, 0.0161,
      0.0102, 0.0407, 0.0579, 0.0353, 0.0251, 0.0477, 0.0543, 0.034, 0.0509, 0.0609, 0.0359, 0.0237,
    ];
    const r = hierarchicalBootstrap(scalars(d), { metric: 'mean', seed: 12, resamples: 4000 });
    expect(r.estimate).toBeCloseTo(0.03836, 12);
    const t = tost(r, 0.035, 0.042);
    expect(Math.abs(t.pLow - 0.11122938)).toBeLessThan(0.03);
    expect(Math.abs(t.pHigh - 0.09349976)).toBeLessThan(0.03);
    expect(t.pValue).toBe(Math.max(t.pLow, t.pHigh));
    expect(t.equivalent).toBe(false);
    // one-sided "≥ +3.5 points" (scipy ttest_1samp(d, 0.035, alternative='greater') p = 0.11122938)
    const m = marginTest(r, 0.035, 'greater');
    expect(m.pValue).toBe(t.pLow);
    expect(m.supported).toBe(false);
    expect(marginTest(r, 0.03, 'greater').supported).toBe(true); // t-test p 0.0019
  });
});

describe('per-dataset effects with Holm', () => {
  it('each dataset resampled on its own (seeds, images), Holm across datasets, single-seed levels reported', () => {
    const strong = meanDataset('strong', 2, 3, 30, (p, f, i) => 0.2 + 0.05 * p + 0.02 * f + 0.1 * (((i * 7) % 5) - 2));
    const nullish = meanDataset('null', 2, 3, 30, (p, f, i) => 0.01 * (p - 0.5) + 0.3 * (((i * 3 + f) % 7) - 3));
    const oneSeed = meanDataset('one-seed', 1, 3, 30, (_p, f, i) => 0.15 + 0.01 * f + 0.1 * ((i % 3) - 1));
    const opts = { metric: 'mean' as const, seed: 6, resamples: 500 };
    const r = datasetEffects([strong, nullish, oneSeed], opts);
    expect(r.datasets.map((d) => d.name)).toEqual(['strong', 'null', 'one-seed']);
    expect(r.datasets[0]).toEqual({ ...hierarchicalBootstrap([strong], opts), name: 'strong' });
    expect(r.datasets[0].pValue).toBe(0);
    expect(r.datasets[1].pValue).toBeGreaterThan(0.2);
    expect(r.holm.adjusted).toEqual(holm(r.datasets.map((d) => d.pValue)).adjusted);
    expect(r.holm.rejected).toEqual([true, false, true]);
    expect(r.datasets[0].levelsVaried).toEqual({ dataset: false, pretrainSeed: true, finetuneSeed: true, image: true });
    expect(r.datasets[2].levelsVaried.pretrainSeed).toBe(false);
    expect(r.datasets[2].notes.join('\n')).toMatch(/pretrainSeed: one unit in one-seed/);
  });
});

describe('bad input', () => {
  const y = Int32Array.from([0, 1, 0, 1]);
  const p = Float64Array.from([0.8, 0.2, 0.3, 0.7, 0.6, 0.4, 0.1, 0.9]);
  it('names the dataset and seed that is wrong', () => {
    const differ: PairedDataset = {
      name: 'derm',
      numClasses: 2,
      cells: [
        [
          { yTrue: y, a: p, b: p },
          { yTrue: Int32Array.from([1, 1, 0, 1]), a: p, b: p },
        ],
      ],
    };
    expect(() => hierarchicalBootstrap([differ], { metric: 'accuracy', seed: 1 })).toThrow(
      /dataset 'derm', pre-training seed 0, fine-tuning seed 1: its test images differ/,
    );
    expect(() =>
      hierarchicalBootstrap([differ], { metric: 'accuracy', seed: 1, images: 'nested', resamples: 10 }),
    ).not.toThrow();
    expect(() =>
      hierarchicalBootstrap([{ name: 'x', numClasses: 2, cells: [[{ a: p, b: p }]] }], { metric: 'macroAuc', seed: 1 }),
    ).toThrow(/'x'.*needs yTrue/);
    expect(() =>
      hierarchicalBootstrap([{ name: 'x', numClasses: 2, cells: [[{ yTrue: y, a: p, b: p.slice(2) }]] }], {
        metric: 'accuracy',
        seed: 1,
      }),
    ).toThrow(/'x'.*but B has 6 probabilities/);
    expect(() =>
      hierarchicalBootstrap([{ name: 'x', numClasses: 2, cells: [[{ yTrue: [0, 0, 0, 0], a: p, b: p }]] }], {
        metric: 'macroAuc',
        seed: 1,
      }),
    ).toThrow(/'x'.*undefined on the full test set/);
    expect(() => hierarchicalBootstrap([{ name: 'x', cells: [[]] }], { metric: 'mean', seed: 1 })).toThrow(
      /'x', pre-training seed 0 has no fine-tuning seeds/,
    );
    expect(() => hierarchicalBootstrap([], { metric: 'mean', seed: 1 })).toThrow(/no datasets/);
    expect(() => hierarchicalBootstrap(scalars([1]), { metric: 'mean', seed: NaN })).toThrow(/seed/);
  });
});
