import { describe, expect, it } from 'vitest';
import { formatTimeLeft, measuredTimeLeft } from '../../lib/finetune/time-left';
import type { RunConfig } from '../../lib/finetune/run-record';
import { reportRecord } from '../helpers/run-records';

const cfg = (dataset: string, arm: string, condition: string, seed = 0) =>
  ({ dataset, arm, condition, seed }) as unknown as RunConfig;
// reportRecord(dataset, arm, condition, seed, n, nRight, trainN, seconds, cpuSeconds)
const rec = (dataset: string, arm: string, condition: string, seed: number, cpu?: number) =>
  reportRecord(dataset, arm, condition, seed, 4, 2, 500, 10, cpu);

describe('measuredTimeLeft', () => {
  const done = [
    rec('ham', 'tl', 'augment', 0, 100),
    rec('ham', 'tl', 'augment', 1, 200),
    rec('ham', 'ssl', 'augment', 0, 600),
    rec('ham', 'tl', 'baseline', 0, 40),
    rec('ham', 'ssl', 'baseline', 0), // predates cpuSeconds: not a measurement
    rec('pbc', 'tl', 'baseline', 0, 70),
  ];

  it('charges each missing run the mean of its own arm, else of every arm, and counts what it cannot measure', () => {
    const t = measuredTimeLeft(
      [
        cfg('ham', 'tl', 'augment', 2), // own arm: (100 + 200) / 2 = 150
        cfg('ham', 'ssl', 'augment', 1), // own arm: 600
        cfg('ham', 'mnv2', 'augment', 0), // no mnv2 augment run: every arm (100 + 200 + 600) / 3 = 300
        cfg('ham', 'ssl', 'baseline', 1), // the ssl baseline has no CPU time: every timed arm, 40
        cfg('pbc', 'tl', 'downsample', 0), // nothing measured for pbc/downsample
      ],
      done,
    );
    expect(t.runs).toBe(5);
    expect(t.unmeasured).toBe(1);
    expect(t.cpuSeconds).toBeCloseTo(150 + 600 + 300 + 40, 9);
    expect(t.groups.map((g) => [g.dataset, g.condition, g.runs, Math.round(g.cpuSeconds)])).toEqual([
      ['ham', 'augment', 3, 1050],
      ['ham', 'baseline', 1, 40],
      ['pbc', 'downsample', 1, 0],
    ]);
    expect(t.groups[0].basis).toEqual({ 'same arm': 2, 'any arm': 1, unmeasured: 0 });
    expect(t.groups[2].basis.unmeasured).toBe(1);
  });

  it('prints hours on the cores and names what it left out', () => {
    const t = measuredTimeLeft([cfg('ham', 'tl', 'augment'), cfg('pbc', 'tl', 'downsample')], done);
    const s = formatTimeLeft(t, 2);
    expect(s).toContain('ham/augment: 1 runs ≈ 150 CPU-s');
    expect(s).toContain('pbc/downsample: 1 runs ≈ 0 CPU-s (1 unmeasured, not counted)');
    expect(s).toContain('left: 2 runs ≈ 150 CPU-s ≈ 0.0 h on 2 cores, plus 1 runs with no measured run');
  });

  it('is zero when nothing is missing', () => {
    expect(measuredTimeLeft([], done)).toEqual({ runs: 0, cpuSeconds: 0, unmeasured: 0, groups: [] });
  });
});
