// The "what we found" paragraphs of the notebooks, written from the numbers: direction, size, CI, whether that
// agrees with the paper's claim, and which cells are degenerate (./degenerate.ts). Nothing here is typed in by
// hand per profile, so the text changes when the results do.
import type { CostResult, PlateauTime } from './cost';
import type { PlateauRow, QualityRow, SeedSpread } from '../pretrain/quality';
import { fmtP, fmtPts, type ArmDiffRow, type PairedDiff } from './compare';
import type { DegenerateCheck } from './degenerate';
import { armLabel as armName } from '../pretrain/arms';
import { METRIC_LABEL, type ClaimMetric } from './claim-effects';
import type { ControlResult } from './controls';

/** Which side a paired difference A − B favours: its 95% CI above 0 → 'a', below 0 → 'b', else 'unclear'. */
export type Direction = 'a' | 'b' | 'unclear' | 'none';

export function directionOf(d: Pick<PairedDiff, 'diff' | 'lo' | 'hi' | 'pairs'>): Direction {
  if (d.pairs === 0 || !Number.isFinite(d.diff) || !Number.isFinite(d.lo) || !Number.isFinite(d.hi)) return 'none';
  return d.lo > 0 ? 'a' : d.hi < 0 ? 'b' : 'unclear';
}

/** How a direction relates to the side the paper expects. */
export function agreement(dir: Direction, expected: 'a' | 'b'): string {
  if (dir === 'none') return 'no runs to judge it';
  if (dir === 'unclear') return 'not decided by these runs (the CI includes 0)';
  return dir === expected ? 'agrees' : 'opposite to the paper';
}

/** What an interval is about: "3 datasets as units, Student t" or "seeds and test images resampled". */
export function unitOf(d: Pick<PairedDiff, 'test' | 'datasets'>): string {
  if (d.test === 't') return `${d.datasets.length} datasets as units, Student t`;
  if (d.test === 'bootstrap') return 'one dataset; its fine-tuning seeds and test images resampled';
  return 'no interval';
}

/** "+3.1 points [95% CI +0.4, +5.9]" */
const withCI = (d: Pick<PairedDiff, 'diff' | 'lo' | 'hi'>) =>
  `${fmtPts(d.diff)} points [95% CI ${fmtPts(d.lo)}, ${fmtPts(d.hi)}]`;

export interface FlaggedCell {
  dataset: string;
  arm: string;
  /** a condition other than the baseline, when the cell is one */
  condition?: string;
  check: DegenerateCheck;
}

/**
 * One sentence naming the degenerate cells and why ('' when there are none); `brief` gives only the flags (for
 * notebooks whose table already has a flag column).
 */
export function flaggedSentence(cells: FlaggedCell[], brief = false): string {
  const bad = cells.filter((c) => c.check.flags.length > 0);
  if (bad.length === 0) return '';
  const items = bad.map(
    (c) =>
      `${c.dataset} ${armName(c.arm)}${c.condition && c.condition !== 'baseline' ? ` (${c.condition})` : ''}: ${brief ? c.check.label : c.check.reasons.join('; ')}`,
  );
  return `Degenerate cells (a difference built on them says little about pre-training): ${items.join(' · ')}.`;
}

export interface GroupComparison {
  /** e.g. 'grey', 'colour', 'all sets' */
  name: string;
  /** A − B pooled over the group's datasets */
  d: PairedDiff;
  /** the arm the paper expects ahead in this group, when it makes a claim */
  expected?: 'a' | 'b';
}

/**
 * Notebook 03: one bullet per group (pooled A − B with its CI and p, who is ahead, agreement with the paper), a
 * per-dataset tally and the degenerate cells, with the groups they sit in.
 */
