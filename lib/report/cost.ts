// C6, the cost claim ("SSL takes 2–3× the training time of TL"), from what was measured:
//   - pre-training, controlled (the verdict when measured): CPU seconds per source image of one pre-training step,
//     SSL over TL on the same architecture, batch and input size, the median of ≥ 3 fresh processes measured
//     interleaved on a quiet machine (bench/pretrain-cost.ts → paper/pretrain/cost-<profile>.json). The runs' own
//     logs cannot be compared like for like: their epochs mix batch-norm implementations (fused BN landed while
//     they trained) and the machine's load.
//   - pre-training, from the run logs: CPU seconds per epoch from each run's per-epoch log (history), SSL over TL on the SAME
//     architecture, Imagenette-source runs only. The in-domain SimCLR run (source medical-all) is another
//     experiment on another data set: averaging it in was a bug (issue 11: 1.12× instead of 1.42× on the old export).
//     Wall seconds are used only where a log has no CPU time, and then the row says so and no verdict is drawn.
//   - fine-tuning: the records' cpuSeconds (older records lack it: n/a).
// CPU time is what stays comparable on a shared 2-core machine; the load average beside it says how shared it was.
import { armLabel } from '../pretrain/arms';
import fs from 'node:fs';
import path from 'node:path';
import { plateauRow, type PlateauRow } from '../pretrain/quality';
import { quantileSorted } from '../stats/summary';
import { artefactRoot } from '../util/paths';
import type { PretrainEpochLog } from '../pretrain/run';
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
  /** the controlled per-image measurement, when given: the verdict is drawn from it */
  controlled: ControlledCost[];
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

/** One fresh-process measurement of bench/pretrain-step.ts (one warm-up step, then timed steps on a random batch). */
export interface StepCostMeasurement {
  arch: string;
  variant: string;
  method: 'tl' | 'ssl';
  size: number;
  batch: number;
  backend: string;
  threads: number;
  imgPerSec: number;
  imgPerCpuSec: number;
  load1: number;
}

/** A run's plateau (lib/pretrain/quality.ts) and how long it took to reach it, in CPU seconds. */
export interface PlateauTime extends PlateauRow {
  hash: string;
  method: string;
  arch: string;
  source: string;
  /** plateauEpoch × source images per epoch ÷ the controlled median images per CPU-second of its arch and method */
  cpuSecondsToPlateau: number | null;
  /** the same from the run's own log (sum of logged epoch CPU seconds; mixes BN implementations and loads) */
  loggedCpuSecondsToPlateau: number | null;
}

/** paper/pretrain/cost-<profile>.json, written by bench/pretrain-cost.ts. */
export interface StepCostFile {
  what: string;
  profile: string;
  commit: string;
  date: string;
  command: string;
  measurements: StepCostMeasurement[];
  plateau: PlateauTime[];
}

/** Where bench/pretrain-cost.ts writes a profile's measurement. */
export const stepCostFile = (profile: string) =>
  path.join(artefactRoot(profile), 'paper', 'pretrain', `cost-${profile}.json`);

/** The profile's controlled cost measurement, undefined when none was made; a malformed file is an error naming it. */
export function loadStepCost(profile: string, file = stepCostFile(profile)): StepCostFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  let j: StepCostFile;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8')) as StepCostFile;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}); regenerate it with bench/pretrain-cost.ts`, {
      cause: e,
    });
  }
  if (!Array.isArray(j?.measurements) || !Array.isArray(j.plateau))
    throw new Error(`${file}: no measurements / plateau arrays; regenerate it with bench/pretrain-cost.ts`);
  if (j.profile !== profile) throw new Error(`${file}: measured for profile ${j.profile}, not ${profile}`);
  return j;
}

/** Per architecture: median source images per CPU-second of each method, and SSL's cost per image over TL's. */
export interface ControlledCost {
  arch: string;
  variant: string;
  batch: number;
  size: number;
  tl: number;
  ssl: number;
  /** CPU seconds per source image, SSL / TL (= TL img/CPU-s ÷ SSL img/CPU-s) */
  ratio: number;
  n: { tl: number; ssl: number };
  load: [number, number];
}

/** Measurements a verdict needs per architecture and method. */
export const MIN_STEP_MEASUREMENTS = 3;

