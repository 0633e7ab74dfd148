// Near-duplicates inside one dataset: pairs of images whose 16×16 grey thumbnails (fingerprints.ts) correlate at
// or above a threshold. A split keeps each connected group of such pairs in one split (splits.ts), because a test
// image whose near-copy (the next CT slice, a re-encoded copy) is in train is not held out.
//
// Which datasets are grouped, and at what threshold, is data: the registry's `nearDuplicateGrouping`. The
// threshold is chosen per dataset from measurements (see the registry entry and the split file's notes).
//
// Finding the pairs is exact (the same pairs as comparing all of them) but avoids most of the n²/2 work:
// for unit vectors a, b with correlation r, |a − b|² = 2 − 2r, so r ≥ t needs |a − b| ≤ ε = √(2 − 2t).
// Averaging each thumbnail over 4×4 blocks is an orthogonal projection, which never lengthens a vector, so the
// block means (scaled by 4, 16 numbers) of a pair that can still match are within ε too, and so is their
// projection on any unit direction. Images are sorted by that projection (on the block means' principal axis),
// each is compared only with the images after it within ε in that order, first on the 16 block means, then on the
// 256-pixel distance (stopping once it exceeds ε), and only then is the correlation itself computed.
import { THUMB, type Fingerprints } from './fingerprints';

export type NearDuplicateMethod = 'thumb16-correlation';

export interface NearDuplicateGrouping {
  /** 'thumb16-correlation': Pearson correlation of the 16×16 grey thumbnails (area-averaged, channel mean). */
  method: NearDuplicateMethod;
  /** Pairs with correlation ≥ threshold are near-duplicates. */
  threshold: number;
}

const BLOCK = 4;
const COARSE = (THUMB / BLOCK) ** 2;
/** Slack on the pruning bounds so float32 rounding can never prune a pair the full check would accept. */
const SLACK = 1e-4;

export function describeGrouping(g: NearDuplicateGrouping): string {
  if (g.method !== 'thumb16-correlation') throw new Error(`near-duplicate grouping: unknown method "${g.method}" (known: thumb16-correlation)`);
  return `16×16 thumbnail correlation ≥ ${g.threshold}`;
}

function checkGrouping(g: NearDuplicateGrouping): void {
  describeGrouping(g);
  if (!(g.threshold > 0 && g.threshold <= 1)) throw new Error(`near-duplicate grouping: threshold must be in (0, 1], got ${g.threshold}`);
}

/** Block means of each unit thumbnail, times BLOCK, so that distances between them are those of the projections. */
function coarseOf(fp: Fingerprints): Float64Array {
  const D = THUMB * THUMB;
  const out = new Float64Array(fp.n * COARSE);
  const side = THUMB / BLOCK;
  for (let i = 0; i < fp.n; i++)
    for (let y = 0; y < THUMB; y++)
      for (let x = 0; x < THUMB; x++) out[i * COARSE + Math.floor(y / BLOCK) * side + Math.floor(x / BLOCK)] += fp.unit[i * D + y * THUMB + x] / BLOCK;
  return out;
}

/** Unit principal axis of the block means (power iteration from a fixed start, so the order is deterministic). */
function principalAxis(c: Float64Array, n: number): Float64Array {
  const mean = new Float64Array(COARSE);
  for (let i = 0; i < n; i++) for (let k = 0; k < COARSE; k++) mean[k] += c[i * COARSE + k] / n;
  let v = new Float64Array(COARSE).fill(1 / Math.sqrt(COARSE));
  for (let it = 0; it < 30; it++) {
    const next = new Float64Array(COARSE);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let k = 0; k < COARSE; k++) d += (c[i * COARSE + k] - mean[k]) * v[k];
      for (let k = 0; k < COARSE; k++) next[k] += d * (c[i * COARSE + k] - mean[k]);
    }
    const norm = Math.hypot(...next);
    if (!(norm > 0)) break; // every image has the same block means: any direction will do
    v = next.map((x) => x / norm);
  }
  return v;
}

/**
 * Every pair (i < j) of near-duplicates, sorted by i then j. Exact: equal to comparing all pairs
 * (tests/data/near-duplicates.test.ts checks it against brute force).
 */
export function nearDuplicatePairs(fp: Fingerprints, grouping: NearDuplicateGrouping): Array<[number, number]> {
  checkGrouping(grouping);
  const { n, unit } = fp;
  const D = THUMB * THUMB;
  const t = grouping.threshold;
  const eps2 = 2 - 2 * t + SLACK;
  const eps = Math.sqrt(eps2);
  const c = coarseOf(fp);
  const axis = principalAxis(c, n);
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < COARSE; k++) proj[i] += c[i * COARSE + k] * axis[k];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => proj[a] - proj[b] || a - b);
  const pairs: Array<[number, number]> = [];
  for (let p = 0; p < n; p++) {
    const i = order[p];
    for (let q = p + 1; q < n && proj[order[q]] - proj[i] <= eps; q++) {
      const j = order[q];
      let d2 = 0;
      for (let k = 0; k < COARSE && d2 <= eps2; k++) {
        const d = c[i * COARSE + k] - c[j * COARSE + k];
        d2 += d * d;
      }
      if (d2 > eps2) continue;
      // the full distance, stopping as soon as it is too far (most candidates), then the correlation itself
      d2 = 0;
      for (let k = 0; k < D && d2 <= eps2; k++) {
        const d = unit[i * D + k] - unit[j * D + k];
        d2 += d * d;
      }
      if (d2 > eps2) continue;
      let r = 0;
      for (let k = 0; k < D; k++) r += unit[i * D + k] * unit[j * D + k];
      if (r >= t) pairs.push(i < j ? [i, j] : [j, i]);
    }
  }
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
