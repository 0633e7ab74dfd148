// The Markdown of paper/REPRODUCTION-<profile>.md from the evaluated claims (lib/report/reproduction.ts): per claim
// its unit, test, verdict rule, the effect in accuracy, balanced accuracy and macro-AUC side by side, the verdict and
// the metric it is read in, what is missing, and the confounds that remain; the per-dataset table with degenerate
// cells marked; the paper's numbers beside ours with the deviation explained.
import { armLabel, contentColour, fmtP, fmtPct, fmtPts } from './compare';
import { CLAIM_METRICS, FEW_UNITS, METRIC_LABEL, type Effect, type MetricEffect } from './claim-effects';
import type { ClaimResult } from './claims';
import type { DatasetEffectRow } from './claim-effects';
import { DEGENERATE_LEGEND } from './degenerate';
import { NEAR_COPY_FLAG, NEAR_COPY_R, nearCopyFlagged } from '../data/nearest-copy';
import { provenanceLine, type Provenance } from './provenance';
import { mdTable } from './tables';
import type { Reproduction, ReproductionInput } from './reproduction';

const ci = (lo: number, hi: number) =>
  Number.isFinite(lo) && Number.isFinite(hi) ? `[${fmtPts(lo)}, ${fmtPts(hi)}]` : '';

/** "+3.1 [−0.5, +6.8] t; boot [−0.2, +6.1]" for one metric of an effect. */
export function metricCell(m: MetricEffect): string {
  if (!Number.isFinite(m.estimate)) return m.error ? `n/a (${m.error.slice(0, 80)})` : 'n/a';
  const t = m.t ? ` ${ci(m.t.lower, m.t.upper)} t, p ${fmtP(m.t.pValue)}` : ' (no t interval: < 2 datasets)';
  const b = m.boot ? `; boot ${ci(m.boot.lower, m.boot.upper)}` : '';
  return `${fmtPts(m.estimate)}${t}${b}`;
}

function effectTable(effects: Effect[]): string {
  return mdTable(
    ['effect (points)', 'datasets', ...CLAIM_METRICS.map((m) => `${METRIC_LABEL[m]}: estimate [95% t], boot`)],
    effects.map((e) => [
      e.label,
      `K = ${e.K.join(' + ')}: ${e.datasets.join(', ')}`,
      ...CLAIM_METRICS.map((m) => metricCell(e.byMetric[m])),
    ]),
  );
}

function datasetEffectTable(rows: DatasetEffectRow[]): string {
  return mdTable(
    ['dataset', ...CLAIM_METRICS.map((m) => `${METRIC_LABEL[m]} [95% boot] (Holm p)`)],
    rows.map((r) => [
      r.dataset,
      ...CLAIM_METRICS.map((m) => {
        const x = r.byMetric[m];
        return Number.isFinite(x.estimate) ? `${fmtPts(x.estimate)} ${ci(x.lower, x.upper)} (${fmtP(x.pHolm)})` : 'n/a';
      }),
    ]),
  );
}

const verdictText = (c: ClaimResult) => (c.status === 'evaluated' ? c.verdict : 'not evaluated');

