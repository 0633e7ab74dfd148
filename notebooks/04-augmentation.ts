// %% [markdown]
// # 04 · Data augmentation
//
// **What the paper claims.** Augmenting the fine-tuning images (rotation, flips, zoom, blur) improves both arms,
// and transfer learning (TL) more than self-supervised pre-training (SSL). A plausible reason: SimCLR has already
// seen heavy augmentation during pre-training (crops, colour jitter, blur), so its features are partly invariant
// to it and gain less from seeing it again, whereas an ImageNet-supervised backbone has not.
//
// **What we run.** The `augment` condition of the grid: the same fine-tuning as the baseline, with every
// training batch augmented on the fly by `lib/data/augment.ts` (seeded, so a run is repeatable). Everything else,
// including the seeds and test images, is the baseline's, so the gain is a paired difference.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { loadProfileRuns } from '../lib/report/runs';
import { armLabel, conditionGains, fmtAccCI, fmtDiffCI, fmtP, fmtPts, pairRuns, pairedDiff, interactionUnits, unitDiff, type RunRecord } from '../lib/report/compare';
import { renderFigure } from '../lib/report/figures';
import { gainVsSize, groupedBarsCI, trainingCurves } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS } from '../lib/finetune/grid';
import { PAPER_AUGMENT } from '../lib/data/augment';
const PROFILE = profileName();
const CONDITIONS = ['augment']; // compared with 'baseline', each on its own
const SMALL_SET = 1000; // "small" = fewer training images than this (the paper's threshold)
const KNOBS = {
  smoke: { resamples: 500 },
  cpu: { resamples: 2000 },
  gpu: { resamples: 5000 },
}[PROFILE];
const BOOTSTRAP_SEED = 0;
const opts = { seed: BOOTSTRAP_SEED, resamples: KNOBS.resamples };
console.log({ PROFILE, CONDITIONS, SMALL_SET, ...KNOBS, BOOTSTRAP_SEED });

// %% [markdown]
// ## The runs
// Records of this profile for the baseline and the augmented condition; which transformations and how strong
// is printed below from the augmentation module itself.

// %%
const grid = GRIDS[PROFILE];
console.log(grid.note);
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
const present = CONDITIONS.filter((c) => allRuns.some((r) => r.config.condition === c));
console.log(`records: ${loaded.source}; conditions with runs: ${present.join(', ') || 'none'}`);
const missing = CONDITIONS.filter((c) => !present.includes(c));
if (missing.length) console.log(`not in the ${PROFILE} grid (or not run yet): ${missing.join(', ')}. \`npm run grid -- --profile ${PROFILE}\` runs what the grid lists; the gpu profile lists all conditions.`);

// %%
console.log('augmentation used by the grid:', JSON.stringify(PAPER_AUGMENT));

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points, 95% paired bootstrap CI).

// %%
const gains = CONDITIONS.flatMap((c) => conditionGains(allRuns, c, opts).map((g) => ({ condition: c, ...g })));
if (gains.length > 0) {
  showTable(
    writeTable(
      `04-gains-${PROFILE}`,
      gains
        .sort((a, b) => a.condition.localeCompare(b.condition) || a.trainImages - b.trainImages || a.arm.localeCompare(b.arm))
        .map((g) => ({
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
        })),
      { title: `Augmentation: gain over baseline, profile ${PROFILE}` },
    ),
  );
}

// %%
for (const c of present) {
  const gs = gains.filter((g) => g.condition === c);
  const bars = gs.map((g) => ({ group: `${g.dataset} (${g.trainImages})`, arm: armLabel(g.arm), value: 100 * g.gain.diff, lo: 100 * g.gain.lo, hi: 100 * g.gain.hi }));
  const fig = groupedBarsCI(bars, { title: `${c} − baseline, per dataset (training images in brackets)`, yTitle: 'gain (points)' });
  showFigure(await renderFigure(`04-${c}-gain-${PROFILE}`, fig, { width: Math.max(600, 120 * new Set(gs.map((g) => g.dataset)).size + 200), height: 440 }));
  const pts = gs.map((g) => ({ dataset: `${g.dataset} ${armLabel(g.arm)}`, n: g.trainImages, gain: 100 * g.gain.diff, lo: 100 * g.gain.lo, hi: 100 * g.gain.hi, colour: g.colour }));
  showFigure(await renderFigure(`04-${c}-gain-vs-size-${PROFILE}`, gainVsSize(pts, { title: `${c} − baseline vs training-set size`, yTitle: 'gain (points)' }), { height: 420 }));
}

