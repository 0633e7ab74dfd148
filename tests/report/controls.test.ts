// The controls at baseline on a synthetic design whose truth is set by hand (tests/helpers/run-records reportRecord:
// with the first k of n = 100 test images right, accuracy = balanced accuracy = k/100).
import { describe, expect, it } from 'vitest';
import { controlComparisons, evaluateControls } from '../../lib/report/controls';
import type { ClaimDesign } from '../../lib/report/claims';
import type { RunRecord } from '../../lib/report/compare';
import { evaluateClaims } from '../../lib/report/reproduction';
import { provenance } from '../../lib/report/provenance';
import { reportRecord } from '../helpers/run-records';

const N = 100;
const SEEDS = [0, 1, 2];
const JITTER = [-2, 0, 2]; // fine-tuning seed spread of TL's correct count: sums to 0
// TL ResNet − random ResNet, points per dataset
const EFFECT: Record<string, number> = {
  busi: 10,
  'chest-ct': 20,
  breastmnist: 15,
  'isic-uda1': -5,
  ham10000: 0,
  'pbc-blood': 8,
};
const design: ClaimDesign = {
  datasets: Object.keys(EFFECT),
  seeds: SEEDS,
  arms: ['tl-resnet', 'ssl-resnet'],
  controls: ['random-resnet'],
  source: 'test',
};

function records(): RunRecord[] {
  const out: RunRecord[] = [];
  for (const [d, e] of Object.entries(EFFECT))
    SEEDS.forEach((s, i) =>
      out.push(
        reportRecord(d, 'tl-resnet', 'baseline', s, N, 60 + e + JITTER[i]),
        reportRecord(d, 'ssl-resnet', 'baseline', s, N, 60),
        reportRecord(d, 'random-resnet', 'baseline', s, N, 60),
      ),
    );
  return out;
}

describe('controls at baseline', () => {
  it('compares only the controls the design has (no in-domain SimCLR or ImageNet arm here)', () => {
    expect(controlComparisons(design).map((c) => c.id)).toEqual(['tl-vs-random', 'ssl-vs-random']);
    expect(controlComparisons({ ...design, controls: [] })).toEqual([]);
    expect(controlComparisons(design)[0].label).toBe('TL ResNet − random ResNet');
  });

  it('mean over datasets with a one-sample t interval (scipy reference); per-dataset effects; sets ahead by Holm p', () => {
    const [tl, ssl] = evaluateControls(records(), design, { seed: 0, resamples: 300, metric: 'balancedAccuracy' });
    const b = tl.effect!.byMetric.balancedAccuracy;
    // scipy 1.17.1: stats.ttest_1samp([.10,.20,.15,-.05,0,.08], 0) and .confidence_interval(0.95)
    expect(b.estimate).toBeCloseTo(0.08, 12);
    expect(b.t!.pValue).toBeCloseTo(0.0882762303123745, 9);
    expect(b.t!.lower).toBeCloseTo(-0.017320657599717668, 9);
    expect(b.t!.upper).toBeCloseTo(0.1773206575997177, 9);
    expect(tl.perDataset.map((r) => r.byMetric.balancedAccuracy.estimate)).toEqual(
      Object.values(EFFECT).map((e) => expect.closeTo(e / 100, 12)),
    );
    // 20 and 15 points on 100 images are far outside what resampling the images gives; 0 is not ahead of anything
    expect(tl.ahead.a).toEqual(expect.arrayContaining(['chest-ct', 'breastmnist']));
    expect(tl.ahead.a).not.toContain('ham10000');
    expect(tl.ahead.b).not.toContain('ham10000');
    expect(tl.missing).toBe('');
    // SSL = random on every image: no effect, nobody ahead
    expect(ssl.effect!.byMetric.balancedAccuracy.estimate).toBe(0);
    expect(ssl.ahead).toEqual({ a: [], b: [] });
  });

  it('REPRODUCTION.md has the controls section: the effect in three metrics, the sets ahead, what else differs', () => {
    const md = evaluateClaims(
      { records: records(), pretrain: [], profile: 'test', resamples: 100 },
      provenance({ commit: 'x', profile: 'test', backend: 'cpu' }),
    ).markdown;
    // every set with an effect of 5 points or more is ahead one way (all its discordant images go that way); 0 is not
    const sec = md.slice(md.indexOf('## Controls at baseline'), md.indexOf('## The paper’s numbers beside ours'));
    expect(sec).toMatch(
      /\| TL ResNet − random ResNet \| does supervised pre-training on Imagenette beat no pre-training\? \| K = 6 \| \+8\.0 \[-1\.7, \+17\.7\] t, p 0\.088; boot .* \| TL ResNet: 4 of 6 \(breastmnist, busi, chest-ct, pbc-blood\); random ResNet: 1 of 6 \(isic-uda1\) \|/,
    );
    expect(sec).toContain('| chest-ct | grey | +20.0 [');
    expect(sec).toContain(
      '- TL ResNet − random ResNet: same architecture and fine-tuning; only the starting weights differ.',
    );
  });

  it('a second pre-training seed of the arm is a second row against the same control runs', () => {
    const withS1 = { ...design, arms: [...design.arms, 'tl-resnet-s1'] };
    const [c] = controlComparisons(withS1);
    expect(c.aSeeds).toEqual(['tl-resnet-s1']);
    expect(c.label).toBe('TL ResNet − random ResNet (pre-training seeds: 2)');
    // seed-1 backbone: twice the effect → the dataset effect is the mean of the two rows, 1.5× EFFECT
    const recs = records();
    for (const [d, e] of Object.entries(EFFECT))
      for (const s of SEEDS) recs.push(reportRecord(d, 'tl-resnet-s1', 'baseline', s, N, 60 + 2 * e));
    const [tl] = evaluateControls(recs, withS1, { seed: 0, resamples: 100, metric: 'balancedAccuracy' });
    expect(tl.perDataset.map((r) => r.byMetric.balancedAccuracy.estimate)).toEqual(
      Object.values(EFFECT).map((e) => expect.closeTo((1.5 * e) / 100, 12)),
    );
  });

  it('a missing control run: no mean effect, the run is named', () => {
    const partial = records().filter(
      (r) => !(r.config.dataset === 'busi' && r.config.arm === 'random-resnet' && r.config.seed === 2),
    );
    const [tl] = evaluateControls(partial, design, { seed: 0, resamples: 100, metric: 'balancedAccuracy' });
    expect(tl.effect).toBeUndefined();
    expect(tl.missing).toContain('random-resnet/baseline on busi (seed 2)');
    expect(tl.perDataset.map((r) => r.dataset)).not.toContain('busi');
  });
});
