// A leak probe with no training: label each test image with the class of the train image whose 16×16 grey
// thumbnail (fingerprints.ts) correlates best with its own. On a set whose test images are held out, this
// pixel-matching classifier is weak (near chance on most of ours); where it scores like a trained network, test
// images have near-copies in train (neighbouring slices of one scan, one subject's images across splits) and a model
// can score by recognising them. The report flags such sets, because what a model learns there, and what helps or
// hurts it (augmentation breaks exact matching), is not only what the paper's claims are about.
import { confusionMatrix, nanMean } from '../metrics/classification';
import { quantileSorted } from '../stats/summary';
import { fingerprints, THUMB, type Fingerprints } from './fingerprints';
import { loadImageSet, type LoadOptions } from './load';

/** Balanced accuracy of the thumbnail 1-NN at or above which a set is flagged (no trained model needed to reach it). */
export const NEAR_COPY_FLAG = 0.9;
/** A test image whose best train thumbnail correlates at least this much is counted as having a near-copy. */
export const NEAR_COPY_R = 0.99;

/** Whether the probe flags its set: the one rule the report's table, per-dataset flags and confounds share. */
export function nearCopyFlagged(p: Pick<NearestCopyProbe, 'balancedAccuracy'> | undefined): boolean {
  return !!p && p.balancedAccuracy >= NEAR_COPY_FLAG;
}

export interface NearestCopyProbe {
  /** test images */
  n: number;
  /** of the thumbnail 1-NN (train → test) */
  accuracy: number;
  balancedAccuracy: number;
  /** median over test images of the best correlation with a train image */
  medianCorrelation: number;
  /** test images with a train image correlating ≥ NEAR_COPY_R */
  nearCopies: number;
}

/** The 1-NN probe on fingerprints already computed; train and test index the same set. */
export function nearestCopyProbe(
  fp: Fingerprints,
  labels: ArrayLike<number>,
  numClasses: number,
  train: readonly number[],
  test: readonly number[],
): NearestCopyProbe {
  if (!train.length || !test.length) throw new Error(`nearestCopyProbe: needs train and test images, got ${train.length} and ${test.length}`);
  const D = THUMB * THUMB;
  const u = fp.unit;
  const best = new Float64Array(test.length);
  const pred = new Int32Array(test.length);
  test.forEach((i, k) => {
    let r = -Infinity;
    let arg = -1;
    for (const j of train) {
      let s = 0;
      for (let d = 0; d < D; d++) s += u[i * D + d] * u[j * D + d];
      if (s > r) [r, arg] = [s, j];
    }
    best[k] = r;
    pred[k] = labels[arg];
  });
  const truth = test.map((i) => labels[i]);
  const cm = confusionMatrix(truth, pred, numClasses);
  const sorted = Array.from(best).sort((a, b) => a - b);
  return {
    n: test.length,
    accuracy: cm.reduce((s, row, c) => s + row[c], 0) / test.length,
    balancedAccuracy: nanMean(cm.map((row, c) => row[c] / row.reduce((a, b) => a + b, 0))),
    medianCorrelation: quantileSorted(sorted, 0.5),
    nearCopies: sorted.filter((r) => r >= NEAR_COPY_R).length,
  };
}

/** The probe on a dataset's committed split (train → test), at `size` px (64 by default: the grid's size). */
export async function probeNearestCopies(id: string, opts: Partial<LoadOptions> = {}): Promise<NearestCopyProbe> {
  const set = await loadImageSet(id, { size: 64, ...opts });
  return nearestCopyProbe(fingerprints(set), set.labels, set.numClasses, set.splits.train, set.splits.test);
}
