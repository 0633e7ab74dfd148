// Which machines and kernel families the fine-tuning records were computed with. Two records of one config agree to
// round-off (≈ 1e-4 in a test probability), not bit for bit, when their CPUs or TensorFlow's kernel family differ, so
// the report says how the grid's records split.
import type { RunRecord } from './compare';

/**
 * Records that predate `backendInfo.cpu` and started at or after this instant ran on a CPU without AVX2/AVX-512 with
 * TensorFlow's oneDNN kernels off (TF's default there), although their `backendInfo.onednn` says `on`: before the
 * backend set TF_ENABLE_ONEDNN_OPTS itself, that field echoed the variable, not TensorFlow's state. Every record from
 * the code that sets it also records the CPU, so the rule "no CPU field and started after this" names exactly those
 * runs (data/grid-progress/README.md, "oneDNN off on one machine").
 */
export const ONEDNN_OFF_SINCE = '2026-12-03T09:50:00Z';

interface CpuField {
  model?: string;
  avx2?: boolean;
  avx512f?: boolean;
}

/** How one record computed: CPU (when recorded) and whether TensorFlow's oneDNN kernels were on. */
export function runMachine(r: RunRecord): { cpu: string | null; onednn: 'on' | 'off' | 'n/a' } {
  const info = (r.backendInfo ?? {}) as { backend?: string; onednn?: string; cpu?: CpuField };
  if (info.backend !== 'tensorflow') return { cpu: null, onednn: 'n/a' };
  const cpu = info.cpu
    ? `${info.cpu.model ?? 'unknown'} (${[info.cpu.avx512f ? 'AVX-512' : '', info.cpu.avx2 ? 'AVX2' : ''].filter(Boolean).join(', ') || 'no AVX2/AVX-512'})`
    : null;
  if (!info.cpu && Date.parse(r.startedAt) >= Date.parse(ONEDNN_OFF_SINCE)) return { cpu, onednn: 'off' };
  return { cpu, onednn: info.onednn === 'off' ? 'off' : 'on' };
}

/** One sentence for the report's deviations: how many records per CPU and kernel family, largest group first. */
export function machineDeviation(records: RunRecord[]): string {
  if (!records.length) return '**Machines.** No fine-tuning records yet.';
  const groups = new Map<string, number>();
  let off = 0;
  for (const r of records) {
    const m = runMachine(r);
    if (m.onednn === 'off') off++;
    const k = `${m.cpu ?? 'CPU not recorded'}, oneDNN ${m.onednn}`;
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  const parts = [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} × ${k}`);
  return (
    `**Machines.** The ${records.length} fine-tuning records were computed across sessions on more than one machine: ${parts.join('; ')}. ` +
    'Records from before 2026-12-03 do not name their CPU: they come from several 2-core machines on which TensorFlow ran oneDNN by default (the dilated depthwise gradients, which exist only with oneDNN, passed there). ' +
    (off
      ? `The ${off} with oneDNN off used TensorFlow's Eigen kernels (a CPU without AVX2/AVX-512 leaves oneDNN off by default; their record says \`on\` because it echoed an unset variable) and were kept: `
      : '') +
    're-running one config on another CPU gives the same accuracy with test probabilities within 5e-4 (measured in tests/finetune/verify-export and tests/explain/finetuned: 1.0e-4 and 4.5e-4 with oneDNN on both sides, 2.0e-4 and 3.3e-4 with it off on one).'
  );
}
