// %% [markdown]
// # 03 · Transfer learning vs self-supervised pre-training, dataset by dataset
//
// **What the paper claims.** With the same fine-tuning recipe, a backbone pre-trained with labels on natural
// images (transfer learning, **TL**: ImageNet Xception) beats one pre-trained without labels (self-supervised,
// **SSL**: SimCLR ResNet-50) on **colour** medical images, and the order flips on **grey** images. Its numbers:
// Kvasir v2 (endoscopy, colour) TL 96.4% vs SSL 92.1%; Chest CT (grey) SSL 97.22% vs TL 95.4%; BUSI (grey) SSL 90%.
// The intuition offered: colour statistics learnt from labelled natural images transfer to colour medical images,
// while SimCLR's colour-jitter and grey-scale augmentations make its features lean on shape and texture, which
// is all a grey image has.
//
// **What we run.** Both arms fine-tuned the same way on every medical set (`npm run grid`, baseline condition:
// no augmentation, no re-balancing), several seeds each. For every dataset we compare the two arms on the same
// test images, paired by seed. Every interval carries the variance of training as well as of the test images: per
// dataset a bootstrap over the fine-tuning seeds and then the test images; pooled over a group of datasets, the
// dataset is the unit (a Student-t interval on the dataset effects), because the claim is about kinds of data.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { loadProfileRuns } from '../lib/report/runs';
import { armDiffs, armLabel, fmtAccCI, fmtDiffCI, fmtP, pairRuns, pairedDiff, type ArmDiffRow } from '../lib/report/compare';
import type { RunRecord } from '../lib/finetune/run-record';
import { analysisConfig } from '../lib/report/analysis-config';
import { tlSslPairs } from '../lib/report/arms';
import { DEGENERATE_LEGEND, cellRuns, degenerateCell } from '../lib/report/degenerate';
import { armComparisonFindings, controlFindings, type FlaggedCell } from '../lib/report/findings';
import { evaluateControls } from '../lib/report/controls';
import { designFor, VERDICT_METRIC } from '../lib/report/claims';
import { METRIC_LABEL } from '../lib/report/claim-effects';
import { renderFigure } from '../lib/report/figures';
import { confusionHeatmap, gainVsSize, groupedBarsCI, trainingCurves } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS, describeGrid } from '../lib/finetune/grid';

const PROFILE = profileName();
const CONDITION = 'baseline';
// What the paper expects per content group: 'a' = the TL arm ahead, 'b' = the SSL arm ahead.
const PAPER_EXPECTS: Record<'grey' | 'colour', 'a' | 'b'> = { grey: 'b', colour: 'a' };
const ANALYSIS = analysisConfig(PROFILE); // resamples, bootstrap seed: the profile's, shared with the report
const opts = { seed: ANALYSIS.bootstrapSeed, resamples: ANALYSIS.resamples };
console.log({ PROFILE, CONDITION, ...ANALYSIS });

// %% [markdown]
// ## The runs
// The grid for this profile (`lib/finetune/grid.ts`), and the records it left. Each record holds its config, seed,
// dataset checksum, split hash, backend, commit, per-epoch logs and the test-set probabilities, so everything
// below is recomputed from them. The arms are read from the records by name: `tl…` is transfer learning, `ssl…`
// self-supervised, paired by backbone family when there are several (`lib/report/arms.ts`).

// %%
const grid = GRIDS[PROFILE];
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
console.log(`records of ${describeGrid(grid, allRuns.map((r) => r.config), 'records')}`);
const runs: RunRecord[] = allRuns.filter((r) => r.config.condition === CONDITION);
console.log(`records: ${loaded.source}; ${runs.length} at condition "${CONDITION}"`);
const PAIRS = tlSslPairs(runs);
console.log(`TL vs SSL pairs: ${PAIRS.map((p) => `${p.a} vs ${p.b}`).join('; ') || 'none'}`);
// Provenance printed on every figure and table: the seeds and backend of the runs shown.
const PROV = { seeds: [...new Set(runs.map((r) => r.config.seed))], backend: [...new Set(runs.map((r) => r.backend))].join(',') || undefined };
if (runs.length === 0) console.log(`No runs yet: \`npm run grid -- --profile ${PROFILE}\` (or \`npm run reproduce -- --profile ${PROFILE}\`) fills them.`);

