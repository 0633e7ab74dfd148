// C6 cost: same architecture, Imagenette-source runs only, CPU seconds per epoch where logged.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  controlledCost,
  costClaim,
  finetuneCost,
  loadStepCost,
  plateauTime,
  type PretrainCostInput,
  type StepCostMeasurement,
} from '../../lib/report/cost';
import { epochLog } from '../pretrain/fixtures';
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

describe('controlled per-image cost (bench/pretrain-cost.ts)', () => {
  const m = (arch: string, method: 'tl' | 'ssl', imgPerCpuSec: number, load1 = 1): StepCostMeasurement => ({
    arch,
    variant: `v-${arch}`,
    method,
    size: 32,
    batch: 256,
    backend: 'tensorflow',
    threads: 1,
    imgPerSec: imgPerCpuSec,
    imgPerCpuSec,
    load1,
  });
  // three rounds per arch and method; medians by hand: resnet TL 345.3, SSL 167.6; xception TL 289.1, SSL 110.4
  const ms = [
    m('resnet', 'ssl', 140.6, 1.04),
    m('resnet', 'tl', 345.3),
    m('xception', 'ssl', 149.6),
    m('xception', 'tl', 253.1),
    m('resnet', 'ssl', 167.6),
    m('resnet', 'tl', 297.2),
    m('xception', 'ssl', 110.4),
    m('xception', 'tl', 303.1),
    m('resnet', 'ssl', 182.3),
    m('resnet', 'tl', 398.3, 1.27),
    m('xception', 'ssl', 107.2),
    m('xception', 'tl', 289.1),
  ];

  it('takes the median per arch and method; the ratio is CPU time per image, SSL over TL', () => {
    const c = controlledCost(ms);
    expect(c.map((x) => [x.arch, x.tl, x.ssl, x.n])).toEqual([
      ['resnet', 345.3, 167.6, { tl: 3, ssl: 3 }],
      ['xception', 289.1, 110.4, { tl: 3, ssl: 3 }],
    ]);
    expect(c[0].ratio).toBeCloseTo(345.3 / 167.6, 12);
    expect(c[0].load).toEqual([1, 1.27]);
    // one method only: no ratio for that architecture
    expect(controlledCost(ms.filter((x) => !(x.arch === 'xception' && x.method === 'tl'))).map((x) => x.arch)).toEqual([
      'resnet',
    ]);
  });

  it('decides the verdict over the run logs, and only with three measurements per method', () => {
    // the logs alone would say contradicted (1.2×)
    const h = (c: number) => [{ epoch: 1, cpuSeconds: c, seconds: c, load1: 1 }];
    const logs: PretrainCostInput[] = [
      { method: 'tl', arch: 'resnet', source: 'imagenette', epochs: 1, trainSeconds: 1, history: h(10) },
      { method: 'ssl', arch: 'resnet', source: 'imagenette', epochs: 1, trainSeconds: 1, history: h(12) },
    ];
    const arms = { tl: 'tl-resnet', ssl: 'ssl-resnet' };
    expect(costClaim(logs, [], arms).verdict).toBe('contradicted');
    const r = costClaim(logs, [], arms, ms);
    expect(r.verdict).toBe('supported'); // 2.06× and 2.62×
    expect(r.rule).toMatch(/per source image/);
    expect(r.perArch[0].ratio).toBeCloseTo(1.2, 12); // still shown
    expect(costClaim(logs, [], arms, ms.slice(0, 8)).verdict).toBe('inconclusive'); // two rounds
    const slowTl = ms.map((x) => (x.method === 'tl' ? { ...x, imgPerCpuSec: x.imgPerCpuSec / 2.5 } : x));
    expect(costClaim(logs, [], arms, slowTl).verdict).toBe('contradicted'); // 0.82× and 1.05×
  });

  it('time to plateau: epochs up to the plateau at the measured cost, and as logged', () => {
    const e = (epoch: number, knnTop1?: number) => epochLog(epoch, knnTop1, { images: 1000, cpuSeconds: 7 });
    const history = [e(1), e(2, 0.3), e(3), e(4, 0.4), e(5), e(6, 0.405)];
    const c = controlledCost(ms);
    const id = { name: 'ssl-resnet', hash: 'h', method: 'ssl', arch: 'resnet', source: 'imagenette', finished: true };
    const p = plateauTime({ ...id, history }, c);
    expect(p.plateauEpoch).toBe(4);
    expect(p.cpuSecondsToPlateau).toBeCloseTo(4000 / 167.6, 9);
    expect(p.loggedCpuSecondsToPlateau).toBe(28);
    expect(p.lastProbes).toEqual([0.3, 0.4, 0.405]);
    const q = plateauTime({ ...id, history: history.slice(0, 4) }, c); // 0.3 → 0.4: still rising
    expect([q.plateauEpoch, q.cpuSecondsToPlateau]).toEqual([null, null]);
  });

  it('a malformed or foreign cost file is an error that names the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-cost-'));
    const f = path.join(dir, 'cost-cpu.json');
    expect(loadStepCost('cpu', f)).toBeUndefined();
    fs.writeFileSync(f, '{"measurements": [');
    expect(() => loadStepCost('cpu', f)).toThrow(new RegExp(`${f}: not valid JSON`));
    fs.writeFileSync(f, JSON.stringify({ profile: 'cpu', measurements: [] }));
    expect(() => loadStepCost('cpu', f)).toThrow(/no measurements \/ plateau arrays/);
    fs.writeFileSync(f, JSON.stringify({ profile: 'gpu', measurements: [], plateau: [] }));
    expect(() => loadStepCost('cpu', f)).toThrow(/measured for profile gpu, not cpu/);
  });
});