export function armComparisonFindings(o: {
  aLabel: string;
  bLabel: string;
  groups: GroupComparison[];
  rows?: ArmDiffRow[];
  flagged?: FlaggedCell[];
}): string {
  const side = (dir: Direction) => (dir === 'a' ? o.aLabel : o.bLabel);
  const flaggedDs = new Set((o.flagged ?? []).filter((c) => c.check.flags.length > 0).map((c) => c.dataset));
  const lines = o.groups.map((g) => {
    const d = g.d;
    const dir = directionOf(d);
    if (dir === 'none') return `- **${g.name}**: no paired runs.`;
    const verdict =
      dir === 'unclear' ? 'no clear winner' : `${side(dir)} ahead by ${Math.abs(100 * d.diff).toFixed(1)} points`;
    const paper = g.expected ? ` The paper expects ${side(g.expected)} ahead: ${agreement(dir, g.expected)}.` : '';
    const inGroup = d.datasets.filter((ds) => flaggedDs.has(ds));
    const caveat = inGroup.length ? ` Includes degenerate cells on ${inGroup.join(', ')} (below).` : '';
    return `- **${g.name}** (${d.datasets.join(', ')}; ${unitOf(d)}): ${o.aLabel} − ${o.bLabel} = ${withCI(d)}, p = ${fmtP(d.p)} → ${verdict}.${paper}${caveat}`;
  });
  if (o.rows && o.rows.length) {
    const by = (dir: Direction) => o.rows!.filter((r) => directionOf(r.diff) === dir).map((r) => r.dataset);
    const part = (dir: Direction, what: string) => {
      const ds = by(dir);
      return ds.length ? `${what} on ${ds.length} (${ds.join(', ')})` : `${what} on none`;
    };
    lines.push(
      `- Per dataset (95% CI of the difference): ${part('a', `${o.aLabel} ahead`)}, ${part('b', `${o.bLabel} ahead`)}, ${part('unclear', 'no clear winner')}.`,
    );
  }
  const f = flaggedSentence(o.flagged ?? []);
  if (f) lines.push(`- ${f}`);
  return lines.join('\n');
}

/** What the paper says a condition does, in a form the numbers can be checked against. */
export interface GainClaim {
  /** the paper's sentence, quoted in the findings */
  text: string;
  effect: 'helps' | 'hurts';
  /** which pooled subset the claim is about */
  subset: 'all' | 'small';
  /** the arm that gains more, when the paper says so: 'a' (TL) or 'b' (SSL) */
  moreFor?: 'a' | 'b';
}

/** The pooled statistics findings need from a pooled gain row (lib/report/condition-gains). */
export interface PooledGain {
  condition: string;
  subset: 'all' | 'small';
  /** label of the subset, e.g. 'small sets (< 1000)' */
  sets: string;
  /** treated − baseline, both arms */
  both: PairedDiff;
  /** (A treated − A baseline) − (B treated − B baseline) */
  inter: PairedDiff;
}

/**
 * Notebooks 04–06: per condition and subset, the pooled gain with its CI and what it means, the TL-vs-SSL
 * interaction, then per condition whether the paper's claim holds on the subset it is about.
 */
export function gainFindings(
  rows: PooledGain[],
  o: { claim: GainClaim; aLabel: string; bLabel: string; flagged?: FlaggedCell[] },
): string {
  if (rows.length === 0) return 'No runs for these conditions in this profile yet.';
  const effectOf = (dir: Direction) =>
    dir === 'a' ? 'helps' : dir === 'b' ? 'hurts' : dir === 'unclear' ? 'no clear effect' : 'no paired runs';
  const interOf = (dir: Direction) =>
    dir === 'a'
      ? `${o.aLabel} gains more`
      : dir === 'b'
        ? `${o.bLabel} gains more`
        : dir === 'unclear'
          ? 'no clear difference between the arms'
          : 'no paired runs';
  const lines = rows.map((r) => {
    const e = directionOf(r.both);
    if (e === 'none') return `- **${r.condition}**, ${r.sets}: no paired runs.`;
    const i = directionOf(r.inter);
    return `- **${r.condition}**, ${r.sets} (${unitOf(r.both)}): gain ${withCI(r.both)}, p = ${fmtP(r.both.p)} → ${effectOf(e)}; ${o.aLabel} gain − ${o.bLabel} gain ${withCI(r.inter)} → ${interOf(i)}.`;
  });
  const c = o.claim;
  for (const cond of [...new Set(rows.map((r) => r.condition))]) {
    const r = rows.find((x) => x.condition === cond && x.subset === c.subset);
    if (!r) continue;
    const e = directionOf(r.both);
    const effect = agreement(e, c.effect === 'helps' ? 'a' : 'b');
    const parts = [`${c.effect === 'helps' ? 'a gain' : 'a loss'}: ${effect}`];
    if (c.moreFor)
      parts.push(
        `${c.moreFor === 'a' ? o.aLabel : o.bLabel} gaining more: ${agreement(directionOf(r.inter), c.moreFor)}`,
      );
    lines.push(`- Paper, for **${cond}**: "${c.text}" On ${r.sets}, ${parts.join('; ')}.`);
  }
  const f = flaggedSentence(o.flagged ?? [], true);
  if (f) lines.push(`- ${f}`);
  return lines.join('\n');
}

