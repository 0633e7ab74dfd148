// How much two saliency maps of the same image agree (e.g. the TL and the SSL model's Grad-CAM), and which test
// images to explain. No dataset here ships lesion masks, so maps cannot be scored against ground truth: these
// numbers measure agreement between models, not correctness.
//   - rank correlation: Spearman's ρ between the two maps' pixel values (1 = same ordering of where they look);
//   - peak overlap: intersection over union of the two maps' hottest `fraction` of pixels (1 = same hot region);
//   - peak distance: distance between the two maxima, as a fraction of the image diagonal.
// A constant (flat) map carries no location at all: its ρ is NaN and it is counted apart.
import { Rng } from '../util/rng';
import { peakOf, spearman } from './sanity';

/** True when every value of the map is the same (within 1e-7 of its range): Grad-CAM saw no spatial signal. */
export function isFlat(map: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    if (map[i] < lo) lo = map[i];
    if (map[i] > hi) hi = map[i];
  }
  return !(hi - lo > 1e-7);
}

/** Indices of the `fraction` hottest pixels (at least one; ties broken by position). */
export function hottest(map: ArrayLike<number>, fraction: number): Set<number> {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`hottest: fraction must be in (0, 1], got ${fraction}`);
  const k = Math.max(1, Math.round(fraction * map.length));
  const order = Array.from({ length: map.length }, (_, i) => i).sort((a, b) => map[b] - map[a] || a - b);
  return new Set(order.slice(0, k));
}

/** Intersection over union of two maps' hottest `fraction` of pixels. */
export function peakOverlap(a: ArrayLike<number>, b: ArrayLike<number>, fraction = 0.1): number {
  if (a.length !== b.length) throw new Error(`peakOverlap: ${a.length} vs ${b.length} values`);
  const ha = hottest(a, fraction);
  const hb = hottest(b, fraction);
  let inter = 0;
  for (const i of ha) if (hb.has(i)) inter++;
  return inter / (ha.size + hb.size - inter);
}

export interface MapAgreement {
  spearman: number;
  peakOverlap: number;
  /** distance between the maxima / image diagonal */
  peakDistance: number;
  flatA: boolean;
  flatB: boolean;
}

/** Agreement of two H×W maps of the same image (row-major, width `width`). */
export function mapAgreement(a: ArrayLike<number>, b: ArrayLike<number>, width: number, fraction = 0.1): MapAgreement {
  const height = a.length / width;
  const pa = peakOf(a, width);
  const pb = peakOf(b, width);
  const flatA = isFlat(a);
  const flatB = isFlat(b);
  return {
    spearman: flatA || flatB ? NaN : spearman(a, b),
    peakOverlap: flatA || flatB ? NaN : peakOverlap(a, b, fraction),
    peakDistance:
      flatA || flatB ? NaN : Math.hypot(pa.row - pb.row, pa.col - pb.col) / Math.hypot(height - 1, width - 1),
    flatA,
    flatB,
  };
}

/**
 * Up to `perClass` images of every class from `indices` (e.g. a test split), chosen by a seeded shuffle: the same
 * seed gives the same images, and every class is shown (the first few test images are often all one class).
 * Returned class by class, in the order of the shuffle.
 */
export function pickByClass(
  labels: ArrayLike<number>,
  indices: ArrayLike<number>,
  perClass: number,
  seed: number,
): number[] {
  const rng = new Rng(seed);
  const shuffled = rng.shuffle(Array.from(indices));
  const byClass = new Map<number, number[]>();
  for (const i of shuffled) {
    const c = labels[i];
    if (!byClass.has(c)) byClass.set(c, []);
    const l = byClass.get(c)!;
    if (l.length < perClass) l.push(i);
  }
  return [...byClass.keys()].sort((x, y) => x - y).flatMap((c) => byClass.get(c)!);
}
