// Gains of a fine-tuning condition (augment, downsample, double-ft, …) over the baseline, as notebooks 04, 05 and
// 06 report them: per dataset and arm (table and figures), then pooled over datasets, for all sets and for small
// ones, with the TL-vs-SSL interaction. Imported by notebooks, so tslab's limits apply (README in notebooks/).
import { comparedArms } from '../pretrain/arms';
import {
  armLabel,
  conditionGains,
  fmtAccCI,
  fmtDiffCI,
  fmtP,
  fmtPts,
  interactionUnits,
  pairRuns,
  pairedDiff,
  unitDiff,
  type GainRow,
  type PairedDiff,
  type RunRecord,
} from './compare';
import { renderFigure, type RenderedFigure } from './figures';
import { gainVsSize, groupedBarsCI } from './plots';

export interface GainStatsOptions {
  seed?: number;
  resamples?: number;
}

/**
 * The conditions that have runs in `records`, in the order given. Prints them, and for the others how to run them
 * (`source` says where the records came from).
 */
export function conditionsWithRuns(
  records: RunRecord[],
  conditions: string[],
  profile: string,
  source: string,
): string[] {
  const present = conditions.filter((c) => records.some((r) => r.config.condition === c));
  console.log(`records: ${source}; conditions with runs: ${present.join(', ') || 'none'}`);
  const missing = conditions.filter((c) => !present.includes(c));
  if (missing.length)
    console.log(
      `not in the ${profile} grid (or not run yet): ${missing.join(', ')}. \`npm run grid -- --profile ${profile}\` runs what the grid lists; the gpu profile lists all conditions.`,
    );
  return present;
}

/** A GainRow tagged with its condition. */
export type ConditionGain = GainRow & { condition: string };

/** conditionGains() of every condition, tagged, sorted by condition, then training-set size, then arm. */
export function gainsByCondition(
  records: RunRecord[],
  conditions: string[],
  opts: GainStatsOptions = {},
): ConditionGain[] {
  return conditions
    .flatMap((c) => conditionGains(records, c, opts).map((g) => ({ condition: c, ...g })))
    .sort(
      (a, b) => a.condition.localeCompare(b.condition) || a.trainImages - b.trainImages || a.arm.localeCompare(b.arm),
    );
}

/** One table row per (condition, dataset, arm): both accuracies and the gain, with CIs and p-values. */
export function gainTableRows(gains: ConditionGain[]) {
  return gains.map((g) => ({
    condition: g.condition,
    dataset: g.dataset,
    content: g.colour,
    'train images': g.trainImages,
    arm: armLabel(g.arm),
    'baseline [95% CI]': fmtAccCI(g.base),
    'treated [95% CI]': fmtAccCI(g.cond),
    'gain, pts [95% CI]': fmtDiffCI(g.gain),
    'p (bootstrap)': fmtP(g.gain.pBootstrap),
    'p (McNemar)': fmtP(g.gain.pMcnemar),
  }));
}

/**
 * Per condition, two figures: gain bars per dataset and arm, and gain against training-set size. Written as
 * figures/<prefix>-<condition>-gain-<profile> and figures/<prefix>-<condition>-gain-vs-size-<profile>.
 */
export async function renderGainFigures(
  gains: ConditionGain[],
  conditions: string[],
  prefix: string,
  profile: string,
): Promise<RenderedFigure[]> {
  const out: RenderedFigure[] = [];
  for (const c of conditions) {
    const gs = gains.filter((g) => g.condition === c);
    const bars = gs.map((g) => ({
      group: `${g.dataset} (${g.trainImages})`,
      arm: armLabel(g.arm),
      value: 100 * g.gain.diff,
      lo: 100 * g.gain.lo,
      hi: 100 * g.gain.hi,
    }));
    const fig = groupedBarsCI(bars, {
      title: `${c} − baseline, per dataset (training images in brackets)`,
      yTitle: 'gain (points)',
    });
    out.push(
      await renderFigure(`${prefix}-${c}-gain-${profile}`, fig, {
        width: Math.max(600, 120 * new Set(gs.map((g) => g.dataset)).size + 200),
        height: 440,
      }),
    );
    const pts = gs.map((g) => ({
      dataset: `${g.dataset} ${armLabel(g.arm)}`,
      n: g.trainImages,
      gain: 100 * g.gain.diff,
      lo: 100 * g.gain.lo,
      hi: 100 * g.gain.hi,
      colour: g.colour,
    }));
    out.push(
      await renderFigure(
        `${prefix}-${c}-gain-vs-size-${profile}`,
        gainVsSize(pts, { title: `${c} − baseline vs training-set size`, yTitle: 'gain (points)' }),
        { height: 420 },
      ),
    );
  }
  return out;
}

