// Findings text from numbers: the same call with the difference's sign flipped must flip the verdict, and the
// agreement with the paper must follow. Differences are written by hand (no bootstrap), so the text is exact.
import { describe, expect, it } from 'vitest';
import type { PairedDiff } from '../../lib/report/compare';
import {
  agreement,
  armComparisonFindings,
  controlFindings,
  costFindings,
  directionOf,
  flaggedSentence,
  gainFindings,
  gradcamFindings,
  type PooledGain,
} from '../../lib/report/findings';
import { degenerateCheck } from '../../lib/report/degenerate';
import { COST_RULE, costClaim } from '../../lib/report/cost';
import { pairKey, tlSslPairs } from '../../lib/report/arms';
import type { ControlResult } from '../../lib/report/controls';

const diff = (d: number, lo: number, hi: number, datasets = ['busi', 'chest-ct'], p = 0.01): PairedDiff => ({
  datasets,
  pairs: 2 * datasets.length,
  diff: d,
  lo,
  hi,
  p,
  test: datasets.length > 1 ? 't' : 'bootstrap',
  perDataset: [],
  notes: [],
});
const flip = (x: PairedDiff): PairedDiff => ({ ...x, diff: -x.diff, lo: -x.hi, hi: -x.lo });

describe('direction and agreement', () => {
  it('reads the side from the CI, not the point estimate', () => {
    expect(directionOf(diff(0.03, 0.01, 0.05))).toBe('a');
    expect(directionOf(diff(-0.03, -0.05, -0.01))).toBe('b');
    expect(directionOf(diff(0.03, -0.01, 0.07))).toBe('unclear');
    expect(directionOf({ ...diff(NaN, NaN, NaN), pairs: 0 })).toBe('none');
    expect(agreement('a', 'a')).toBe('agrees');
    expect(agreement('b', 'a')).toBe('opposite to the paper');
    expect(agreement('unclear', 'b')).toMatch(/not decided/);
  });
});

describe('armComparisonFindings (notebook 03)', () => {
  const groups = (grey: PairedDiff, colour: PairedDiff) => [
    { name: 'grey', d: grey, expected: 'b' as const },
    { name: 'colour', d: colour, expected: 'a' as const },
  ];
  it('SSL ahead on grey agrees with the paper; flipped, TL ahead on grey is opposite', () => {
    const grey = diff(-0.032, -0.061, -0.004);
    const colour = diff(-0.057, -0.09, -0.02, ['pbc-blood', 'isic-uda1']);
    const t = armComparisonFindings({ aLabel: 'TL', bLabel: 'SSL', groups: groups(grey, colour) });
    expect(t).toContain(
      '- **grey** (busi, chest-ct; 2 datasets as units, Student t): TL − SSL = -3.2 points [95% CI -6.1, -0.4], p = 0.010 → SSL ahead by 3.2 points. The paper expects SSL ahead: agrees.',
    );
    // the cpu case: SSL ahead on colour too, against the paper
    expect(t).toMatch(
      /\*\*colour\*\*.*→ SSL ahead by 5\.7 points\. The paper expects TL ahead: opposite to the paper\./,
    );
    const f = armComparisonFindings({ aLabel: 'TL', bLabel: 'SSL', groups: groups(flip(grey), flip(colour)) });
    expect(f).toMatch(
      /\*\*grey\*\*.*= \+3\.2 points \[95% CI \+0\.4, \+6\.1\].*→ TL ahead by 3\.2 points\. The paper expects SSL ahead: opposite to the paper\./,
    );
    expect(f).toMatch(/\*\*colour\*\*.*→ TL ahead by 5\.7 points\. The paper expects TL ahead: agrees\./);
  });

  it('a CI across zero: no clear winner, claim not decided', () => {
    const t = armComparisonFindings({
      aLabel: 'TL',
      bLabel: 'SSL',
      groups: groups(diff(0.01, -0.02, 0.04), diff(0.01, -0.02, 0.04)),
    });
    expect(t).toMatch(/grey.*→ no clear winner\. The paper expects SSL ahead: not decided by these runs/);
  });

  it('names degenerate cells and the groups they sit in', () => {
    const check = degenerateCheck({
      accuracy: 0.708,
      lo: 0.66,
      hi: 0.75,
      balancedAccuracy: 0.5,
      numClasses: 2,
      majorityShare: 0.708,
      majorityClass: 'benign',
      topPredictedShare: 1,
      topPredictedClass: 'benign',
    });
    const t = armComparisonFindings({
      aLabel: 'TL',
      bLabel: 'SSL',
      groups: groups(diff(-0.03, -0.06, -0.01), diff(0.02, 0.01, 0.03, ['isic-uda1'])),
      flagged: [{ dataset: 'isic-uda1', arm: 'ssl', check }],
    });
    expect(t).toContain('Includes degenerate cells on isic-uda1 (below).');
    expect(t).toContain('isic-uda1 SSL: predicts "benign" for 100.0% of test images;');
    expect(t.split('\n').filter((l) => l.includes('Includes degenerate'))).toHaveLength(1); // only colour
  });
});

