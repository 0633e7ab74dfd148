// The learning-rate tuning runs share the first seed's baseline cell with the result the grid keeps: the report
// must count only the chosen rate's run (the grid's own rule), whatever order the records come in.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/finetune/run-record';
import { latestPerCell, withoutUnchosenRates } from '../../lib/report/runs';

const rec = (arm: string, seed: number, lr: number, bestVal: number, finishedAt: string): RunRecord =>
  ({
    configHash: `${arm}-${seed}-${lr}`,
    finishedAt,
    config: { profile: 'cpu', dataset: 'busi', arm, condition: 'baseline', seed, backbone: 'b', train: { lr } },
    stages: [{ stage: 'target', bestEpoch: 0, epochs: [{ epoch: 0, valLoss: bestVal }] }],
  }) as unknown as RunRecord;

describe('tuning runs in the results', () => {
  it('keeps only the chosen rate of each arm × dataset, which is the lowest best validation loss', () => {
    const rs = [
      rec('tl-resnet', 0, 3e-4, 0.9, '2026-01-03'), // finished last: "latest" would pick it
      rec('tl-resnet', 0, 1e-3, 0.5, '2026-01-01'),
      rec('tl-resnet', 0, 3e-3, 0.7, '2026-01-02'),
      rec('tl-resnet', 1, 1e-3, 0.6, '2026-01-04'),
      rec('ssl-resnet', 0, 3e-3, 0.4, '2026-01-01'),
      rec('ssl-resnet', 0, 1e-3, 0.8, '2026-01-05'),
    ];
    expect(withoutUnchosenRates(rs).map((r) => r.configHash)).toEqual([
      'tl-resnet-0-0.001',
      'tl-resnet-1-0.001',
      'ssl-resnet-0-0.003',
    ]);
    const { kept, unchosen, dropped } = latestPerCell(rs);
    // in config-hash order, whatever order the records came in
    expect(kept.map((r) => r.configHash)).toEqual(['ssl-resnet-0-0.003', 'tl-resnet-0-0.001', 'tl-resnet-1-0.001']);
    expect(latestPerCell([...rs].reverse()).kept).toEqual(kept);
    expect({ unchosen, dropped }).toEqual({ unchosen: 3, dropped: 0 });
  });
});
