// %% [markdown]
// # 07 · Grad-CAM: where do TL and SSL models look?
//
// **What the paper shows.** Grad-CAM heat maps of the fine-tuned TL and SSL models on the same test images, to
// argue that the better model also attends to the clinically relevant region. Heat maps are easy to over-read,
// so we show them side by side on the *same* images, with each model's prediction, measure how much the two
// maps agree instead of judging by eye, and check that the maps depend on what the models learnt at all.
//
// **What we run.** For each dataset below, the grid's own fine-tuned models (baseline condition, one seed): the
// same pre-trained backbones and the same fine-tuning recipe as `npm run grid` (`lib/explain/finetuned.ts`; the
// grid keeps records, not weights, so the weights are trained once with the grid's settings, by the publishing run,
// and committed in `data/classifiers/<profile>/`, where this notebook loads them; the test accuracy is compared with
// the grid's record). Then Grad-CAM (`lib/explain/gradcam.ts`) at each backbone's
// last convolutional layer, for the class each model predicts. Grad-CAM weights that layer's feature maps by the
// spatially averaged gradient of the class score and keeps the positive part, so a map is only as sharp as that
// layer (its size is printed below), upsampled to the image.
//
// **What it cannot show.** No dataset here ships lesion masks (segmentations or boxes), so no map can be scored
// for localisation. What we can measure: whether the two models look at the same place, and whether a map
// changes when the model's learnt weights are destroyed (the randomisation check of Adebayo et al., 2018).

// %% [markdown]
// ## Setup and knobs

// %%
import * as tf from '@tensorflow/tfjs';
import { profileName } from '../lib/util/profile';
import { selectBackend } from '../lib/backend/select-backend';
import { loadProfileRuns } from '../lib/report/runs';
import { tlSslPairs } from '../lib/report/arms';
import { fineTunedModel } from '../lib/explain/finetuned';
import { gradCam, camOf } from '../lib/explain/gradcam';
import { cascadingRandomisation, layersTopDown, type RandomisationStep } from '../lib/explain/sanity';
import { mapAgreement, pickByClass, isFlat } from '../lib/explain/agreement';
import { toBatch } from '../lib/data/load';
import { applyScaling } from '../lib/data/scaling';
import { renderFigure } from '../lib/report/figures';
import { imageGrid, overlayImage, type RgbImage } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { gradcamFindings, type GradcamSummary } from '../lib/report/findings';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';

const PROFILE = profileName();
const KNOBS = {
  smoke: { datasets: ['chest-ct', 'isic-uda1'], perClass: 2 },
  cpu: { datasets: ['chest-ct', 'isic-uda1', 'busi'], perClass: 2 },
  gpu: { datasets: ['chest-ct', 'isic-uda1', 'busi', 'eye-fundus'], perClass: 3 },
}[PROFILE];
const SEED = 0; // the grid seed whose models are explained
const IMAGE_SEED = 7; // the test images: a seeded draw of `perClass` images from every class
const SANITY_SEED = 11; // seed of the re-initialised weights in the randomisation check
const PAIR_INDEX = 0; // which TL/SSL pair, when the records hold several backbone families
const ALPHA = 0.45; // heat-map opacity in the overlays
const backend = await selectBackend({ quiet: true });
console.log({ PROFILE, ...KNOBS, SEED, IMAGE_SEED, SANITY_SEED, backend: backend.name });

// %% [markdown]
// ## Which arms
// The arms are read from the grid's records by name (`tl…` vs `ssl…`, paired by backbone family), not by position.

// %%
const loaded = loadProfileRuns(PROFILE); // (no destructuring: tslab does not carry destructured names to later cells)
const baseline = loaded.records.filter((r) => r.config.condition === 'baseline');
const pairs = tlSslPairs(baseline);
const PAIR = pairs[PAIR_INDEX];
console.log(`records: ${loaded.source}; TL/SSL pairs: ${pairs.map((p) => `${p.a} vs ${p.b}`).join('; ') || 'none'}`);
if (!PAIR) console.log(`No TL and SSL baseline records: \`npm run grid -- --profile ${PROFILE}\` first.`);

// %% [markdown]
// ## The models and their maps
// For every dataset: load (or, the first time, train with the grid's recipe) both fine-tuned models, pick the
// images, compute Grad-CAM, and run the randomisation check on each model: re-initialise its top weighted layer,
// then all of them, recompute the maps for the same classes, and compare with the trained maps (Spearman ρ).

