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
// test images, paired by seed, with a 95% bootstrap CI over test images and McNemar's test on the images where
// exactly one arm is right.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { loadProfileRuns } from '../lib/report/runs';
import { comparedArms } from '../lib/pretrain/arms';
import { armDiffs, armLabel, fmtAccCI, fmtDiffCI, fmtP, fmtPts, pairRuns, pairedDiff, type RunRecord } from '../lib/report/compare';
import { renderFigure } from '../lib/report/figures';
import { confusionHeatmap, gainVsSize, groupedBarsCI, trainingCurves } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS, describeGrid } from '../lib/finetune/grid';

const PROFILE = profileName();
const CONDITION = 'baseline';
const KNOBS = {
  smoke: { resamples: 500 },
  cpu: { resamples: 2000 },
  gpu: { resamples: 5000 },
}[PROFILE];
const BOOTSTRAP_SEED = 0;
const opts = { seed: BOOTSTRAP_SEED, resamples: KNOBS.resamples };
console.log({ PROFILE, CONDITION, ...KNOBS, BOOTSTRAP_SEED });

// %% [markdown]
// ## The runs
// The grid for this profile (`lib/finetune/grid.ts`), and the records it left. Each record holds its config, seed,
// dataset checksum, split hash, backend, commit, per-epoch logs and the test-set probabilities, so everything
// below is recomputed from them.

// %%
const grid = GRIDS[PROFILE];
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
console.log(`records of ${describeGrid(grid, allRuns.map((r) => r.config))}`);
const runs: RunRecord[] = allRuns.filter((r) => r.config.condition === CONDITION);
const ARMS = comparedArms(allRuns.map((r) => r.config.arm)); // the TL and SSL arms compared (lib/pretrain/arms.ts)
console.log(`records: ${loaded.source}; ${runs.length} at condition "${CONDITION}"`);
// Provenance printed on every figure and table: the seeds and backend of the runs shown.
const PROV = { seeds: [...new Set(runs.map((r) => r.config.seed))], backend: runs[0]?.backend };
if (runs.length === 0) console.log(`No runs yet: \`npm run grid -- --profile ${PROFILE}\` (or \`npm run reproduce -- --profile ${PROFILE}\`) fills them.`);

// %% [markdown]
// ## TL vs SSL per dataset
// Accuracy is the mean over seeds; the bracket is its 95% bootstrap CI (test images resampled). The difference is
// paired: the same seeds, the same test images.

// %%
const rows = armDiffs(runs, { condition: CONDITION, a: ARMS.tl, b: ARMS.ssl, ...opts }).sort((x, y) => (x.colour === y.colour ? x.trainImages - y.trainImages : x.colour === 'grey' ? -1 : 1));
if (rows.length > 0) {
  showTable(
    writeTable(
      `03-tl-vs-ssl-${CONDITION}-${PROFILE}`,
      rows.map((r) => ({
        dataset: r.dataset,
        content: r.colour,
        'train images': r.trainImages,
        seeds: r.a.seeds,
        'TL accuracy [95% CI]': fmtAccCI(r.a),
        'SSL accuracy [95% CI]': fmtAccCI(r.b),
        'TL − SSL, pts [95% CI]': fmtDiffCI(r.diff),
        'p (bootstrap)': fmtP(r.diff.pBootstrap),
        'p (McNemar)': fmtP(r.diff.pMcnemar),
        'TL bal. acc.': r.a.balancedAccuracy,
        'SSL bal. acc.': r.b.balancedAccuracy,
      })),
      { title: `TL vs SSL, ${CONDITION}, profile ${PROFILE}`, provenance: PROV },
    ),
  );
}

// %%
if (rows.length > 0) {
  const bars = rows.flatMap((r) => [
    { group: `${r.dataset} (${r.colour})`, arm: 'TL', value: r.a.accuracy, lo: r.a.lo, hi: r.a.hi },
    { group: `${r.dataset} (${r.colour})`, arm: 'SSL', value: r.b.accuracy, lo: r.b.lo, hi: r.b.hi },
  ]);
  const fig = groupedBarsCI(bars, { title: `Test accuracy, TL vs SSL (${CONDITION}; whiskers: 95% CI)`, yTitle: 'accuracy', yRange: [0, 1] });
  showFigure(await renderFigure(`03-tl-vs-ssl-bars-${CONDITION}-${PROFILE}`, fig, { width: Math.max(600, 110 * rows.length + 200), height: 460, provenance: PROV }));
}

// %% [markdown]
// ## Pooled by content: grey vs colour
// The claim is about groups of datasets, so we also pool: the effect is the mean over datasets of each dataset's
// TL − SSL difference, and the bootstrap resamples test images within each dataset.

