// The paper's claims C1–C6 evaluated on one profile's run records: numbers only (lib/report/reproduction-md.ts
// renders them). Every claim names its unit, its test, its verdict rule and the metric the verdict is read in;
// effects are given in accuracy, balanced accuracy and macro-AUC side by side (lib/report/claim-effects.ts).
// A claim is evaluated only on the complete design the grid defines (lib/report/claim-data.ts): with cells missing
// it says which, and that it is not evaluated yet.
import { NEAR_COPY_FLAG } from '../data/nearest-copy';
import { GRIDS } from '../finetune/grid';
import { intermediateFor } from '../finetune/pairs';
import { armLabel } from '../pretrain/arms';
import { holmAdjusted } from '../stats/hypothesis';
import { marginTest, tost } from '../stats/hierarchical';
import { leaveOneOutT, leaveOneOutWelch } from '../stats/leave-one-out';
import { tMarginTest, tTost, type TInterval } from '../stats/t-tests';
import type { MarginTestResult, TostResult } from '../stats/hypothesis';
import { contentColour, trainImages, type RunRecord, type Verdict } from './compare';
import {
  indexRecords,
  pairedData,
  summariseMissing,
  type DesignSpec,
  type PairedData,
  type RowSpec,
} from './claim-data';
import {
  contrastEffects,
  meanEffect,
  perDatasetEffects,
  type DatasetEffectRow,
  type Effect,
  type EffectOptions,
} from './claim-effects';

/** The metric every verdict is read in: balanced accuracy is not moved by the test set's class balance. */
export const VERDICT_METRIC = 'balancedAccuracy' as const;

/** The grid design the claims need: datasets, fine-tuning seeds, the arms run under every condition. */
export interface ClaimDesign {
  datasets: string[];
  seeds: number[];
  arms: string[];
  /** Arms run at baseline only (random init, ImageNet weights, in-domain SimCLR); lib/report/controls.ts. */
  controls?: string[];
  /** Where the design comes from, for the report. */
  source: string;
}

/** GRIDS[profile] when the profile has a grid, else what the records hold (synthetic or foreign profiles). */
export function designFor(profile: string, records: readonly RunRecord[]): ClaimDesign {
  const g = GRIDS[profile as keyof typeof GRIDS];
  if (g)
    return {
      datasets: g.datasets,
      seeds: g.seeds,
      arms: g.arms,
      controls: g.controls,
      source: `GRIDS.${profile} (lib/finetune/grid.ts)`,
    };
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  return {
    datasets: uniq(records.map((r) => r.config.dataset)).sort(),
    seeds: uniq(records.map((r) => r.config.seed)).sort((a, b) => a - b),
    arms: uniq(records.map((r) => r.config.arm)).sort(),
    source: 'the records themselves (no grid for this profile)',
  };
}

/** One TL-vs-SSL comparison: its rows (one per pre-training seed), and what still confounds it. */
export interface Comparison {
  id: 'matched-resnet' | 'matched-xception' | 'paper-pairing' | 'legacy';
  label: string;
  rows: { tl: string; ssl: string }[];
  headline: boolean;
  seeds: number[];
  confound: string;
}

/** The comparisons the design (and, for the old export, the records) allows, the headline first. */
export function comparisonsFor(design: ClaimDesign, records: readonly RunRecord[]): Comparison[] {
  const has = (a: string) => design.arms.includes(a);
  const out: Comparison[] = [];
  if (has('tl-resnet') && has('ssl-resnet'))
    out.push({
      id: 'matched-resnet',
      label: 'matched ResNet (TL ResNet vs SSL ResNet)',
      rows: [
        { tl: 'tl-resnet', ssl: 'ssl-resnet' },
        ...(has('tl-resnet-s1') && has('ssl-resnet-s1') ? [{ tl: 'tl-resnet-s1', ssl: 'ssl-resnet-s1' }] : []),
      ],
      headline: true,
      seeds: design.seeds,
      confound:
        'same architecture and pre-training source (Imagenette) on both sides: what remains is the method (plus our small backbones and 64 px)',
    });
  if (has('tl-xception') && has('ssl-xception'))
    out.push({
      id: 'matched-xception',
      label: 'matched Xception (TL Xception vs SSL Xception)',
      rows: [{ tl: 'tl-xception', ssl: 'ssl-xception' }],
      headline: false,
      seeds: design.seeds,
      confound: 'same architecture; one pre-training seed per arm, so pre-training variance is not in its interval',
    });
  if (has('tl-xception') && has('ssl-resnet'))
    out.push({
      id: 'paper-pairing',
      label: "the paper's pairing (TL Xception vs SSL ResNet)",
      rows: [{ tl: 'tl-xception', ssl: 'ssl-resnet' }],
      headline: false,
      seeds: design.seeds,
      confound: 'confounded by architecture: TL is an Xception, SSL a ResNet, so method and architecture move together',
    });
  const legacy = records.filter((r) => r.config.arm === 'tl' || r.config.arm === 'ssl');
  if (legacy.some((r) => r.config.arm === 'tl') && legacy.some((r) => r.config.arm === 'ssl'))
    out.push({
      id: 'legacy',
      label: "old export's arms tl/ssl (the paper's pairing at 32 px)",
      rows: [{ tl: 'tl', ssl: 'ssl' }],
      headline: out.length === 0,
      seeds: [...new Set(legacy.map((r) => r.config.seed))].sort((a, b) => a - b),
      confound:
        'old export: arms named by method only (TL Xception-family vs SSL ResNet-family), so confounded by architecture; its own seeds, not the grid’s',
    });
  return out;
}

