// Comparisons and claim verdicts on synthetic run records whose correct/incorrect pattern is chosen by hand,
// so the expected differences can be computed independently.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contentColour,
  interactionUnits,
  meanOfPairsUnits,
  pairRuns,
  pairedDiff,
  summarizeArm,
  trainImages,
  unitDiff,
  verdictOf,
  type RunRecord,
} from '../../lib/report/compare';
import { holmAdjusted } from '../../lib/stats/hypothesis';
import { deviations, evaluateClaims, writeReproduction } from '../../lib/report/reproduction';
import { reportRecord } from '../helpers/run-records';
import { provenance } from '../../lib/report/provenance';

const rec = reportRecord;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-repro-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('compare', () => {
  it("a set's size is its training split, not the balanced subset a down-sampled run trained on", () => {
    const recs = [
      reportRecord('ham10000', 'tl', 'downsample', 0, 10, 5, 700),
      reportRecord('ham10000', 'tl', 'augment', 0, 10, 5, 1766),
    ];
    expect(trainImages(recs, 'ham10000')).toBe(1766);
    expect(trainImages(recs.slice(0, 1), 'ham10000')).toBeNaN();
    expect(trainImages(recs, 'busi')).toBeNaN();
  });

  it('groups BUSI and Chest-CT with the grey sets, dermoscopy with colour', () => {
    expect(contentColour('busi')).toBe('grey');
    expect(contentColour('chest-ct')).toBe('grey');
    expect(contentColour('pneumoniamnist')).toBe('grey');
    expect(contentColour('isic-uda1')).toBe('colour');
    expect(() => contentColour('nope')).toThrow(/unknown dataset/);
  });

  it('summarizeArm: mean over seeds and a CI that contains it', () => {
    const s = summarizeArm([rec('busi', 'tl', 'baseline', 0, 100, 70), rec('busi', 'tl', 'baseline', 1, 100, 80)], {
      resamples: 300,
    });
    expect(s.accuracy).toBeCloseTo(0.75, 10);
    expect(s.accuracySd).toBeCloseTo(Math.sqrt((0.05 ** 2 * 2) / 1), 10);
    expect(s.lo).toBeLessThan(0.75);
    expect(s.hi).toBeGreaterThan(0.75);
  });

  it("summarizeArm: the CI holds the seeds' spread, not only the test images'", () => {
    // Seeds at 50% and 100% on the same 100 images: resampling images alone gives about ±5 points around 75%;
    // resampling the seeds too reaches towards either seed (a seed-pair resample is 50%, 75% or 100%).
    const s = summarizeArm([rec('busi', 'tl', 'baseline', 0, 100, 50), rec('busi', 'tl', 'baseline', 1, 100, 100)], {
      resamples: 1000,
    });
    expect(s.lo).toBeLessThan(0.55);
    expect(s.hi).toBeGreaterThan(0.95);
  });

  it('pairedDiff, one dataset: the hand-counted difference with a bootstrap interval over seeds and images', () => {
    const a = [rec('busi', 'tl', 'baseline', 0, 100, 90)];
    const b = [rec('busi', 'ssl', 'baseline', 0, 100, 60)];
    const d = pairedDiff(pairRuns(a, b), { resamples: 500 });
    expect(d.diff).toBeCloseTo(0.3, 10);
    expect(d.test).toBe('bootstrap');
    expect(d.lo).toBeGreaterThan(0.15);
    expect(d.p).toBeLessThan(0.01);
    expect(d.notes.join()).toMatch(/one fine-tuning seed/);
    expect(verdictOf(d, d.p)).toBe('supported');
    expect(verdictOf({ diff: -d.diff, lo: -d.hi, hi: -d.lo }, d.p)).toBe('contradicted');
  });

  it('pairedDiff over several datasets: Student t on the dataset effects (scipy.stats.ttest_1samp)', () => {
    // Dataset effects: busi (0.3 + 0.1)/2 = 0.2 over two seeds, chest-ct 0, pneumoniamnist 0.1: mean 0.1, sd 0.1.
    // scipy: ttest_1samp([0.2, 0, 0.1], 0) → t = 1.7320508, p = 0.2254033; CI 0.1 ∓ 4.3026527·0.1/√3.
    const a = [
      rec('busi', 'tl', 'baseline', 0, 100, 90),
      rec('busi', 'tl', 'baseline', 1, 100, 70),
      rec('chest-ct', 'tl', 'baseline', 0, 50, 25),
      rec('pneumoniamnist', 'tl', 'baseline', 0, 200, 120),
    ];
    const b = [
      rec('busi', 'ssl', 'baseline', 0, 100, 60),
      rec('busi', 'ssl', 'baseline', 1, 100, 60),
      rec('chest-ct', 'ssl', 'baseline', 0, 50, 25),
      rec('pneumoniamnist', 'ssl', 'baseline', 0, 200, 100),
    ];
    const d = pairedDiff(pairRuns(a, b), { resamples: 200 });
    expect(d.test).toBe('t');
    expect(d.pairs).toBe(4);
    expect(d.perDataset.map((x) => x.effect)).toEqual([0.2, 0, 0.1].map((x) => expect.closeTo(x, 12)));
    expect(d.diff).toBeCloseTo(0.1, 12);
    const half = (4.302652729911275 * 0.1) / Math.sqrt(3);
    expect(d.lo).toBeCloseTo(0.1 - half, 8);
    expect(d.hi).toBeCloseTo(0.1 + half, 8);
    expect(d.p).toBeCloseTo(0.22540333075851657, 8);
    expect(d.notes.join()).toMatch(/one fine-tuning seed on chest-ct, pneumoniamnist/);
  });

  it('pairedDiff averages datasets equally, whatever their test size', () => {
    const a = [rec('busi', 'tl', 'baseline', 0, 400, 400), rec('chest-ct', 'tl', 'baseline', 0, 40, 20)];
    const b = [rec('busi', 'ssl', 'baseline', 0, 400, 200), rec('chest-ct', 'ssl', 'baseline', 0, 40, 20)];
    expect(pairedDiff(pairRuns(a, b), { resamples: 200 }).diff).toBeCloseTo((0.5 + 0) / 2, 10);
  });

  it('runs with different test images are not paired', () => {
    const a = rec('busi', 'tl', 'baseline', 0, 10, 5);
    const b = rec('busi', 'ssl', 'baseline', 0, 10, 5);
    b.test.indices = b.test.indices.map((i) => i + 1);
    expect(pairRuns([a], [b])).toEqual([]);
  });

  it('interaction = (gain of x) − (gain of y), per image; both arms = their mean gain, one unit per dataset', () => {
    const x = pairRuns([rec('busi', 'tl', 'double-ft', 0, 10, 8)], [rec('busi', 'tl', 'baseline', 0, 10, 4)]);
    const y = pairRuns([rec('busi', 'ssl', 'double-ft', 0, 10, 5)], [rec('busi', 'ssl', 'baseline', 0, 10, 4)]);
    expect(unitDiff(interactionUnits(x, y), { resamples: 100 }).diff).toBeCloseTo(0.4 - 0.1, 10);
    const both = unitDiff(meanOfPairsUnits(x, y), { resamples: 100 });
    expect(both.diff).toBeCloseTo((0.4 + 0.1) / 2, 10);
    expect(both.datasets).toEqual(['busi']);
  });

  it('Holm across a family leaves undefined p-values out of it', () => {
    expect(holmAdjusted([0.01, NaN, 0.04])).toEqual([0.02, NaN, 0.04]);
  });
});