// %%
const pooled = (['grey', 'colour'] as const).map((content) => {
  const ds = new Set(rows.filter((r) => r.colour === content).map((r) => r.dataset));
  const d = pairedDiff(pairRuns(runs.filter((r) => r.config.arm === ARMS.tl && ds.has(r.config.dataset)), runs.filter((r) => r.config.arm === ARMS.ssl && ds.has(r.config.dataset))), opts);
  return { content, d };
});
showTable(
  writeTable(
    `03-tl-vs-ssl-pooled-${CONDITION}-${PROFILE}`,
    pooled.map(({ content, d }) => ({
      content,
      datasets: d.datasets.join(', ') || '–',
      'dataset×seed pairs': d.pairs,
      'TL − SSL, pts [95% CI]': fmtDiffCI(d),
      'p (bootstrap)': fmtP(d.pBootstrap),
      'p (McNemar)': fmtP(d.pMcnemar),
      'p (Wilcoxon)': fmtP(d.pWilcoxon),
    })),
    { title: 'TL − SSL pooled by image content', provenance: PROV },
  ),
);

// %% [markdown]
// ## Does the gap depend on dataset size?
// Pre-training matters most when the target set is small. Each point is one dataset's TL − SSL difference with
// its CI; above zero TL wins.

// %%
if (rows.length > 0) {
  const fig = gainVsSize(
    rows.map((r) => ({ dataset: r.dataset, n: r.trainImages, gain: 100 * r.diff.diff, lo: 100 * r.diff.lo, hi: 100 * r.diff.hi, colour: r.colour })),
    { title: 'TL − SSL accuracy vs training-set size', yTitle: 'TL − SSL (points)' },
  );
  showFigure(await renderFigure(`03-gap-vs-size-${CONDITION}-${PROFILE}`, fig, { height: 440, provenance: PROV }));
}

// %% [markdown]
// ## Training curves and confusion matrices
// For one grey and one colour dataset (seed 0): validation accuracy per epoch for both arms, and where each arm's
// errors go on the test set.

// %%
const examples = (['grey', 'colour'] as const).map((c) => rows.find((r) => r.colour === c)?.dataset).filter((d): d is string => !!d);
for (const ds of examples) {
  const pick = (arm: string) => runs.find((r) => r.config.dataset === ds && r.config.arm === arm && r.config.seed === Math.min(...runs.map((x) => x.config.seed)));
  const series = [ARMS.tl, ARMS.ssl]
    .map((arm) => pick(arm))
    .filter((r): r is RunRecord => !!r)
    .map((r) => {
      const ep = r.stages[r.stages.length - 1].epochs;
      return { arm: armLabel(r.config.arm), epoch: ep.map((e) => e.epoch), train: ep.map((e) => e.trainAcc), val: ep.map((e) => e.valAcc) };
    });
  showFigure(await renderFigure(`03-curves-${ds}-${CONDITION}-${PROFILE}`, trainingCurves(series, { metric: 'accuracy', title: `${ds}: accuracy per epoch (seed 0)` }), { height: 380, provenance: PROV }));
  for (const arm of [ARMS.tl, ARMS.ssl]) {
    const r = pick(arm);
    const cm = r?.test.metrics.confusionMatrix as number[][] | undefined;
    if (r && cm) {
      showFigure(await renderFigure(`03-confusion-${ds}-${arm}-${CONDITION}-${PROFILE}`, confusionHeatmap(cm, r.dataset.classNames, { normalize: true, title: `${ds}, ${armLabel(arm)}: confusion (row %)` }), { width: 520, height: 460, provenance: PROV }));
    }
  }
}

// %% [markdown]
// ## What we found
// The numbers below are computed from the runs above, not typed in.

// %%
const say = (content: string, claim: string) => {
  const p = pooled.find((x) => x.content === content)!.d;
  if (p.pairs === 0) return `- **${content}**: no paired runs for this profile.`;
  const dir = p.lo > 0 ? 'TL ahead' : p.hi < 0 ? 'SSL ahead' : 'no clear winner';
  return `- **${content}** (${p.datasets.join(', ')}): TL − SSL = ${fmtPts(p.diff)} points, 95% CI [${fmtPts(p.lo)}, ${fmtPts(p.hi)}], p = ${fmtP(p.pBootstrap)} → ${dir}. The paper expects ${claim}.`;
};
showMarkdown([`Profile \`${PROFILE}\`, ${runs.length} runs:`, say('grey', 'SSL ahead'), say('colour', 'TL ahead')].join('\n'));

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
// 3. Move BUSI and Chest-CT to the colour group (`contentColour` in `lib/report/compare.ts`). Does the grey-vs-colour
//    story survive? What does that say about how robust the claim is to one grouping decision?