/** Notebook 08: the SSL / TL time ratios against the paper's range. */
export function costFindings(
  cost: CostResult,
  paperRange: [number, number],
  plateau: readonly PlateauTime[] = [],
): string {
  const [lo, hi] = paperRange;
  const where = (r: number) => (r < lo ? 'below' : r > hi ? 'above' : 'within');
  const controlled = cost.controlled.map(
    (c) =>
      `- Pre-training step, ${c.arch} (${c.variant}, batch ${c.batch} at ${c.size} px): SSL costs ${c.ratio.toFixed(2)}× TL's CPU time per source image (${c.tl.toFixed(1)} vs ${c.ssl.toFixed(1)} images per CPU-second, medians of ${c.n.tl} and ${c.n.ssl} fresh processes, load ${c.load[0].toFixed(2)}–${c.load[1].toFixed(2)}), ${where(c.ratio)} the paper's ${lo}–${hi}×.`,
  );
  const toPlateau = plateau
    .filter((p) => p.source === 'imagenette' && (p.method === 'tl' || p.method === 'ssl'))
    .map((p) =>
      p.plateauEpoch === null
        ? `- ${p.name}: k-NN ${(100 * (p.lastProbes.at(-1) ?? NaN)).toFixed(1)} % after ${p.epochs} epochs, not plateaued (last two probes more than a point apart).`
        : `- ${p.name}: plateau (k-NN within a point of its last, ${(100 * (p.lastProbes.at(-1) ?? NaN)).toFixed(1)} %) from epoch ${p.plateauEpoch}: ${p.cpuSecondsToPlateau === null ? 'n/a' : Math.round(p.cpuSecondsToPlateau).toLocaleString('en')} CPU s at the measured per-image cost${p.loggedCpuSecondsToPlateau === null ? '' : ` (${Math.round(p.loggedCpuSecondsToPlateau).toLocaleString('en')} as logged)`}.`,
    );
  const fromLogs = cost.controlled.length ? ' (run logs; shown, not judged)' : '';
  const pre = cost.perArch.length
    ? cost.perArch.map(
        (a) =>
          `- Pre-training${fromLogs}, ${a.arch}: SSL / TL = ${a.ratio.toFixed(2)}× per epoch (${a.timing === 'cpu' ? 'CPU' : 'wall'} seconds, ${a.runs.tl} TL and ${a.runs.ssl} SSL run${a.runs.tl + a.runs.ssl === 2 ? '' : 's'}), ${where(a.ratio)} the paper's ${lo}–${hi}×.`,
      )
    : [`- Pre-training: n/a (no same-architecture TL/SSL pair on the same source yet); the paper: ${lo}–${hi}×.`];
  const ft = Number.isFinite(cost.finetune.ratio)
    ? `${cost.finetune.ratio.toFixed(2)}× (${cost.finetune.note})`
    : `n/a (${cost.finetune.note})`;
  return [
    ...controlled,
    ...pre,
    ...(toPlateau.length ? ['- Time to the probe plateau, in CPU seconds:', ...toPlateau.map((l) => '  ' + l)] : []),
    `- Verdict: **${cost.verdict}**. Rule: ${cost.rule}`,
    ...(cost.excluded.length ? [`- Left out: ${cost.excluded.join('; ')}.`] : []),
    `- Fine-tuning at baseline, SSL / TL CPU seconds per run: ${ft}. Both arms fine-tune with the same recipe, so this measures the architectures and the epochs to early stopping, not the pre-training method.`,
  ].join('\n');
}

