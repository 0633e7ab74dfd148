// C6, the cost claim ("SSL takes 2–3× the training time of TL"), from what was measured:
//   - pre-training: CPU seconds per epoch from each run's per-epoch log (history), SSL over TL on the SAME
//     architecture, Imagenette-source runs only. The in-domain SimCLR run (source medical-all) is another
//     experiment on another data set: averaging it in was a bug (issue 11: 1.12× instead of 1.42× on the old export).
//     Wall seconds are used only where a log has no CPU time, and then the row says so and no verdict is drawn.
//   - fine-tuning: the records' cpuSeconds (older records lack it: n/a).
// CPU time is what stays comparable on a shared 2-core machine; the load average beside it says how shared it was.
import { armLabel } from '../pretrain/arms';
import type { Verdict } from './compare';
import type { RunRecord } from './compare';

/** What C6 reads of a pre-training record (lib/report/reproduction.ts PretrainSummary has these fields). */
export interface PretrainCostInput {
  method: string;
  arch?: string;
  source: string;
  seed?: number;
  epochs: number;
  trainSeconds: number;
  history?: { epoch: number; seconds?: number; cpuSeconds?: number; load1?: number }[];
  file?: string;
}

/** The source whose runs the cost claim compares (the TL/SSL backbones' source). */
export const COST_SOURCE = 'imagenette';

export interface ArchCost {
  arch: string;
  /** runs averaged per method (pre-training seeds) */
  runs: { tl: number; ssl: number };
  /** mean per-epoch seconds per method (CPU when every epoch logged it, else wall) */
  tl: number;
  ssl: number;
  ratio: number;
  timing: 'cpu' | 'wall';
  /** mean 1-minute load average over the logged epochs (NaN when not logged) */
  load: number;
}

