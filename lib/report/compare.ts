// From run records (runs/<hash>.json, written by lib/finetune) to the comparisons the notebooks show: TL vs SSL per
// dataset, a condition vs the baseline, pooled over grey/colour sets or small ones. The statistics come from
// lib/stats; this file decides what is paired and which unit an interval is about.
//
// Pairing: two runs are paired when they share dataset, seed and test images (the same `test.indices`), e.g.
// TL seed 0 and SSL seed 0 on chest-ct. An arm's accuracy on a dataset is the mean over its fine-tuning seeds.
// Intervals carry the variance of training as well as of the test images:
//   - one dataset: a two-level bootstrap (fine-tuning seeds, then the dataset's test images, one image resample
//     shared by every seed because the seeds see the same images; lib/stats/hierarchical.ts);
//   - several datasets pooled (grey sets, small sets, …): the DATASET is the unit, a Student-t interval and test on
//     the dataset effects (each the mean over seeds of a paired difference), as the report's claims do
//     (lib/report/claim-effects.ts). Seeds and images are not independent units, so neither is counted as one.
import { comparedArms } from '../pretrain/arms';
import { hierarchicalBootstrap, type PairedCell } from '../stats/hierarchical';
import { holmAdjusted } from '../stats/hypothesis';
import { meanSd } from '../stats/summary';
import { tInterval } from '../stats/t-tests';
import { REGISTRY, type DatasetId } from '../data/registry';
import type { RunRecord } from '../finetune/run-record';
import type { ScalarMetricName } from '../metrics/classification';

// The one run-record type (lib/finetune/run-record.ts): reports read what the grid writes.
export type { RunRecord } from '../finetune/run-record';

/**
 * Grey or colour by content, as the paper groups its sets. Registry 'grey' files are grey; RGB files are colour
 * except BUSI and Chest-CT, which are grey images stored as RGB for a few coloured annotation marks (notebook 01
 * measures 1.5% of their images with any colour).
 */
const GREY_STORED_AS_RGB = new Set(['busi', 'chest-ct']);
export function contentColour(dataset: string): 'grey' | 'colour' {
  const e = REGISTRY[dataset as DatasetId];
  if (!e) throw new Error(`contentColour: unknown dataset "${dataset}"`);
  return e.colour === 'grey' || GREY_STORED_AS_RGB.has(dataset) ? 'grey' : 'colour';
}

/**
 * Train images of a dataset's train split as its records give them (NaN without one: the registry's source counts
 * are before our splitting and de-duplication, so they are not used). A down-sampled run's record counts the
 * balanced subset it trained on, so it does not say how big the set is; every other condition trains on the split.
 */
export function trainImages(records: readonly RunRecord[], dataset: string): number {
  const r = records.find((x) => x.config.dataset === dataset && x.config.condition !== 'downsample');
  return r ? r.dataset.counts.train : NaN;
}

/** 1 where the run's arg-max prediction is right, per test image (in the record's order). */
export function correctVector(r: RunRecord): Uint8Array {
  const out = new Uint8Array(r.test.labels.length);
  r.test.probs.forEach((row, i) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
    out[i] = best === r.test.labels[i] ? 1 : 0;
  });
  return out;
}

export { armLabel } from '../pretrain/arms';

export interface ArmSummary {
  dataset: string;
  arm: string;
  condition: string;
  seeds: number;
  accuracy: number; // mean over seeds
  accuracySd: number; // sd over seeds
  lo: number; // 95% bootstrap CI of the seed-mean accuracy (fine-tuning seeds, then test images, resampled)
  hi: number;
  balancedAccuracy: number;
  macroF1: number;
  testImages: number;
  trainImages: number; // target-stage training images (after balancing)
  trainSeconds: number; // mean over seeds, all stages
}

function metric(r: RunRecord, k: ScalarMetricName): number {
  const v = r.test.metrics[k];
  return typeof v === 'number' ? v : NaN;
}

