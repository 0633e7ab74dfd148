// The claims on synthetic designs whose truth is set by hand (tests/helpers/run-records.ts reportRecord: with the
// first k of n = 100 test images right, accuracy = balanced accuracy = k/100), so every dataset effect is a known
// number and the intervals can be checked against scipy.
import { describe, expect, it } from 'vitest';
import { designFor, epochCapShare, evaluateClaimSet, type ClaimResult } from '../../lib/report/claims';
import { pairedData, summariseMissing } from '../../lib/report/claim-data';
import { evaluateClaims } from '../../lib/report/reproduction';
import { provenance } from '../../lib/report/provenance';
import type { RunRecord } from '../../lib/report/compare';
import { reportRecord } from '../helpers/run-records';

const N = 100;
const ROWS = [
  ['tl-resnet', 'ssl-resnet'],
  ['tl-resnet-s1', 'ssl-resnet-s1'],
] as const;
const SEEDS = [0, 1, 2];
// fine-tuning/pre-training jitter of TL's correct count per (row, seed): sums to 0, so a dataset's effect is exact
const JITTER = [
  [-2, 0, 2],
  [-1, 1, 0],
];

/** Baseline runs: SSL gets 60 right on every dataset, TL 60 + effect[d] (+ jitter) → TL − SSL = effect[d]/100. */
function baselineDesign(effects: Record<string, number>, trainN: Record<string, number> = {}): RunRecord[] {
  const out: RunRecord[] = [];
  for (const [d, e] of Object.entries(effects))
    ROWS.forEach(([tl, ssl], p) =>
      SEEDS.forEach((s, f) => {
        out.push(reportRecord(d, tl, 'baseline', s, N, 60 + e + JITTER[p][f], trainN[d] ?? 500));
        out.push(reportRecord(d, ssl, 'baseline', s, N, 60, trainN[d] ?? 500));
      }),
    );
  return out;
}

const claim = (cs: ClaimResult[], id: string) => cs.find((c) => c.id === id)!;
const C5_WELCH_P = 0.006457589202672618; // scipy, see the C5 test
const opts = { profile: 'test', seed: 0, resamples: 300, smallSet: 1000 };

