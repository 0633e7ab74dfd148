// C6 cost: same architecture, Imagenette-source runs only, CPU seconds per epoch where logged.
import { describe, expect, it } from 'vitest';
import { costClaim, finetuneCost, type PretrainCostInput } from '../../lib/report/cost';
import { reportRecord } from '../helpers/run-records';

// The five pre-training records of the old export (paper/pretrain/cpu.json at commit de47d70): wall seconds only.
const OLD: PretrainCostInput[] = [
  { method: 'tl', arch: 'xception', source: 'imagenette', epochs: 6, trainSeconds: 815.299 },
  { method: 'ssl', arch: 'resnet', source: 'imagenette', epochs: 6, trainSeconds: 2086.021 },
  { method: 'tl', arch: 'resnet', source: 'imagenette', epochs: 6, trainSeconds: 997.651 },
  { method: 'ssl', arch: 'xception', source: 'imagenette', epochs: 6, trainSeconds: 609.755 },
  { method: 'ssl', arch: 'resnet', source: 'medical-all', epochs: 6, trainSeconds: 896.674 },
];

describe('costClaim', () => {
  it('leaves the medical-source SimCLR run out (issue 11: 1.42× Imagenette-only, not 1.12×)', () => {
    const r = costClaim(OLD, [], { tl: 'tl', ssl: 'ssl' });
    expect(r.perArch.map((a) => a.arch)).toEqual(['resnet', 'xception']);
    expect(r.perArch[0].ratio).toBeCloseTo(2086.021 / 997.651, 12);
    expect(r.perArch[1].ratio).toBeCloseTo(609.755 / 815.299, 12);
    // the review's number: mean of the two same-architecture ratios
    expect((r.perArch[0].ratio + r.perArch[1].ratio) / 2).toBeCloseTo(1.42, 2);
    expect(r.excluded).toEqual(['ssl resnet on medical-all: source is not imagenette']);
    // wall-clock only: no verdict drawn
    expect(r.perArch.every((a) => a.timing === 'wall')).toBe(true);
    expect(r.verdict).toBe('inconclusive');
  });

  it('CPU seconds per epoch from the logs, seeds averaged per method; verdict by the stated range', () => {
    const h = (cpu: number[], load = 1) =>
      cpu.map((c, i) => ({ epoch: i + 1, seconds: 5 * c, cpuSeconds: c, load1: load }));
    const runs: PretrainCostInput[] = [
      { method: 'tl', arch: 'resnet', source: 'imagenette', seed: 0, epochs: 2, trainSeconds: 1, history: h([10, 12]) },
      { method: 'tl', arch: 'resnet', source: 'imagenette', seed: 1, epochs: 2, trainSeconds: 1, history: h([10, 8]) },
      {
        method: 'ssl',
        arch: 'resnet',
        source: 'imagenette',
        seed: 0,
        epochs: 2,
        trainSeconds: 1,
        history: h([25, 25], 3),
      },
      { method: 'ssl', arch: 'resnet', source: 'medical-all', epochs: 2, trainSeconds: 1, history: h([1, 1]) },
    ];
    const r = costClaim(runs, [], { tl: 'tl-resnet', ssl: 'ssl-resnet' });
    expect(r.perArch).toHaveLength(1);
    expect(r.perArch[0]).toMatchObject({ arch: 'resnet', tl: 10, ssl: 25, timing: 'cpu', runs: { tl: 2, ssl: 1 } });
    expect(r.perArch[0].ratio).toBeCloseTo(2.5, 12);
    expect(r.perArch[0].load).toBeCloseTo((1 * 4 + 3 * 2) / 6, 12);
    expect(r.verdict).toBe('supported');
    runs[2].history = h([13, 13]); // 1.3×: between 1.25 and 1.6
    expect(costClaim(runs, [], { tl: 'tl-resnet', ssl: 'ssl-resnet' }).verdict).toBe('inconclusive');
    runs[2].history = h([12, 12]); // 1.2× < 1.25
    expect(costClaim(runs, [], { tl: 'tl-resnet', ssl: 'ssl-resnet' }).verdict).toBe('contradicted');
  });
});

describe('finetuneCost', () => {
  it('mean CPU seconds of paired baseline runs; n/a (with the count) when a record predates cpuSeconds', () => {
    const recs = [
      reportRecord('busi', 'tl-resnet', 'baseline', 0, 10, 5, 500, 10, 100),
      reportRecord('busi', 'ssl-resnet', 'baseline', 0, 10, 5, 500, 10, 150),
      reportRecord('busi', 'tl-resnet', 'baseline', 1, 10, 5, 500, 10, 100),
      reportRecord('busi', 'ssl-resnet', 'baseline', 1, 10, 5, 500, 10, 250),
    ];
    const r = finetuneCost(recs, { tl: 'tl-resnet', ssl: 'ssl-resnet' });
    expect(r.ratio).toBeCloseTo(200 / 100, 12);
    expect(r.runs).toBe(2);
    recs.push(
      reportRecord('busi', 'tl-resnet', 'baseline', 2, 10, 5),
      reportRecord('busi', 'ssl-resnet', 'baseline', 2, 10, 5),
    );
    const n = finetuneCost(recs, { tl: 'tl-resnet', ssl: 'ssl-resnet' });
    expect(Number.isNaN(n.ratio)).toBe(true);
    expect(n.note).toMatch(/n\/a — 1 of 3 paired baseline runs predate the cpuSeconds field/);
  });
});