/** Accuracy of one arm on one dataset and condition (all its seeds), with a bootstrap CI. */
export function summarizeArm(runs: RunRecord[], opts: { seed?: number; resamples?: number } = {}): ArmSummary {
  if (runs.length === 0) throw new Error('summarizeArm: no runs');
  const c0 = runs[0].config;
  for (const r of runs) {
    if (r.config.dataset !== c0.dataset || r.config.arm !== c0.arm || r.config.condition !== c0.condition) {
      throw new Error(
        `summarizeArm: runs mix ${c0.dataset}/${c0.arm}/${c0.condition} with ${r.config.dataset}/${r.config.arm}/${r.config.condition}`,
      );
    }
  }
  const vecs = runs.map(correctVector);
  const n = vecs[0].length;
  // Seeds, then test images (shared by the seeds when they saw the same ones): the seed-mean accuracy's interval.
  const ci = seedImageBootstrap(
    runs.map((r, i) => ({ dataset: c0.dataset, indices: r.test.indices, d: vecs[i] })),
    { seed: opts.seed ?? 0, resamples: opts.resamples ?? 1000 },
  );
  const accs = vecs.map((v) => meanAt(v));
  const sd = meanSd(accs);
  const last = (r: RunRecord) => r.stages[r.stages.length - 1];
  return {
    dataset: c0.dataset,
    arm: c0.arm,
    condition: c0.condition,
    seeds: runs.length,
    accuracy: sd.mean,
    accuracySd: runs.length > 1 ? sd.sd : NaN,
    lo: ci.lower,
    hi: ci.upper,
    balancedAccuracy: mean(runs.map((r) => metric(r, 'balancedAccuracy'))),
    macroF1: mean(runs.map((r) => metric(r, 'macroF1'))),
    testImages: n,
    trainImages: mean(runs.map((r) => last(r).trainCounts.reduce((a, b) => a + b, 0))),
    trainSeconds: mean(runs.map((r) => r.stages.reduce((s, st) => s + st.wallSeconds, 0))),
  };
}

function mean(xs: number[]): number {
  const f = xs.filter((x) => Number.isFinite(x));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}
function meanAt(v: Uint8Array, idx?: ArrayLike<number>): number {
  if (!idx) return v.reduce((a, b) => a + b, 0) / v.length;
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += v[idx[i]];
  return s / idx.length;
}

/** Pairs of runs (A, B) with the same dataset, seed and test images. Unpaired runs are dropped. */
export interface Pair {
  dataset: string;
  seed: number;
  indices: number[];
  a: Uint8Array;
  b: Uint8Array;
}

export function pairRuns(runsA: RunRecord[], runsB: RunRecord[]): Pair[] {
  const out: Pair[] = [];
  for (const ra of runsA) {
    const rb = runsB.find((r) => r.config.dataset === ra.config.dataset && r.config.seed === ra.config.seed);
    if (!rb) continue;
    if (!sameIndices(ra.test.indices, rb.test.indices)) continue; // different test images: not paired
    out.push({
      dataset: ra.config.dataset,
      seed: ra.config.seed,
      indices: ra.test.indices,
      a: correctVector(ra),
      b: correctVector(rb),
    });
  }
  return out;
}

export interface PairedDiff {
  datasets: string[];
  /** (dataset, seed) pairs of runs behind it */
  pairs: number;
  /** Mean over datasets of (metric A − metric B), each dataset's difference averaged over its seeds. */
  diff: number;
  /** 95% interval of `diff` (see `test`). */
  lo: number;
  hi: number;
  /** Two-sided p for diff = 0, from the same test as the interval. */
  p: number;
  /**
   * 'bootstrap': one dataset, fine-tuning seeds then shared test images resampled; 't': several datasets, Student t
   * on the dataset effects (datasets as units, K − 1 df); 'none': no paired runs.
   */
  test: 'bootstrap' | 't' | 'none';
  /** Each dataset's effect (mean over its seeds). */
  perDataset: { dataset: string; effect: number }[];
  /** What the interval cannot hold, e.g. one fine-tuning seed: no fine-tuning variance. */
  notes: string[];
}

/** A − B over one or more datasets (accuracy: per image, correct A − correct B). */
export function pairedDiff(pairs: Pair[], opts: { seed?: number; resamples?: number } = {}): PairedDiff {
  return unitDiff(
    pairs.map((p) => ({ dataset: p.dataset, indices: p.indices, d: Array.from(p.a, (v, i) => v - p.b[i]) })),
    opts,
  );
}

/**
 * Interaction: (A−B in `x`) − (A−B in `y`) per image, for pairs of x and y with the same dataset, seed and test
 * images; e.g. x = TL (double-ft vs baseline), y = SSL (double-ft vs baseline): "does TL gain more than SSL?".
 */
export function interactionUnits(x: Pair[], y: Pair[]): DiffUnits[] {
  return combinedUnits(x, y, (ax, bx, ay, by) => ax - bx - (ay - by));
}

/** Both arms' gain: ((A−B in `x`) + (A−B in `y`)) / 2 per image, so each dataset counts once, not once per arm. */
export function meanOfPairsUnits(x: Pair[], y: Pair[]): DiffUnits[] {
  return combinedUnits(x, y, (ax, bx, ay, by) => (ax - bx + (ay - by)) / 2);
}