describe('gainFindings (notebooks 04–06)', () => {
  const rows = (both: PairedDiff, inter: PairedDiff): PooledGain[] => [
    {
      condition: 'double-ft',
      subset: 'all',
      sets: 'all sets',
      both: diff(0.01, -0.01, 0.03),
      inter: diff(0, -0.02, 0.02),
    },
    { condition: 'double-ft', subset: 'small', sets: 'small sets (< 1000)', both, inter },
  ];
  const claim = {
    text: '+3 to 5 points, most for TL on small sets.',
    effect: 'helps' as const,
    subset: 'small' as const,
    moreFor: 'a' as const,
  };

  it('a gain, TL gaining more, on the subset the claim is about: agrees; flipped: opposite', () => {
    const t = gainFindings(rows(diff(0.04, 0.02, 0.06), diff(0.03, 0.01, 0.05)), {
      claim,
      aLabel: 'TL',
      bLabel: 'SSL',
    });
    expect(t).toContain(
      '- **double-ft**, small sets (< 1000) (2 datasets as units, Student t): gain +4.0 points [95% CI +2.0, +6.0], p = 0.010 → helps; TL gain − SSL gain +3.0 points [95% CI +1.0, +5.0] → TL gains more.',
    );
    expect(t).toContain('On small sets (< 1000), a gain: agrees; TL gaining more: agrees.');
    expect(t).toMatch(/all sets \(2 datasets as units, Student t\): gain .* → no clear effect/);
    const f = gainFindings(rows(flip(diff(0.04, 0.02, 0.06)), flip(diff(0.03, 0.01, 0.05))), {
      claim,
      aLabel: 'TL',
      bLabel: 'SSL',
    });
    expect(f).toContain('→ hurts; TL gain − SSL gain -3.0 points [95% CI -5.0, -1.0] → SSL gains more.');
    expect(f).toContain('a gain: opposite to the paper; TL gaining more: opposite to the paper.');
  });

  it('a claimed loss (down-sampling hurts small sets) agrees with a negative gain', () => {
    const hurt = { text: 'Down-sampling hurts small sets.', effect: 'hurts' as const, subset: 'small' as const };
    const t = gainFindings(rows(diff(-0.05, -0.08, -0.02), diff(0, -0.01, 0.01)), {
      claim: hurt,
      aLabel: 'TL',
      bLabel: 'SSL',
    });
    expect(t).toContain('a loss: agrees.');
    expect(gainFindings([], { claim: hurt, aLabel: 'TL', bLabel: 'SSL' })).toMatch(/No runs/);
  });
});

