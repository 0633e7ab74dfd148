// Notebooks 04 (augmentation), 05 (class imbalance) and 06 (double fine-tuning) are one analysis with different
// conditions: each notebook declares its knob block (ConditionKnobs) and calls these steps, one per cell. The
// analysis settings (resamples, small-set threshold) come from the profile's analysis config; the arms are read
// from the records by name (lib/report/arms.ts). Imported by notebooks, so tslab's limits apply (notebooks/README).
import { describeGrid, GRIDS } from '../finetune/grid';
import { analysisConfig, type AnalysisConfig } from './analysis-config';
import { tlSslPairs, type ArmPair } from './arms';
import { armLabel } from '../pretrain/arms';
import type { RunRecord } from '../finetune/run-record';
import { fmtPts } from './compare';
import {
  conditionsWithRuns,
  gainCellChecks,
  gainsByCondition,
  gainTableRows,
  pooledForFindings,
  pooledGains,
  pooledGainTable,
  renderGainFigures,
  type ConditionGain,
  type PooledGainRow,
} from './condition-gains';
import { DEGENERATE_LEGEND } from './degenerate';
import { renderFigure, type RenderedFigure } from './figures';
import { gainFindings, type FlaggedCell, type GainClaim } from './findings';
import { trainingCurves } from './plots';
import type { Provenance } from './provenance';
import { loadProfileRuns } from './runs';
import { writeTable, type WrittenTable } from './tables';

/** What differs between notebooks 04, 05 and 06. */
export interface ConditionKnobs {
  /** file-name prefix of the notebook's tables and figures, e.g. '04' */
  prefix: string;
  /** a short name for titles, e.g. 'Augmentation' */
  title: string;
  /** conditions compared with the baseline, each on its own */
  conditions: string[];
  /** the paper's claim, checked against the pooled numbers */
  claim: GainClaim;
}

export class ConditionNotebook {
  readonly analysis: AnalysisConfig;
  records: RunRecord[] = [];
  source = 'none';
  /** conditions with runs */
  present: string[] = [];
  /** TL/SSL arm pairs found in the records */
  pairs: ArmPair[] = [];
  gains: ConditionGain[] = [];
  checks: FlaggedCell[] = [];
  /** pooled rows per arm pair */
  pooled: { pair: ArmPair; rows: PooledGainRow[] }[] = [];

  constructor(
    readonly knobs: ConditionKnobs,
    readonly profile: string,
  ) {
    this.analysis = analysisConfig(profile);
  }

  /** The knobs and the analysis settings, for the setup cell to print. */
  describe(): Record<string, unknown> {
    return { profile: this.profile, conditions: this.knobs.conditions, ...this.analysis };
  }

  private get stats() {
    return { seed: this.analysis.bootstrapSeed, resamples: this.analysis.resamples };
  }

  /** Seeds and backend of the runs shown, for every table and figure. */
  provenance(): Partial<Provenance> {
    return {
      seeds: [...new Set(this.records.map((r) => r.config.seed))],
      backend: [...new Set(this.records.map((r) => r.backend))].join(',') || undefined,
    };
  }

  /** Loads the profile's records and prints what the grid holds and which conditions have runs. */
  load(): this {
    const loaded = loadProfileRuns(this.profile);
    this.records = loaded.records;
    this.source = loaded.source;
    const grid = GRIDS[this.profile as keyof typeof GRIDS];
    if (grid)
      console.log(
        `records of ${describeGrid(
          grid,
          this.records.map((r) => r.config),
          'records',
        )}`,
      );
    this.present = conditionsWithRuns(this.records, this.knobs.conditions, this.profile, this.source);
    this.pairs = tlSslPairs(this.records);
    console.log(`arms: ${[...new Set(this.records.map((r) => armLabel(r.config.arm)))].join(', ') || 'none'}`);
    this.gains = gainsByCondition(this.records, this.present, this.stats);
    this.checks = gainCellChecks(this.records, this.gains);
    this.pooled = this.pairs.map((pair) => ({
      pair,
      rows: pooledGains(this.records, this.present, { ...this.stats, smallSet: this.analysis.smallSet, arms: pair }),
    }));
    return this;
  }

  /** Per condition, dataset and arm: baseline, treated, gain with CIs and p-values, and the cell flags. */
  gainTable(): WrittenTable | null {
    if (this.gains.length === 0) return null;
    return writeTable(`${this.knobs.prefix}-gains-${this.profile}`, gainTableRows(this.gains, this.checks), {
      title: `${this.knobs.title}: gain over baseline, profile ${this.profile}. ${DEGENERATE_LEGEND}`,
      provenance: this.provenance(),
    });
  }