function claimSection(c: ClaimResult): string[] {
  const out = [
    `### ${c.id}: ${c.claim}`,
    '',
    `- **Paper:** ${c.paper}`,
    `- **Unit:** ${c.unit}`,
    `- **Test:** ${c.test}`,
    `- **Verdict rule:** ${c.rule}`,
    `- **Verdict:** **${verdictText(c)}** — read in ${c.verdictMetric}. ${c.ours}${Number.isFinite(c.pHolm) ? ` (primary p ${fmtP(c.p)}, Holm ${fmtP(c.pHolm)}; ${c.note})` : ''}`,
  ];
  if (c.fewUnits) out.push(`- **Few datasets:** ${c.fewUnits}.`);
  if (c.leaveOneOut) out.push(`- **One dataset left out at a time:** ${c.leaveOneOut}.`);
  if (c.missing) out.push(`- **Missing:** ${c.missing}.`);
  if (c.effects.length) {
    out.push('', effectTable(c.effects));
    // named per effect: in C1/C2 the matched ResNet rows have two pre-training seeds, the Xception ones one
    const byNotes = new Map<string, string[]>();
    for (const e of c.effects) {
      const n = [...new Set(e.notes)].join('; ');
      if (n) byNotes.set(n, [...(byNotes.get(n) ?? []), e.label]);
    }
    if (byNotes.size)
      out.push(
        '',
        'Bootstrap levels that could not vary:',
        '',
        ...[...byNotes].map(([n, labels]) => `- ${labels.join('; ')}: ${n}.`),
      );
  }
  for (const s of c.sizeTests ?? [])
    out.push(
      '',
      `Against the stated size (${s.label}): one-sided t test of gain ≥ +3 points p = ${fmtP(s.margin.pValue)}, 95% lower bound ${fmtPts(s.margin.bound)}; ` +
        `TOST for [+3, +5]: p = ${fmtP(s.tost.pValue)}, 90% t interval ${ci(s.tost.lower, s.tost.upper)} → ${s.tost.equivalent ? 'inside' : 'not inside'} [+3, +5]. ` +
        `On the hierarchical bootstrap: P*(gain ≤ +3) = ${fmtP(s.bootMargin.pValue)}, 5% quantile ${fmtPts(s.bootMargin.bound)}; TOST p = ${fmtP(s.bootTost.pValue)}, 90% interval ${ci(s.bootTost.lower, s.bootTost.upper)}.`,
    );
  if (c.id !== 'C1/C2')
    for (const t of c.perDataset ?? [])
      if (t.rows.length)
        out.push(
          '',
          `Per dataset (${t.label}; hierarchical bootstrap within each dataset, Holm across datasets):`,
          '',
          datasetEffectTable(t.rows),
        );
  out.push('', '**Confounds that remain:**', '', ...c.confounds.map((x) => `- ${x}`), '');
  return out;
}

function nearCopySection(inp: MdInput): string[] {
  const probes = Object.entries(inp.nearestCopies ?? {});
  if (!probes.length) return [];
  return [
    '## Leak probe: the nearest train image, no training',
    '',
    `Each test image takes the label of the train image whose 16×16 grey thumbnail correlates best with its own (lib/data/nearest-copy.ts, the committed splits, 64 px). On held-out test images this pixel matching is weak; where it scores like a trained network, test images have near-copies in train (neighbouring slices of one scan, one subject on both sides of a split) and a model can score by recognising them. A set is flagged at ≥ ${(100 * NEAR_COPY_FLAG).toFixed(0)}% balanced accuracy; a high score with few near-copies can also mean an easy task.`,
    '',
    mdTable(
      [
        'dataset',
        'test images',
        '1-NN accuracy',
        '1-NN balanced accuracy',
        `near-copies (r ≥ ${NEAR_COPY_R})`,
        'median best r',
        'flag',
      ],
      probes.map(([d, p]) => [
        d,
        String(p.n),
        fmtPct(p.accuracy),
        fmtPct(p.balancedAccuracy),
        `${p.nearCopies} (${fmtPct(p.nearCopies / p.n)})`,
        p.medianCorrelation.toFixed(3),
        nearCopyFlagged(p) ? 'near-copies' : '–',
      ]),
    ),
    '',
  ];
}

function datasetSection(rep: Reproduction): string[] {
  return rep.datasetTables.flatMap(({ comparison, rows }) => {
    const eff = (r: (typeof rows)[number], m: (typeof CLAIM_METRICS)[number]) => {
      const x = r.effect?.byMetric[m];
      return x && Number.isFinite(x.estimate) ? `${fmtPts(x.estimate)} ${ci(x.lower, x.upper)}` : 'n/a';
    };
    return [
      `## Per dataset: TL − SSL at baseline, ${comparison.label}${comparison.headline ? ' (headline)' : ''}`,
      '',
      `Each dataset's paired effect with its own 95% interval (hierarchical bootstrap within the dataset: pre-training seed → fine-tuning seed → shared test images) and Holm's correction across the datasets with complete cells (p in balanced accuracy). Accuracies are means over seeds. ${comparison.confound}. Degenerate cells are marked (${DEGENERATE_LEGEND}; set: near-copies = the leak probe above flags the set); a difference built on a flagged cell is not evidence about the method.`,
      '',
      mdTable(
        [
          'dataset',
          'content',
          'train images',
          'TL',
          'SSL',
          'flags',
          ...CLAIM_METRICS.map((m) => `TL − SSL, ${METRIC_LABEL[m]}`),
          'Holm p (bal. acc.)',
        ],
        rows.map((r) => [
          r.dataset,
          r.content,
          Number.isFinite(r.trainImages) ? String(r.trainImages) : '?',
          r.tl ? `${fmtPct(r.tl.accuracy)} (bal. ${fmtPct(r.tl.balancedAccuracy)})` : 'not run',
          r.ssl ? `${fmtPct(r.ssl.accuracy)} (bal. ${fmtPct(r.ssl.balancedAccuracy)})` : 'not run',
          r.flags || '–',
          ...CLAIM_METRICS.map((m) => eff(r, m)),
          r.effect ? fmtP(r.effect.byMetric.balancedAccuracy.pHolm) : 'cells missing',
        ]),
      ),
      '',
    ];
  });
}