describe('costFindings (notebook 08)', () => {
  const h = (cpu: number[]) => cpu.map((c, i) => ({ epoch: i + 1, cpuSeconds: c, load1: 1 }));
  const run = (method: string, arch: string, cpu: number[]) => ({
    method,
    arch,
    source: 'imagenette',
    epochs: cpu.length,
    trainSeconds: 1,
    history: h(cpu),
  });

  it("places each architecture's ratio against the paper range and states the verdict and its rule", () => {
    const cost = costClaim(
      [
        run('tl', 'resnet', [10, 10]),
        run('ssl', 'resnet', [25, 25]),
        run('tl', 'xception', [10]),
        run('ssl', 'xception', [40]),
      ],
      [],
      { tl: 'tl-resnet', ssl: 'ssl-resnet' },
    );
    const text = costFindings(cost, [2, 3]);
    expect(text).toContain(
      "resnet: SSL / TL = 2.50× per epoch (CPU seconds, 1 TL and 1 SSL run), within the paper's 2–3×",
    );
    expect(text).toContain("xception: SSL / TL = 4.00× per epoch (CPU seconds, 1 TL and 1 SSL run), above the paper's");
    expect(text).toContain(`Verdict: **${cost.verdict}**. Rule: ${COST_RULE}`);
    expect(text).toContain('Fine-tuning at baseline, SSL / TL CPU seconds per run: n/a');
    const below = costFindings(
      costClaim([run('tl', 'resnet', [10]), run('ssl', 'resnet', [11])], [], { tl: 'a', ssl: 'b' }),
      [2, 3],
    );
    expect(below).toContain('1.10× per epoch');
    expect(below).toContain('below the paper');
  });

  it('says n/a when no same-architecture pair exists', () => {
    const text = costFindings(costClaim([run('tl', 'resnet', [10])], [], { tl: 'a', ssl: 'b' }), [2, 3]);
    expect(text).toContain(
      'Pre-training: n/a (no same-architecture TL/SSL pair on the same source yet); the paper: 2–3×.',
    );
  });
});

describe('arms by name', () => {
  it('pairs TL and SSL arms of the same architecture (and seed), the headline pair first', () => {
    expect(pairKey('tl-xception-s1')).toBe('xception-s1');
    expect(pairKey('tl')).toBe('');
    const recs = [
      'random-resnet',
      'tl-xception',
      'ssl-xception',
      'ssl-resnet',
      'tl-resnet',
      'tl-resnet-s1',
      'imagenet-mnv2',
    ].map((arm) => ({ config: { arm } as never }));
    expect(tlSslPairs(recs).map((p) => [p.a, p.b, p.aLabel, p.bLabel])).toEqual([
      ['tl-resnet', 'ssl-resnet', 'TL ResNet', 'SSL ResNet'],
      ['tl-xception', 'ssl-xception', 'TL Xception', 'SSL Xception'],
    ]);
    // older exports: 'tl' and 'ssl'
    expect(tlSslPairs([{ config: { arm: 'ssl' } as never }, { config: { arm: 'tl' } as never }])[0]).toMatchObject({
      a: 'tl',
      b: 'ssl',
      aLabel: 'TL',
      bLabel: 'SSL',
    });
  });

  it('flaggedSentence is empty without flags', () => {
    expect(flaggedSentence([{ dataset: 'x', arm: 'tl', check: { flags: [], reasons: [], label: '' } }])).toBe('');
  });
});

describe('gradcamFindings (notebook 07)', () => {
  const row = {
    dataset: 'chest-ct',
    aLabel: 'TL',
    bLabel: 'SSL',
    images: 8,
    flatA: 0,
    flatB: 2,
    rho: { mean: 0.82, min: 0.6, max: 0.95, n: 6 },
    overlap: 0.55,
    sanityA: { top: 0.3, all: 0.05 },
    sanityB: { top: 0.9, all: 0.85 },
  };
  it('reads agreement and the sanity check from the numbers; flipped numbers flip the words', () => {
    const t = gradcamFindings([row]);
    expect(t).toContain(
      'TL and SSL maps rank-correlate ρ = 0.82 on average (6 images, range 0.60 to 0.95) and share 55% of their hottest 10% of pixels → strong agreement.',
    );
    expect(t).toContain('Flat maps (no location at all): TL 0/8, SSL 2/8.');
    expect(t).toContain(
      'TL: ρ with the trained maps 0.30 after re-initialising the top layer, 0.05 with all layers re-initialised → the maps depend on the learnt weights (passes)',
    );
    expect(t).toMatch(/SSL: .* 0\.85 with all layers re-initialised → the maps barely change .* \(fails\)/);
    expect(t).toContain('No dataset here ships lesion masks');
    const f = gradcamFindings([{ ...row, rho: { ...row.rho, mean: 0.1 }, sanityA: row.sanityB, sanityB: row.sanityA }]);
    expect(f).toContain('→ little agreement.');
    expect(f).toMatch(/TL: .*\(fails\); SSL: .*\(passes\)/);
    expect(gradcamFindings([{ ...row, rho: { mean: NaN, min: NaN, max: NaN, n: 0 } }])).toContain('cannot be measured');
    expect(gradcamFindings([{ ...row, camA: '1×1', camB: '4×4' }])).toContain(
      'TL: the Grad-CAM layer is 1×1 at this input size',
    );
    expect(gradcamFindings([{ ...row, camA: '4×4', camB: '4×4' }])).not.toContain('1×1');
  });
});