// %% [markdown]
// ## TL vs SSL per dataset
// Accuracy is the mean over seeds; the bracket is its 95% bootstrap CI (the fine-tuning seeds resampled, then the
// test images, one image resample shared by every seed since they see the same images). The difference is paired:
// the same seeds, the same test images; `p (Holm)` corrects its p-value for testing every dataset. The `flags` column names degenerate cells (`lib/report/degenerate.ts`):
// a model that predicts one class, accuracy within the CI of chance or of the majority-class share, or saturated
// accuracy. A difference built on such a cell says little about pre-training.

// %%
const byPair = PAIRS.map((pair) => {
  const rows = armDiffs(runs, { condition: CONDITION, a: pair.a, b: pair.b, ...opts }).sort((x, y) => (x.colour === y.colour ? x.trainImages - y.trainImages : x.colour === 'grey' ? -1 : 1));
  const flagged: FlaggedCell[] = rows.flatMap((r) => [
    { dataset: r.dataset, arm: pair.a, check: degenerateCell(cellRuns(runs, r.dataset, pair.a, CONDITION), r.a) },
    { dataset: r.dataset, arm: pair.b, check: degenerateCell(cellRuns(runs, r.dataset, pair.b, CONDITION), r.b) },
  ]);
  return { pair: pair, rows: rows, flagged: flagged };
});
const flagOf = (cells: FlaggedCell[], dataset: string, arm: string) => cells.find((c) => c.dataset === dataset && c.arm === arm)?.check.label || '';
for (const p of byPair) {
  if (p.rows.length === 0) continue;
  const A = p.pair.aLabel;
  const B = p.pair.bLabel;
  showTable(
    writeTable(
      `03-tl-vs-ssl-${p.pair.family ? p.pair.family + '-' : ''}${CONDITION}-${PROFILE}`,
      p.rows.map((r) => ({
        dataset: r.dataset,
        content: r.colour,
        'train images': r.trainImages,
        seeds: r.a.seeds,
        [`${A} accuracy [95% CI]`]: fmtAccCI(r.a),
        [`${B} accuracy [95% CI]`]: fmtAccCI(r.b),
        [`${A} − ${B}, pts [95% CI]`]: fmtDiffCI(r.diff),
        p: fmtP(r.diff.p),
        'p (Holm)': fmtP(r.pHolm),
        [`${A} bal. acc.`]: r.a.balancedAccuracy,
        [`${B} bal. acc.`]: r.b.balancedAccuracy,
        flags: [flagOf(p.flagged, r.dataset, p.pair.a) && `${A}: ${flagOf(p.flagged, r.dataset, p.pair.a)}`, flagOf(p.flagged, r.dataset, p.pair.b) && `${B}: ${flagOf(p.flagged, r.dataset, p.pair.b)}`].filter(Boolean).join('; ') || '–',
      })),
      { title: `${A} vs ${B}, ${CONDITION}, profile ${PROFILE}. ${DEGENERATE_LEGEND}`, provenance: PROV },
    ),
  );
}

// %%
for (const p of byPair) {
  if (p.rows.length === 0) continue;
  const bars = p.rows.flatMap((r) => [
    { group: `${r.dataset} (${r.colour})`, arm: p.pair.aLabel, value: r.a.accuracy, lo: r.a.lo, hi: r.a.hi, flagged: flagOf(p.flagged, r.dataset, p.pair.a) !== '' },
    { group: `${r.dataset} (${r.colour})`, arm: p.pair.bLabel, value: r.b.accuracy, lo: r.b.lo, hi: r.b.hi, flagged: flagOf(p.flagged, r.dataset, p.pair.b) !== '' },
  ]);
  const fig = groupedBarsCI(bars, { title: `Test accuracy, ${p.pair.aLabel} vs ${p.pair.bLabel} (${CONDITION}; whiskers: 95% CI)`, yTitle: 'accuracy', yRange: [0, 1] });
  showFigure(await renderFigure(`03-tl-vs-ssl-bars-${p.pair.family ? p.pair.family + '-' : ''}${CONDITION}-${PROFILE}`, fig, { width: Math.max(640, 110 * p.rows.length + 220), height: 520, provenance: PROV }));
}