export interface CostResult {
  perArch: ArchCost[];
  /** runs left out and why (other sources, no architecture recorded, one method only) */
  excluded: string[];
  verdict: Verdict;
  /** fine-tuning: mean cpuSeconds per run SSL / TL over the paired baseline runs, or NaN with the reason */
  finetune: { ratio: number; runs: number; note: string };
  rule: string;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Per-epoch seconds of a run: CPU seconds when every logged epoch has them, else wall seconds. */
function perEpoch(r: PretrainCostInput): { seconds: number; timing: 'cpu' | 'wall'; load: number } {
  const h = r.history ?? [];
  if (h.length && h.every((e) => typeof e.cpuSeconds === 'number'))
    return {
      seconds: mean(h.map((e) => e.cpuSeconds!)),
      timing: 'cpu',
      load: mean(h.filter((e) => typeof e.load1 === 'number').map((e) => e.load1!)),
    };
  if (h.length && h.every((e) => typeof e.seconds === 'number'))
    return { seconds: mean(h.map((e) => e.seconds!)), timing: 'wall', load: NaN };
  return { seconds: r.trainSeconds / r.epochs, timing: 'wall', load: NaN };
}

export const COST_RULE =
  'supported if the SSL/TL ratio of CPU seconds per pre-training epoch (same architecture, Imagenette source) lies within 1.6–3.6× for every architecture measured; contradicted if every ratio is below 1.25× or above 5×; otherwise inconclusive. Wall-clock-only timings give no verdict (a shared machine’s wall time measures the load).';

/** Pre-training cost per architecture and fine-tuning cost of the compared arms, with the verdict (rule above). */
export function costClaim(
  pretrain: readonly PretrainCostInput[],
  records: readonly RunRecord[],
  arms: { tl: string; ssl: string },
): CostResult {
  const excluded: string[] = [];
  const byArch = new Map<string, { tl: PretrainCostInput[]; ssl: PretrainCostInput[] }>();
  for (const r of pretrain) {
    const what = `${r.method} ${r.arch ?? '?'} on ${r.source}${r.file ? ` (${r.file})` : ''}`;
    if (r.source !== COST_SOURCE) {
      excluded.push(`${what}: source is not ${COST_SOURCE}`);
      continue;
    }
    if (!r.arch) {
      excluded.push(`${what}: no architecture recorded`);
      continue;
    }
    if (r.method !== 'tl' && r.method !== 'ssl') {
      excluded.push(`${what}: method is neither tl nor ssl`);
      continue;
    }
    const g = byArch.get(r.arch) ?? { tl: [], ssl: [] };
    g[r.method].push(r);
    byArch.set(r.arch, g);
  }
  const perArch: ArchCost[] = [];
  for (const [arch, g] of [...byArch.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!g.tl.length || !g.ssl.length) {
      excluded.push(`${arch}: only ${g.tl.length ? 'TL' : 'SSL'} runs, no ratio`);
      continue;
    }
    const all = [...g.tl, ...g.ssl].map(perEpoch);
    const timing = all.every((x) => x.timing === 'cpu') ? 'cpu' : 'wall';
    // one timing kind for both methods: CPU seconds when every run logged them, else wall seconds for all
    const secs = (rs: PretrainCostInput[]) =>
      mean(rs.map((r) => (timing === 'cpu' ? perEpoch(r).seconds : wallPerEpoch(r))));
    const tl = secs(g.tl);
    const ssl = secs(g.ssl);
    const loads = all.map((x) => x.load).filter(Number.isFinite);
    perArch.push({
      arch,
      runs: { tl: g.tl.length, ssl: g.ssl.length },
      tl,
      ssl,
      ratio: ssl / tl,
      timing,
      load: mean(loads),
    });
  }
  const cpu = perArch.filter((a) => a.timing === 'cpu');
  const verdict: Verdict =
    !perArch.length || cpu.length < perArch.length
      ? 'inconclusive'
      : cpu.every((a) => a.ratio >= 1.6 && a.ratio <= 3.6)
        ? 'supported'
        : cpu.every((a) => a.ratio < 1.25 || a.ratio > 5)
          ? 'contradicted'
          : 'inconclusive';
  return { perArch, excluded, verdict, finetune: finetuneCost(records, arms), rule: COST_RULE };
}

function wallPerEpoch(r: PretrainCostInput): number {
  const h = r.history ?? [];
  return h.length && h.every((e) => typeof e.seconds === 'number')
    ? mean(h.map((e) => e.seconds!))
    : r.trainSeconds / r.epochs;
}

/** Mean CPU seconds per baseline run of the SSL arm over the TL arm, over (dataset, seed) pairs both have. */
export function finetuneCost(records: readonly RunRecord[], arms: { tl: string; ssl: string }): CostResult['finetune'] {
  const base = records.filter((r) => r.config.condition === 'baseline');
  const tl = base.filter((r) => r.config.arm === arms.tl);
  const pairs = tl.flatMap((a) => {
    const b = base.find(
      (r) => r.config.arm === arms.ssl && r.config.dataset === a.config.dataset && r.config.seed === a.config.seed,
    );
    return b ? [[a, b] as const] : [];
  });
  const label = `${armLabel(arms.ssl)} / ${armLabel(arms.tl)}`;
  if (!pairs.length) return { ratio: NaN, runs: 0, note: `${label}: no paired baseline runs` };
  const timed = pairs.filter(([a, b]) => typeof a.cpuSeconds === 'number' && typeof b.cpuSeconds === 'number');
  if (timed.length < pairs.length)
    return {
      ratio: NaN,
      runs: pairs.length,
      note: `${label}: n/a — ${pairs.length - timed.length} of ${pairs.length} paired baseline runs predate the cpuSeconds field`,
    };
  const ratio = mean(timed.map(([, b]) => b.cpuSeconds!)) / mean(timed.map(([a]) => a.cpuSeconds!));
  return { ratio, runs: timed.length, note: `${label}: mean CPU seconds per baseline run over ${timed.length} pairs` };
}
