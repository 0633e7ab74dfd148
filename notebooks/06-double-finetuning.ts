// %% [markdown]
// # 06 · Double fine-tuning
//
// **What the paper claims.** Fine-tuning first on a related, larger medical dataset and only then on the target
// ("double fine-tuning") adds 3 to 5 accuracy points, and helps transfer learning (TL) on small sets most: an
// ImageNet backbone has never seen medical images, so an intermediate medical stage closes part of the domain gap.
//
// **What we run.** The `double-ft` condition: stage 1 trains on the intermediate set of the pair table in
// `lib/finetune/pairs.ts` (e.g. abdominal CT before chest CT, HAM10000 before ISIC), stage 2 fine-tunes that model
// on the target. A pair is used only after an image-by-image check finds no shared images between the two sets:
// BreastMNIST is BUSI down-sampled, so that pair is refused, otherwise stage 1 would train on test images.

// %% [markdown]
// ## Setup and knobs
// The analysis settings (bootstrap resamples, the small-set threshold) are the profile's analysis config
// (`lib/report/analysis-config.ts`); the steps are shared with notebooks 04 and 05 (`lib/report/condition-notebook.ts`).

// %%
import { profileName } from '../lib/util/profile';
import { ConditionNotebook, type ConditionKnobs } from '../lib/report/condition-notebook';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { DOUBLE_FT_PAIRS } from '../lib/finetune/pairs';
const PROFILE = profileName();
const KNOBS: ConditionKnobs = {
  prefix: '06',
  title: 'Double fine-tuning',
  conditions: ['double-ft'], // compared with 'baseline'
  claim: { text: '+3 to 5 points, most for TL on small sets.', effect: 'helps', subset: 'small', moreFor: 'a' },
};
const nb = new ConditionNotebook(KNOBS, PROFILE);
console.log(nb.describe());

// %% [markdown]
// ## The runs
// Records of this profile for the baseline and double fine-tuning, and the pairs in use.

// %%
nb.load();
showTable(writeTable(`06-pairs-${PROFILE}`, DOUBLE_FT_PAIRS.map((p) => ({ intermediate: p.intermediate, target: p.target, used: p.refused ? 'refused' : 'yes', why: p.refused ?? p.rationale })), { title: 'Double fine-tuning pairs (lib/finetune/pairs.ts)' }));

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
// ## Two stages in one curve
// Validation accuracy per epoch for stage 1 (intermediate set) followed by the target stage, both arms, lowest seed.

// %%
for (const f of await nb.stageCurves('double-ft')) showFigure(f);

// %% [markdown]
// ## What we found
// Generated from the pooled numbers and the cell flags above (`lib/report/findings.ts`):

// %%
showMarkdown(nb.findings());

// %% [markdown]
// A gain here has two possible sources: the intermediate set is *medical* (domain), or it simply adds *more
// labelled images* (quantity). The pair table mixes close pairs (dermoscopy → dermoscopy) with weak ones
// (chest X-ray → breast ultrasound), which is the first place to look when the effect differs between targets.
//
// ## Exercises
// 1. Compare the gain of a close pair (HAM10000 → ISIC) with that of the weak pair (PneumoniaMNIST → BreastMNIST).
// 2. What would happen with the refused BUSI → BreastMNIST pair? Why would its "gain" be meaningless?
// 3. Replace the intermediate set with a *natural*-image set of the same size. If the gain survives, it came from
//    quantity, not from the medical domain.