describe('reproduction report', () => {
  // Colour set: TL clearly better. Grey set: identical. Double-FT: large gain for TL on a small set.
  const records: RunRecord[] = [];
  for (const seed of [0, 1, 2]) {
    records.push(
      rec('isic-uda1', 'tl', 'baseline', seed, 120, 100, 280, 10),
      rec('isic-uda1', 'ssl', 'baseline', seed, 120, 60, 280, 10),
    );
    records.push(
      rec('chest-ct', 'tl', 'baseline', seed, 120, 80, 547, 10),
      rec('chest-ct', 'ssl', 'baseline', seed, 120, 80, 547, 12),
    );
    records.push(
      rec('chest-ct', 'tl', 'double-ft', seed, 120, 110, 547, 20),
      rec('chest-ct', 'ssl', 'double-ft', seed, 120, 82, 547, 20),
    );
  }
  const pretrain = [
    {
      method: 'tl',
      variant: 'mini-xception',
      inputSize: 32,
      source: 'cifar10',
      epochs: 1,
      batchSize: 64,
      trainSeconds: 100,
      file: 'a.json',
    },
    {
      method: 'ssl',
      variant: 'mini-resnet18-w32',
      inputSize: 32,
      source: 'cifar10',
      epochs: 1,
      batchSize: 64,
      trainSeconds: 250,
      file: 'b.json',
    },
  ];

  it('computes the effects behind the claims; one dataset per group gives no t interval, so no verdict', () => {
    const rep = evaluateClaims(
      { records, pretrain, profile: 'test', resamples: 500 },
      provenance({ commit: 'x', profile: 'test', backend: 'cpu' }),
    );
    // arms tl/ssl (older exports): the only comparison is the old pairing, which is then the headline
    expect(rep.comparisons.map((c) => [c.id, c.headline])).toEqual([['legacy', true]]);
    const c12 = rep.claims.find((c) => c.id === 'C1/C2')!;
    expect(c12.status).toBe('evaluated');
    const [inter, colour, grey] = c12.effects;
    // first k of n right with alternating labels: balanced accuracy = k/n, so TL − SSL on the colour set = 40/120
    expect(colour.byMetric.balancedAccuracy.estimate).toBeCloseTo(40 / 120, 10);
    expect(colour.byMetric.accuracy.estimate).toBeCloseTo(40 / 120, 10);
    expect(grey.byMetric.accuracy.estimate).toBe(0);
    expect(inter.byMetric.balancedAccuracy.estimate).toBeCloseTo(40 / 120, 10);
    expect(inter.byMetric.balancedAccuracy.t).toBeNull(); // K = 1 + 1: nothing to estimate a spread from
    expect(c12.verdict).toBe('inconclusive');
    expect(c12.fewUnits).toMatch(/K = 1 and 1/);
    // isic-uda1 is a double-FT target too (ham10000 → isic-uda1) and has no double-FT runs: C3 waits for them
    const c3 = rep.claims.find((c) => c.id === 'C3')!;
    expect(c3.status).toBe('not evaluated');
    expect(c3.missing).toMatch(/tl\/double-ft on isic-uda1 \(seed 0, 1, 2\)/);
    expect(c3.ours).toBe('not evaluated yet (30 runs missing)');
    const c6 = rep.claims.find((c) => c.id === 'C6')!;
    expect(c6.ours).toMatch(/no same-architecture Imagenette TL\/SSL pair/); // these records name no architecture
  });

  it('each profile writes its own report, in the folder reportDir gives it', async () => {
    const { reportFile } = await import('../../lib/report/reproduction');
    const { ROOT, SCRATCH_DIR } = await import('../../lib/util/paths');
    const prev = process.env.MEDSSL_PUBLISH;
    try {
      delete process.env.MEDSSL_PUBLISH;
      expect(reportFile('cpu')).toBe(path.join(SCRATCH_DIR, 'cpu', 'paper', 'REPRODUCTION-cpu.md')); // a live kernel
      process.env.MEDSSL_PUBLISH = '1';
      expect(reportFile('cpu')).toBe(path.join(ROOT, 'paper', 'REPRODUCTION-cpu.md'));
      expect(reportFile('smoke')).toBe(path.join(SCRATCH_DIR, 'smoke', 'paper', 'REPRODUCTION-smoke.md'));
    } finally {
      if (prev === undefined) delete process.env.MEDSSL_PUBLISH;
      else process.env.MEDSSL_PUBLISH = prev;
    }
  });

  it('writes REPRODUCTION-<profile>.md with the claims table, paper numbers and deviations', () => {
    const rep = writeReproduction(
      { records, pretrain, profile: 'test', resamples: 200 },
      { dir, provenance: { commit: 'x' } },
    );
    expect(rep.files).toEqual({
      markdown: path.join(dir, 'REPRODUCTION-test.md'),
      csv: path.join(dir, 'tables', '09-claims-test.csv'),
    });
    expect(fs.existsSync(path.join(dir, 'REPRODUCTION.md'))).toBe(false); // no profile-less copy
    const md = fs.readFileSync(rep.files.markdown, 'utf8');
    expect(md).toContain('96.4%');
    expect(md).toContain('97.22%');
    expect(md).toMatch(
      /\| C1\/C2 \| TL beats SSL on colour data and SSL beats TL on grey data.*\*\*inconclusive\*\* \(balanced accuracy\)/,
    );
    expect(md).toContain('- **Unit:** the dataset');
    expect(md).toContain('No Kvasir');
    expect(md).toContain('MobileNetV2');
    expect(fs.existsSync(rep.files.csv)).toBe(true);
  });
});