export type PooledGainRow = {
  condition: string;
  sets: string;
  'gain TL, pts': string;
  'gain SSL, pts': string;
  'gain both arms, pts': string;
  'p (both)': string;
  'TL gain − SSL gain': string;
  'p (interaction)': string;
  /** the pooled gain over both arms */
  _both: PairedDiff;
  /** TL gain − SSL gain, per image */
  _inter: PairedDiff;
};

/**
 * Per condition, pooled over datasets (each weighs the same), for all sets and for those with fewer than
 * `smallSet` training images: the gain of each arm, of both, and the interaction (TL treated − TL baseline) −
 * (SSL treated − SSL baseline), per image. Runs are paired with the baseline by dataset, arm and seed.
 */
export function pooledGains(
  records: RunRecord[],
  conditions: string[],
  opts: GainStatsOptions & { smallSet: number; base?: string },
): PooledGainRow[] {
  const base = opts.base ?? 'baseline';
  const stats: GainStatsOptions = { seed: opts.seed, resamples: opts.resamples };
  const smallSet = (ds: string) =>
    (records.find((r) => r.config.dataset === ds)?.dataset.counts.train ?? Infinity) < opts.smallSet;
  const arms = comparedArms(records.map((r) => r.config.arm));
  const armPairs = (c: string, arm: string, keep: (ds: string) => boolean) =>
    pairRuns(
      records.filter((r) => r.config.condition === c && r.config.arm === arm && keep(r.config.dataset)),
      records.filter((r) => r.config.condition === base && r.config.arm === arm && keep(r.config.dataset)),
    );
  const subsets: [string, (ds: string) => boolean][] = [
    ['all sets', () => true],
    [`small sets (< ${opts.smallSet})`, smallSet],
  ];
  return conditions.flatMap((c) =>
    subsets.map(([label, keep]) => {
      const tl = armPairs(c, arms.tl, keep);
      const ssl = armPairs(c, arms.ssl, keep);
      const both = pairedDiff(
        [
          ...tl.map((p) => ({ ...p, dataset: p.dataset + '/tl' })),
          ...ssl.map((p) => ({ ...p, dataset: p.dataset + '/ssl' })),
        ],
        stats,
      );
      const inter = unitDiff(interactionUnits(tl, ssl), stats);
      return {
        condition: c,
        sets: label,
        'gain TL, pts': fmtDiffCI(pairedDiff(tl, stats)),
        'gain SSL, pts': fmtDiffCI(pairedDiff(ssl, stats)),
        'gain both arms, pts': fmtDiffCI(both),
        'p (both)': fmtP(both.pBootstrap),
        'TL gain − SSL gain': fmtDiffCI(inter),
        'p (interaction)': fmtP(inter.pBootstrap),
        _both: both,
        _inter: inter,
      };
    }),
  );
}

/** The pooled rows as a table (the `_both`/`_inter` statistics left out). */
export function pooledGainTable(rows: PooledGainRow[]) {
  return rows.map(({ _both, _inter, ...r }) => r);
}

/** One Markdown bullet per pooled row: the gain with its CI, a verdict from the CI, and the interaction. */
export function pooledGainFindings(rows: PooledGainRow[]): string {
  return rows
    .map((r) => {
      const b = r._both;
      const verdict = b.pairs === 0 ? 'no paired runs' : b.lo > 0 ? 'helps' : b.hi < 0 ? 'hurts' : 'no clear effect';
      return `- **${r.condition}**, ${r.sets}: ${fmtPts(b.diff)} points [${fmtPts(b.lo)}, ${fmtPts(b.hi)}] → ${verdict}; TL gain − SSL gain ${fmtPts(r._inter.diff)} [${fmtPts(r._inter.lo)}, ${fmtPts(r._inter.hi)}].`;
    })
    .join('\n');
}
