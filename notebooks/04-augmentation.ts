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
import { conditionsWithRuns, gainsByCondition, gainTableRows, pooledGainFindings, pooledGains, pooledGainTable, renderGainFigures } from '../lib/report/condition-gains';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS, describeGrid } from '../lib/finetune/grid';
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
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
console.log(`records of ${describeGrid(grid, allRuns.map((r) => r.config))}`);
const present = conditionsWithRuns(allRuns, CONDITIONS, PROFILE, loaded.source); // prints which have runs, and how to run the others

// %%
console.log('augmentation used by the grid:', JSON.stringify(PAPER_AUGMENT));

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points, 95% paired bootstrap CI).

// %%
const gains = gainsByCondition(allRuns, CONDITIONS, opts); // sorted by condition, training images, arm
if (gains.length > 0) showTable(writeTable(`04-gains-${PROFILE}`, gainTableRows(gains), { title: `Augmentation: gain over baseline, profile ${PROFILE}` }));

// %%
const gainFigures = await renderGainFigures(gains, present, '04', PROFILE); // per condition: gain bars, gain vs size
for (const f of gainFigures) showFigure(f);

// %% [markdown]
// ## Pooled: does it help, and does it help one arm more?
// Pooled over datasets (each weighs the same), for all sets and for small ones. "TL gain − SSL gain" is the
// interaction: per image, (TL treated − TL baseline) − (SSL treated − SSL baseline).

// %%
const pooledRows = pooledGains(allRuns, present, { smallSet: SMALL_SET, seed: opts.seed, resamples: opts.resamples });
if (pooledRows.length) showTable(writeTable(`04-pooled-${PROFILE}`, pooledGainTable(pooledRows), { title: 'Augmentation: pooled gains' }));

// %% [markdown]
// ## What we found
// Computed from the runs above:

// %%
showMarkdown(
  pooledRows.length === 0
    ? `No runs for ${CONDITIONS.join('/')} in profile \`${PROFILE}\` yet.`
    : pooledGainFindings(pooledRows) + `\n\nThe paper expects: augmentation helps, and helps TL more than SSL.`,
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