// %%
type ArmMaps = { arm: string; label: string; maps: Float32Array[]; pred: number[]; camSize: string; acc: number; gridAcc: number; sanity: RandomisationStep[] };
const results: { dataset: string; classNames: string[]; images: RgbImage[]; labels: number[]; arms: ArmMaps[] }[] = [];
for (const ds of PAIR ? KNOBS.datasets : []) {
  if (!baseline.some((r) => r.config.dataset === ds)) {
    console.log(`${ds}: not in the ${PROFILE} grid's records, skipped`);
    continue;
  }
  const arms: ArmMaps[] = [];
  let idx: number[] = [];
  let images: RgbImage[] = [];
  let labels: number[] = [];
  let classNames: string[] = [];
  for (const a of [{ arm: PAIR.a, label: PAIR.aLabel }, { arm: PAIR.b, label: PAIR.bLabel }]) {
    const rec = baseline.find((r) => r.config.dataset === ds && r.config.arm === a.arm && r.config.seed === SEED);
    if (!rec) throw new Error(`no ${ds}/${a.arm} seed ${SEED} baseline record`);
    const m = await fineTunedModel(rec.config); // the grid's model of this record (lib/explain/finetuned.ts)
    if (idx.length === 0) {
      idx = pickByClass(m.data.labels, m.testIndices, KNOBS.perClass, IMAGE_SEED);
      const px = m.data.size * m.data.size * 3;
      images = idx.map((i) => ({ width: m.data.size, height: m.data.size, rgb: m.data.images.slice(i * px, (i + 1) * px) }));
      labels = idx.map((i) => m.data.labels[i]);
      classNames = m.data.classNames;
    }
    const x = tf.tidy(() => applyScaling(toBatch(m.data, idx), m.backbone.scaling));
    let camSize = '';
    const explain = (cls?: ArrayLike<number>) => {
      const r = gradCam(m.classifier, m.backbone.gradCamLayer, x, cls ? { classIndex: cls } : {});
      camSize = `${r.lowHeight}×${r.lowWidth}`;
      return { maps: idx.map((_, k) => Float32Array.from(camOf(r, k))), classIndex: r.classIndex };
    };
    const trained = explain();
    const sanity = cascadingRandomisation(m.classifier, explain, [1, layersTopDown(m.classifier).length], SANITY_SEED);
    arms.push({ arm: a.arm, label: a.label, maps: trained.maps, pred: Array.from(trained.classIndex), camSize: camSize, acc: m.testAccuracy, gridAcc: rec?.test.metrics.accuracy ?? NaN, sanity: sanity });
    x.dispose();
    m.classifier.dispose();
  }
  results.push({ dataset: ds, classNames: classNames, images: images, labels: labels, arms: arms });
}
if (results.length)
  showTable(
    writeTable(
      `07-models-${PROFILE}`,
      results.flatMap((r) => r.arms.map((a) => ({ dataset: r.dataset, arm: a.label, 'Grad-CAM layer (h×w)': a.camSize, 'test accuracy': a.acc, 'grid record': a.gridAcc, images: r.images.length }))),
      { title: `Explained models (seed ${SEED}): test accuracy here and in the grid's record`, digits: 3, provenance: { seeds: [SEED], backend: backend.name } },
    ),
  );

// %% [markdown]
// ## Side by side
// Each row is one test image (a seeded draw of the same number of images from every class): the image, then each
// model's heat map over it. The row label gives the true class and each model's prediction.

// %%
for (const r of results) {
  const cells = r.images.map((img, k) => [img, ...r.arms.map((a) => overlayImage(img, a.maps[k], ALPHA))]);
  const rowTitles = r.images.map((_, k) => `true: ${r.classNames[r.labels[k]]}<br>${r.arms.map((a) => `${a.label} says ${r.classNames[a.pred[k]]}${a.pred[k] === r.labels[k] ? ' ✓' : ' ✗'}`).join('<br>')}`);
  const fig = imageGrid(cells, { colTitles: ['image', ...r.arms.map((a) => `${a.label}<br>Grad-CAM<br>(layer ${a.camSize})`)], rowTitles: rowTitles, title: `${r.dataset}: Grad-CAM, seed ${SEED}` });
  const left = (fig.layout as { margin: { l: number } }).margin.l;
  showFigure(await renderFigure(`07-gradcam-${r.dataset}-${PROFILE}`, fig, { width: left + 3 * 170, height: 170 * r.images.length + 130, html: false, provenance: { seeds: [SEED], backend: backend.name } }));
}

// %% [markdown]
// ## Do the two models look at the same place?
// Per image: Spearman rank correlation between the two maps (1 = the same ordering of where they look, 0 =
// unrelated), the overlap (intersection over union) of their hottest 10% of pixels, and the distance between
// their peaks as a share of the image diagonal (`lib/explain/agreement.ts`). A flat map (one colour) has no
// location at all, so it gets no agreement value.

