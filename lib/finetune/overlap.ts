// Do two datasets share images? Double fine-tuning on an intermediate set that contains the target's images
// (BreastMNIST *is* BUSI, downsampled) would leak test images into training. We compare every image at one
// common size: each image is area-averaged to 16×16 grey, then
//   - exact: sha256 of that 16×16 thumbnail (identical images at the same size always collide),
//   - near:  the Pearson correlation of the two thumbnails is ≥ `minCorrelation` (0.95), their detail (thumbnail
//            minus its 3×3 box blur) correlates ≥ `minDetailCorrelation` (0.6), and their average hashes
//            (bit = pixel > mean) differ in ≤ `maxHamming` of 256 bits.
// The detail term is what separates copies from look-alikes: dermoscopy images (a round lesion on skin) share
// their coarse layout, so thumbnails alone matched 3.5 % of ISIC UDA-1 to HAM10000 although the two sets hold
// different images (manifest: disjoint ISIC id ranges). Measured (16×16 from the stored files, numpy check):
// BreastMNIST vs BUSI 48 % of images match, ISIC UDA-1 vs HAM10000 1 % (4 of 400), BreastMNIST vs Chest-CT 0 %.
// The decision is on the fraction of the smaller set with a match (refuse at ≥ 5 %), so a few chance
// look-alikes do not refuse a pair while a downsampled copy of a dataset does.
import { sha256Hex } from '../util/hash';

/** The part of an ImageSet (lib/data) the detector reads: NHWC uint8, square, 1 or 3 channels. */
export interface PixelSet {
  images: Uint8Array;
  size: number;
  channels?: number; // ImageSets are always 3; raw MedMNIST arrays are 1
  count?: number;
}

export const THUMB = 16;

export interface Fingerprints {
  n: number;
  exact: string[];
  /** zero-mean, unit-norm 16×16 grey thumbnails, n × 256 */
  unit: Float32Array;
  /** average hash, 256 bits as 8 uint32 words per image */
  ahash: Uint32Array;
  /** zero-mean, unit-norm detail (thumbnail − 3×3 box blur), n × 256 */
  detail: Float32Array;
}

/** Thumbnail minus its 3×3 box blur (edges replicated): the part of the image look-alikes do not share. */
function detailOf(t: Float32Array, out: Float32Array): void {
  for (let y = 0; y < THUMB; y++)
    for (let x = 0; x < THUMB; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(THUMB - 1, Math.max(0, y + dy)), xx = Math.min(THUMB - 1, Math.max(0, x + dx));
          s += t[yy * THUMB + xx];
        }
      out[y * THUMB + x] = t[y * THUMB + x] - s / 9;
    }
}

function normalise(v: Float32Array, o: number, n: number): void {
  let mean = 0;
  for (let k = 0; k < n; k++) mean += v[o + k];
  mean /= n;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    v[o + k] -= mean;
    norm += v[o + k] * v[o + k];
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < n; k++) v[o + k] /= norm;
}

function countOf(set: PixelSet): { n: number; c: number } {
  const c = set.channels ?? 3;
  const per = set.size * set.size * c;
  const n = set.count ?? set.images.length / per;
  if (!Number.isInteger(n) || set.images.length < n * per) {
    throw new Error(`overlap: images length ${set.images.length} is not a whole number of ${set.size}×${set.size}×${c} images`);
  }
  return { n, c };
}

