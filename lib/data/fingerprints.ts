// Image fingerprints for finding copies and near-copies: each image is area-averaged to 16×16 grey (channel mean),
// then kept as
//   - exact:  sha256 of the rounded 16×16 thumbnail (identical images at the same size always collide),
//   - unit:   the thumbnail minus its mean, scaled to unit norm (so a dot product is a Pearson correlation),
//   - ahash:  the average hash (bit = pixel > mean), 256 bits,
//   - detail: the thumbnail minus its 3×3 box blur, zero-mean and unit norm (what look-alikes do not share).
// Used between datasets (lib/finetune/overlap.ts: does an intermediate set hold the target's images?) and within
// one (near-duplicates.ts: near-copies that a split must keep together).
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

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