function combinedUnits(x: Pair[], y: Pair[], f: (ax: number, bx: number, ay: number, by: number) => number) {
  const out: DiffUnits[] = [];
  for (const px of x) {
    const py = y.find((p) => p.dataset === px.dataset && p.seed === px.seed && sameIndices(p.indices, px.indices));
    if (py)
      out.push({
        dataset: px.dataset,
        indices: px.indices,
        d: Array.from(px.a, (v, i) => f(v, px.b[i], py.a[i], py.b[i])),
      });
  }
  return out;
}

/** Per-image differences of one (dataset, seed): correctA − correctB, or a difference of such differences. */
export interface DiffUnits {
  dataset: string;
  /** the test images (dataset indices) the values are for, in order */
  indices: readonly number[];
  d: ArrayLike<number>;
}

/** Same test images in the same order. */
export const sameIndices = (x: readonly number[], y: readonly number[]) =>
  x.length === y.length && x.every((v, i) => v === y[i]);

/**
 * Mean of per-image values over one dataset's seeds, with a two-level bootstrap: seeds, then images. When every
 * seed has the same test images, one image resample is shared by all seeds (their per-image values correlate, so
 * resampling images per seed would average the image variance away); otherwise each seed's images are resampled
 * on their own.
 */
function seedImageBootstrap(units: DiffUnits[], o: { seed: number; resamples: number }) {
  const shared = units.every((u) => sameIndices(u.indices, units[0].indices));
  const cells: PairedCell[] = units.map((u) => ({ a: u.d, b: new Float64Array(u.d.length) }));
  return hierarchicalBootstrap([{ name: 'dataset', cells: [cells] }], {
    metric: 'mean',
    seed: o.seed,
    resamples: o.resamples,
    images: shared ? 'shared' : 'nested',
  });
}

const meanOf = (v: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
};

/**
 * The paired difference of any per-image differences (see the header for the interval): one dataset → bootstrap
 * over its seeds and test images; several → Student t with the datasets as units.
 */
export function unitDiff(units: DiffUnits[], opts: { seed?: number; resamples?: number } = {}): PairedDiff {
  const byDs = groupBy(
    units.filter((u) => u.d.length > 0),
    (u) => u.dataset,
  );
  const datasets = [...byDs.keys()];
  const perDataset = datasets.map((dataset) => ({
    dataset,
    effect: meanOf(byDs.get(dataset)!.map((u) => meanOf(u.d))),
  }));
  const base = { datasets, pairs: units.length, perDataset };
  if (datasets.length === 0)
    return { ...base, pairs: 0, diff: NaN, lo: NaN, hi: NaN, p: NaN, test: 'none', notes: ['no paired runs'] };
  if (datasets.length === 1) {
    const r = seedImageBootstrap(byDs.get(datasets[0])!, { seed: opts.seed ?? 0, resamples: opts.resamples ?? 2000 });
    return {
      ...base,
      diff: r.estimate,
      lo: r.lower,
      hi: r.upper,
      p: r.pValue,
      test: 'bootstrap',
      notes: byDs.get(datasets[0])!.length < 2 ? ['one fine-tuning seed: no fine-tuning variance in the interval'] : [],
    };
  }
  // The seeds' variance is inside each dataset effect; the t interval on the effects carries it (claim-effects.ts).
  const t = tInterval(perDataset.map((x) => x.effect));
  const oneSeed = datasets.filter((ds) => byDs.get(ds)!.length < 2);
  return {
    ...base,
    diff: t.estimate,
    lo: t.lower,
    hi: t.upper,
    p: t.pValue,
    test: 't',
    notes: oneSeed.length ? [`one fine-tuning seed on ${oneSeed.join(', ')}`] : [],
  };
}

/** Runs grouped by a key, keeping first-seen order. */
export function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return m;
}

/** Summaries for every dataset × arm × condition present. */
export function summarizeAll(records: RunRecord[], opts: { seed?: number; resamples?: number } = {}): ArmSummary[] {
  const g = groupBy(records, (r) => `${r.config.dataset}|${r.config.arm}|${r.config.condition}`);
  return [...g.values()].map((rs) => summarizeArm(rs, opts));
}

export type Verdict = 'supported' | 'contradicted' | 'inconclusive';

/**
 * Verdict of a directional claim "A > B" from a paired difference: supported when the CI lies above 0 and the
 * (Holm-adjusted) p is below alpha, contradicted when the CI lies below 0 and p < alpha, else inconclusive.
 */