describe('C1/C2: one colour × method interaction, datasets as units', () => {
  // colour: TL − SSL = +10, +20, +15 points; grey: −5, −10, 0
  const effects = { 'isic-uda1': 10, 'eye-fundus': 20, ham10000: 15, 'chest-ct': -5, busi: -10, breastmnist: 0 };
  const records = baselineDesign(effects);

  it('the interaction is Welch t on the dataset effects (scipy reference), simple effects one-sample t', () => {
    const c = claim(evaluateClaimSet({ records, ...opts }), 'C1/C2');
    expect(c.status).toBe('evaluated');
    const [inter, colour, grey] = c.effects;
    const b = inter.byMetric.balancedAccuracy;
    // dataset effects are the hand-set numbers
    expect(b.perDataset.map((x) => x.effect).sort((x, y) => x - y)).toEqual(
      [-0.1, -0.05, 0, 0.1, 0.15, 0.2].map((v) => expect.closeTo(v, 12)),
    );
    // scipy 1.17.1: stats.ttest_ind([.10,.20,.15], [-.05,-.10,0], equal_var=False) and .confidence_interval(0.95)
    expect(b.estimate).toBeCloseTo(0.2, 12);
    expect(b.t!.df).toBeCloseTo(4, 10);
    expect(b.t!.pValue).toBeCloseTo(0.008049893100837717, 9);
    expect(b.t!.lower).toBeCloseTo(0.08665210322362409, 9);
    expect(b.t!.upper).toBeCloseTo(0.313347896776376, 9);
    // accuracy = balanced accuracy in this design; the bootstrap interval sits beside the t interval
    expect(inter.byMetric.accuracy.t!.lower).toBeCloseTo(b.t!.lower, 9);
    expect(b.boot!.lower).toBeLessThan(0.2);
    expect(b.boot!.upper).toBeGreaterThan(0.2);
    // scipy: stats.ttest_1samp([.10,.20,.15], 0).confidence_interval(0.95); same for [-.05,-.10,0]
    expect(colour.byMetric.balancedAccuracy.t!.lower).toBeCloseTo(0.02579311441248351, 9);
    expect(colour.byMetric.balancedAccuracy.t!.upper).toBeCloseTo(0.27420688558751655, 9);
    expect(grey.byMetric.balancedAccuracy.t!.lower).toBeCloseTo(-0.1742068855875165, 9);
    expect(grey.byMetric.balancedAccuracy.t!.upper).toBeCloseTo(0.07420688558751651, 9);
    // verdict: interaction interval above 0, Holm p (only C1/C2 evaluated) = its p
    expect(c.verdict).toBe('supported');
    expect(c.pHolm).toBeCloseTo(0.008049893100837717, 9);
    expect(c.ours).toMatch(/simple effects: C1 supported, C2 inconclusive/);
    expect(c.verdictMetric).toBe('balanced accuracy');
    expect(c.fewUnits).toMatch(/K = 3 and 3 datasets: the t interval is wide because K is small/);
    // two pre-training rows, three fine-tuning seeds: every level varies, nothing to note
    expect(inter.notes).toEqual([]);
  });

  it('leaves one dataset out at a time and names those without which the interval would contain 0', () => {
    const note = claim(evaluateClaimSet({ records, ...opts }), 'C1/C2').leaveOneOut!;
    // scipy 1.17.1: stats.ttest_ind(colour, grey, equal_var=False).confidence_interval(0.95), one dataset dropped
    expect(note).toMatch(
      /^6 fits, balanced accuracy, Welch t: the effect ranges from \+17\.5 \[\+5\.1, \+29\.9\] without (eye-fundus|busi) to \+22\.5 \[\+10\.1, \+34\.9\] without (isic-uda1|breastmnist)\. With all datasets the 95% interval lies above 0; /,
    );
    // dropping ham10000 (or chest-ct) leaves the two groups' spreads larger: [−0.0988, +0.4988]
    expect(note).toContain('without ham10000 it contains 0 (+20.0 [-9.9, +49.9])');
    expect(note).toContain('without chest-ct it contains 0 (+20.0 [-9.9, +49.9])');
    expect(note.match(/ it contains 0/g)).toHaveLength(2);
  });

  it('per-dataset effects have their own intervals and Holm across datasets', () => {
    const c = claim(evaluateClaimSet({ records, ...opts }), 'C1/C2');
    const rows = c.perDataset![0].rows;
    expect(rows.map((r) => r.dataset).sort()).toEqual(Object.keys(effects).sort());
    for (const r of rows) {
      const b = r.byMetric.balancedAccuracy;
      expect(b.estimate).toBeCloseTo(effects[r.dataset as keyof typeof effects] / 100, 12);
      expect(b.pHolm).toBeGreaterThanOrEqual(b.p);
      if (b.estimate !== 0) expect(b.lower < b.estimate && b.estimate < b.upper).toBe(true);
    }
  });

  it('a missing run: the claim says which and is not evaluated (no smaller test instead)', () => {
    const partial = records.filter(
      (r) => !(r.config.dataset === 'busi' && r.config.arm === 'ssl-resnet-s1' && r.config.seed === 2),
    );
    const cs = evaluateClaimSet({ records: partial, ...opts, design: designFor('test', records) });
    const c = claim(cs, 'C1/C2');
    expect(c.status).toBe('not evaluated');
    expect(c.verdict).toBe('inconclusive');
    expect(c.detail).toBeNull();
    expect(c.effects).toEqual([]);
    expect(c.missing).toContain('1 run missing: ssl-resnet-s1/baseline on busi (seed 2)');
    expect(c.ours).toMatch(/^not evaluated yet \(1 run missing\)/);
    // the datasets whose own cells are complete still get their per-dataset effects
    expect(c.perDataset![0].rows.map((r) => r.dataset)).not.toContain('busi');
    expect(c.perDataset![0].rows).toHaveLength(5);
  });
});