describe('deviations', () => {
  it('says whether the ImageNet control ran (its arm in the records) and names each pre-training seed', () => {
    const pre = [
      { method: 'tl', variant: 'small-resnet18-w16', inputSize: 32, source: 'imagenette', epochs: 40, batchSize: 256 },
    ].flatMap((p) => [0, 1].map((seed) => ({ ...p, seed, trainSeconds: 1, file: `tl-${seed}.json` })));
    const base = [reportRecord('busi', 'tl-resnet', 'baseline', 0, 10, 5)];
    const imagenet = (recs: RunRecord[]) =>
      deviations({ records: recs, pretrain: pre, profile: 'cpu' }).find((d) => d.startsWith('**ImageNet stand-in.**'))!;
    expect(imagenet(base)).toMatch(/did not run that arm/);
    expect(imagenet([...base, reportRecord('busi', 'imagenet-mnv2', 'baseline', 0, 10, 5)])).toMatch(
      /Runs of that arm are in the results above/,
    );
    const arch = deviations({ records: base, pretrain: pre, profile: 'cpu' }).find((d) =>
      d.startsWith('**Architectures'),
    )!;
    expect(arch).toContain('on imagenette (seed 0), 40 epochs');
    expect(arch).toContain('on imagenette (seed 1), 40 epochs');
  });

  it('counts the commits pre-training finished on and the runs from an uncommitted tree', () => {
    const run = { method: 'tl', variant: 'v', inputSize: 32, source: 'imagenette', epochs: 1, batchSize: 8 };
    const pre = ['aaa', 'aaa+dirty', 'bbb'].map((commit, i) => ({
      ...run,
      seed: i,
      trainSeconds: 1,
      file: 'x',
      commit,
    }));
    const line = (p: typeof pre) =>
      deviations({ records: [], pretrain: p, profile: 'cpu' }).find((d) => d.startsWith('**Pre-trained weights'))!;
    expect(line(pre)).toContain('the 3 runs finished on 3 different commits, 1 of 3 from a working tree');
    expect(line(pre.slice(0, 1))).toContain('the run finished on one commit.');
    expect(line(pre)).toContain('config.backboneWeights');
  });
});