function controlsSection(rep: Reproduction): string[] {
  const cs = rep.controls;
  if (!cs.length) return [];
  const ahead = (c: (typeof cs)[number]) => {
    const side = (arm: string, sets: string[]) =>
      `${armLabel(arm)}: ${sets.length} of ${c.perDataset.length}${sets.length ? ` (${sets.join(', ')})` : ''}`;
    return `${side(c.comparison.a, c.ahead.a)}; ${side(c.comparison.b, c.ahead.b)}`;
  };
  const perDs = rep.design.datasets.map((d) => [
    d,
    contentColour(d),
    ...cs.map((c) => {
      const x = c.perDataset.find((r) => r.dataset === d)?.byMetric.balancedAccuracy;
      return x && Number.isFinite(x.estimate) ? `${fmtPts(x.estimate)} ${ci(x.lower, x.upper)}` : 'cells missing';
    }),
  ]);
  return [
    '## Controls at baseline',
    '',
    'No verdicts: the paper makes no claim about these. They say how much the TL-vs-SSL comparison has to work with (two pre-training methods that do not beat random initialisation differ by noise). The same units and intervals as the claims: the mean over datasets with a t interval (datasets as units) and the hierarchical bootstrap beside it; per dataset its own bootstrap interval, Holm across datasets. Where the design has a second pre-training seed of the pre-trained arm, it is a second row (the bootstrap’s pre-training level, as in the claims); the controls themselves are one backbone each.',
    '',
    mdTable(
      [
        'effect (points)',
        'question',
        'datasets',
        ...CLAIM_METRICS.map((m) => `${METRIC_LABEL[m]}: estimate [95% t], boot`),
        'sets ahead (balanced accuracy, Holm p < 0.05)',
      ],
      cs.map((c) =>
        c.effect
          ? [
              c.comparison.label,
              c.comparison.question,
              `K = ${c.effect.K.join(' + ')}`,
              ...CLAIM_METRICS.map((m) => metricCell(c.effect!.byMetric[m])),
              ahead(c),
            ]
          : [
              c.comparison.label,
              c.comparison.question,
              '–',
              ...CLAIM_METRICS.map(() => 'not evaluated yet'),
              c.missing,
            ],
      ),
    ),
    '',
    'Per dataset, balanced accuracy (points, 95% bootstrap interval within the dataset):',
    '',
    mdTable(['dataset', 'content', ...cs.map((c) => c.comparison.label)], perDs),
    '',
    'What differs besides the question:',
    '',
    ...cs.map((c) => `- ${c.comparison.label}: ${c.comparison.confound}.`),
    '',
  ];
}

function costSection(rep: Reproduction): string[] {
  const c = rep.cost;
  return [
    '## Cost (C6)',
    '',
    c.perArch.length
      ? mdTable(
          ['architecture', 'runs TL / SSL', 'TL s/epoch', 'SSL s/epoch', 'SSL / TL', 'timing', 'mean load (1 min)'],
          c.perArch.map((a) => [
            a.arch,
            `${a.runs.tl} / ${a.runs.ssl}`,
            a.tl.toFixed(1),
            a.ssl.toFixed(1),
            `${a.ratio.toFixed(2)}×`,
            a.timing === 'cpu' ? 'CPU seconds' : 'wall seconds (no CPU time logged)',
            Number.isFinite(a.load) ? a.load.toFixed(1) : 'n/a',
          ]),
        )
      : '_No same-architecture Imagenette TL/SSL pre-training pair recorded for this profile._',
    '',
    `Left out: ${c.excluded.length ? c.excluded.join('; ') : 'nothing'}. Fine-tuning: ${Number.isFinite(c.finetune.ratio) ? `${c.finetune.ratio.toFixed(2)}×` : 'n/a'} (${c.finetune.note}).`,
    '',
  ];
}

type MdInput = ReproductionInput & { deviations: string[]; backbones: string[][] };

