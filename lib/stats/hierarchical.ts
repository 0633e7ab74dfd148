// Hierarchical (multi-level) bootstrap of a PAIRED method difference with the DATASET as the unit of claims
// about kinds of data: dataset → pre-training seed → fine-tuning seed → test image.
//
// Data: per dataset, cells[p][f] = one (pre-training seed p, fine-tuning seed f) pair of runs, arm A and arm B
// evaluated on the same test images. Effect of a cell = metric(A) − metric(B) on that cell's test images (or,
// with a second pair `minus`, the difference in differences (A − B) − (A′ − B′), e.g. TL gain − SSL gain); the
// effect of a dataset = mean over its pre-training seeds of the mean over their fine-tuning seeds; the
// estimate = mean over datasets of the dataset effects (each dataset weighs the same, whatever its size).
//
// One resample draws, level by level, with replacement:
//   1. datasets (K of the K) — carries between-dataset variance: how much the effect differs from one dataset
//      of this kind to another; it is what makes the interval about "colour data", not about these datasets;
//   2. within each drawn dataset, its pre-training seeds — carries pre-training variance (a different TL/SSL
//      backbone from another pre-training run);
//   3. within each drawn pre-training seed, its fine-tuning seeds — carries fine-tuning variance (head init,
//      data order, augmentation draws);
//   4. test images — carries test-set sampling variance. The SAME image multiplicities are applied to A and B
//      (the pairing is kept). images 'shared' (default): one image resample per drawn dataset, used for every
//      seed cell of that dataset — the test set is the same images for every seed (images are crossed with
//      seeds, and the per-image differences of two seeds correlate), so resampling them independently per cell
//      would average the image variance away over seeds. 'nested': an independent image resample per drawn
//      cell (for designs whose cells have different test images).
// Metrics: 'accuracy', 'balancedAccuracy', 'macroAuc' (any ScalarMetricName) are evaluated from labels and
// N×C probabilities by lib/metrics/prepared with the image multiplicities as weights; 'mean' takes per-image
// values (e.g. correctness 0/1) and averages them. The same seed gives the same resamples for every metric, so
// results for several metrics side by side come from one set of resamples.
//
// A level with one unit (one pre-training seed; one dataset in a per-dataset analysis) cannot vary: its variance
// is NOT in the interval, and `levelsVaried` says so (with a note naming the datasets). Such a level draws no
// random numbers, so a design with one dataset and one seed of each kind reproduces pairedBootstrap
// (lib/stats/bootstrap) exactly for the same seed (tested).
//
// Known property (Davison & Hinkley 1997, §3.8; Ren et al. 2010, J. Appl. Stat. 37:1487): resampling with
// replacement at every level counts the lower levels' variance twice — the spread of the dataset means already
// contains it — so the interval for the mean over datasets is conservative by about
// (within-dataset variance of a dataset mean)/K; negligible when datasets differ much more than seeds and images,
// which is the case the dataset-as-unit analysis is for. `resample` switches levels off (e.g. datasets only,
// the other levels kept fixed, which is the unbiased-variance choice for the grand mean). The exact bootstrap
// variance for the 'mean' metric is tested against a closed form.
//
// Few datasets: the percentile interval of a mean over K datasets is too narrow when K is small (plug-in
// variance × (K − 1)/K, few distinct resamples). Simulated coverage of nominal 95% with dataset-level effects
// only: 0.81 (K = 4), 0.89 (K = 7), 0.88 (K = 11) (tests/stats/hierarchical.test.ts checks K = 4); resampling the
// lower levels too offsets part of it (0.945 in the tested K = 8 design). Always state K beside an interval.
//
// Intervals: percentile, type-7 quantiles (as bootstrap.ts). p-values are percentile-bootstrap tail fractions
// (resolution 1/resamples): two-sided 2·min(P*(Δ* ≤ 0), P*(Δ* ≥ 0)) capped at 1. Resamples whose effect is
// undefined (NaN, e.g. a macro-AUC of a resample that lost every image of a class in one arm's cell) are
// dropped and counted; stratifyImages keeps every class's count per resample and avoids them.

import { Rng } from '../util/rng';
import type { ScalarMetricName } from '../metrics/classification';
import { prepareMetrics, type PreparedMetrics } from '../metrics/prepared';
import { makeResampler, bootstrapPValue } from './bootstrap';
import { holm, tostFromOneSided, type HolmResult, type MarginTestResult, type TostResult } from './hypothesis';
import { quantileSorted } from './summary';