export function verdictOf(d: Pick<PairedDiff, 'diff' | 'lo' | 'hi'>, pAdjusted: number, alpha = 0.05): Verdict {
  if (!Number.isFinite(d.diff) || !Number.isFinite(pAdjusted)) return 'inconclusive';
  if (pAdjusted < alpha && d.lo > 0) return 'supported';
  if (pAdjusted < alpha && d.hi < 0) return 'contradicted';
  return 'inconclusive';
}

export interface ArmDiffRow {
  dataset: string;
  colour: 'grey' | 'colour';
  trainImages: number;
  a: ArmSummary;
  b: ArmSummary;
  /** A − B, paired over seeds and test images */
  diff: PairedDiff;
  /** diff.p, Holm-adjusted across the datasets of the comparison */
  pHolm: number;
}

/** Per dataset: arm A vs arm B under one condition (e.g. TL vs SSL at baseline), paired by seed. */
export function armDiffs(
  records: RunRecord[],
  opts: { condition?: string; a?: string; b?: string; seed?: number; resamples?: number } = {},
): ArmDiffRow[] {
  const cond = opts.condition ?? 'baseline';
  const pair = comparedArms(records.map((r) => r.config.arm));
  const A = opts.a ?? pair.tl;
  const B = opts.b ?? pair.ssl;
  const rows: ArmDiffRow[] = [];
  const byDs = groupBy(
    records.filter((r) => r.config.condition === cond),
    (r) => r.config.dataset,
  );
  for (const [dataset, rs] of byDs) {
    const ra = rs.filter((r) => r.config.arm === A);
    const rb = rs.filter((r) => r.config.arm === B);
    if (!ra.length || !rb.length) continue;
    rows.push({
      dataset,
      colour: contentColour(dataset),
      trainImages: trainImages(records, dataset),
      a: summarizeArm(ra, opts),
      b: summarizeArm(rb, opts),
      diff: pairedDiff(pairRuns(ra, rb), opts),
      pHolm: NaN,
    });
  }
  holmAdjusted(rows.map((r) => r.diff.p)).forEach((p, i) => (rows[i].pHolm = p));
  return rows;
}

export interface GainRow {
  dataset: string;
  arm: string;
  colour: 'grey' | 'colour';
  trainImages: number;
  base: ArmSummary;
  cond: ArmSummary;
  /** condition − base, paired over seeds and test images */
  gain: PairedDiff;
  /** gain.p, Holm-adjusted across the datasets of this arm and condition */
  pHolm: number;
}

/** Per dataset and arm: a condition (augment, downsample, double-ft, …) against the baseline. */
export function conditionGains(
  records: RunRecord[],
  condition: string,
  opts: { base?: string; seed?: number; resamples?: number } = {},
): GainRow[] {
  const base = opts.base ?? 'baseline';
  const rows: GainRow[] = [];
  const g = groupBy(records, (r) => `${r.config.dataset}|${r.config.arm}`);
  for (const [k, rs] of g) {
    const [dataset, arm] = k.split('|');
    const rc = rs.filter((r) => r.config.condition === condition);
    const rb = rs.filter((r) => r.config.condition === base);
    if (!rc.length || !rb.length) continue;
    rows.push({
      dataset,
      arm,
      colour: contentColour(dataset),
      trainImages: trainImages(records, dataset),
      base: summarizeArm(rb, opts),
      cond: summarizeArm(rc, opts),
      gain: pairedDiff(pairRuns(rc, rb), opts),
      pHolm: NaN,
    });
  }
  for (const arm of new Set(rows.map((r) => r.arm))) {
    const mine = rows.filter((r) => r.arm === arm);
    holmAdjusted(mine.map((r) => r.gain.p)).forEach((p, i) => (mine[i].pHolm = p));
  }
  return rows;
}

/** 0.8123 → "81.2%" */
export const fmtPct = (x: number, d = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : 'n/a');
/** 0.031 → "+3.1" (percentage points) */
export const fmtPts = (x: number, d = 1) =>
  Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(d)}` : 'n/a';
/** "81.2% [78.0, 84.1]" */
export const fmtAccCI = (s: Pick<ArmSummary, 'accuracy' | 'lo' | 'hi'>) =>
  `${fmtPct(s.accuracy)} [${(100 * s.lo).toFixed(1)}, ${(100 * s.hi).toFixed(1)}]`;
/** "+3.1 [−0.5, +6.8]" */
export const fmtDiffCI = (d: Pick<PairedDiff, 'diff' | 'lo' | 'hi'>) =>
  `${fmtPts(d.diff)} [${fmtPts(d.lo)}, ${fmtPts(d.hi)}]`;
export const fmtP = (p: number) => (!Number.isFinite(p) ? 'n/a' : p < 0.001 ? '<0.001' : p.toFixed(3));
