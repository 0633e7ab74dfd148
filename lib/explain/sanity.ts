// Sanity checks for saliency maps (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"): cascading model
// parameter randomisation re-initialises the layers from the output down, one more each step; a map that
// explains the model should change, a map that only reflects the input (an edge detector) would not.
// Plus the measures used to quantify it: Spearman rank correlation between maps, peak location.
import * as tf from '@tensorflow/tfjs';
import { averageRanks } from '../metrics/auc';
import { initWeightsSeeded } from '../models/init';
import { isContainer } from './graph';

/** Weighted layers in graph order, nested models expanded into their own layers. */
export function weightedLayers(model: tf.LayersModel): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  for (const l of model.layers) {
    if (isContainer(l)) out.push(...weightedLayers(l));
    else if (l.weights.length > 0) out.push(l);
  }
  return out;
}

/**
 * Layers with weights, from the output back to the input (the order of cascading randomisation); layers of
 * nested models are listed individually.
 */
export function layersTopDown(model: tf.LayersModel): tf.layers.Layer[] {
  return weightedLayers(model).reverse();
}

/**
 * Cascading randomisation: re-initialise (seeded, Glorot-uniform kernels, zero biases) the first `k` layers of
 * layersTopDown(model), i.e. the top k weighted layers. Mutates the model; save weights first to restore.
 * Returns the names of the randomised layers.
 */
export function randomizeTopLayers(model: tf.LayersModel, k: number, seed: number): string[] {
  const layers = layersTopDown(model).slice(0, k);
  layers.forEach((l, i) => initWeightsSeeded([l], seed + 7919 * i));
  return layers.map((l) => l.name);
}

/** Spearman rank correlation (Pearson correlation of tie-averaged ranks); NaN if either input is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} vs ${b.length} values`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = ra.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += ra[i];
    mb += rb[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - ma;
    const db = rb[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Row and column of the maximum of an H×W map (first in row-major order on ties). */
export function peakOf(map: ArrayLike<number>, width: number): { row: number; col: number } {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return { row: Math.floor(best / width), col: best % width };
}

export interface Box {
  top: number;
  left: number;
  size: number;
}

/** Whether the map's peak lies inside the square box (rows top…top+size−1, cols left…left+size−1). */
export function peakInBox(map: ArrayLike<number>, width: number, box: Box): boolean {
  const { row, col } = peakOf(map, width);
  return row >= box.top && row < box.top + box.size && col >= box.left && col < box.left + box.size;
}

export interface RandomisationStep {
  /** how many weighted layers, from the top, are re-initialised at this step */
  k: number;
  /** the layers randomised (the top k) */
  layers: string[];
  /** Spearman ρ between each image's original map and its map after randomisation (NaN for a flat map) */
  perImage: number[];
  /** mean ρ over the images with a non-flat map (NaN if none) */
  meanSpearman: number;
}

/**
 * The cascading randomisation test on `model` (Adebayo et al. 2018): for each k in `steps`, re-initialise the top k
 * weighted layers (seeded), recompute the maps of the same images for the same classes with `explain`, and compare
 * them with the original maps by rank correlation. Maps that explain the model fall towards 0; maps that stay
 * near 1 show the input (edges), not what the model learnt. The model's weights are restored afterwards.
 * `explain(classIndex?)` returns one H×W map per image (and the classes it explained; without `classIndex`, the predicted ones) (e.g. Grad-CAM at a fixed layer for those classes).
 */
export function cascadingRandomisation(
  model: tf.LayersModel,
  explain: (classIndex?: ArrayLike<number>) => { maps: Float32Array[]; classIndex: ArrayLike<number> },
  steps: number[],
  seed: number,
): RandomisationStep[] {
  const original = explain(); // each image's predicted class, with the trained weights
  const classes = Int32Array.from(original.classIndex);
  const saved = model.getWeights().map((w) => w.clone());
  try {
    return steps.map((k) => {
      model.setWeights(saved);
      const layers = randomizeTopLayers(model, k, seed);
      const after = explain(classes).maps;
      const perImage = original.maps.map((m, i) => spearman(m, after[i]));
      const ok = perImage.filter((v) => Number.isFinite(v));
      return {
        k,
        layers,
        perImage,
        meanSpearman: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN,
      };
    });
  } finally {
    model.setWeights(saved);
    tf.dispose(saved);
  }
}