export type Level = 'dataset' | 'pretrainSeed' | 'finetuneSeed' | 'image';
export const LEVELS: readonly Level[] = ['dataset', 'pretrainSeed', 'finetuneSeed', 'image'];

/** A named classification metric of probabilities, or 'mean' of per-image values. */
export type EffectMetric = ScalarMetricName | 'mean';

/** One (pre-training seed, fine-tuning seed) pair of runs on the same test images. */
export interface PairedCell {
  /** Test labels (required for a named metric; with 'mean' used only for stratifyImages). */
  yTrue?: ArrayLike<number>;
  /** Arm A: N×C probabilities (row-major) for a named metric, or N per-image values for 'mean'. */
  a: ArrayLike<number>;
  /** Arm B, same shape as A. */
  b: ArrayLike<number>;
  /**
   * Optional second pair on the same test images: the effect becomes (A − B) − (minus.a − minus.b), a
   * within-dataset difference in differences, e.g. C4b "augmentation helps TL more": a = TL augmented,
   * b = TL baseline, minus = { a: SSL augmented, b: SSL baseline }.
   */
  minus?: { a: ArrayLike<number>; b: ArrayLike<number> };
}

export interface PairedDataset {
  name: string;
  /** Number of classes (named metrics). */
  numClasses?: number;
  /** cells[p][f]: pre-training seed p, fine-tuning seed f (rows may differ in length). */
  cells: PairedCell[][];
}

export interface HierarchicalOptions {
  metric: EffectMetric;
  /** Seed for lib/util/rng (required). */
  seed: number;
  /** Number of resamples (default 2000). */
  resamples?: number;
  /** Confidence level of the two-sided interval (default 0.95). */
  level?: number;
  /** Levels to resample (default: all true). */
  resample?: Partial<Record<Level, boolean>>;
  /** 'shared' (default): one image resample per drawn dataset for all its cells; 'nested': one per cell. */
  images?: 'shared' | 'nested';
  /** Resample images within classes (needs yTrue). Default false. */
  stratifyImages?: boolean;
}

export interface EffectInterval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  /** Standard deviation of the bootstrap distribution. */
  se: number;
  /** Two-sided percentile-bootstrap p for Δ = 0. */
  pValue: number;
  /** Defined bootstrap values in draw order (for tail p-values: marginTest, tost). */
  distribution: Float64Array;
  undefinedResamples: number;
}

export interface LevelUnits {
  /** Fewest and most units at this level over the groups that are resampled at it. */
  min: number;
  max: number;
}

export interface HierarchicalResult extends EffectInterval {
  metric: EffectMetric;
  resamples: number;
  seed: number;
  images: 'shared' | 'nested';
  /** True when the level is resampled AND every group at it has ≥ 2 units: its variance is in the interval. */
  levelsVaried: Record<Level, boolean>;
  units: Record<Level, LevelUnits>;
  /** Why a level did not vary (e.g. one pre-training seed: no pre-training variance in the interval). */
  notes: string[];
  /** Full-data effect of each dataset (mean over its seeds of metric(A) − metric(B)). */
  perDataset: { name: string; effect: number }[];
}

// ---------------------------------------------------------------------------------------------------------
// preparation

interface PreparedCell {
  n: number;
  /** metric(A) − metric(B) under image weights. */
  diff(w: Float64Array): number;
  /** A fresh image resample as multiplicities (into a buffer reused by the next call). */
  draw: () => Float64Array;
  ones: Float64Array;
}

interface PreparedDataset {
  name: string;
  n: number;
  cells: PreparedCell[][];
  effect: number;
  /** Shared image resampler (images 'shared'), multiplicities into a reused buffer. */
  draw: () => Float64Array;
  ones: Float64Array;
}

function where(ds: string, p: number, f: number): string {
  return `dataset '${ds}', pre-training seed ${p}, fine-tuning seed ${f}`;
}

