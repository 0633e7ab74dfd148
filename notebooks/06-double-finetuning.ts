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

// %%
import { profileName } from '../lib/util/profile';
import { loadProfileRuns } from '../lib/report/runs';
import { armLabel } from '../lib/report/compare';
import { conditionsWithRuns, gainsByCondition, gainTableRows, pooledGainFindings, pooledGains, pooledGainTable, renderGainFigures } from '../lib/report/condition-gains';
import { renderFigure } from '../lib/report/figures';
import { trainingCurves } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { GRIDS, describeGrid } from '../lib/finetune/grid';
import { DOUBLE_FT_PAIRS } from '../lib/finetune/pairs';
const PROFILE = profileName();
const CONDITIONS = ['double-ft']; // compared with 'baseline', each on its own
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
// Records of this profile for the baseline and double fine-tuning, and the pairs in use.

// %%
const grid = GRIDS[PROFILE];
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const allRuns = loaded.records;
console.log(`records of ${describeGrid(grid, allRuns.map((r) => r.config))}`);
const present = conditionsWithRuns(allRuns, CONDITIONS, PROFILE, loaded.source); // prints which have runs, and how to run the others

// %%
showTable(writeTable(`06-pairs-${PROFILE}`, DOUBLE_FT_PAIRS.map((p) => ({ intermediate: p.intermediate, target: p.target, used: p.refused ? 'refused' : 'yes', why: p.refused ?? p.rationale })), { title: 'Double fine-tuning pairs (lib/finetune/pairs.ts)' }));

// %% [markdown]
// ## Gain over the baseline, per dataset and arm
// Gain = accuracy with the treatment − accuracy at baseline, same arm, same seed, same test images
// (percentage points, 95% paired bootstrap CI).

// %%
const gains = gainsByCondition(allRuns, CONDITIONS, opts); // sorted by condition, training images, arm
if (gains.length > 0) showTable(writeTable(`06-gains-${PROFILE}`, gainTableRows(gains), { title: `Double fine-tuning: gain over baseline, profile ${PROFILE}` }));

// %%
const gainFigures = await renderGainFigures(gains, present, '06', PROFILE); // per condition: gain bars, gain vs size
for (const f of gainFigures) showFigure(f);

// %% [markdown]
// ## Pooled: does it help, and does it help one arm more?
// Pooled over datasets (each weighs the same), for all sets and for small ones. "TL gain − SSL gain" is the
// interaction: per image, (TL treated − TL baseline) − (SSL treated − SSL baseline).

// %%
const pooledRows = pooledGains(allRuns, present, { smallSet: SMALL_SET, seed: opts.seed, resamples: opts.resamples });
if (pooledRows.length) showTable(writeTable(`06-pooled-${PROFILE}`, pooledGainTable(pooledRows), { title: 'Double fine-tuning: pooled gains' }));

// %% [markdown]
// ## Two stages in one curve
// Validation accuracy per epoch for stage 1 (intermediate set) followed by the target stage, TL and SSL, seed 0.

// %%
const dft = allRuns.filter((r) => r.config.condition === 'double-ft' && r.config.seed === Math.min(...allRuns.map((x) => x.config.seed)));
for (const ds of [...new Set(dft.map((r) => r.config.dataset))].slice(0, 2)) {
  const series = dft
    .filter((r) => r.config.dataset === ds)
    .map((r) => {
      const ep = r.stages.flatMap((s) => s.epochs.map((e) => ({ ...e, stage: s.stage })));
      return { arm: armLabel(r.config.arm), epoch: ep.map((_, i) => i + 1), val: ep.map((e) => e.valAcc) };
    });
  const s1 = dft.find((r) => r.config.dataset === ds)!;
  showFigure(await renderFigure(`06-curves-${ds}-${PROFILE}`, trainingCurves(series, { metric: 'val accuracy', title: `${s1.config.intermediate} → ${ds}: stage 1 then target (epochs in sequence)` }), { height: 380 }));
}

// %% [markdown]
// ## What we found
// Computed from the runs above:

// %%
showMarkdown(
  pooledRows.length === 0
    ? `No runs for ${CONDITIONS.join('/')} in profile \`${PROFILE}\` yet.`
    : pooledGainFindings(pooledRows) + `\n\nThe paper expects: +3 to 5 points, most for TL on small sets.`,
);

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