/** One dataset's Grad-CAM numbers for notebook 07 (arm A = TL, arm B = SSL). */
export interface GradcamSummary {
  dataset: string;
  aLabel: string;
  bLabel: string;
  images: number;
  /** maps with no spatial variation, per arm */
  flatA: number;
  flatB: number;
  /** Spearman ρ between the two arms' maps over the images where neither is flat */
  rho: { mean: number; min: number; max: number; n: number };
  /** mean IoU of the two maps' hottest 10% of pixels */
  overlap: number;
  /** mean ρ between each arm's trained maps and its maps after randomising the top layer / all layers */
  sanityA: { top: number; all: number };
  sanityB: { top: number; all: number };
  /** each arm's Grad-CAM layer size, e.g. '4×4' (a 1×1 layer can only give flat maps) */
  camA?: string;
  camB?: string;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

/** How strongly two arms' maps agree, from the mean rank correlation. */
export function agreementWord(rho: number): string {
  if (!Number.isFinite(rho)) return 'not measurable (flat maps)';
  return rho >= 0.7
    ? 'strong agreement'
    : rho >= 0.3
      ? 'moderate agreement'
      : rho > -0.3
        ? 'little agreement'
        : 'opposite maps';
}

/** The randomisation check's reading: maps of a model should change when its weights are destroyed. */
export function sanityWord(allRandomised: number): string {
  if (!Number.isFinite(allRandomised)) return 'not measurable (flat maps)';
  return allRandomised < 0.5
    ? 'the maps depend on the learnt weights (passes)'
    : 'the maps barely change without the learnt weights, so they show the input more than the model (fails)';
}

/** Notebook 07: per dataset, agreement between the arms' maps, flat maps, and the randomisation check. */
export function gradcamFindings(rows: GradcamSummary[]): string {
  const lines = rows.map((r) => {
    const oneByOne = [
      [r.aLabel, r.camA],
      [r.bLabel, r.camB],
    ]
      .filter(([, c]) => c === '1×1')
      .map(([l]) => l);
    const flat =
      (r.flatA || r.flatB
        ? ` Flat maps (no location at all): ${r.aLabel} ${r.flatA}/${r.images}, ${r.bLabel} ${r.flatB}/${r.images}.`
        : '') +
      (oneByOne.length
        ? ` ${oneByOne.join(' and ')}: the Grad-CAM layer is 1×1 at this input size, so every map is flat by construction (a larger input or a backbone with less downsampling is needed).`
        : '');
    const agree =
      r.rho.n === 0
        ? `no image has a non-flat map from both arms, so their agreement cannot be measured`
        : `${r.aLabel} and ${r.bLabel} maps rank-correlate ρ = ${f2(r.rho.mean)} on average (${r.rho.n} images, range ${f2(r.rho.min)} to ${f2(r.rho.max)}) and share ${Number.isFinite(r.overlap) ? (100 * r.overlap).toFixed(0) : 'n/a'}% of their hottest 10% of pixels → ${agreementWord(r.rho.mean)}`;
    const sanity = (label: string, s: { top: number; all: number }) =>
      `${label}: ρ with the trained maps ${f2(s.top)} after re-initialising the top layer, ${f2(s.all)} with all layers re-initialised → ${sanityWord(s.all)}`;
    return `- **${r.dataset}**: ${agree}.${flat} Randomisation check — ${sanity(r.aLabel, r.sanityA)}; ${sanity(r.bLabel, r.sanityB)}.`;
  });
  lines.push(
    '- No dataset here ships lesion masks, so none of this scores localisation: agreement says whether the two models look at the same place, not whether either looks at the lesion.',
  );
  return lines.join('\n');
}

/** Notebook 02: the quality bar per backbone, whether each history levelled off, and the pre-training seed spread. */
export function pretrainFindings(
  rows: readonly QualityRow[],
  plateaus: readonly PlateauRow[],
  spreads: readonly SeedSpread[],
): string {
  const pt = (x: number) => (100 * x).toFixed(1);
  const failed = rows.filter((r) => !r.passes);
  const bar = rows.map(
    (r) =>
      `- ${r.method.toUpperCase()} ${r.arch}, seed ${r.seed}: linear probe ${pt(r.linear)} % vs random init ${pt(r.randomLinear)} %, ${r.margin >= 0 ? '+' : ''}${pt(r.margin)} points (bar: +${pt(r.required)}) — ${r.passes ? 'passes' : '**fails**'}.`,
  );
  const notLevelled = plateaus.filter((p) => !p.plateaued);
  const plateau = plateaus.map((p) =>
    p.plateaued
      ? `- ${p.name}: levelled off from epoch ${p.plateauEpoch} (last probes ${p.lastProbes.map(pt).join(', ')} %).`
      : `- ${p.name}: **not levelled off** after ${p.epochs} epochs${p.finished ? ' (the run ended at its epoch budget)' : ' (still under way)'}: last probes ${p.lastProbes.map(pt).join(', ')} %, the last two ${pt(Math.abs(p.lastProbes[p.lastProbes.length - 1] - p.lastProbes[p.lastProbes.length - 2]))} points apart.`,
  );
  const spread = spreads.map(
    (s) =>
      `- ${s.method.toUpperCase()} ${s.arch}, pre-training seeds ${s.seeds.join(' and ')}: the seed alone moves the source k-NN probe by ${pt(s.knn)} and the linear probe by ${pt(s.linear)} points.`,
  );
  return [
    `**Quality bar** (source held-out split; linear probe over the same architecture's random init): ${failed.length ? `${failed.length} of ${rows.length} backbones fail it.` : `all ${rows.length} backbones pass.`}`,
    ...bar,
    '',
    `**Histories** (k-NN probe; levelled off = last two probes within a point): ${notLevelled.length ? `${plateaus.length - notLevelled.length} of ${plateaus.length} runs.` : `all ${plateaus.length} runs.`}`,
    ...plateau,
    ...(spread.length ? ['', '**Pre-training seed**:', ...spread] : []),
  ].join('\n');
}

/**
 * Notebook 03: one bullet per control comparison at baseline (lib/report/controls.ts): the mean over datasets with
 * its t interval in `metric`, who is ahead, and on how many sets (Holm p < 0.05); then, when a pre-trained arm
 * does not clearly beat random initialisation, what that means for reading TL vs SSL.
 */
export function controlFindings(results: readonly ControlResult[], metric: ClaimMetric): string {
  if (results.length === 0) return 'No control arms in this profile.';
  const lines = results.map((r) => {
    const c = r.comparison;
    const [a, b] = [armName(c.a), armName(c.b)];
    if (!r.effect) return `- **${c.label}**: not evaluated yet (${r.missing}).`;
    const m = r.effect.byMetric[metric];
    if (!m.t || !Number.isFinite(m.estimate))
      return `- **${c.label}**: no interval (${m.error ?? 'fewer than 2 datasets'}).`;
    const dir =
      m.t.lower > 0 ? `${a} ahead` : m.t.upper < 0 ? `${b} ahead` : 'no clear difference (the interval includes 0)';
    const n = r.perDataset.length;
    const sets = (arm: string, ds: string[]) =>
      `${arm} on ${ds.length} of ${n}${ds.length ? ` (${ds.join(', ')})` : ''}`;
    return `- **${c.label}** (${c.question}): ${METRIC_LABEL[metric]} ${withCI({ diff: m.estimate, lo: m.t.lower, hi: m.t.upper })} over ${r.effect.K.join(' + ')} datasets (Student t) → ${dir}. Ahead per dataset (Holm p < 0.05): ${sets(a, r.ahead.a)}; ${sets(b, r.ahead.b)}.`;
  });
  const weak = results.filter(
    (r) =>
      (r.comparison.id === 'tl-vs-random' || r.comparison.id === 'ssl-vs-random') &&
      r.effect?.byMetric[metric].t &&
      !(r.effect.byMetric[metric].t!.lower > 0),
  );
  if (weak.length)
    lines.push(
      `- ${weak.map((r) => armName(r.comparison.a)).join(' and ')} ${weak.length > 1 ? 'do' : 'does'} not clearly beat random initialisation here: on such sets a TL − SSL difference compares starting points that fine-tuning has largely overwritten, so read it as a difference in fine-tuning outcomes, not in what pre-training taught.`,
    );
  return lines.join('\n');
}