function prepareCell(
  ds: PairedDataset,
  p: number,
  f: number,
  metric: EffectMetric,
  rng: Rng,
  stratify: boolean,
): PreparedCell {
  const cell = ds.cells[p][f];
  const at = where(ds.name, p, f);
  // effect = Σ sign·metric(arm): a − b, or (a − b) − (minus.a − minus.b)
  const arms: [string, ArrayLike<number>, number][] = [
    ['A', cell.a, 1],
    ['B', cell.b, -1],
  ];
  if (cell.minus) arms.push(['minus.A', cell.minus.a, -1], ['minus.B', cell.minus.b, 1]);
  let n: number;
  let diff: (w: Float64Array) => number;
  if (metric === 'mean') {
    n = cell.a.length;
    for (const [name, v] of arms)
      if (v.length !== n) throw new Error(`hierarchical bootstrap: ${at}: A has ${n} values, ${name} ${v.length}`);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (const [, v, sign] of arms) d[i] += sign * v[i];
      if (!Number.isFinite(d[i])) throw new Error(`hierarchical bootstrap: ${at}: value ${i} is not finite`);
    }
    diff = (w) => {
      let s = 0;
      let t = 0;
      for (let i = 0; i < n; i++) {
        s += w[i] * d[i];
        t += w[i];
      }
      return t > 0 ? s / t : NaN;
    };
  } else {
    const C = ds.numClasses;
    if (!cell.yTrue) throw new Error(`hierarchical bootstrap: ${at}: metric '${metric}' needs yTrue`);
    if (!(C !== undefined && Number.isInteger(C) && C >= 2))
      throw new Error(
        `hierarchical bootstrap: dataset '${ds.name}': numClasses must be an integer ≥ 2 for metric '${metric}'`,
      );
    const labels = cell.yTrue;
    n = labels.length;
    for (const [name, v] of arms) {
      if (v.length !== n * C)
        throw new Error(
          `hierarchical bootstrap: ${at}: ${n} labels × ${C} classes, but ${name} has ${v.length} probabilities`,
        );
    }
    const prepared: [PreparedMetrics, number][] = arms.map(([name, v, sign]) => {
      try {
        return [prepareMetrics(labels, v, C), sign];
      } catch (e) {
        throw new Error(`hierarchical bootstrap: ${at}, arm ${name}: ${(e as Error).message}`, { cause: e });
      }
    });
    diff = (w) => {
      let s = 0;
      for (const [pm, sign] of prepared) s += sign * pm.evaluate(metric, w);
      return s;
    };
  }
  if (n === 0) throw new Error(`hierarchical bootstrap: ${at}: no test images`);
  if (stratify && !cell.yTrue) throw new Error(`hierarchical bootstrap: ${at}: stratifyImages needs yTrue`);
  return { n, diff, draw: weightDrawer(n, rng, stratify ? cell.yTrue : undefined), ones: new Float64Array(n).fill(1) };
}

