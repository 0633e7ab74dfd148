// %% [markdown]
// # 09 · The paper's claims, tested
//
// This notebook collects everything: for each claim of "Transfer or Self-Supervised? Bridging the Performance Gap
// in Medical Imaging" (arXiv 2407.05592) the paper's number where it states one, ours with a 95% confidence
// interval and a test, and a verdict **computed** from the statistics:
//
// - *supported*: the CI of the effect lies on the claimed side of zero and the Holm-adjusted p < 0.05;
// - *contradicted*: both point the other way;
// - *inconclusive*: anything else, which usually means too few runs or an effect below the noise.
//
// Holm's correction is applied across the claims tested here, because testing seven claims at p < 0.05 would
// otherwise find something by chance a third of the time. The same code writes
// `paper/REPRODUCTION-<profile>.md`, which also carries the log of every place this reproduction deviates from the paper.

// %% [markdown]
// ## Setup and knobs

// %%
import fs from 'node:fs';
import path from 'node:path';
import { profileName } from '../lib/util/profile';
import { ROOT } from '../lib/util/paths';
import { loadProfileRuns } from '../lib/report/runs';
import { fmtP, fmtPts } from '../lib/report/compare';
import { loadPretrainSummaries, writeReproduction, SMALL_SET } from '../lib/report/reproduction';
import { renderFigure } from '../lib/report/figures';
import { effectDotsCI } from '../lib/report/plots';
import { analysisConfig } from '../lib/report/analysis-config';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { readTableCsv } from '../lib/report/tables';

const PROFILE = profileName();
const ANALYSIS = analysisConfig(PROFILE); // resamples, bootstrap seed, small-set threshold: the profile's, shared
const KNOBS = { resamples: ANALYSIS.resamples };
const BOOTSTRAP_SEED = ANALYSIS.bootstrapSeed;
console.log({ PROFILE, ...ANALYSIS, SMALL_SET });

// %% [markdown]
// ## Inputs
// The fine-tuning records of this profile (runs/ or the exported `paper/results/finetune-<profile>.json`) and the
// pre-training records (`paper/pretrain/`, for the cost claim).

// %%
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const records = loaded.records;
const pretrain = loadPretrainSummaries();
console.log(`fine-tuning: ${loaded.source}; pre-training records: ${pretrain.length}`);

// %% [markdown]
// ## Verdicts

// %%
const rep = writeReproduction({ records: records, pretrain: pretrain, profile: PROFILE, // (tslab: no shorthand properties for names from earlier cells)
  bootstrapSeed: BOOTSTRAP_SEED, resamples: KNOBS.resamples });
showMarkdown(
  [
    '| id | claim | paper | ours | p (Holm) | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rep.claims.map((c) => `| ${c.id} | ${c.claim} | ${c.paper} | ${c.ours.replace(/\|/g, '/')} | ${fmtP(c.pHolm)} | **${c.verdict}** |`),
  ].join('\n'),
);

// %%
const tested = rep.claims.filter((c) => c.detail && c.detail.pairs > 0);
if (tested.length > 0) {
  const colour = { supported: '#2ca02c', contradicted: '#d62728', inconclusive: '#7f7f7f' };
  const fig = effectDotsCI(
    tested.map((c) => ({ label: `${c.id}: ${c.claim}`, value: 100 * c.detail!.diff, lo: 100 * c.detail!.lo, hi: 100 * c.detail!.hi, colour: colour[c.verdict], text: c.verdict })),
    { title: `Effect in the claimed direction (points, 95% CI) — profile ${PROFILE}`, xTitle: 'effect (percentage points); > 0 = as the paper claims' },
  );
  showFigure(await renderFigure(`09-claims-${PROFILE}`, fig, { width: 900, height: 140 + 45 * tested.length, provenance: { seeds: [...new Set(records.map((r) => r.config.seed))], backend: records[0]?.backend } }));
}

// %% [markdown]
// ## The generated report
// `REPRODUCTION-<profile>.md` as written by the cell above (claims, headline numbers, all results, deviations):
// `paper/` when `npm run reproduce` publishes a committed profile, `scratch/<profile>/paper/` otherwise.

// %%
showMarkdown(fs.readFileSync(rep.files.markdown, 'utf8'));

// %% [markdown]
// ## What we found
// The verdicts above are this profile's. Read them with the profile in mind: `smoke` exists to prove the pipeline
// end to end in CI (tiny networks, two epochs, subsets), so "inconclusive" is the expected verdict there and says
// nothing about the paper. The `cpu` profile (3 seeds, every medical set) and `gpu` (paper scale) are the ones
// whose verdicts can be quoted, always together with the deviations log: several of the paper's datasets are
// replaced by stand-ins, and Kvasir, the paper's main colour example, is missing altogether.

// %%
const table = readTableCsv(rep.files.csv);
showMarkdown(`Claims table written to \`${path.relative(ROOT, rep.files.csv)}\` (${table.shape[0]} rows); effects: ${rep.claims.filter((c) => c.detail).map((c) => `${c.id} ${fmtPts(c.detail!.diff)}`).join(', ')}.`);

// %% [markdown]
// ## Exercises
// 1. Which claims would change verdict without Holm's correction? Is that a reason to drop the correction?
// 2. The cost claim (C6) has no confidence interval. What runs would you add to give it one?
// 3. Pick one *inconclusive* claim and estimate how many more seeds or datasets would make its CI exclude zero,
//    assuming the effect stays as measured (the CI half-width shrinks roughly with 1/√n).