describe('controlFindings (notebook 03)', () => {
  const t = (estimate: number, lower: number, upper: number) => ({
    n: 3,
    estimate,
    sd: NaN,
    se: NaN,
    df: 2,
    lower,
    upper,
    level: 0.95,
    t: NaN,
    pValue: 0.01,
  });
  const result = (id: 'tl-vs-random' | 'imagenet-vs-tl', a: string, b: string, est: number, lo: number, hi: number) =>
    ({
      comparison: { id, a, b, aSeeds: [], label: `${a} − ${b}`, question: 'q?', confound: '' },
      effect: {
        label: '',
        kind: 'mean',
        K: [3],
        datasets: ['busi', 'chest-ct', 'isic-uda1'],
        byMetric: { balancedAccuracy: { estimate: est, t: t(est, lo, hi), boot: null, perDataset: [] } },
        notes: [],
      },
      perDataset: [{}, {}, {}],
      ahead: { a: est > 0 ? ['busi'] : [], b: est < 0 ? ['busi'] : [] },
      missing: '',
    }) as unknown as ControlResult;

  it('reads the side from the t interval; a pre-trained arm not ahead of random init gets the caveat', () => {
    const ahead = controlFindings(
      [result('tl-vs-random', 'tl-resnet', 'random-resnet', 0.05, 0.02, 0.08)],
      'balancedAccuracy',
    );
    expect(ahead).toContain(
      'balanced accuracy +5.0 points [95% CI +2.0, +8.0] over 3 datasets (Student t) → TL ResNet ahead. Ahead per dataset (Holm p < 0.05): TL ResNet on 1 of 3 (busi); random ResNet on 0 of 3.',
    );
    expect(ahead).not.toMatch(/does not clearly beat random/);
    const flat = controlFindings(
      [result('tl-vs-random', 'tl-resnet', 'random-resnet', 0.01, -0.02, 0.04)],
      'balancedAccuracy',
    );
    expect(flat).toMatch(/→ no clear difference/);
    expect(flat).toMatch(/TL ResNet does not clearly beat random initialisation/);
    const behind = controlFindings(
      [result('tl-vs-random', 'tl-resnet', 'random-resnet', -0.05, -0.08, -0.02)],
      'balancedAccuracy',
    );
    expect(behind).toMatch(/→ random ResNet ahead/);
    // the caveat is about pre-training vs none only
    expect(
      controlFindings([result('imagenet-vs-tl', 'imagenet-mnv2', 'tl-resnet', 0, -0.1, 0.1)], 'balancedAccuracy'),
    ).not.toMatch(/random initialisation/);
  });

  it('says what is missing before the design is complete', () => {
    const r = {
      ...result('tl-vs-random', 'tl-resnet', 'random-resnet', 0, 0, 0),
      effect: undefined,
      missing: '1 run missing: busi/random-resnet/baseline',
    };
    expect(controlFindings([r], 'balancedAccuracy')).toContain(
      'not evaluated yet (1 run missing: busi/random-resnet/baseline)',
    );
  });
});
