// %% [markdown]
// # 07 · Grad-CAM: where do TL and SSL models look?
//
// **What the paper shows.** Grad-CAM heat maps of the fine-tuned TL and SSL models on the same test images, to
// argue that the better model also attends to the clinically relevant region. Heat maps are easy to over-read,
// so we show them side by side on the *same* images, with each model's prediction, and measure how much the two
// maps agree instead of judging by eye.
//
// **What we run.** For each dataset below: fine-tune a TL and an SSL backbone with the grid's baseline recipe
// (`lib/finetune`, seed 0), then Grad-CAM (`lib/explain/gradcam.ts`) at each backbone's last convolutional
// layer, for the class each model predicts. Grad-CAM weights that layer's feature maps by the spatially averaged
// gradient of the class score and keeps the positive part, so a map is only as sharp as that layer
// (h×w = input / 16 or / 32), upsampled to the image.

// %% [markdown]
// ## Setup and knobs

// %%
import * as tf from '@tensorflow/tfjs';
import { profileName } from '../lib/util/profile';
import { selectBackend } from '../lib/backend/select-backend';
import { loadImageSet, toBatch } from '../lib/data/load';
import { getPretrainedBackbone } from '../lib/pretrain/backbones';
import { armLabel } from '../lib/pretrain/arms';
import { finetune } from '../lib/finetune/finetune';
import { applyScaling } from '../lib/data/scaling';
import { GRIDS } from '../lib/finetune/grid';
import { gradCam, camOf } from '../lib/explain/gradcam';
import { renderFigure } from '../lib/report/figures';
import { imageGrid, overlayHeatmap, type RgbImage } from '../lib/report/plots';
import { writeTable } from '../lib/report/tables';
import { showFigure, showTable } from '../lib/report/notebook';

const PROFILE = profileName();
const KNOBS = {
  smoke: { datasets: ['chest-ct'], images: 4 },
  cpu: { datasets: ['chest-ct', 'isic-uda1', 'busi'], images: 6 },
  gpu: { datasets: ['chest-ct', 'isic-uda1', 'busi', 'eye-fundus'], images: 8 },
}[PROFILE];
const SEED = 0;
const TRAIN = GRIDS[PROFILE].train; // the grid's baseline recipe
const SIZE = GRIDS[PROFILE].size;
const ALPHA = 0.45; // heat-map opacity in the overlays
const backend = await selectBackend({ quiet: true });
console.log({ PROFILE, ...KNOBS, SEED, SIZE, epochs: TRAIN.epochs, backend: backend.name });

// %% [markdown]
// ## Fine-tune both arms and explain the same test images

// %%
type Explained = { arm: string; maps: Float32Array[]; pred: number[]; acc: number };
const results: { dataset: string; classNames: string[]; images: RgbImage[]; labels: number[]; arms: Explained[] }[] = [];
for (const ds of KNOBS.datasets) {
  const data = await loadImageSet(ds, { size: SIZE });
  const idx = Array.from(data.splits.test).slice(0, KNOBS.images);
  const px = SIZE * SIZE * 3;
  const images = idx.map((i) => ({ width: SIZE, height: SIZE, rgb: data.images.slice(i * px, (i + 1) * px) }));
  const arms: Explained[] = [];
  for (const arm of GRIDS[PROFILE].arms.slice(0, 2)) {
    const backbone = await getPretrainedBackbone(arm, { profile: PROFILE, inputSize: SIZE });
    const ft = await finetune(backbone, data, { ...TRAIN, seed: SEED });
    const x = tf.tidy(() => applyScaling(toBatch(data, idx), backbone.scaling));
    const cam = gradCam(ft.classifier, backbone.gradCamLayer, x);
    const pred = Array.from(cam.classIndex);
    x.dispose();
    arms.push({ arm: armLabel(arm), maps: idx.map((_, k) => Float32Array.from(camOf(cam, k))), pred, acc: ft.test?.accuracy ?? NaN });
    ft.classifier.dispose();
  }
  results.push({ dataset: ds, classNames: data.classNames, images, labels: idx.map((i) => data.labels[i]), arms });
  console.log(`${ds}: test accuracy ${arms.map((a) => `${a.arm} ${(100 * a.acc).toFixed(1)}%`).join(', ')}`);
}