/** Area-average one grey image (from NHWC uint8, channel mean) down to THUMB×THUMB. */
export function greyThumb(images: Uint8Array, offset: number, size: number, channels: number, out = new Float32Array(THUMB * THUMB)): Float32Array {
  out.fill(0);
  const w = new Float32Array(THUMB * THUMB);
  const scale = THUMB / size;
  for (let y = 0; y < size; y++) {
    // each source pixel covers [y*scale, (y+1)*scale) in thumb coordinates; split it over the cells it touches
    const y0 = y * scale, y1 = (y + 1) * scale;
    for (let x = 0; x < size; x++) {
      const x0 = x * scale, x1 = (x + 1) * scale;
      let v = 0;
      const p = offset + (y * size + x) * channels;
      for (let k = 0; k < channels; k++) v += images[p + k];
      v /= channels;
      for (let ty = Math.floor(y0); ty < Math.min(THUMB, Math.ceil(y1)); ty++) {
        const fy = Math.min(y1, ty + 1) - Math.max(y0, ty);
        if (fy <= 0) continue;
        for (let tx = Math.floor(x0); tx < Math.min(THUMB, Math.ceil(x1)); tx++) {
          const fx = Math.min(x1, tx + 1) - Math.max(x0, tx);
          if (fx <= 0) continue;
          out[ty * THUMB + tx] += v * fx * fy;
          w[ty * THUMB + tx] += fx * fy;
        }
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] /= w[i];
  return out;
}

export function fingerprints(set: PixelSet): Fingerprints {
  const { n, c } = countOf(set);
  const D = THUMB * THUMB;
  const per = set.size * set.size * c;
  const unit = new Float32Array(n * D);
  const ahash = new Uint32Array(n * 8);
  const detail = new Float32Array(n * D);
  const exact: string[] = new Array(n);
  const t = new Float32Array(D);
  const dt = new Float32Array(D);
  const q = new Uint8Array(D);
  for (let i = 0; i < n; i++) {
    greyThumb(set.images, i * per, set.size, c, t);
    let mean = 0;
    for (let k = 0; k < D; k++) mean += t[k];
    mean /= D;
    let norm = 0;
    for (let k = 0; k < D; k++) {
      q[k] = Math.round(t[k]);
      const d = t[k] - mean;
      unit[i * D + k] = d;
      norm += d * d;
      if (t[k] > mean) ahash[i * 8 + (k >> 5)] |= 1 << (k & 31);
    }
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < D; k++) unit[i * D + k] /= norm;
    exact[i] = sha256Hex(q);
    detailOf(t, dt);
    detail.set(dt, i * D);
    normalise(detail, i * D, D);
  }
  return { n, exact, unit, ahash, detail };
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export interface OverlapOptions {
  minCorrelation?: number;
  minDetailCorrelation?: number;
  maxHamming?: number;
  /** refuse when at least this fraction of the smaller set has a match (default 0.05) … */
  maxFraction?: number;
  /** … or at least this many exact matches (default 5) */
  maxExact?: number;
}

export interface OverlapReport {
  nA: number;
  nB: number;
  exactMatches: number; // images of the smaller set with an identical 16×16 thumbnail in the other
  nearMatches: number; // images of the smaller set with a near match (includes exact)
  fraction: number; // nearMatches / min(nA, nB)
  bestCorrelationMedian: number;
  overlapping: boolean;
  thresholds: Required<OverlapOptions>;
}

export const OVERLAP_DEFAULTS: Required<OverlapOptions> = { minCorrelation: 0.95, minDetailCorrelation: 0.6, maxHamming: 40, maxFraction: 0.05, maxExact: 5 };

/** Compare two sets image by image (O(nA·nB·256); ~1 s for 2000 × 1000). */
export function compareSets(a: PixelSet | Fingerprints, b: PixelSet | Fingerprints, opts: OverlapOptions = {}): OverlapReport {
  const th = { ...OVERLAP_DEFAULTS, ...opts };
  let fa = 'unit' in a ? a : fingerprints(a);
  let fb = 'unit' in b ? b : fingerprints(b);
  const nA = fa.n, nB = fb.n;
  if (fa.n > fb.n) [fa, fb] = [fb, fa]; // iterate over the smaller set
  const D = THUMB * THUMB;
  const exactB = new Set(fb.exact);
  let exactMatches = 0, nearMatches = 0;
  const best = new Float32Array(fa.n);
  for (let i = 0; i < fa.n; i++) {
    const isExact = exactB.has(fa.exact[i]);
    if (isExact) exactMatches++;
    let found = isExact;
    let bestR = -1;
    const oi = i * D;
    for (let j = 0; j < fb.n; j++) {
      const oj = j * D;
      let r = 0;
      for (let k = 0; k < D; k++) r += fa.unit[oi + k] * fb.unit[oj + k];
      if (r > bestR) bestR = r;
      if (!found && r >= th.minCorrelation) {
        let h = 0;
        for (let w = 0; w < 8; w++) h += popcount(fa.ahash[i * 8 + w] ^ fb.ahash[j * 8 + w]);
        if (h <= th.maxHamming) {
          let rd = 0;
          for (let k = 0; k < D; k++) rd += fa.detail[oi + k] * fb.detail[oj + k];
          if (rd >= th.minDetailCorrelation) found = true;
        }
      }
    }
    best[i] = bestR;
    if (found) nearMatches++;
  }
  const sorted = Array.from(best).sort((x, y) => x - y);
  const fraction = fa.n ? nearMatches / fa.n : 0;
  return {
    nA,
    nB,
    exactMatches,
    nearMatches,
    fraction,
    bestCorrelationMedian: sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN,
    overlapping: fraction >= th.maxFraction || exactMatches >= th.maxExact,
    thresholds: th,
  };
}