// %%
const agreeRows = results.flatMap((r) =>
  r.images.map((_, k) => {
    const g = mapAgreement(r.arms[0].maps[k], r.arms[1].maps[k], r.images[k].width);
    return {
      dataset: r.dataset,
      image: k,
      true: r.classNames[r.labels[k]],
      [`${r.arms[0].label} pred`]: r.classNames[r.arms[0].pred[k]],
      [`${r.arms[1].label} pred`]: r.classNames[r.arms[1].pred[k]],
      'rank correlation': g.spearman,
      'hot-region overlap': g.peakOverlap,
      'peak distance': g.peakDistance,
      flat: [g.flatA ? r.arms[0].label : '', g.flatB ? r.arms[1].label : ''].filter(Boolean).join(', ') || '–',
    };
  }),
);
if (agreeRows.length) showTable(writeTable(`07-gradcam-agreement-${PROFILE}`, agreeRows, { title: 'Agreement between the two models’ Grad-CAM maps, per image', digits: 2, provenance: { seeds: [SEED], backend: backend.name } }));

// %% [markdown]
// ## Does a map depend on the model? (randomisation check)
// Mean Spearman ρ between each model's trained maps and its maps after re-initialising the top weighted layer,
// then all weighted layers (`cascadingRandomisation` in `lib/explain/sanity.ts`). A map that explains the model
// falls towards 0; one that stays near 1 shows the image (edges, contrast) rather than what the model learnt.

// %%
const sanityRows = results.flatMap((r) => r.arms.flatMap((a) => a.sanity.map((s) => ({ dataset: r.dataset, arm: a.label, 'layers re-initialised': s.k, 'top layer': s.layers[0], 'mean ρ with trained maps': s.meanSpearman, 'flat maps after': s.perImage.filter((v) => Number.isNaN(v)).length }))));
if (sanityRows.length) showTable(writeTable(`07-gradcam-randomisation-${PROFILE}`, sanityRows, { title: 'Randomisation check (Adebayo et al. 2018)', digits: 2, provenance: { seeds: [SEED], backend: backend.name } }));

// %% [markdown]
// ## What we found
// Generated from the tables above (`gradcamFindings` in `lib/report/findings.ts`):

// %%
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const summaries: GradcamSummary[] = results.map((r) => {
  const rho = agreeRows.filter((x) => x.dataset === r.dataset).map((x) => x['rank correlation'] as number).filter((v) => Number.isFinite(v));
  const overlap = agreeRows.filter((x) => x.dataset === r.dataset).map((x) => x['hot-region overlap'] as number).filter((v) => Number.isFinite(v));
  const san = (a: ArmMaps) => ({ top: a.sanity[0]?.meanSpearman ?? NaN, all: a.sanity[a.sanity.length - 1]?.meanSpearman ?? NaN });
  return {
    dataset: r.dataset,
    aLabel: r.arms[0].label,
    bLabel: r.arms[1].label,
    images: r.images.length,
    flatA: r.arms[0].maps.filter((m) => isFlat(m)).length,
    flatB: r.arms[1].maps.filter((m) => isFlat(m)).length,
    rho: { mean: mean(rho), min: rho.length ? Math.min(...rho) : NaN, max: rho.length ? Math.max(...rho) : NaN, n: rho.length },
    overlap: mean(overlap),
    sanityA: san(r.arms[0]),
    sanityB: san(r.arms[1]),
    camA: r.arms[0].camSize,
    camB: r.arms[1].camSize,
  };
});
showMarkdown(summaries.length ? gradcamFindings(summaries) : `No Grad-CAM results for profile \`${PROFILE}\` (no TL/SSL records yet).`);

// %% [markdown]
// Heat maps explain one model's decision on one image; they do not show which pre-training is *better*, which is
// what the accuracy comparisons in notebook 03 are for. On the smoke profile the models are trained for two
// epochs at 32 px and mostly predict one class: its maps say nothing about TL vs SSL.
//
// ## Exercises
// 1. Switch `gradCam` to Grad-CAM++ (`method: 'gradcam++'` in the `explain` function). Do the maps get sharper?
//    Does the agreement between the arms change?
// 2. Explain the *true* class instead of the predicted one (pass the labels as `classIndex`) on the images a
//    model gets wrong. Where does the model look for the class it missed?
// 3. Change `IMAGE_SEED`. Do the agreement numbers hold on other images? How many images per class would you
//    need before quoting them?
