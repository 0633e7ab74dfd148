import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../lib/report/compare';
import { machineDeviation, ONEDNN_OFF_SINCE, runMachine } from '../../lib/report/run-machines';

const rec = (startedAt: string, backendInfo: Record<string, unknown>) =>
  ({ startedAt, backendInfo }) as unknown as RunRecord;
const TF = { backend: 'tensorflow', onednn: 'on' };
const epyc = { model: 'AMD EPYC', avx2: true, avx512f: false };

describe('runMachine', () => {
  it('trusts the oneDNN field of records that name their CPU', () => {
    expect(runMachine(rec('2026-12-04T00:00:00Z', { ...TF, cpu: epyc }))).toEqual({
      cpu: 'AMD EPYC (AVX2)',
      onednn: 'on',
    });
    expect(runMachine(rec('2026-12-04T00:00:00Z', { ...TF, onednn: 'off', cpu: { model: 'X' } }))).toEqual({
      cpu: 'X (no AVX2/AVX-512)',
      onednn: 'off',
    });
  });

  it('marks CPU-less records started after the cut-off as oneDNN off, older ones as on', () => {
    const cut = Date.parse(ONEDNN_OFF_SINCE);
    expect(runMachine(rec(new Date(cut - 1000).toISOString(), TF)).onednn).toBe('on');
    expect(runMachine(rec(new Date(cut).toISOString(), TF)).onednn).toBe('off');
    expect(runMachine(rec(new Date(cut + 3.6e6).toISOString(), TF))).toEqual({ cpu: null, onednn: 'off' });
  });

  it('has no oneDNN state off the tensorflow backend', () => {
    expect(runMachine(rec('2026-12-04T00:00:00Z', { backend: 'wasm' })).onednn).toBe('n/a');
  });
});

describe('machineDeviation', () => {
  it('counts records per CPU and kernel family, largest group first', () => {
    const rs = [
      rec('2026-12-01T10:00:00Z', TF),
      rec('2026-12-01T11:00:00Z', TF),
      rec('2026-12-01T12:00:00Z', TF),
      rec('2026-12-03T10:00:00Z', TF),
      rec('2026-12-03T13:00:00Z', { ...TF, cpu: epyc }),
    ];
    const s = machineDeviation(rs);
    expect(s).toContain('The 5 fine-tuning records');
    expect(s).toContain(
      '3 × CPU not recorded, oneDNN on; 1 × CPU not recorded, oneDNN off; 1 × AMD EPYC (AVX2), oneDNN on',
    );
    expect(s).toContain('The 1 with oneDNN off');
  });

  it('does not mention oneDNN-off records when there are none', () => {
    expect(machineDeviation([rec('2026-12-01T10:00:00Z', TF)])).not.toContain('with oneDNN off used');
    expect(machineDeviation([])).toContain('No fine-tuning records');
  });
});