export function renderMarkdown(rep: Reproduction, inp: MdInput, prov: Provenance): string {
  const n = inp.records.length;
  const d = rep.design;
  const claimRows = rep.claims.map((c) => [
    c.id,
    c.claim,
    c.paper,
    c.ours,
    Number.isFinite(c.pHolm) ? `${fmtP(c.p)} (Holm ${fmtP(c.pHolm)})` : 'n/a',
    `**${verdictText(c)}** (${c.verdictMetric})`,
  ]);
  const sumRows = rep.summaries
    .slice()
    .sort((a, b) => (a.dataset + a.condition + a.arm < b.dataset + b.condition + b.arm ? -1 : 1))
    .map((s) => [
      s.dataset,
      contentColour(s.dataset),
      s.condition,
      armLabel(s.arm),
      String(s.seeds),
      `${fmtPct(s.accuracy)} [${fmtPct(s.lo)}, ${fmtPct(s.hi)}]`,
      fmtPct(s.balancedAccuracy),
      s.trainSeconds.toFixed(1),
    ]);
  const few = rep.claims.some((c) => c.fewUnits);
  return [
    '# Reproduction report: Transfer or Self-Supervised? (arXiv 2407.05592)',
    '',
    `Generated by \`lib/report/reproduction.ts\` from ${n} fine-tuning runs of profile \`${inp.profile}\` and ${inp.pretrain.length} pre-training records (paper/pretrain/). Do not edit by hand: \`npm run reproduce -- --profile ${inp.profile}\` rewrites it.`,
    '',
    `<sub>${provenanceLine(prov)}</sub>`,
    '',
    ...(inp.profile === 'smoke'
      ? [
          "> **Smoke profile.** Tiny networks, two epochs, class-stratified subsets of two datasets: this report proves the pipeline runs end to end (CI). Its verdicts say nothing about the paper; quote the `cpu` or `gpu` profile's report.",
          '',
        ]
      : []),
    '## Design',
    '',
    `Design from ${d.source}: ${d.datasets.length} datasets (${d.datasets.join(', ')}), fine-tuning seeds ${d.seeds.join(', ')}, arms ${d.arms.join(', ')}${d.controls?.length ? `, controls at baseline ${d.controls.join(', ')}` : ''}. A claim is evaluated only when every run its design needs is present; otherwise it says which runs are missing and is **not evaluated** (no smaller or weaker test stands in for it).`,
    '',
    'TL-vs-SSL comparisons (the headline first):',
    '',
    ...(rep.comparisons.length
      ? rep.comparisons.map(
          (c) =>
            `- ${c.headline ? '**headline** ' : ''}${c.label}: rows ${c.rows.map((r) => `${armLabel(r.tl)} vs ${armLabel(r.ssl)}`).join('; ')}; seeds ${c.seeds.join(', ')}. ${c.confound}.`,
        )
      : ['- none: no TL/SSL pair of arms in this design or these records']),
    '',
    '## Claims',
    '',
    `Every verdict names its metric and follows the rule stated with its claim (below). Effects are in percentage points; "t" = Student-t interval with the dataset as the unit (Welch for a contrast), "boot" = hierarchical bootstrap percentile interval.${few ? ` With ${FEW_UNITS} or fewer datasets the t interval is wide because there are few datasets; it is not hidden or narrowed.` : ''}`,
    '',
    mdTable(['id', 'claim', 'paper', 'ours', 'primary p', 'verdict'], claimRows),
    '',
    ...rep.claims.flatMap(claimSection),
    ...nearCopySection(inp),
    ...datasetSection(rep),
    ...controlsSection(rep),
    '## The paper’s numbers beside ours',
    '',
    mdTable(
      ['dataset', 'what', 'paper', 'ours (accuracy, 95% CI; balanced accuracy)', 'why they differ'],
      rep.headline.map((h) => [h.dataset, h.what, h.paper, h.ours, h.deviation]),
    ),
    '',
    ...costSection(rep),
    '## Backbones',
    '',
    "The weights each arm was fine-tuned from (kind : variant : pre-training checkpoint hash, or the imported weights file), as recorded in every run's config.",
    '',
    mdTable(['arm', 'backbone', 'runs'], inp.backbones),
    '',
    '## All results',
    '',
    sumRows.length
      ? mdTable(
          ['dataset', 'content', 'condition', 'arm', 'seeds', 'accuracy [95% CI]', 'balanced acc.', 'train s'],
          sumRows,
        )
      : '_No fine-tuning runs for this profile yet: `npm run grid -- --profile ' + inp.profile + '`._',
    '',
    '## Deviations from the paper',
    '',
    ...inp.deviations.map((x) => `- ${x}`),
    '',
  ].join('\n');
}