// %% [markdown]
// ## Pooled: does it help, and does it help one arm more?
// Pooled over datasets (each weighs the same), for all sets and for small ones. "TL gain − SSL gain" is the
// interaction: per image, (TL treated − TL baseline) − (SSL treated − SSL baseline).

// %%
const smallSet = (ds: string) => (allRuns.find((r) => r.config.dataset === ds)?.dataset.counts.train ?? Infinity) < SMALL_SET;
const armPairs = (c: string, arm: string, keep: (ds: string) => boolean) =>
  pairRuns(allRuns.filter((r) => r.config.condition === c && r.config.arm === arm && keep(r.config.dataset)), allRuns.filter((r) => r.config.condition === 'baseline' && r.config.arm === arm && keep(r.config.dataset)));
const pooledRows = present.flatMap((c) =>
  ([['all sets', () => true], [`small sets (< ${SMALL_SET})`, smallSet]] as [string, (ds: string) => boolean][]).map(([label, keep]) => {
    const tl = armPairs(c, 'tl', keep);
    const ssl = armPairs(c, 'ssl', keep);
    const both = pairedDiff([...tl.map((p) => ({ ...p, dataset: p.dataset + '/tl' })), ...ssl.map((p) => ({ ...p, dataset: p.dataset + '/ssl' }))], opts);
    const inter = unitDiff(interactionUnits(tl, ssl), opts);
    return {
      condition: c,
      sets: label,
      'gain TL, pts': fmtDiffCI(pairedDiff(tl, opts)),
      'gain SSL, pts': fmtDiffCI(pairedDiff(ssl, opts)),
      'gain both arms, pts': fmtDiffCI(both),
      'p (both)': fmtP(both.pBootstrap),
      'TL gain − SSL gain': fmtDiffCI(inter),
      'p (interaction)': fmtP(inter.pBootstrap),
      _both: both,
      _inter: inter,
    };
  }),
);
if (pooledRows.length) showTable(writeTable(`04-pooled-${PROFILE}`, pooledRows.map(({ _both, _inter, ...r }) => r), { title: 'Augmentation: pooled gains' }));

// %% [markdown]
// ## What we found
// Computed from the runs above:

// %%
showMarkdown(
  pooledRows.length === 0
    ? `No runs for ${CONDITIONS.join('/')} in profile \`${PROFILE}\` yet.`
    : pooledRows
        .map((r) => {
          const b = r._both;
          const verdict = b.pairs === 0 ? 'no paired runs' : b.lo > 0 ? 'helps' : b.hi < 0 ? 'hurts' : 'no clear effect';
          return `- **${r.condition}**, ${r.sets}: ${fmtPts(b.diff)} points [${fmtPts(b.lo)}, ${fmtPts(b.hi)}] → ${verdict}; TL gain − SSL gain ${fmtPts(r._inter.diff)} [${fmtPts(r._inter.lo)}, ${fmtPts(r._inter.hi)}].`;
        })
        .join('\n') + `\n\nThe paper expects: augmentation helps, and helps TL more than SSL.`,
);

// %% [markdown]
// Augmentation is cheap at inference and costs only CPU time in training, so a gain that is positive but
// inside the noise is still often worth taking; a loss means the transformations break something the labels
// depend on (e.g. left/right in chest X-rays, or colour in dermoscopy).
//
// ## Exercises
// 1. Which transformation would you drop for chest X-rays, and why? Edit the augmentation settings, re-run the
//    grid for one dataset (`npm run grid -- --profile cpu --datasets chest-ct`) and compare.
// 2. Is the TL-vs-SSL difference in gains larger on grey or on colour sets? Split the pooled table by content.
// 3. Augmentation acts like more data. Does its gain shrink as the training set grows (see the scatter)?
