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
// The analysis settings (bootstrap resamples, the small-set threshold) are the profile's analysis config
// (`lib/report/analysis-config.ts`), shared with every notebook and the report; this notebook only chooses what to
// compare. The same steps run notebooks 05 and 06 (`lib/report/condition-notebook.ts`).

// %%
import { profileName } from '../lib/util/profile';
import { ConditionNotebook, type ConditionKnobs } from '../lib/report/condition-notebook';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { PAPER_AUGMENT } from '../lib/data/augment';
const PROFILE = profileName();
const KNOBS: ConditionKnobs = {
  prefix: '04',
  title: 'Augmentation',
  conditions: ['augment'], // compared with 'baseline', each on its own
  claim: { text: 'augmentation helps both arms, and TL more than SSL.', effect: 'helps', subset: 'all', moreFor: 'a' },
};
const nb = new ConditionNotebook(KNOBS, PROFILE);
console.log(nb.describe());

// %% [markdown]
// ## The runs
// Records of this profile for the baseline and the augmented condition; which transformations and how strong
// is printed below from the augmentation module itself.

// %%
nb.load();
console.log('augmentation used by the grid:', JSON.stringify(PAPER_AUGMENT));

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points; 95% CI from a bootstrap over the fine-tuning seeds, then the test images; `p (Holm)` corrects
// for testing every dataset). The `flags` column names degenerate cells (a model that predicts
// one class, accuracy within the CI of chance or of the majority-class share, or saturated accuracy): a "gain"
// there is not a treatment effect. Their bars are hatched in the figure.

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
// ## What we found
// Generated from the pooled numbers and the cell flags above (`lib/report/findings.ts`):

// %%
showMarkdown(nb.findings());

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