// %% [markdown]
// ## Pooled by content: grey vs colour
// The claim is about groups of datasets, so we also pool: the effect is the mean over datasets of each dataset's
// TL − SSL difference (averaged over its seeds). The unit is the dataset: the interval is a Student-t interval on
// the dataset effects, with K − 1 degrees of freedom for K datasets. Each dataset effect already holds its seeds'
// and test images' noise, so the interval holds them too; with three or four datasets in a group it is wide, and
// that is the honest answer to "does this hold for grey data?" (test images or dataset×seed pairs are not
// independent samples of kinds of data, so neither counts as a unit). Grey or colour is `contentColour` in
// `lib/report/compare.ts`. Notebook 09 and the report test the paper's claim as one colour × method interaction,
// with both pre-training seeds of the ResNet pair as a level of the bootstrap; here each pre-training seed is its own
// pair, so you can see how far a second pre-training run moves the numbers.

// %%
const pooled = byPair.map((p) => ({
  pair: p.pair,
  groups: (['grey', 'colour'] as const).map((content) => {
    const ds = new Set(p.rows.filter((r) => r.colour === content).map((r) => r.dataset));
    const d = pairedDiff(pairRuns(runs.filter((r) => r.config.arm === p.pair.a && ds.has(r.config.dataset)), runs.filter((r) => r.config.arm === p.pair.b && ds.has(r.config.dataset))), opts);
    return { content: content, d: d };
  }),
}));
for (const p of pooled) {
  showTable(
    writeTable(
      `03-tl-vs-ssl-pooled-${p.pair.family ? p.pair.family + '-' : ''}${CONDITION}-${PROFILE}`,
      p.groups.map((g) => ({
        content: g.content,
        datasets: g.d.datasets.join(', ') || '–',
        'datasets (units)': g.d.datasets.length,
        'run pairs': g.d.pairs,
        [`${p.pair.aLabel} − ${p.pair.bLabel}, pts [95% t CI]`]: fmtDiffCI(g.d),
        'p (t test)': fmtP(g.d.p),
      })),
      { title: `${p.pair.aLabel} − ${p.pair.bLabel} pooled by image content`, provenance: PROV },
    ),
  );
}

// %% [markdown]
// ## Does the gap depend on dataset size?
// Pre-training matters most when the target set is small. Each point is one dataset's TL − SSL difference with
// its CI; above zero TL wins.

// %%
for (const p of byPair) {
  if (p.rows.length === 0) continue;
  const fig = gainVsSize(
    p.rows.map((r) => ({ dataset: r.dataset, n: r.trainImages, gain: 100 * r.diff.diff, lo: 100 * r.diff.lo, hi: 100 * r.diff.hi, colour: r.colour })),
    { title: `${p.pair.aLabel} − ${p.pair.bLabel} accuracy vs training-set size`, yTitle: `${p.pair.aLabel} − ${p.pair.bLabel} (points)` },
  );
  showFigure(await renderFigure(`03-gap-vs-size-${p.pair.family ? p.pair.family + '-' : ''}${CONDITION}-${PROFILE}`, fig, { height: 440, provenance: PROV }));
}

// %% [markdown]
// ## Training curves and confusion matrices
// For one grey and one colour dataset (lowest seed): validation accuracy per epoch for both arms, and where each
// arm's errors go on the test set.

// %%
const SEED0 = Math.min(...runs.map((x) => x.config.seed));
for (const p of byPair.slice(0, 1)) {
  const examples = (['grey', 'colour'] as const).map((c) => p.rows.find((r: ArmDiffRow) => r.colour === c)?.dataset).filter((d): d is string => !!d);
  for (const ds of examples) {
    const pick = (arm: string) => runs.find((r) => r.config.dataset === ds && r.config.arm === arm && r.config.seed === SEED0);
    const picked = [
      { label: p.pair.aLabel, arm: p.pair.a, run: pick(p.pair.a) },
      { label: p.pair.bLabel, arm: p.pair.b, run: pick(p.pair.b) },
    ];
    const series = picked.flatMap((x) => {
      if (!x.run) return [];
      const ep = x.run.stages[x.run.stages.length - 1].epochs;
      return [{ arm: x.label, epoch: ep.map((e) => e.epoch), train: ep.map((e) => e.trainAcc), val: ep.map((e) => e.valAcc) }];
    });
    showFigure(await renderFigure(`03-curves-${ds}-${CONDITION}-${PROFILE}`, trainingCurves(series, { metric: 'accuracy', title: `${ds}: accuracy per epoch (seed ${SEED0})` }), { height: 400, provenance: PROV }));
    for (const x of picked) {
      const cm = x.run?.test.metrics.confusionMatrix;
      if (x.run && cm) {
        showFigure(await renderFigure(`03-confusion-${ds}-${x.arm}-${CONDITION}-${PROFILE}`, confusionHeatmap(cm, x.run.dataset.classNames, { normalize: true, title: `${ds}, ${x.label}: confusion (row %)` }), { width: 600, height: 520, provenance: PROV }));
      }
    }
  }
}