// %% [markdown]
// ## Side by side
// Each row is one test image: the image, then the TL and SSL heat maps over it. The row label gives the true
// class and each model's prediction. A map of one flat colour means the model's score does not depend on where
// it looks at that layer, typical of a model that predicts one class for every image.

// %%
for (const r of results) {
  const cells = r.images.map((img, k) => [img, ...r.arms.map((a) => overlayHeatmap(img, a.maps[k], ALPHA))]);
  const rowTitles = r.images.map((_, k) => `true: ${r.classNames[r.labels[k]]}<br>${r.arms.map((a) => `${a.arm} says ${r.classNames[a.pred[k]]}${a.pred[k] === r.labels[k] ? ' ✓' : ' ✗'}`).join('<br>')}`);
  const fig = imageGrid(cells, { colTitles: ['image', 'TL Grad-CAM', 'SSL Grad-CAM'], rowTitles, title: `${r.dataset}: Grad-CAM, TL vs SSL (seed ${SEED})` });
  const left = (fig.layout as { margin: { l: number } }).margin.l;
  showFigure(await renderFigure(`07-gradcam-${r.dataset}-${PROFILE}`, fig, { width: left + 3 * 170, height: 170 * r.images.length + 130, html: false }));
}

// %% [markdown]
// ## Do the two models look at the same place?
// Pearson correlation between the TL and SSL maps of each image (1 = same map, 0 = unrelated), and whether each
// map's peak falls in the central half of the image (a crude check against attention on borders and text marks).

// %%
function corr(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { const da = a[i] - ma, db = b[i] - mb; sab += da * db; saa += da * da; sbb += db * db; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
function peakCentral(m: Float32Array, size: number): boolean {
  let best = 0;
  for (let i = 1; i < m.length; i++) if (m[i] > m[best]) best = i;
  const y = Math.floor(best / size), x = best % size;
  return x >= size / 4 && x < (3 * size) / 4 && y >= size / 4 && y < (3 * size) / 4;
}
const agreeRows = results.flatMap((r) =>
  r.images.map((_, k) => ({
    dataset: r.dataset,
    image: k,
    true: r.classNames[r.labels[k]],
    'TL pred': r.classNames[r.arms[0].pred[k]],
    'SSL pred': r.classNames[r.arms[1].pred[k]],
    'map correlation': corr(r.arms[0].maps[k], r.arms[1].maps[k]),
    'TL peak central': peakCentral(r.arms[0].maps[k], SIZE) ? 'yes' : 'no',
    'SSL peak central': peakCentral(r.arms[1].maps[k], SIZE) ? 'yes' : 'no',
  })),
);
showTable(writeTable(`07-gradcam-agreement-${PROFILE}`, agreeRows, { title: 'TL vs SSL Grad-CAM agreement', digits: 2 }));

// %% [markdown]
// ## What we found
// At the resolutions a CPU can train (32 px here, a 2×2 or 4×4 last feature map), Grad-CAM maps are coarse blobs,
// and two models can agree on the class while attending to different regions, or agree on the region while
// disagreeing on the class. The correlation column makes that visible without squinting at colours. Heat maps
// explain one model's decision on one image; they do not show which pre-training is *better*, which is what the
// accuracy comparisons in notebook 03 are for.
//
// ## Exercises
// 1. Switch `gradCam` to Grad-CAM++ (`gradCamPlusPlus` in `lib/explain/gradcam.ts`). Do the maps get sharper?
// 2. Sanity check (Adebayo et al., 2018): randomise the top layers of the fine-tuned model and recompute the maps.
//    If they barely change, the method is showing image edges, not the model's reasoning.
// 3. Explain the *true* class instead of the predicted one (`classIndex` option) on the images a model gets wrong.
