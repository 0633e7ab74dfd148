// From run records (runs/<hash>.json, written by lib/finetune) to the comparisons the paper makes: TL vs SSL per
// dataset, a condition vs the baseline, grouped by grey/colour or by dataset size, each with a 95% bootstrap CI
// over the test images and a test. The statistics come from lib/stats; this file only decides what is paired.
//
// Pairing: two runs are paired when they share dataset, seed and test images (the same `test.indices`), e.g.
// TL seed 0 and SSL seed 0 on chest-ct. A unit is one (seed, test image); an arm's accuracy is the mean over its
// seeds. Bootstrap resamples units within each dataset (strata), so every resample keeps each dataset's size.
import { comparedArms } from '../pretrain/arms';
import { bootstrapCI, bootstrapCIWithValues, bootstrapPValue } from '../stats/bootstrap';
import { mcnemarFromCounts, wilcoxonSignedRank } from '../stats/hypothesis';
import { meanSd } from '../stats/summary';
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
  lo: number; // 95% bootstrap CI of the seed-mean accuracy (test images resampled)
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
  const same = vecs.every((v) => v.length === n);
  // Units = (seed, image); when every seed has the same number of test images, resample image positions jointly
  // (the seeds see the same images), else pool all units.
  const ci = same
    ? bootstrapCI(n, (idx) => mean(vecs.map((v) => meanAt(v, idx))), {
        seed: opts.seed ?? 0,
        resamples: opts.resamples ?? 1000,
      })
    : (() => {
        const pooled = Uint8Array.from(vecs.flatMap((v) => Array.from(v)));
        return bootstrapCI(pooled.length, (idx) => meanAt(pooled, idx), {
          seed: opts.seed ?? 0,
          resamples: opts.resamples ?? 1000,
        });
      })();
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
    const ia = ra.test.indices;
    const ib = rb.test.indices;
    if (ia.length !== ib.length || ia.some((v, i) => v !== ib[i])) continue; // different test images: not paired
    out.push({
      dataset: ra.config.dataset,
      seed: ra.config.seed,
      indices: ia,
      a: correctVector(ra),
      b: correctVector(rb),
    });
  }
  return out;
}

export interface PairedDiff {
  datasets: string[];
  pairs: number;
  /** Mean over datasets of (accuracy A − accuracy B), each dataset's accuracy averaged over its seeds. */
  diff: number;
  lo: number;
  hi: number;
  /** Two-sided paired-bootstrap p for diff = 0 (resolution 1/resamples). */
  pBootstrap: number;
  /** McNemar on the discordant counts summed over all pairs (exact below 25 discordant). */
  pMcnemar: number;
  onlyA: number;
  onlyB: number;
  /** Wilcoxon signed-rank over the per-(dataset, seed) accuracy differences (NaN with fewer than 2). */
  pWilcoxon: number;
  resamples: number;
}

/**
 * A − B over one or more datasets. Units (seed, image) are resampled within each dataset; the statistic is the
 * mean over datasets of the per-dataset mean (over seeds) accuracy difference, so a big test set does not
 * outweigh the small ones.
 */
export function pairedDiff(pairs: Pair[], opts: { seed?: number; resamples?: number } = {}): PairedDiff {
  let onlyA = 0;
  let onlyB = 0;
  for (const p of pairs) {
    for (let i = 0; i < p.a.length; i++) {
      if (p.a[i] && !p.b[i]) onlyA++;
      if (!p.a[i] && p.b[i]) onlyB++;
    }
  }
  const r = unitDiff(
    pairs.map((p) => ({ dataset: p.dataset, d: Array.from(p.a, (v, i) => v - p.b[i]) })),
    opts,
  );
  return { ...r, pMcnemar: pairs.length ? mcnemarFromCounts(onlyA, onlyB).pValue : NaN, onlyA, onlyB };
}

/**
 * Interaction: (A−B in `x`) − (A−B in `y`) per image, for pairs of x and y with the same dataset, seed and test
 * images; e.g. x = TL (double-ft vs baseline), y = SSL (double-ft vs baseline): "does TL gain more than SSL?".
 */
export function interactionUnits(x: Pair[], y: Pair[]): DiffUnits[] {
  const out: DiffUnits[] = [];
  for (const px of x) {
    const py = y.find(
      (p) =>
        p.dataset === px.dataset &&
        p.seed === px.seed &&
        p.indices.length === px.indices.length &&
        p.indices.every((v, i) => v === px.indices[i]),
    );
    if (py) out.push({ dataset: px.dataset, d: Array.from(px.a, (v, i) => v - px.b[i] - (py.a[i] - py.b[i])) });
  }
  return out;
}

/** Per-image differences of one (dataset, seed): correctA − correctB, or a difference of such differences. */
export interface DiffUnits {
  dataset: string;
  d: number[];
}

/** The bootstrap/Wilcoxon part of pairedDiff for any per-image differences (e.g. an interaction). */
export function unitDiff(units: DiffUnits[], opts: { seed?: number; resamples?: number } = {}): PairedDiff {
  const datasets = [...new Set(units.map((p) => p.dataset))];
  if (units.length === 0 || units.every((u) => u.d.length === 0)) {
    return {
      datasets,
      pairs: 0,
      diff: NaN,
      lo: NaN,
      hi: NaN,
      pBootstrap: NaN,
      pMcnemar: NaN,
      onlyA: 0,
      onlyB: 0,
      pWilcoxon: NaN,
      resamples: 0,
    };
  }
  const d: number[] = [];
  const strata: number[] = [];
  for (const u of units) {
    const s = datasets.indexOf(u.dataset);
    for (const v of u.d) {
      d.push(v);
      strata.push(s);
    }
  }
  const pairs = units;
  const stat = (idx: ArrayLike<number>) => {
    const sum = new Float64Array(datasets.length);
    const cnt = new Float64Array(datasets.length);
    for (let k = 0; k < idx.length; k++) {
      const u = idx[k];
      sum[strata[u]] += d[u];
      cnt[strata[u]]++;
    }
    let m = 0;
    for (let s = 0; s < datasets.length; s++) m += sum[s] / cnt[s];
    return m / datasets.length;
  };
  const all = Int32Array.from(d.keys());
  const resamples = opts.resamples ?? 2000;
  // one set of resamples for the interval and the p-value
  const ci = bootstrapCIWithValues(d.length, stat, { seed: opts.seed ?? 0, resamples, strata });
  const values = ci.values;
  const perRun = units.map((u) => u.d.reduce((a, b) => a + b, 0) / u.d.length);
  let pW = NaN;
  if (perRun.length >= 2) {
    try {
      pW = wilcoxonSignedRank(perRun).pValue;
    } catch {
      pW = NaN;
    }
  }
  return {
    datasets,
    pairs: pairs.length,
    diff: stat(all),
    lo: ci.lower,
    hi: ci.upper,
    pBootstrap: values.length ? bootstrapPValue(values) : NaN,
    pMcnemar: NaN,
    onlyA: 0,
    onlyB: 0,
    pWilcoxon: pW,
    resamples,
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
    });
  }
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
    });
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