  /** Per condition: gain bars (degenerate cells hatched) and gain against training-set size. */
  async gainFigures(): Promise<RenderedFigure[]> {
    return renderGainFigures(this.gains, this.present, this.knobs.prefix, this.profile, this.checks, this.provenance());
  }

  /** Pooled over datasets, all sets and small ones, per arm pair. */
  pooledTable(): WrittenTable | null {
    const rows = this.pooled.flatMap((p) =>
      pooledGainTable(p.rows).map((r) =>
        this.pooled.length > 1 ? { arms: `${p.pair.aLabel} vs ${p.pair.bLabel}`, ...r } : r,
      ),
    );
    if (rows.length === 0) return null;
    return writeTable(`${this.knobs.prefix}-pooled-${this.profile}`, rows, {
      title: `${this.knobs.title}: pooled gains`,
      provenance: this.provenance(),
    });
  }

  /** The "what we found" text, computed from the pooled numbers and the cell flags. */
  findings(): string {
    if (this.present.length === 0 || this.pooled.length === 0)
      return `No paired TL/SSL runs for ${this.knobs.conditions.join('/')} in profile \`${this.profile}\` yet.`;
    const out = this.pooled.map((p) => {
      const text = gainFindings(pooledForFindings(p.rows), {
        claim: this.knobs.claim,
        aLabel: p.pair.aLabel,
        bLabel: p.pair.bLabel,
        flagged: this.checks.filter((c) => c.arm === p.pair.a || c.arm === p.pair.b),
      });
      return this.pooled.length > 1 ? `**${p.pair.aLabel} vs ${p.pair.bLabel}**\n\n${text}` : text;
    });
    return out.join('\n\n') + `\n\nThe paper: ${this.knobs.claim.text}`;
  }

  /** What each condition trains on (lowest seed): class counts after balancing. */
  trainCountsTable(): WrittenTable | null {
    const seed = Math.min(...this.records.map((r) => r.config.seed));
    const rows = this.knobs.conditions.flatMap((c) =>
      this.records
        .filter((r) => r.config.condition === c && r.config.seed === seed)
        .map((r) => ({
          condition: c,
          dataset: r.config.dataset,
          arm: armLabel(r.config.arm),
          'train per class (after balancing)': r.stages[r.stages.length - 1].trainCounts.join(' / '),
        })),
    );
    if (rows.length === 0) return null;
    return writeTable(`${this.knobs.prefix}-train-counts-${this.profile}`, rows, {
      title: `What each treatment trains on (seed ${seed})`,
      provenance: this.provenance(),
    });
  }

  /** Baseline vs treated balanced accuracy (mean over seeds) per condition, dataset and arm. */
  balancedAccuracyTable(): WrittenTable | null {
    const rows = this.gains.map((g) => ({
      condition: g.condition,
      dataset: g.dataset,
      arm: armLabel(g.arm),
      'baseline bal. acc.': g.base.balancedAccuracy,
      'treated bal. acc.': g.cond.balancedAccuracy,
      'change, pts': fmtPts(g.cond.balancedAccuracy - g.base.balancedAccuracy),
    }));
    if (rows.length === 0) return null;
    return writeTable(`${this.knobs.prefix}-balanced-accuracy-${this.profile}`, rows, {
      title: 'Balanced accuracy (mean over seeds)',
      provenance: this.provenance(),
    });
  }

  /** Validation accuracy per epoch through every stage (stage 1, then the target), per arm, lowest seed. */
  async stageCurves(condition: string, maxDatasets = 2): Promise<RenderedFigure[]> {
    const seed = Math.min(...this.records.map((r) => r.config.seed));
    const runs = this.records.filter((r) => r.config.condition === condition && r.config.seed === seed);
    const out: RenderedFigure[] = [];
    for (const ds of [...new Set(runs.map((r) => r.config.dataset))].slice(0, maxDatasets)) {
      const mine = runs.filter((r) => r.config.dataset === ds);
      const series = mine.map((r) => {
        const ep = r.stages.flatMap((s) => s.epochs);
        return { arm: armLabel(r.config.arm), epoch: ep.map((_, i) => i + 1), val: ep.map((e) => e.valAcc) };
      });
      const first = mine[0];
      const title = `${first.config.intermediate ?? '?'} → ${ds}: stage 1 then target (epochs in sequence, seed ${seed})`;
      out.push(
        await renderFigure(
          `${this.knobs.prefix}-curves-${ds}-${this.profile}`,
          trainingCurves(series, { metric: 'val accuracy', title }),
          { height: 400, provenance: this.provenance() },
        ),
      );
    }
    return out;
  }
}