export type ClaimStatus = 'evaluated' | 'not evaluated';

export interface ClaimResult {
  id: string;
  claim: string;
  /** the paper's number(s) where it gives them */
  paper: string;
  /** one line: our verdict-metric effect with its t interval, or why it is not evaluated */
  ours: string;
  unit: string;
  test: string;
  /** the verdict rule, stated before the numbers */
  rule: string;
  verdictMetric: string;
  status: ClaimStatus;
  /** Verdict (claims not evaluated are 'inconclusive' with status 'not evaluated'). */
  verdict: Verdict;
  /** p of the claim's primary test in the verdict metric, and Holm-adjusted across the claims' primary tests. */
  p: number;
  pHolm: number;
  /** Verdict-metric effect and its t interval (the notebooks plot it); null when not evaluated. */
  detail: { diff: number; lo: number; hi: number; pairs: number } | null;
  effects: Effect[];
  /** One-sided and equivalence tests against a stated size (C3). */
  sizeTests?: {
    label: string;
    margin: MarginTestResult;
    tost: TostResult;
    bootMargin: { pValue: number; bound: number };
    bootTost: { lower: number; upper: number; pValue: number };
  }[];
  /** Per-dataset paired effects (C1/C2: one table per comparison; C4: the gain). */
  perDataset?: { label: string; comparison?: Comparison['id']; rows: DatasetEffectRow[] }[];
  /** Missing or unpaired runs that keep the claim from being evaluated. */
  missing: string;
  confounds: string[];
  note: string;
  /** Few datasets: the t interval is wide because K is small (said, not hidden). */
  fewUnits?: string;
  /** Does the primary t result hang on one dataset? Each left out in turn (lib/stats/leave-one-out.ts). */
  leaveOneOut?: string;
}

export interface ClaimsInput {
  records: RunRecord[];
  profile: string;
  design?: ClaimDesign;
  seed: number;
  resamples: number;
  smallSet: number;
  /** Sets flagged by the thumbnail 1-NN leak probe (reproduction.ts nearCopySets); named among C1/C2's and C4's confounds. */
  nearCopies?: { dataset: string; probe: { balancedAccuracy: number } }[];
}