describe('REPRODUCTION.md', () => {
  it('per claim: unit, test, rule, the three metrics, verdict with its metric; flagged sets marked per dataset', () => {
    // busi: both arms right on every image (saturated); the rest as in the C1/C2 design
    const records = baselineDesign({ 'isic-uda1': 10, 'eye-fundus': 20, ham10000: 15, 'chest-ct': -5, breastmnist: 0 });
    ROWS.flat().forEach((arm) => SEEDS.forEach((s) => records.push(reportRecord('busi', arm, 'baseline', s, N, N))));
    const rep = evaluateClaims(
      { records, pretrain: [], profile: 'test', resamples: 200 },
      provenance({ commit: 'x', profile: 'test', backend: 'cpu' }),
    );
    const md = rep.markdown;
    for (const id of ['C1/C2', 'C3', 'C4', 'C5', 'C6']) expect(md).toContain(`### ${id}: `);
    expect(md).toContain('- **Unit:** the dataset (colour vs grey');
    expect(md).toMatch(/- \*\*Verdict rule:\*\* supported if the 95% Welch t interval of the interaction/);
    expect(md).toMatch(/- \*\*Verdict:\*\* \*\*supported\*\* — read in balanced accuracy/);
    expect(md).toContain(
      '| effect (points) | datasets | accuracy: estimate [95% t], boot | balanced accuracy: estimate [95% t], boot | macro-AUC: estimate [95% t], boot |',
    );
    expect(md).toMatch(/\| busi \| grey \| 500 \| 100\.0% .*\| TL: saturated; SSL: saturated \|/);
    expect(md).toMatch(/\| isic-uda1 \| colour \| 500 \| .* \| – \| \+10\.0 /);
    expect(md).toContain('| Chest CT (grey) | SSL vs TL accuracy | SSL 97.22%, TL 95.4% |');
    expect(md).toMatch(/K = 3 and 3 datasets: the t interval is wide because K is small/);
    expect(md).toMatch(/- \*\*One dataset left out at a time:\*\* 6 fits, balanced accuracy, Welch t: /);
  });

  it('the leak probe: its table, a per-dataset flag and a named confound for a set at ≥ 90% thumbnail 1-NN only', () => {
    const records = baselineDesign({ 'isic-uda1': 10, 'eye-fundus': 20, ham10000: 15, 'chest-ct': -5, breastmnist: 0 });
    const probe = (balancedAccuracy: number, nearCopies: number) => ({
      n: 100,
      accuracy: balancedAccuracy,
      balancedAccuracy,
      medianCorrelation: 0.9,
      nearCopies,
    });
    const rep = evaluateClaims(
      {
        records,
        pretrain: [],
        profile: 'test',
        resamples: 200,
        nearestCopies: { 'chest-ct': probe(0.95, 80), 'isic-uda1': probe(0.899, 0) },
      },
      provenance({ commit: 'x', profile: 'test', backend: 'cpu' }),
    );
    expect(rep.markdown).toContain('## Leak probe: the nearest train image, no training');
    expect(rep.markdown).toMatch(/\| chest-ct \| 100 \| 95\.0% \| 95\.0% \| 80 \(80\.0%\) \| 0\.900 \| near-copies \|/);
    expect(rep.markdown).toMatch(/\| isic-uda1 \| 100 \| 89\.9% \| 89\.9% \| 0 \(0\.0%\) \| 0\.900 \| – \|/);
    const head = rep.datasetTables[0].rows;
    expect(head.find((r) => r.dataset === 'chest-ct')!.flags).toMatch(
      /^set: near-copies \(thumbnail 1-NN bal\. 95\.0%/,
    );
    expect(head.find((r) => r.dataset === 'isic-uda1')!.flags).toBe('');
    const c12 = claim(rep.claims, 'C1/C2').confounds.join('\n');
    expect(c12).toMatch(/≥ 90% balanced accuracy on chest-ct \(1-NN bal\. 95\.0%\)/);
    expect(c12).not.toContain('isic-uda1 (1-NN');
  });

  it('names the effects whose bootstrap had a level that could not vary (one pre-training seed: Xception only)', () => {
    const records = baselineDesign({ 'isic-uda1': 10, 'eye-fundus': 20, ham10000: 15, 'chest-ct': -5, breastmnist: 0 });
    for (const d of ['isic-uda1', 'eye-fundus', 'ham10000', 'chest-ct', 'breastmnist'])
      for (const s of SEEDS)
        records.push(
          reportRecord(d, 'tl-xception', 'baseline', s, N, 62 + s),
          reportRecord(d, 'ssl-xception', 'baseline', s, N, 60),
        );
    const md = evaluateClaims(
      { records, pretrain: [], profile: 'test', resamples: 200 },
      provenance({ commit: 'x', profile: 'test', backend: 'cpu' }),
    ).markdown;
    const c12 = md.slice(md.indexOf('### C1/C2'), md.indexOf('### C3'));
    const notes = c12.slice(c12.indexOf('Bootstrap levels that could not vary:')).split('\n\n')[1].split('\n');
    expect(notes.length).toBeGreaterThan(0);
    for (const line of notes) {
      expect(line).toMatch(/^- .*matched Xception .*: pretrainSeed: one unit in /);
      expect(line).not.toContain('matched ResNet');
    }
  });
});

describe('C3: double-FT gain against its stated size', () => {
  // targets with a related pair: chest-ct, iq-oth-nccd, isic-uda1. Gains (points) per target, the same for every
  // backbone; double-ft-self gains 4 over baseline everywhere; double-ft-unrelated 2.
  function design(gains: Record<string, number>): RunRecord[] {
    const out: RunRecord[] = [];
    for (const [d, g] of Object.entries(gains))
      for (const arm of ROWS.flat())
        for (const s of SEEDS)
          out.push(
            reportRecord(d, arm, 'baseline', s, N, 60),
            reportRecord(d, arm, 'double-ft', s, N, 60 + g),
            reportRecord(d, arm, 'double-ft-self', s, N, 64),
            reportRecord(d, arm, 'double-ft-unrelated', s, N, 62),
          );
    return out;
  }

  it('one-sided t of gain ≥ +3 and TOST [+3, +5] on K = 3 targets (scipy reference); inconclusive at +4 ± 1', () => {
    const c = claim(
      evaluateClaimSet({ records: design({ 'chest-ct': 4, 'iq-oth-nccd': 5, 'isic-uda1': 3 }), ...opts }),
      'C3',
    );
    expect(c.status).toBe('evaluated');
    const [vsBase, vsSelf, vsUnrelated] = c.effects;
    expect(vsBase.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.04, 12);
    expect(vsSelf.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.0, 12);
    expect(vsUnrelated.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.02, 12);
    const s = c.sizeTests![0];
    // scipy 1.17.1: stats.ttest_1samp([.04,.05,.03], 0.03, alternative='greater') → p, confidence_interval(0.95).low
    expect(s.margin.pValue).toBeCloseTo(0.11270166537925833, 9);
    expect(s.margin.bound).toBeCloseTo(0.023141455391529515, 9);
    expect(s.tost.equivalent).toBe(false);
    // scipy: stats.ttest_1samp([.04,.05,.03], 0).confidence_interval(0.95)
    expect(c.detail!.lo).toBeCloseTo(0.015158622882496697, 9);
    expect(c.detail!.hi).toBeCloseTo(0.0648413771175033, 9);
    expect(c.verdict).toBe('inconclusive');
    expect(c.fewUnits).toMatch(/K = 3 datasets/);
    expect(c.unit).toMatch(/K = 3 targets/);
  });

  it('contradicted when the 95% t upper bound is below +3 points', () => {
    const c = claim(
      evaluateClaimSet({ records: design({ 'chest-ct': 0, 'iq-oth-nccd': 1, 'isic-uda1': 1 }), ...opts }),
      'C3',
    );
    // scipy: stats.ttest_1samp([0, .01, .01], 0).confidence_interval(0.95).high = 0.021008842432498207
    expect(c.detail!.hi).toBeCloseTo(0.021008842432498207, 9);
    expect(c.verdict).toBe('contradicted');
  });
});

describe('C4: augmentation, pooled and per dataset, with "especially for TL" beside it', () => {
  it('pooled gain over backbones, TL gain − SSL gain as a difference in differences', () => {
    // TL backbones gain 6 points on busi and 8 on isic-uda1; SSL backbones 2 and 4
    const gain: Record<string, [number, number]> = { busi: [6, 2], 'isic-uda1': [8, 4] };
    const records: RunRecord[] = [];
    for (const [d, [gTl, gSsl]] of Object.entries(gain))
      ROWS.forEach(([tl, ssl]) =>
        SEEDS.forEach((s) =>
          records.push(
            reportRecord(d, tl, 'baseline', s, N, 60),
            reportRecord(d, tl, 'augment', s, N, 60 + gTl),
            reportRecord(d, ssl, 'baseline', s, N, 60),
            reportRecord(d, ssl, 'augment', s, N, 60 + gSsl),
          ),
        ),
      );
    const c = claim(evaluateClaimSet({ records, ...opts }), 'C4');
    const [pooled, inter] = c.effects;
    expect(pooled.byMetric.balancedAccuracy.estimate).toBeCloseTo((4 + 6) / 2 / 100, 12);
    expect(inter.label).toMatch(/TL gain − SSL gain/);
    expect(inter.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.04, 12);
    expect(inter.byMetric.accuracy.perDataset.map((x) => x.effect)).toEqual(
      [0.04, 0.04].map((v) => expect.closeTo(v, 12)),
    );
    expect(c.perDataset![0].rows.map((r) => r.byMetric.accuracy.estimate)).toEqual(
      [0.04, 0.06].map((v) => expect.closeTo(v, 12)),
    );
    // reportRecord does not say whether a run stopped early: the report says it cannot rule out under-fitting
    expect(c.confounds.join(' ')).toMatch(/do not say whether augmented runs stopped early/);
  });

  it('counts augmented runs cut at the epoch cap without early stopping', () => {
    const run = (condition: string, epochs: number, stoppedEarly: boolean) => {
      const r = reportRecord('busi', 'tl-resnet', condition, 0, 10, 5);
      (r.config as { train: { epochs: number } }).train = { epochs: 10 } as never;
      r.stages[0].epochs = Array.from({ length: epochs }, () => ({}) as never);
      r.stages[0].stoppedEarly = stoppedEarly;
      return r;
    };
    const recs = [
      run('augment', 10, false),
      run('augment', 6, true),
      run('augment', 10, true),
      run('baseline', 7, true),
    ];
    expect(epochCapShare(recs, 'augment')).toEqual({ capped: 1, known: 3 });
    expect(epochCapShare(recs, 'baseline')).toEqual({ capped: 0, known: 1 });
  });
});

describe('C5: down-sampling loss, small vs large sets', () => {
  it('contrasts the loss (baseline − down-sampled) between sets under and over the threshold', () => {
    // loss in points: small sets 10, 12, 8; large sets 1, 0, 2
    const loss: Record<string, [number, number]> = {
      'isic-uda1': [10, 280],
      'chest-ct': [12, 336],
      breastmnist: [8, 292],
      'pbc-blood': [1, 2104],
      pneumoniamnist: [0, 4698],
      'alzheimer-mri': [2, 4480],
    };
    const records: RunRecord[] = [];
    for (const [d, [l, trainN]] of Object.entries(loss))
      for (const arm of ROWS.flat())
        for (const s of SEEDS)
          records.push(
            // a down-sampled run trains on the balanced subset (its record counts those): listed first, it must
            // not decide the set's size (pbc-blood: 2,104 images, 842 after down-sampling)
            reportRecord(d, arm, 'downsample', s, N, 70 - l, Math.round(0.4 * trainN)),
            reportRecord(d, arm, 'baseline', s, N, 70, trainN),
          );
    const cs = evaluateClaimSet({ records, ...opts });
    const c = claim(cs, 'C5');
    const [contrast, smallSets, largeSets] = c.effects;
    expect(smallSets.datasets.sort()).toEqual(['breastmnist', 'chest-ct', 'isic-uda1']);
    expect(largeSets.datasets.sort()).toEqual(['alzheimer-mri', 'pbc-blood', 'pneumoniamnist']);
    expect(smallSets.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.1, 12);
    expect(contrast.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.09, 12);
    expect(largeSets.byMetric.balancedAccuracy.estimate).toBeCloseTo(0.01, 12);
    // scipy 1.17.1: stats.ttest_ind([.10,.12,.08], [.01,0,.02], equal_var=False).pvalue
    expect(contrast.byMetric.balancedAccuracy.t!.pValue).toBeCloseTo(C5_WELCH_P, 9);
    // the baseline runs also make C1/C2 evaluable (TL = SSL: p = 1), so Holm over two primary tests doubles C5's p
    expect(claim(cs, 'C1/C2').p).toBe(1);
    expect(c.pHolm).toBeCloseTo(2 * C5_WELCH_P, 9);
    expect(c.verdict).toBe('supported');
    expect(c.confounds.join(' ')).toMatch(/accuracy drops mechanically on an imbalanced test set/);
  });
});

describe('claim data', () => {
  it('lists every missing run by dataset/arm/condition/seed and groups them for the report', () => {
    const d = pairedData([reportRecord('busi', 'tl', 'baseline', 0, 10, 5)], {
      rows: [{ a: { arm: 'tl', condition: 'baseline' }, b: { arm: 'ssl', condition: 'baseline' } }],
      datasets: ['busi', 'chest-ct'],
      seeds: [0, 1],
    });
    expect(d.complete).toBe(false);
    expect(d.missing).toEqual([
      'busi/ssl/baseline/seed 0',
      'busi/tl/baseline/seed 1',
      'busi/ssl/baseline/seed 1',
      'chest-ct/tl/baseline/seed 0',
      'chest-ct/ssl/baseline/seed 0',
      'chest-ct/tl/baseline/seed 1',
      'chest-ct/ssl/baseline/seed 1',
    ]);
    expect(summariseMissing(d.missing)).toBe(
      '7 runs missing: ssl/baseline on busi, chest-ct (seed 0, 1); tl/baseline on busi, chest-ct (seed 0, 1)',
    );
  });

  it('runs on different test images are unpaired, named, and keep the dataset out', () => {
    const a = reportRecord('busi', 'tl', 'baseline', 0, 10, 5);
    const b = reportRecord('busi', 'ssl', 'baseline', 0, 10, 5);
    b.test.indices = b.test.indices.map((i) => i + 1);
    const d = pairedData([a, b], {
      rows: [{ a: { arm: 'tl', condition: 'baseline' }, b: { arm: 'ssl', condition: 'baseline' } }],
      datasets: ['busi'],
      seeds: [0],
    });
    expect(d.unpaired).toEqual(['busi/seed 0: tl/baseline and ssl/baseline have different test images']);
    expect(d.datasets).toEqual([]);
    expect(d.complete).toBe(false);
  });
});

describe('the old export (arms tl/ssl) under the cpu grid', () => {
  it('renders: the matched claims are not evaluated, the old pairing is reported as confounded', () => {
    const records: RunRecord[] = [];
    for (const d of ['isic-uda1', 'eye-fundus', 'chest-ct', 'busi'])
      for (const s of [0, 1])
        records.push(reportRecord(d, 'tl', 'baseline', s, N, 60), reportRecord(d, 'ssl', 'baseline', s, N, 65));
    const rep = evaluateClaims(
      { records, pretrain: [], profile: 'cpu', resamples: 100 },
      provenance({ commit: 'x', profile: 'cpu', backend: 'cpu' }),
    );
    const c = rep.claims.find((x) => x.id === 'C1/C2')!;
    expect(c.status).toBe('not evaluated');
    expect(c.missing).toMatch(/tl-resnet\/baseline on/);
    expect(rep.comparisons.map((x) => x.id)).toEqual(['matched-resnet', 'matched-xception', 'paper-pairing', 'legacy']);
    // the old pairing is evaluated beside the headline: TL − SSL = −5 on every set, interaction 0
    expect(c.ours).toMatch(/beside it, old export's arms tl\/ssl .*: interaction \+0\.0/);
    expect(rep.markdown).toContain('## Per dataset: TL − SSL at baseline, old export');
    expect(rep.markdown).toMatch(/\| C3 \| .* \| not evaluated yet \(\d+ runs missing\) \|/);
    expect(rep.markdown).toContain('confounded by architecture');
  });
});