const median = (xs: number[]) =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Medians per architecture (architectures measured for one method only are left out). */
export function controlledCost(ms: readonly StepCostMeasurement[]): ControlledCost[] {
  const archs = [...new Set(ms.map((m) => m.arch))].sort();
  return archs.flatMap((arch) => {
    const tl = ms.filter((m) => m.arch === arch && m.method === 'tl');
    const ssl = ms.filter((m) => m.arch === arch && m.method === 'ssl');
    if (!tl.length || !ssl.length) return [];
    const loads = [...tl, ...ssl].map((m) => m.load1);
    const t = median(tl.map((m) => m.imgPerCpuSec));
    const s = median(ssl.map((m) => m.imgPerCpuSec));
    return [
      {
        arch,
        variant: tl[0].variant,
        batch: tl[0].batch,
        size: tl[0].size,
        tl: t,
        ssl: s,
        ratio: t / s,
        n: { tl: tl.length, ssl: ssl.length },
        load: [Math.min(...loads), Math.max(...loads)] as [number, number],
      },
    ];
  });
}

/**
 * Time to the probe plateau of one pre-training run, in CPU seconds at the controlled per-image cost of its
 * architecture and method (so runs that trained under different BN implementations and loads compare), and as logged.
 */
export function plateauTime(
  run: {
    name: string;
    hash: string;
    method: string;
    arch: string;
    source: string;
    finished: boolean;
    history: readonly PretrainEpochLog[];
  },
  controlled: readonly ControlledCost[],
): PlateauTime {
  const row = plateauRow(run);
  const epoch = row.plateauEpoch;
  const upTo = epoch === null ? [] : run.history.filter((e) => e.epoch <= epoch);
  const c = controlled.find((x) => x.arch === run.arch);
  const perSec = c ? (run.method === 'ssl' ? c.ssl : run.method === 'tl' ? c.tl : NaN) : NaN;
  const images = upTo.reduce((a, e) => a + e.images, 0);
  return {
    ...row,
    hash: run.hash,
    method: run.method,
    arch: run.arch,
    source: run.source,
    cpuSecondsToPlateau: epoch !== null && Number.isFinite(perSec) ? images / perSec : null,
    loggedCpuSecondsToPlateau:
      epoch !== null && upTo.every((e) => typeof e.cpuSeconds === 'number')
        ? upTo.reduce((a, e) => a + e.cpuSeconds!, 0)
        : null,
  };
}

export const CONTROLLED_COST_RULE = `supported if SSL's CPU seconds per source image of a pre-training step over TL's (same architecture, batch and input size; median of ≥ ${MIN_STEP_MEASUREMENTS} fresh processes each) lie within 1.6–3.6× for every architecture measured; contradicted if every ratio is below 1.25× or above 5×; otherwise inconclusive.`;

export const COST_RULE =
  'supported if the SSL/TL ratio of CPU seconds per pre-training epoch (same architecture, Imagenette source) lies within 1.6–3.6× for every architecture measured; contradicted if every ratio is below 1.25× or above 5×; otherwise inconclusive. Wall-clock-only timings give no verdict (a shared machine’s wall time measures the load).';

/** Pre-training cost per architecture and fine-tuning cost of the compared arms, with the verdict (rule above). */
export function costClaim(
  pretrain: readonly PretrainCostInput[],
  records: readonly RunRecord[],
  arms: { tl: string; ssl: string },
  steps: readonly StepCostMeasurement[] = [],
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
  const finetune = finetuneCost(records, arms);
  const controlled = controlledCost(steps);
  if (controlled.length) {
    const enough = controlled.every((c) => Math.min(c.n.tl, c.n.ssl) >= MIN_STEP_MEASUREMENTS);
    return {
      perArch,
      excluded,
      verdict: enough ? rangeVerdict(controlled.map((c) => c.ratio)) : 'inconclusive',
      finetune,
      controlled,
      rule: CONTROLLED_COST_RULE,
    };
  }
  const cpu = perArch.filter((a) => a.timing === 'cpu');
  const verdict: Verdict =
    !perArch.length || cpu.length < perArch.length ? 'inconclusive' : rangeVerdict(cpu.map((a) => a.ratio));
  return { perArch, excluded, verdict, finetune, controlled, rule: COST_RULE };
}

/** The paper's 2–3× with a margin for measurement noise: the thresholds both rules state. */
function rangeVerdict(ratios: number[]): Verdict {
  if (ratios.every((r) => r >= 1.6 && r <= 3.6)) return 'supported';
  if (ratios.every((r) => r < 1.25 || r > 5)) return 'contradicted';
  return 'inconclusive';
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