const pts = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}` : 'n/a');

function fewUnitsNote(K: number[]): string | undefined {
  const k = Math.min(...K);
  return k <= 4
    ? `K = ${K.join(' and ')} dataset${K.length > 1 || K[0] > 1 ? 's' : ''}: the t interval is wide because K is small (t with ${K.length > 1 ? 'Welch' : `${k - 1}`} df), not because the runs are noisy`
    : undefined;
}

function detailOf(e: Effect | undefined, pairs: number): ClaimResult['detail'] {
  const m = e?.byMetric[VERDICT_METRIC];
  if (!m || !Number.isFinite(m.estimate)) return null;
  return { diff: m.estimate, lo: m.t?.lower ?? NaN, hi: m.t?.upper ?? NaN, pairs };
}

const side = (t: TInterval) => (t.lower > 0 ? 'lies above 0' : t.upper < 0 ? 'lies below 0' : 'contains 0');
const withInterval = (t: TInterval) => `${pts(t.estimate)} [${pts(t.lower)}, ${pts(t.upper)}]`;

/**
 * The primary effect re-estimated with each dataset left out in turn (verdict metric, the claim's own t test): its
 * range, and every dataset without which the 95% interval falls on another side of 0 than with all of them.
 * Undefined where the effect has no t interval or too few datasets to leave one out.
 */
function leaveOneOutNote(e: Effect | undefined, simple?: [Effect, Effect]): string | undefined {
  const full = e?.byMetric[VERDICT_METRIC].t;
  if (!e || !full) return undefined;
  const units = (x: Effect) => x.byMetric[VERDICT_METRIC].perDataset.map((d) => ({ name: d.name, effect: d.effect }));
  const [u1, u2] = simple ? [units(simple[0]), units(simple[1])] : [units(e), []];
  const canDrop = simple ? Math.max(u1.length, u2.length) >= 3 && Math.min(u1.length, u2.length) >= 2 : u1.length >= 3;
  if (!canDrop) return undefined;
  const fits = simple ? leaveOneOutWelch(u1, u2) : leaveOneOutT(u1);
  const byEstimate = [...fits].sort((a, b) => a.interval.estimate - b.interval.estimate);
  const [lo, hi] = [byEstimate[0], byEstimate[byEstimate.length - 1]];
  const moved = fits.filter((f) => side(f.interval) !== side(full));
  return (
    `${fits.length} fits, balanced accuracy, ${simple ? 'Welch' : 'one-sample'} t: ` +
    `the effect ranges from ${withInterval(lo.interval)} without ${lo.left} to ${withInterval(hi.interval)} without ${hi.left}. ` +
    `With all datasets the 95% interval ${side(full)}; ` +
    (moved.length
      ? moved.map((f) => `without ${f.left} it ${side(f.interval)} (${withInterval(f.interval)})`).join('; ')
      : 'it does so with any one of them left out')
  );
}

/**
 * Sets whose test images have near-copies in train (a thumbnail 1-NN with no training reaches the flag level): what
 * a model scores there, and what changes it, can be matching rather than learning. `more` adds a per-set number.
 */
function nearCopyConfound(sets: ClaimsInput['nearCopies'], more: (dataset: string) => string): string[] {
  if (!sets?.length) return [];
  const list = sets.map(({ dataset, probe }) => {
    const m = more(dataset);
    return `${dataset} (1-NN bal. ${(100 * probe.balancedAccuracy).toFixed(1)}%${m ? `; ${m}` : ''})`;
  });
  return [
    `test images with near-copies in train: a 1-nearest-neighbour on 16×16 thumbnails, with no training, reaches ≥ ${(100 * NEAR_COPY_FLAG).toFixed(0)}% balanced accuracy on ${list.join(', ')} (lib/data/nearest-copy.ts). There a model can score by matching the copy, and anything that breaks exact matching, as augmentation does, costs more than it would on held-out images`,
  ];
}

/** Direction verdict from a t interval: the paper's sign, excluded zero; Holm p < alpha needed for 'supported'. */
function directional(e: Effect, sign: 1 | -1, pHolm: number, alpha = 0.05): Verdict {
  const t = e.byMetric[VERDICT_METRIC].t;
  if (!t) return 'inconclusive';
  const lo = sign * (sign > 0 ? t.lower : t.upper);
  const hi = sign * (sign > 0 ? t.upper : t.lower);
  if (lo > 0 && pHolm < alpha) return 'supported';
  if (hi < 0) return 'contradicted';
  return 'inconclusive';
}

/** Rows of the "gain" designs: each backbone of the comparison, condition vs `base`. */
function gainRows(c: Comparison, condition: string, base: string): RowSpec[] {
  return c.rows.flatMap((r) => [
    { a: { arm: r.tl, condition }, b: { arm: r.tl, condition: base } },
    { a: { arm: r.ssl, condition }, b: { arm: r.ssl, condition: base } },
  ]);
}

/** Rows of "TL gains more than SSL": (TL condition − TL base) − (SSL condition − SSL base), per pre-training row. */
function gainInteractionRows(c: Comparison, condition: string, base: string): RowSpec[] {
  return c.rows.map((r) => ({
    a: { arm: r.tl, condition },
    b: { arm: r.tl, condition: base },
    minus: { a: { arm: r.ssl, condition }, b: { arm: r.ssl, condition: base } },
  }));
}

/**
 * How many of a condition's runs ended at the epoch cap without early stopping (still improving when cut), among
 * the records that say (older synthetic or partial records may not).
 */
export function epochCapShare(records: readonly RunRecord[], condition: string): { capped: number; known: number } {
  let capped = 0;
  let known = 0;
  for (const r of records) {
    if (r.config.condition !== condition) continue;
    const t = r.stages?.[r.stages.length - 1];
    const cap = r.config.train?.epochs;
    if (!t || typeof t.stoppedEarly !== 'boolean' || typeof cap !== 'number' || !Array.isArray(t.epochs)) continue;
    known++;
    if (!t.stoppedEarly && t.epochs.length >= cap) capped++;
  }
  return { capped, known };
}

function missingOf(d: PairedData[]): { missing: string[]; unpaired: string[] } {
  return {
    missing: [...new Set(d.flatMap((x) => x.missing))],
    unpaired: [...new Set(d.flatMap((x) => x.unpaired))],
  };
}

/** Why a claim is not evaluated: every missing run, grouped (for the claim's "Missing" line). */
function notEvaluated(d: PairedData[], why?: string): string {
  const { missing, unpaired } = missingOf(d);
  const parts = [
    why,
    missing.length ? summariseMissing(missing) : '',
    unpaired.length ? `${unpaired.length} unpaired: ${unpaired.slice(0, 3).join('; ')}` : '',
  ].filter(Boolean);
  return `not evaluated yet: ${parts.join('; ')}`;
}

/** The same in a few words (for tables): how many runs are missing. */
function notEvaluatedShort(d: PairedData[], why?: string): string {
  const { missing, unpaired } = missingOf(d);
  const parts = [
    why,
    missing.length ? `${missing.length} run${missing.length === 1 ? '' : 's'} missing` : '',
    unpaired.length ? `${unpaired.length} unpaired` : '',
  ].filter(Boolean);
  return `not evaluated yet (${parts.join(', ')})`;
}

const backbonesText = (c: Comparison) =>
  c.rows.flatMap((r) => [armLabel(r.tl), armLabel(r.ssl)]).join(', ') +
  (c.rows.length > 1 ? ' (rows = backbones, resampled as the pre-training level)' : '');

/** Evaluate C1–C5 (C6 is cost: lib/report/cost.ts). Pure: no files. */
export function evaluateClaimSet(inp: ClaimsInput): ClaimResult[] {
  const R = inp.records;
  const design = inp.design ?? designFor(inp.profile, R);
  const index = indexRecords(R);
  const o: EffectOptions = { seed: inp.seed, resamples: inp.resamples };
  const comps = comparisonsFor(design, R);
  const head = comps.find((c) => c.headline);
  const design0 = (c: Comparison, rows: RowSpec[], datasets: string[]): DesignSpec => ({
    rows,
    datasets,
    seeds: c.seeds,
  });
  const datasetsOf = (c: Comparison) =>
    c.id === 'legacy'
      ? [...new Set(R.filter((r) => r.config.arm === 'tl').map((r) => r.config.dataset))].sort()
      : design.datasets;
  const colourSets = (c: Comparison) => datasetsOf(c).filter((d) => contentColour(d) === 'colour');
  const greySets = (c: Comparison) => datasetsOf(c).filter((d) => contentColour(d) === 'grey');

  // ---- C1/C2: one interaction, plus the two simple effects, for every comparison (headline first)
  const interactions = comps.map((c) => {
    const rows: RowSpec[] = c.rows.map((r) => ({
      a: { arm: r.tl, condition: 'baseline' },
      b: { arm: r.ssl, condition: 'baseline' },
    }));
    const gc = pairedData(R, design0(c, rows, colourSets(c)), index);
    const gg = pairedData(R, design0(c, rows, greySets(c)), index);
    const all = pairedData(R, design0(c, rows, datasetsOf(c)), index);
    const ok = gc.complete && gg.complete && gc.datasets.length > 0 && gg.datasets.length > 0;
    const eff = ok
      ? contrastEffects(
          {
            contrast: `(TL − SSL on colour) − (TL − SSL on grey), ${c.label}`,
            g1: `TL − SSL on colour (C1), ${c.label}`,
            g2: `TL − SSL on grey (C2), ${c.label}`,
          },
          gc,
          gg,
          o,
        )
      : undefined;
    // per-dataset effects on the datasets whose own cells are complete
    const perDs = perDatasetEffects(all.datasets, { ...o, images: all.images });
    return { c, gc, gg, ok, eff, perDs };
  });

  // ---- C3: double-FT gain vs baseline, vs double-ft-self, vs double-ft-unrelated (matched backbones)
  const targets = head ? datasetsOf(head).filter((d) => intermediateFor(d)) : [];
  const c3 = head
    ? (['baseline', 'double-ft-self', 'double-ft-unrelated'] as const).map((base) => {
        const d = pairedData(R, design0(head, gainRows(head, 'double-ft', base), targets), index);
        return { base, d, eff: d.complete && d.datasets.length ? meanEffect(`double-FT − ${base}`, d, o) : undefined };
      })
    : [];
  // "…most for TL": TL gain − SSL gain (reported beside C3 and C4, no verdict of its own)
  const gainInter = (condition: string, datasets: string[], label: string) => {
    if (!head) return undefined;
    const d = pairedData(R, design0(head, gainInteractionRows(head, condition, 'baseline'), datasets), index);
    return d.complete && d.datasets.length ? meanEffect(label, d, o) : undefined;
  };
  const c3inter = gainInter('double-ft', targets, 'TL gain − SSL gain (double-FT − baseline)');
  // ---- C4: augment vs baseline, per dataset and pooled
  const c4d = head
    ? pairedData(R, design0(head, gainRows(head, 'augment', 'baseline'), datasetsOf(head)), index)
    : undefined;
  const c4 = c4d?.complete && c4d.datasets.length ? meanEffect('augment − baseline', c4d, o) : undefined;
  const c4per = c4d ? perDatasetEffects(c4d.datasets, { ...o, images: c4d.images }) : [];
  const c4inter = head ? gainInter('augment', datasetsOf(head), 'TL gain − SSL gain (augment − baseline)') : undefined;
  const capAug = epochCapShare(R, 'augment');
  const capBase = epochCapShare(R, 'baseline');
  // ---- C5: loss from down-sampling (baseline − downsample), small vs large sets
  // a set without records has no known size: it is in neither group, and C5 waits for it
  const small = (d: string) => trainImages(R, d) < inp.smallSet;
  const large = (d: string) => trainImages(R, d) >= inp.smallSet;
  const unsized = head ? datasetsOf(head).filter((d) => !Number.isFinite(trainImages(R, d))) : [];
  const c5rows = head ? gainRows(head, 'baseline', 'downsample') : [];
  const c5s = head ? pairedData(R, design0(head, c5rows, datasetsOf(head).filter(small)), index) : undefined;
  const c5l = head ? pairedData(R, design0(head, c5rows, datasetsOf(head).filter(large)), index) : undefined;
  const c5ok = !!(!unsized.length && c5s?.complete && c5l?.complete && c5s.datasets.length && c5l.datasets.length);
  const c5why = unsized.length
    ? `training-set size unknown (no records) for ${unsized.join(', ')}`
    : c5s && c5l && (!c5s.datasets.length || !c5l.datasets.length)
      ? 'a size group has no datasets'
      : undefined;
  const c5 = c5ok
    ? contrastEffects(
        {
          contrast: `(loss on small sets) − (loss on large sets)`,
          g1: `baseline − down-sampled, small sets (< ${inp.smallSet} train images)`,
          g2: `baseline − down-sampled, large sets (≥ ${inp.smallSet})`,
        },
        c5s!,
        c5l!,
        o,
      )
    : undefined;

  // ---- primary tests, Holm across claims
  const hi = interactions.find((x) => x.c.headline);
  const c3base = c3.find((x) => x.base === 'baseline');
  const c3margin = c3base?.eff?.byMetric[VERDICT_METRIC].perDataset.length
    ? (() => {
        const units = c3base.eff.byMetric[VERDICT_METRIC].perDataset.map((x) => x.effect);
        return units.length >= 2 ? tMarginTest(units, 0.03, 'greater') : undefined;
      })()
    : undefined;
  const primary: [string, number][] = [
    ['C1/C2', hi?.eff?.contrast.byMetric[VERDICT_METRIC].t?.pValue ?? NaN],
    ['C3', c3margin?.pValue ?? NaN],
    ['C4', c4?.byMetric[VERDICT_METRIC].t?.pValue ?? NaN],
    ['C5', c5?.contrast.byMetric[VERDICT_METRIC].t?.pValue ?? NaN],
  ];
  const finite = primary.filter(([, p]) => Number.isFinite(p));
  const adj = holmAdjusted(primary.map(([, p]) => p));
  const pHolmOf = (id: string) => adj[primary.findIndex(([k]) => k === id)];
  const pOf = (id: string) => primary.find(([k]) => k === id)![1];
  const holmNote = `Holm across the primary tests evaluated (${finite.map(([k]) => k).join(', ') || 'none'})`;

  const claims: ClaimResult[] = [];
  const noComparison = 'no TL/SSL pair of arms in this design or these records';

  // C1/C2
  {
    const ruleText =
      'supported if the 95% Welch t interval of the interaction (TL − SSL on colour) − (TL − SSL on grey), in balanced accuracy with datasets as units, lies above 0 (the paper’s sign: TL ahead on colour, SSL ahead on grey) and its Holm-adjusted p < 0.05; contradicted if it lies below 0; otherwise inconclusive. The simple effects C1 (TL − SSL on colour > 0) and C2 (TL − SSL on grey < 0) follow the same rule on their one-sample t intervals, without Holm.';
    const effects = interactions.flatMap((x) => (x.eff ? [x.eff.contrast, ...x.eff.simple] : []));
    const K = hi?.eff ? hi.eff.contrast.K : [];
    const verdict = hi?.eff ? directional(hi.eff.contrast, 1, pHolmOf('C1/C2')) : 'inconclusive';
    const simple = hi?.eff
      ? `; simple effects: C1 ${directional(hi.eff.simple[0], 1, 0)}, C2 ${directional(hi.eff.simple[1], -1, 0)}`
      : '';
    const m = hi?.eff?.contrast.byMetric[VERDICT_METRIC];
    // the other comparisons' interactions, beside the headline (they never decide the verdict)
    const beside = interactions
      .filter((x) => !x.c.headline && x.eff)
      .map((x) => {
        const e = x.eff!.contrast.byMetric[VERDICT_METRIC];
        return `; beside it, ${x.c.label}: interaction ${pts(e.estimate)} [${pts(e.t?.lower ?? NaN)}, ${pts(e.t?.upper ?? NaN)}]`;
      })
      .join('');
    claims.push({
      id: 'C1/C2',
      claim:
        'TL beats SSL on colour data and SSL beats TL on grey data: the ranking flips with colour (one interaction)',
      paper:
        'Kvasir v2 (colour): TL 96.4% vs SSL 92.1% (TL − SSL = +4.3); Chest CT (grey): SSL 97.22% vs TL 95.4% (TL − SSL = −1.8); interaction +6.1 points (accuracy, single runs, TL Xception vs SSL ResNet-50)',
      ours: !hi
        ? `not evaluated: ${noComparison}`
        : hi.eff && m
          ? `interaction ${pts(m.estimate)} pts ${m.t ? `[${pts(m.t.lower)}, ${pts(m.t.upper)}]` : `(no t interval: K = ${K.join(' + ')})`} balanced accuracy, ${hi.c.label}${simple}${beside}`
          : `${notEvaluatedShort([hi.gc, hi.gg])}, ${hi.c.label}${beside}`,
      unit: 'the dataset (colour vs grey is a property of datasets); each dataset effect = mean over pre-training seeds of the mean over fine-tuning seeds of TL − SSL on the same test images',
      test: 'Welch t on the dataset effects of the two groups (interaction) and one-sample t per group (simple effects); the stratified hierarchical bootstrap (dataset → pre-training seed → fine-tuning seed → shared test images) beside them',
      rule: ruleText,
      verdictMetric: 'balanced accuracy',
      status: hi?.eff ? 'evaluated' : 'not evaluated',
      verdict,
      p: pOf('C1/C2'),
      pHolm: pHolmOf('C1/C2'),
      detail: detailOf(hi?.eff?.contrast, hi ? hi.gc.datasets.length + hi.gg.datasets.length : 0),
      effects,
      perDataset: interactions.map((x) => ({
        label: `TL − SSL at baseline, ${x.c.label}`,
        comparison: x.c.id,
        rows: x.perDs,
      })),
      missing: hi && !hi.ok ? notEvaluated([hi.gc, hi.gg]) : '',
      confounds: [
        ...interactions.map(
          (x) => `${x.c.label}: ${x.c.confound}${x.ok ? '' : ` — ${notEvaluatedShort([x.gc, x.gg])}`}`,
        ),
        'colour and grey sets differ in more than colour (modality, organ, size, class count): the interaction is between method and the kind of dataset, of which colour is one property',
        'no Kvasir (the paper’s colour example): the colour group is dermoscopy, fundus and blood-cell sets',
        ...nearCopyConfound(inp.nearCopies, () => ''),
      ],
      note: holmNote,
      fewUnits: K.length ? fewUnitsNote(K) : undefined,
      leaveOneOut: leaveOneOutNote(hi?.eff?.contrast, hi?.eff?.simple),
    });
  }

  // C3
  {
    const effects = [...c3.flatMap((x) => (x.eff ? [x.eff] : [])), ...(c3inter ? [c3inter] : [])];
    const eff = c3base?.eff;
    const t = eff?.byMetric[VERDICT_METRIC].t;
    const units = eff?.byMetric[VERDICT_METRIC].perDataset.map((x) => x.effect) ?? [];
    const sizeTests: ClaimResult['sizeTests'] = [];
    if (eff && units.length >= 2) {
      const dist = eff.byMetric[VERDICT_METRIC].boot?.distribution ?? new Float64Array();
      const bm = dist.length ? marginTest({ distribution: dist }, 0.03, 'greater') : undefined;
      const bt = dist.length ? tost({ distribution: dist }, 0.03, 0.05) : undefined;
      sizeTests.push({
        label: 'double-FT − baseline, balanced accuracy',
        margin: tMarginTest(units, 0.03, 'greater'),
        tost: tTost(units, 0.03, 0.05),
        bootMargin: { pValue: bm?.pValue ?? NaN, bound: bm?.bound ?? NaN },
        bootTost: { lower: bt?.lower ?? NaN, upper: bt?.upper ?? NaN, pValue: bt?.pValue ?? NaN },
      });
    }
    const verdict: Verdict =
      c3margin && t
        ? c3margin.supported && pHolmOf('C3') < 0.05
          ? 'supported'
          : t.upper < 0.03
            ? 'contradicted'
            : 'inconclusive'
        : 'inconclusive';
    const missingData = c3.map((x) => x.d);
    claims.push({
      id: 'C3',
      claim: 'Double fine-tuning (a related medical set, then the target) gains +3 to 5 points',
      paper: '+3 to 5 pts (stated; per-dataset numbers not given)',
      ours: !head
        ? `not evaluated: ${noComparison}`
        : eff && t
          ? `gain ${pts(t.estimate)} pts [${pts(t.lower)}, ${pts(t.upper)}] balanced accuracy on ${units.length} targets (${eff.datasets.join(', ')}); one-sided 95% lower bound ${pts(c3margin?.bound ?? NaN)}`
          : eff
            ? `gain ${pts(eff.byMetric[VERDICT_METRIC].estimate)} pts balanced accuracy on ${eff.datasets.join(', ')}: one target, no t interval`
            : notEvaluatedShort(missingData),
      unit: `the target dataset (K = ${targets.length} targets with a related pair: ${targets.join(', ') || 'none'}); each target effect = mean over the matched backbones (${head ? backbonesText(head) : 'n/a'}) and fine-tuning seeds of double-FT − baseline on the same test images`,
      test: 'one-sided one-sample t test of gain ≥ +3 points and TOST for [+3, +5] on the target effects (K − 1 df); the same tests on the hierarchical bootstrap distribution beside them; gains over the double-ft-self (same extra epochs on the target) and double-ft-unrelated (another modality first) controls; "most for TL" as TL gain − SSL gain beside them (no verdict)',
      rule: 'supported if the one-sided 95% t lower bound of the double-FT − baseline gain in balanced accuracy lies above +3 points and the Holm-adjusted p < 0.05; contradicted if the two-sided 95% t upper bound lies below +3 points (the gain is smaller than stated); otherwise inconclusive. The controls do not enter the verdict: they say whether a gain comes from the related data or from more epochs.',
      verdictMetric: 'balanced accuracy',
      status: eff ? 'evaluated' : 'not evaluated',
      verdict,
      p: pOf('C3'),
      pHolm: pHolmOf('C3'),
      detail: detailOf(eff, units.length),
      effects,
      sizeTests,
      missing: missingData.some((d) => !d.complete) ? notEvaluated(missingData.filter((d) => !d.complete)) : '',
      confounds: [
        `K = ${targets.length} targets: a mean over ${targets.length} datasets with ${Math.max(targets.length - 1, 0)} df; the t interval is wide, and a 3-target verdict is about these targets more than about double fine-tuning in general`,
        'stage 1 adds epochs: compare with double-ft-self (the same stage-1 epochs on the target itself); a gain that the self control matches is extra training, not transfer from the related set',
        'double-ft-unrelated (another modality first) separates "related data helps" from "any extra data helps"',
      ],
      note: holmNote,
      fewUnits: fewUnitsNote([targets.length]),
    });
  }

  // C4
  {
    const t = c4?.byMetric[VERDICT_METRIC].t;
    claims.push({
      id: 'C4',
      claim: 'Augmentation helps',
      paper: 'stated qualitatively',
      ours: !head
        ? `not evaluated: ${noComparison}`
        : c4 && t
          ? `augment − baseline ${pts(t.estimate)} pts [${pts(t.lower)}, ${pts(t.upper)}] balanced accuracy over ${c4.K[0]} datasets`
          : c4
            ? `augment − baseline ${pts(c4.byMetric[VERDICT_METRIC].estimate)} pts balanced accuracy on one dataset: no t interval`
            : notEvaluatedShort(c4d ? [c4d] : []),
      unit: `the dataset; each dataset effect = mean over the matched backbones (${head ? backbonesText(head) : 'n/a'}) and fine-tuning seeds of augment − baseline`,
      test: 'one-sample t on the dataset effects (pooled) and per dataset the hierarchical bootstrap within the dataset (Holm across datasets); "especially for TL" as TL gain − SSL gain beside it (no verdict)',
      rule: 'supported if the pooled 95% t interval in balanced accuracy lies above 0 and the Holm-adjusted p < 0.05; contradicted if it lies below 0; otherwise inconclusive',
      verdictMetric: 'balanced accuracy',
      status: c4 ? 'evaluated' : 'not evaluated',
      verdict: c4 ? directional(c4, 1, pHolmOf('C4')) : 'inconclusive',
      p: pOf('C4'),
      pHolm: pHolmOf('C4'),
      detail: detailOf(c4, c4?.K[0] ?? 0),
      effects: [...(c4 ? [c4] : []), ...(c4inter ? [c4inter] : [])],
      perDataset: c4d ? [{ label: 'augment − baseline (matched backbones)', rows: c4per }] : undefined,
      missing: c4d && !c4d.complete ? notEvaluated([c4d]) : '',
      confounds: [
        capAug.known
          ? `augmented runs that ended at the epoch cap without early stopping (possibly still under-fitting): ${capAug.capped} of ${capAug.known} (baseline: ${capBase.capped} of ${capBase.known})`
          : 'the records do not say whether augmented runs stopped early or hit the epoch cap (under-fitting cannot be ruled out)',
        'the augmentations are ours (rotation, flip, zoom, blur: lib/data/augment.ts); the paper does not list its parameters',
        ...nearCopyConfound(inp.nearCopies, (d) => {
          const e = c4per.find((r) => r.dataset === d)?.byMetric[VERDICT_METRIC].estimate;
          return e === undefined ? '' : `augment − baseline ${pts(e)}`;
        }),
      ],
      note: holmNote,
      fewUnits: c4 ? fewUnitsNote(c4.K) : undefined,
      leaveOneOut: leaveOneOutNote(c4),
    });
  }

  // C5
  {
    const ct = c5?.contrast.byMetric[VERDICT_METRIC].t;
    const st = c5?.simple[0].byMetric[VERDICT_METRIC].t;
    const verdict: Verdict =
      ct && st
        ? st.lower > 0 && ct.lower > 0 && pHolmOf('C5') < 0.05
          ? 'supported'
          : st.upper < 0
            ? 'contradicted'
            : 'inconclusive'
        : 'inconclusive';
    const sizes = head
      ? datasetsOf(head)
          .map((d) => `${d} ${Number.isFinite(trainImages(R, d)) ? trainImages(R, d) : '?'}`)
          .join(', ')
      : '';
    claims.push({
      id: 'C5',
      claim: `Down-sampling hurts sets under ~${inp.smallSet} training images (more than larger sets)`,
      paper: 'stated qualitatively',
      ours: !head
        ? `not evaluated: ${noComparison}`
        : c5 && ct && st
          ? `loss on small sets ${pts(st.estimate)} pts [${pts(st.lower)}, ${pts(st.upper)}]; small − large ${pts(ct.estimate)} [${pts(ct.lower)}, ${pts(ct.upper)}] (balanced accuracy)`
          : c5
            ? `small − large ${pts(c5.contrast.byMetric[VERDICT_METRIC].estimate)} pts balanced accuracy: no t interval (K = ${c5.contrast.K.join(' + ')})`
            : notEvaluatedShort(
                [c5s, c5l].filter((d): d is PairedData => !!d),
                c5why,
              ),
      unit: `the dataset, grouped small (< ${inp.smallSet} train images) vs large; training images: ${sizes}`,
      test: 'Welch t on the dataset effects (small − large) and one-sample t per group; stratified hierarchical bootstrap beside them',
      rule: `supported if the small-set loss (baseline − down-sampled, balanced accuracy) has a 95% t interval above 0 AND the small − large contrast’s Welch interval lies above 0, with Holm-adjusted p < 0.05 for the contrast; contradicted if the small-set loss’s interval lies below 0 (down-sampling helps small sets); otherwise inconclusive`,
      verdictMetric: 'balanced accuracy',
      status: c5 ? 'evaluated' : 'not evaluated',
      verdict,
      p: pOf('C5'),
      pHolm: pHolmOf('C5'),
      detail: detailOf(c5?.contrast, c5 ? c5.contrast.K[0] + c5.contrast.K[1] : 0),
      effects: c5 ? [c5.contrast, ...c5.simple] : [],
      missing: c5ok
        ? ''
        : notEvaluated(
            [c5s, c5l].filter((d): d is PairedData => !!d && !d.complete),
            c5why,
          ),
      confounds: [
        'accuracy drops mechanically on an imbalanced test set when training is balanced by down-sampling (the majority class is predicted less often): read the balanced accuracy first, the accuracy column only beside it',
        `the ${inp.smallSet}-image threshold is the paper’s; with few datasets on each side the contrast is between these datasets as much as between sizes`,
      ],
      note: holmNote,
      fewUnits: c5 ? fewUnitsNote(c5.contrast.K) : undefined,
      leaveOneOut: leaveOneOutNote(c5?.contrast, c5?.simple),
    });
  }
  return claims;
}