// %% [markdown]
// ## Controls: what does pre-training add at all?
// Before reading TL vs SSL, check that there is something to compare. The grid runs three controls at baseline
// (`lib/report/controls.ts`): the same ResNet from **random** weights (no pre-training), SimCLR pre-trained on the
// medical sets' own training images (**in-domain**), and real **ImageNet** weights (MobileNetV2). Two pre-training
// methods that do not beat random initialisation differ by noise, whatever the sign of their difference. The metric
// is balanced accuracy (the report's verdict metric: the test set's class balance does not move it); the unit and
// intervals are the report's: per dataset its own interval, the mean over datasets with a Student-t interval.

// %%
const CONTROLS = evaluateControls(allRuns, designFor(PROFILE, allRuns), { seed: opts.seed, resamples: opts.resamples, metric: VERDICT_METRIC });
const controlBars = CONTROLS.flatMap((c) =>
  c.perDataset
    .filter((r) => Number.isFinite(r.byMetric[VERDICT_METRIC].estimate))
    .map((r) => ({ group: r.dataset, arm: `${armLabel(c.comparison.a)} − ${armLabel(c.comparison.b)}`, value: 100 * r.byMetric[VERDICT_METRIC].estimate, lo: 100 * r.byMetric[VERDICT_METRIC].lower, hi: 100 * r.byMetric[VERDICT_METRIC].upper })),
);
if (controlBars.length > 0) {
  const fig = groupedBarsCI(controlBars, { title: `Controls at baseline, ${METRIC_LABEL[VERDICT_METRIC]} (points, 95% CI)`, yTitle: 'difference (points)' });
  showFigure(await renderFigure(`03-controls-${PROFILE}`, fig, { width: Math.max(700, 90 * new Set(controlBars.map((b) => b.group)).size + 260), height: 520, provenance: PROV }));
}
showMarkdown(controlFindings(CONTROLS, VERDICT_METRIC));

// %% [markdown]
// ## What we found
// Generated from the numbers above (`lib/report/findings.ts`): direction and size of each pooled difference, its
// CI and p-value, agreement with the paper, a per-dataset tally, and the degenerate cells.

// %%
showMarkdown(
  pooled.length === 0
    ? `Profile \`${PROFILE}\`: no paired TL/SSL runs yet.`
    : [
        `Profile \`${PROFILE}\`, ${runs.length} runs at ${CONDITION}:`,
        ...pooled.map((p, k) =>
          (pooled.length > 1 ? `\n**${p.pair.aLabel} vs ${p.pair.bLabel}**\n\n` : '') +
          armComparisonFindings({
            aLabel: p.pair.aLabel,
            bLabel: p.pair.bLabel,
            groups: p.groups.map((g) => ({ name: g.content, d: g.d, expected: PAPER_EXPECTS[g.content] })),
            rows: byPair[k].rows,
            flagged: byPair[k].flagged,
          }),
        ),
      ].join('\n'),
);

// %% [markdown]
// How to read this: a CI that straddles zero means this grid cannot tell the arms apart on that group, however
// large the point estimate. The smoke profile (CI) trains tiny networks for two epochs on subsets, so its
// verdicts are about the pipeline, not about the science; the `cpu` and `gpu` profiles are the ones to quote.
// Notebook 09 collects the verdicts for every claim with a correction for testing several claims at once.
//
// ## Exercises
// 1. Compare balanced accuracy instead of accuracy (the `bal. acc.` columns). Does the winner change on the most
//    imbalanced set? Why can accuracy and balanced accuracy disagree?
// 2. The pooled effect weighs every dataset equally. Weigh them by test-set size instead: which datasets then
//    decide the verdict?
// 3. Move BUSI and Chest-CT to the colour group: in the pooling cell, group by your own rule instead of
//    `r.colour` (e.g. `const colourSets = new Set(['busi', 'chest-ct', ...])`). Does the grey-vs-colour story
//    survive? What does that say about how robust the claim is to one grouping decision?