function sameLabels(x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined): boolean {
  if (!x || !y) return x === y;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function prepareDataset(ds: PairedDataset, opts: HierarchicalOptions, rng: Rng): PreparedDataset {
  if (!ds.cells.length) throw new Error(`hierarchical bootstrap: dataset '${ds.name}' has no pre-training seeds`);
  const stratify = opts.stratifyImages ?? false;
  const cells = ds.cells.map((row, p) => {
    if (!row.length)
      throw new Error(`hierarchical bootstrap: dataset '${ds.name}', pre-training seed ${p} has no fine-tuning seeds`);
    return row.map((_, f) => prepareCell(ds, p, f, opts.metric, rng, stratify));
  });
  const first = ds.cells[0][0];
  const n = cells[0][0].n;
  if ((opts.images ?? 'shared') === 'shared') {
    ds.cells.forEach((row, p) =>
      row.forEach((c, f) => {
        if (cells[p][f].n !== n || !sameLabels(c.yTrue, first.yTrue)) {
          throw new Error(
            `hierarchical bootstrap: ${where(ds.name, p, f)}: its test images differ from seed (0, 0)'s; use images: 'nested' if the test sets really differ`,
          );
        }
      }),
    );
  }
  let effect = 0;
  cells.forEach((row, p) => {
    let s = 0;
    row.forEach((c, f) => {
      const d = c.diff(c.ones);
      if (Number.isNaN(d))
        throw new Error(
          `hierarchical bootstrap: ${where(ds.name, p, f)}: metric '${opts.metric}' is undefined on the full test set`,
        );
      s += d;
    });
    effect += s / row.length;
  });
  effect /= cells.length;
  return {
    name: ds.name,
    n,
    cells,
    effect,
    draw: weightDrawer(n, rng, stratify ? first.yTrue : undefined),
    ones: new Float64Array(n).fill(1),
  };
}

// ---------------------------------------------------------------------------------------------------------
// resampling

type Switches = Record<Level, boolean>;

/**
 * Image resamples as multiplicities (one buffer, refilled per draw), from makeResampler's draws: the same image
 * resamples as pairedBootstrap, so that a one-cell design reproduces it.
 */
function weightDrawer(n: number, rng: Rng, strata?: ArrayLike<number>): () => Float64Array {
  if (strata && strata.length !== n) throw new Error(`hierarchical bootstrap: ${strata.length} strata for ${n} images`);
  const resample = makeResampler(n, rng, strata);
  const w = new Float64Array(n);
  return () => {
    w.fill(0);
    for (const i of resample()) w[i]++;
    return w;
  };
}

/** One resample of one dataset's effect. Levels with one unit draw nothing. */
function drawDataset(d: PreparedDataset, rng: Rng, on: Switches, shared: boolean): number {
  let w = d.ones;
  if (shared && on.image) w = d.draw();
  const P = d.cells.length;
  let s = 0;
  for (let p = 0; p < P; p++) {
    const row = d.cells[on.pretrainSeed && P > 1 ? rng.int(P) : p];
    const F = row.length;
    let sp = 0;
    for (let f = 0; f < F; f++) {
      const c = row[on.finetuneSeed && F > 1 ? rng.int(F) : f];
      let wc = w;
      if (!shared) wc = on.image ? c.draw() : c.ones;
      sp += c.diff(wc);
    }
    s += sp / F;
  }
  return s / P;
}

/** One resample of the mean effect of a group of datasets. */
function drawGroup(group: PreparedDataset[], rng: Rng, on: Switches, shared: boolean): number {
  const K = group.length;
  let s = 0;
  for (let k = 0; k < K; k++) {
    const j = on.dataset && K > 1 ? rng.int(K) : k;
    s += drawDataset(group[j], rng, on, shared);
  }
  return s / K;
}

function checkOptions(opts: HierarchicalOptions): { B: number; level: number; on: Switches; shared: boolean } {
  const B = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 1)
    throw new Error(`hierarchical bootstrap: resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new Error(`hierarchical bootstrap: level must be in (0, 1), got ${level}`);
  if (!Number.isFinite(opts.seed)) throw new Error('hierarchical bootstrap: a finite seed is required');
  const images = opts.images ?? 'shared';
  if (images !== 'shared' && images !== 'nested')
    throw new Error(`hierarchical bootstrap: images must be 'shared' or 'nested', got '${images as string}'`);
  const on = {} as Switches;
  for (const l of LEVELS) on[l] = opts.resample?.[l] ?? true;
  return { B, level, on, shared: images === 'shared' };
}

/**
 * Draws B resamples of the mean effect of every group (datasets resampled within their own group: stratified).
 * Returns one Float64Array per group, NaN where a resample was undefined.
 */
function drawGroups(groups: PreparedDataset[][], B: number, rng: Rng, on: Switches, shared: boolean): Float64Array[] {
  const out = groups.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) for (let g = 0; g < groups.length; g++) out[g][b] = drawGroup(groups[g], rng, on, shared);
  return out;
}

/** Percentile interval, bootstrap SE and two-sided p of a distribution (NaN entries dropped and counted). */
export function summariseDistribution(estimate: number, values: ArrayLike<number>, level = 0.95): EffectInterval {
  const kept: number[] = [];
  let undef = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) undef++;
    else kept.push(values[i]);
  }
  const distribution = Float64Array.from(kept);
  const sorted = [...kept].sort((x, y) => x - y);
  const m = sorted.length;
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= m || 1;
  let ss = 0;
  for (const v of sorted) ss += (v - mean) ** 2;
  const a = (1 - level) / 2;
  return {
    estimate,
    lower: quantileSorted(sorted, a),
    upper: quantileSorted(sorted, 1 - a),
    level,
    se: m > 1 ? Math.sqrt(ss / (m - 1)) : NaN,
    pValue: bootstrapPValue(sorted),
    distribution,
    undefinedResamples: undef,
  };
}

function describeLevels(
  groups: PreparedDataset[][],
  on: Switches,
): { levelsVaried: Record<Level, boolean>; units: Record<Level, LevelUnits>; notes: string[] } {
  const counts: Record<Level, { n: number; where: string }[]> = {
    dataset: [],
    pretrainSeed: [],
    finetuneSeed: [],
    image: [],
  };
  for (const g of groups) {
    counts.dataset.push({ n: g.length, where: g.map((d) => d.name).join(', ') });
    for (const d of g) {
      counts.pretrainSeed.push({ n: d.cells.length, where: d.name });
      d.cells.forEach((row, p) => {
        counts.finetuneSeed.push({ n: row.length, where: `${d.name} (pre-training seed ${p})` });
        row.forEach((c, f) => counts.image.push({ n: c.n, where: where(d.name, p, f) }));
      });
    }
  }
  const what: Record<Level, string> = {
    dataset: 'between-dataset variance',
    pretrainSeed: 'pre-training-seed variance',
    finetuneSeed: 'fine-tuning-seed variance',
    image: 'test-image sampling variance',
  };
  const levelsVaried = {} as Record<Level, boolean>;
  const units = {} as Record<Level, LevelUnits>;
  const notes: string[] = [];
  for (const l of LEVELS) {
    const ns = counts[l].map((c) => c.n);
    units[l] = { min: Math.min(...ns), max: Math.max(...ns) };
    const single = counts[l].filter((c) => c.n < 2);
    levelsVaried[l] = on[l] && single.length === 0;
    if (!on[l]) notes.push(`${l}: not resampled (option): the interval holds no ${what[l]}`);
    else if (single.length) {
      const names = [...new Set(single.map((c) => c.where))];
      const shown = names.slice(0, 3).join('; ') + (names.length > 3 ? `; … (${names.length} in all)` : '');
      notes.push(
        `${l}: one unit in ${shown}: that level cannot vary there, so the interval holds no ${what[l]} from it`,
      );
    }
  }
  return { levelsVaried, units, notes };
}

function resultFor(
  groups: PreparedDataset[][],
  estimate: number,
  values: ArrayLike<number>,
  opts: HierarchicalOptions,
  B: number,
  level: number,
  on: Switches,
  perDataset: PreparedDataset[],
): HierarchicalResult {
  return {
    ...summariseDistribution(estimate, values, level),
    metric: opts.metric,
    resamples: B,
    seed: opts.seed,
    images: opts.images ?? 'shared',
    ...describeLevels(groups, on),
    perDataset: perDataset.map((d) => ({ name: d.name, effect: d.effect })),
  };
}

function meanEffect(group: PreparedDataset[]): number {
  let s = 0;
  for (const d of group) s += d.effect;
  return s / group.length;
}

// ---------------------------------------------------------------------------------------------------------
// public API

/**
 * Hierarchical bootstrap of the mean over datasets of metric(A) − metric(B) (see the header for the levels).
 * Answers "does A beat B on data of this kind" with the dataset as the unit.
 */
export function hierarchicalBootstrap(
  datasets: readonly PairedDataset[],
  opts: HierarchicalOptions,
): HierarchicalResult {
  const { B, level, on, shared } = checkOptions(opts);
  if (!datasets.length) throw new Error('hierarchical bootstrap: no datasets');
  const rng = new Rng(opts.seed);
  const group = datasets.map((d) => prepareDataset(d, opts, rng));
  const [values] = drawGroups([group], B, rng, on, shared);
  return resultFor([group], meanEffect(group), values, opts, B, level, on, group);
}

export interface DatasetEffects {
  /** One result per dataset, in input order: seeds and images resampled within that dataset only. */
  datasets: (HierarchicalResult & { name: string })[];
  /** Holm across datasets of the two-sided bootstrap p-values. */
  holm: HolmResult;
}

/**
 * Per-dataset paired effects, each with its own interval (pre-training seeds → fine-tuning seeds → images
 * resampled within the dataset; the dataset level has one unit and is reported as not varied), and Holm's
 * correction across the datasets. Every dataset uses the same seed.
 */
export function datasetEffects(
  datasets: readonly PairedDataset[],
  opts: HierarchicalOptions,
  alpha = 0.05,
): DatasetEffects {
  const results = datasets.map((d) => ({ ...hierarchicalBootstrap([d], opts), name: d.name }));
  return {
    datasets: results,
    holm: holm(
      results.map((r) => (Number.isNaN(r.pValue) ? 1 : r.pValue)),
      alpha,
    ),
  };
}

export interface GroupContrastResult {
  /** Names of the two groups, e.g. ['colour', 'grey'] or ['small', 'large']. */
  labels: [string, string];
  /** mean effect over group 1's datasets − mean effect over group 2's datasets (e.g. the colour × method interaction). */
  contrast: HierarchicalResult;
  /** The simple effects: each group's mean effect, from the same resamples. */
  simple: [HierarchicalResult, HierarchicalResult];
}

/**
 * Contrast of the mean paired effect between two groups of datasets, datasets resampled within their group
 * (stratified: every resample keeps each group's size), the lower levels as in hierarchicalBootstrap.
 * With effect = TL − SSL and groups colour/grey this is the colour × method interaction (C1/C2); with
 * effect = baseline − down-sampled and groups small/large it is C5's small vs large contrast. A resample
 * undefined in either group is dropped from all three distributions, so they stay jointly paired.
 */
export function groupContrast(
  group1: readonly PairedDataset[],
  group2: readonly PairedDataset[],
  opts: HierarchicalOptions,
  labels: [string, string] = ['group 1', 'group 2'],
): GroupContrastResult {
  const { B, level, on, shared } = checkOptions(opts);
  if (!group1.length || !group2.length)
    throw new Error(
      `group contrast: '${labels[0]}' has ${group1.length} datasets, '${labels[1]}' ${group2.length}; both need at least one`,
    );
  const rng = new Rng(opts.seed);
  const g1 = group1.map((d) => prepareDataset(d, opts, rng));
  const g2 = group2.map((d) => prepareDataset(d, opts, rng));
  const [v1, v2] = drawGroups([g1, g2], B, rng, on, shared);
  const vc = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    if (Number.isNaN(v1[b]) || Number.isNaN(v2[b])) v1[b] = v2[b] = vc[b] = NaN;
    else vc[b] = v1[b] - v2[b];
  }
  const e1 = meanEffect(g1);
  const e2 = meanEffect(g2);
  return {
    labels,
    contrast: resultFor([g1, g2], e1 - e2, vc, opts, B, level, on, [...g1, ...g2]),
    simple: [resultFor([g1], e1, v1, opts, B, level, on, g1), resultFor([g2], e2, v2, opts, B, level, on, g2)],
  };
}

// ---------------------------------------------------------------------------------------------------------
// tests against a stated effect size, on a bootstrap distribution

function sortedOf(values: ArrayLike<number>): number[] {
  const s = Array.from(values).filter((v) => !Number.isNaN(v));
  if (!s.length) throw new Error('margin test: empty bootstrap distribution');
  return s.sort((x, y) => x - y);
}

/**
 * One-sided test against a stated effect size, e.g. C3 "double fine-tuning gains ≥ 3 points":
 * marginTest(r, 0.03, 'greater') with metrics in [0, 1] (0.03 = 3 points). Verdict: supported when the
 * one-sided (1 − alpha) bound lies beyond the margin (equivalently, up to the 1/resamples resolution,
 * pValue ≤ alpha).
 */
export function marginTest(
  r: { distribution: ArrayLike<number> },
  margin: number,
  alternative: 'greater' | 'less' = 'greater',
  alpha = 0.05,
): MarginTestResult {
  if (!(alpha > 0 && alpha < 0.5)) throw new Error(`margin test: alpha must be in (0, 0.5), got ${alpha}`);
  const s = sortedOf(r.distribution);
  let tail = 0;
  for (const v of s) if (alternative === 'greater' ? v <= margin : v >= margin) tail++;
  const bound = quantileSorted(s, alternative === 'greater' ? alpha : 1 - alpha);
  return {
    margin,
    alternative,
    pValue: tail / s.length,
    bound,
    alpha,
    supported: alternative === 'greater' ? bound > margin : bound < margin,
  };
}

/**
 * Two one-sided tests (Schuirmann 1987) on a bootstrap distribution: H0 Δ ≤ low or Δ ≥ high, H1 low < Δ < high,
 * e.g. C3's stated "+3 to 5 points" as tost(r, 0.03, 0.05). Verdict: the effect lies in the stated range when the
 * (1 − 2·alpha) percentile interval is inside (low, high).
 */
export function tost(r: { distribution: ArrayLike<number> }, low: number, high: number, alpha = 0.05): TostResult {
  if (!(low < high)) throw new Error(`tost: low (${low}) must be below high (${high})`);
  return tostFromOneSided(low, high, alpha, marginTest(r, low, 'greater', alpha), marginTest(r, high, 'less', alpha));
}

/** The same analysis for several metrics side by side (same seed, so the same resamples for each). */
export function byMetric<T>(metrics: readonly EffectMetric[], run: (metric: EffectMetric) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const m of metrics) out[m] = run(m);
  return out;
}
