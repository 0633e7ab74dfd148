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
  interactionUnits,
  meanOfPairsUnits,
  pairRuns,
  pairedDiff,
  unitDiff,
  type GainRow,
  type PairedDiff,
  type RunRecord,
  trainImages,
} from './compare';
import { renderFigure, type RenderedFigure } from './figures';
import type { ArmPair } from './arms';
import type { Provenance } from './provenance';
import { cellRuns, degenerateCell } from './degenerate';
import { gainFindings, type FlaggedCell, type GainClaim, type PooledGain } from './findings';
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

/** The flags of the baseline and treated cells behind a gain ('' when neither is degenerate). */
export function gainFlagLabel(g: ConditionGain, checks: FlaggedCell[]): string {
  const of = (condition: string) =>
    checks.find((c) => c.dataset === g.dataset && c.arm === g.arm && (c.condition ?? 'baseline') === condition)?.check
      .label ?? '';
  const b = of('baseline');
  const t = of(g.condition);
  return [b && `baseline: ${b}`, t && `treated: ${t}`].filter(Boolean).join('; ');
}

/**
 * One table row per (condition, dataset, arm): both accuracies and the gain, with CIs and p-values, and (given the
 * cell checks) a flag column naming degenerate cells.
 */
export function gainTableRows(gains: ConditionGain[], checks?: FlaggedCell[]) {
  return gains.map((g) => ({
    condition: g.condition,
    dataset: g.dataset,
    content: g.colour,
    'train images': g.trainImages,
    arm: armLabel(g.arm),
    'baseline [95% CI]': fmtAccCI(g.base),
    'treated [95% CI]': fmtAccCI(g.cond),
    'gain, pts [95% CI]': fmtDiffCI(g.gain),
    p: fmtP(g.gain.p),
    'p (Holm)': fmtP(g.pHolm),
    ...(checks ? { flags: gainFlagLabel(g, checks) || '–' } : {}),
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
  checks: FlaggedCell[] = [],
  provenance?: Partial<Provenance>,
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
      flagged: gainFlagLabel(g, checks) !== '',
    }));
    const fig = groupedBarsCI(bars, {
      title: `${c} − baseline, per dataset (training images in brackets)`,
      yTitle: 'gain (points)',
    });
    out.push(
      await renderFigure(`${prefix}-${c}-gain-${profile}`, fig, {
        width: Math.max(600, 120 * new Set(gs.map((g) => g.dataset)).size + 200),
        height: 460,
        provenance,
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
        { height: 420, provenance },
      ),
    );
  }
  return out;
}

export type PooledGainRow = Record<string, string> & {
  condition: string;
  sets: string;
  /** the pooled gain over both arms */
  _both: PairedDiff;
  /** A gain − B gain (TL − SSL), per image */
  _inter: PairedDiff;
  _subset: 'all' | 'small';
};

/**
 * Per condition, pooled over datasets (each weighs the same), for all sets and for those with fewer than
 * `smallSet` training images: the gain of each arm, of both, and the interaction (A treated − A baseline) −
 * (B treated − B baseline), per image. Runs are paired with the baseline by dataset, arm and seed. The arms are
 * `opts.arms` (default: comparedArms() of the arms present, lib/pretrain/arms).
 */
export function pooledGains(
  records: RunRecord[],
  conditions: string[],
  opts: GainStatsOptions & { smallSet: number; base?: string; arms?: Pick<ArmPair, 'a' | 'b' | 'aLabel' | 'bLabel'> },
): PooledGainRow[] {
  const base = opts.base ?? 'baseline';
  const compared = comparedArms(records.map((r) => r.config.arm));
  const arms = opts.arms ?? {
    a: compared.tl,
    b: compared.ssl,
    aLabel: armLabel(compared.tl),
    bLabel: armLabel(compared.ssl),
  };
  const stats: GainStatsOptions = { seed: opts.seed, resamples: opts.resamples };
  const smallSet = (ds: string) => trainImages(records, ds) < opts.smallSet;
  const armPairs = (c: string, arm: string, keep: (ds: string) => boolean) =>
    pairRuns(
      records.filter((r) => r.config.condition === c && r.config.arm === arm && keep(r.config.dataset)),
      records.filter((r) => r.config.condition === base && r.config.arm === arm && keep(r.config.dataset)),
    );
  const subsets: ['all' | 'small', string, (ds: string) => boolean][] = [
    ['all', 'all sets', () => true],
    ['small', `small sets (< ${opts.smallSet})`, smallSet],
  ];
  return conditions.flatMap((c) =>
    subsets.map(([subset, label, keep]) => {
      const pa = armPairs(c, arms.a, keep);
      const pb = armPairs(c, arms.b, keep);
      const both = unitDiff(meanOfPairsUnits(pa, pb), stats);
      const inter = unitDiff(interactionUnits(pa, pb), stats);
      const row: PooledGainRow = {
        condition: c,
        sets: label,
        [`gain ${arms.aLabel}, pts`]: fmtDiffCI(pairedDiff(pa, stats)),
        [`gain ${arms.bLabel}, pts`]: fmtDiffCI(pairedDiff(pb, stats)),
        'gain both arms, pts': fmtDiffCI(both),
        'p (both)': fmtP(both.p),
        [`${arms.aLabel} gain − ${arms.bLabel} gain`]: fmtDiffCI(inter),
        'p (interaction)': fmtP(inter.p),
        'datasets (units)': String(both.datasets.length),
        _both: both,
        _inter: inter,
        _subset: subset,
      } as PooledGainRow;
      return row;
    }),
  );
}

/** The pooled rows as a table (the `_` statistics left out). */
export function pooledGainTable(rows: PooledGainRow[]): Record<string, string>[] {
  return rows.map(
    (r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_'))) as Record<string, string>,
  );
}

/** The pooled rows in the shape lib/report/findings reads. */
export function pooledForFindings(rows: PooledGainRow[]): PooledGain[] {
  return rows.map((r) => ({ condition: r.condition, subset: r._subset, sets: r.sets, both: r._both, inter: r._inter }));
}

/** One Markdown bullet per pooled row: the gain with its CI, what it means, and the interaction. */
export function pooledGainFindings(
  rows: PooledGainRow[],
  o: { claim?: GainClaim; aLabel?: string; bLabel?: string; flagged?: FlaggedCell[] } = {},
): string {
  const claim = o.claim ?? { text: '', effect: 'helps', subset: 'all' };
  const text = gainFindings(pooledForFindings(rows), {
    claim,
    aLabel: o.aLabel ?? 'TL',
    bLabel: o.bLabel ?? 'SSL',
    flagged: o.flagged,
  });
  // without a claim, only the per-row bullets
  return o.claim
    ? text
    : text
        .split('\n')
        .filter((l) => !l.startsWith('- Paper, for'))
        .join('\n');
}

/**
 * The degenerate-cell check (./degenerate.ts) of every (condition or baseline, dataset, arm) cell behind the gain
 * rows: a gain built on a collapsed or saturated cell is not a treatment effect.
 */
export function gainCellChecks(records: RunRecord[], gains: ConditionGain[]): FlaggedCell[] {
  const out: FlaggedCell[] = [];
  const seen = new Set<string>();
  for (const g of gains) {
    for (const [condition, s] of [
      ['baseline', g.base],
      [g.condition, g.cond],
    ] as const) {
      const key = `${condition}|${g.dataset}|${g.arm}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const runs = cellRuns(records, g.dataset, g.arm, condition);
      if (runs.length) out.push({ dataset: g.dataset, arm: g.arm, condition, check: degenerateCell(runs, s) });
    }
  }
  return out;
}
