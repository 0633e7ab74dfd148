// %% [markdown]
// # 05 · Class imbalance: down-sampling, over-sampling, class weights
//
// **What the paper claims.** The paper balances classes by **down-sampling** the larger classes, and reports that
// this hurts datasets with fewer than about 1000 images: throwing away images costs more than the imbalance did.
//
// **What we run.** Against the baseline (no re-balancing), three treatments from `lib/finetune/sampling.ts`:
// `downsample` (every class cut to the smallest), `oversample` (small classes repeated up to the largest) and
// `class-weights` (loss weighted by inverse class frequency, no images added or dropped). Which of them a profile
// runs is set in `lib/finetune/grid.ts` (the CPU profiles run down-sampling, the paper's choice; the gpu profile
// runs all three). Accuracy rewards predicting the majority class, so we also report balanced accuracy.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { loadProfileRuns } from '../lib/report/runs';
import { armLabel, fmtPts } from '../lib/report/compare';
import { conditionsWithRuns, gainsByCondition, gainTableRows, pooledGainFindings, pooledGains, pooledGainTable, renderGainFigures } from '../lib/report/condition-gains';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS, describeGrid } from '../lib/finetune/grid';

const PROFILE = profileName();
const CONDITIONS = ['downsample', 'oversample', 'class-weights']; // compared with 'baseline', each on its own
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
// Records of this profile for the baseline and the balancing treatments.

// %%
const grid = GRIDS[PROFILE];
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
console.log(`records of ${describeGrid(grid, allRuns.map((r) => r.config))}`);
const present = conditionsWithRuns(allRuns, CONDITIONS, PROFILE, loaded.source); // prints which have runs, and how to run the others

// %%
const trainCounts = CONDITIONS.flatMap((c) => allRuns.filter((r) => r.config.condition === c && r.config.seed === Math.min(...allRuns.map((x) => x.config.seed))).map((r) => ({ condition: c, dataset: r.config.dataset, arm: armLabel(r.config.arm), 'train per class (after balancing)': r.stages[r.stages.length - 1].trainCounts.join(' / ') })));
if (trainCounts.length) showTable(writeTable(`05-train-counts-${PROFILE}`, trainCounts, { title: 'What each treatment trains on (lowest seed)' }));

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points, 95% paired bootstrap CI).

// %%
const gains = gainsByCondition(allRuns, CONDITIONS, opts); // sorted by condition, training images, arm
if (gains.length > 0) showTable(writeTable(`05-gains-${PROFILE}`, gainTableRows(gains), { title: `Class imbalance: gain over baseline, profile ${PROFILE}` }));

// %%
const gainFigures = await renderGainFigures(gains, present, '05', PROFILE); // per condition: gain bars, gain vs size
for (const f of gainFigures) showFigure(f);

// %% [markdown]
// ## Pooled: does it help, and does it help one arm more?
// Pooled over datasets (each weighs the same), for all sets and for small ones. "TL gain − SSL gain" is the
// interaction: per image, (TL treated − TL baseline) − (SSL treated − SSL baseline).

// %%
const pooledRows = pooledGains(allRuns, present, { smallSet: SMALL_SET, seed: opts.seed, resamples: opts.resamples });
if (pooledRows.length) showTable(writeTable(`05-pooled-${PROFILE}`, pooledGainTable(pooledRows), { title: 'Class imbalance: pooled gains' }));

// %% [markdown]
// ## Balanced accuracy
// The same comparison on balanced accuracy (mean recall over classes), which does not reward the majority class.

// %%
const balRows = gains.map((g) => ({ condition: g.condition, dataset: g.dataset, arm: armLabel(g.arm), 'baseline bal. acc.': g.base.balancedAccuracy, 'treated bal. acc.': g.cond.balancedAccuracy, 'change, pts': fmtPts(g.cond.balancedAccuracy - g.base.balancedAccuracy) }));
if (balRows.length) showTable(writeTable(`05-balanced-accuracy-${PROFILE}`, balRows, { title: 'Balanced accuracy (mean over seeds)' }));

// %% [markdown]
// ## What we found
// Computed from the runs above:

// %%
showMarkdown(
  pooledRows.length === 0
    ? `No runs for ${CONDITIONS.join('/')} in profile \`${PROFILE}\` yet.`
    : pooledGainFindings(pooledRows) + `\n\nThe paper expects: down-sampling hurts the sets with fewer than ~1000 images.`,
);

// %% [markdown]
// Down-sampling is the bluntest tool: it makes every epoch balanced by discarding data. Over-sampling and class
// weights keep all images and shift the decision threshold instead. When accuracy drops but balanced accuracy
// rises, the treatment traded majority-class hits for minority-class recall, which is often what a clinic wants.
//
// ## Exercises
// 1. On the most imbalanced set (notebook 01: Alzheimer MRI, about 50:1), how many training images does
//    down-sampling keep? Predict its effect before looking at the table.
// 2. Run the `oversample` and `class-weights` conditions on a CPU profile for two sets
//    (`npm run grid -- --profile cpu --datasets busi,isic-uda1`, after adding the conditions to the grid spec).
// 3. Plot gain against the *smallest* class size instead of the total. Is it a better predictor of harm?