describe('where the notebooks read results', () => {
  it('fine-tuning exports and pre-training records of a profile live under its artefactRoot (smoke: scratch/smoke/)', async () => {
    const { exportPath } = await import('../../lib/finetune/export');
    const { pretrainDirs, loadPretrainSummaries } = await import('../../lib/report/reproduction');
    const { ROOT, SCRATCH_DIR } = await import('../../lib/util/paths');
    expect(exportPath('cpu')).toBe(path.join(ROOT, 'paper', 'results', 'finetune-cpu.json'));
    expect(exportPath('smoke')).toBe(path.join(SCRATCH_DIR, 'smoke', 'paper', 'results', 'finetune-smoke.json'));
    expect(pretrainDirs().sort()).toEqual(
      [path.join(ROOT, 'paper', 'pretrain'), path.join(SCRATCH_DIR, 'smoke', 'paper', 'pretrain')].sort(),
    );
    // records from every folder given, a missing folder skipped
    const d1 = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-pre-'));
    const d2 = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-pre-'));
    const rec = (profile: string, method: string) => ({
      profile,
      runs: [
        {
          config: { method, inputSize: 32, epochs: 1, batchSize: 8, source: { dataset: 'imagenette' } },
          trainSeconds: 3,
        },
      ],
    });
    fs.writeFileSync(path.join(d1, 'cpu.json'), JSON.stringify(rec('cpu', 'supervised')));
    fs.writeFileSync(path.join(d2, 'smoke.json'), JSON.stringify(rec('smoke', 'simclr')));
    expect(loadPretrainSummaries([d1, d2, path.join(d2, 'missing')]).map((p) => `${p.profile}:${p.method}`)).toEqual([
      'cpu:supervised',
      'smoke:simclr',
    ]);
    fs.rmSync(d1, { recursive: true, force: true });
    fs.rmSync(d2, { recursive: true, force: true });
  });
});

describe('latestPerCell', () => {
  it('keeps the newest record per cell and drops random stand-ins for TL/SSL', async () => {
    const { latestPerCell } = await import('../../lib/report/runs');
    const old = { ...rec('busi', 'tl', 'baseline', 0, 10, 5), finishedAt: '2026-01-01' };
    const neu = { ...rec('busi', 'tl', 'baseline', 0, 10, 7), finishedAt: '2026-02-01' };
    const stand = rec('busi', 'ssl', 'baseline', 0, 10, 7);
    stand.config.backbone = 'random:tiny-resnet';
    const r = latestPerCell([neu, old, stand]);
    expect(r.kept).toEqual([neu]);
    expect(r.dropped).toBe(2);
  });
});
