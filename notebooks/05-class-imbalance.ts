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
// The analysis settings (bootstrap resamples, the small-set threshold) are the profile's analysis config
// (`lib/report/analysis-config.ts`); the steps are shared with notebooks 04 and 06 (`lib/report/condition-notebook.ts`).

// %%
import { profileName } from '../lib/util/profile';
import { ConditionNotebook, type ConditionKnobs } from '../lib/report/condition-notebook';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
const PROFILE = profileName();
const KNOBS: ConditionKnobs = {
  prefix: '05',
  title: 'Class imbalance',
  conditions: ['downsample', 'oversample', 'class-weights'], // compared with 'baseline', each on its own
  claim: { text: 'down-sampling hurts the sets with fewer than ~1000 images.', effect: 'hurts', subset: 'small' },
};
const nb = new ConditionNotebook(KNOBS, PROFILE);
console.log(nb.describe());

// %% [markdown]
// ## The runs
// Records of this profile for the baseline and the balancing treatments, and what each treatment trains on.

// %%
nb.load();
const counts = nb.trainCountsTable();
if (counts) showTable(counts);

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points; 95% CI from a bootstrap over the fine-tuning seeds, then the test images; `p (Holm)` corrects
// for testing every dataset). The `flags` column names degenerate cells (one predicted class,
// accuracy within the CI of chance or of the majority-class share, or saturated); their bars are hatched.

// %%
const gainTable = nb.gainTable();
if (gainTable) showTable(gainTable);

// %%
for (const f of await nb.gainFigures()) showFigure(f);

// %% [markdown]
// ## Pooled: does it help, and does it help one arm more?
// Pooled over datasets (each weighs the same), for all sets and for small ones. "TL gain − SSL gain" is the
// interaction: per image, (TL treated − TL baseline) − (SSL treated − SSL baseline); "both arms" is each dataset's
// gain averaged over the two arms. The unit is the dataset: each pooled interval is a Student-t interval on the
// dataset effects (K − 1 degrees of freedom), so with a few datasets it is wide. Notebook 09 tests the paper's
// claim in three metrics, with both pre-training seeds.

// %%
const pooledTable = nb.pooledTable();
if (pooledTable) showTable(pooledTable);

// %% [markdown]
// ## Balanced accuracy
// The same comparison on balanced accuracy (mean recall over classes), which does not reward the majority class.

// %%
const balanced = nb.balancedAccuracyTable();
if (balanced) showTable(balanced);

// %% [markdown]
// ## What we found
// Generated from the pooled numbers and the cell flags above (`lib/report/findings.ts`):

// %%
showMarkdown(nb.findings());

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
