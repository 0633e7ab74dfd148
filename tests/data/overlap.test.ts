import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { Rng } from '../../lib/util/rng';
import { fingerprints, greyThumb, type PixelSet } from '../../lib/data/fingerprints';
import { compareSets } from '../../lib/data/overlap';
import { checkPair, OverlapError } from '../../lib/finetune/pairs';
import { readNpz } from '../../lib/data/npz';
import { candidatePaths } from '../../lib/data/locate';
import { getEntry } from '../../lib/data/registry';

/** Smooth random RGB images: a 4×4 random grid bilinearly upsampled, plus pixel noise. */
function smoothImages(n: number, size: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n * size * size * 3);
  for (let i = 0; i < n; i++) {
    const g = Array.from({ length: 25 }, () => rng.uniform(20, 235));
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const gy = (y / (size - 1)) * 4,
          gx = (x / (size - 1)) * 4;
        const y0 = Math.min(3, Math.floor(gy)),
          x0 = Math.min(3, Math.floor(gx));
        const fy = gy - y0,
          fx = gx - x0;
        const v =
          g[y0 * 5 + x0] * (1 - fy) * (1 - fx) +
          g[y0 * 5 + x0 + 1] * (1 - fy) * fx +
          g[(y0 + 1) * 5 + x0] * fy * (1 - fx) +
          g[(y0 + 1) * 5 + x0 + 1] * fy * fx;
        for (let c = 0; c < 3; c++)
          out[((i * size + y) * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v + rng.normal(0, 4))));
      }
  }
  return out;
}

/** Nearest-neighbour resize of RGB images (a different resampler than the detector's area average). */
function resizeNearest(src: Uint8Array, n: number, from: number, to: number): Uint8Array {
  const out = new Uint8Array(n * to * to * 3);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < to; y++)
      for (let x = 0; x < to; x++) {
        const sy = Math.floor(((y + 0.5) * from) / to),
          sx = Math.floor(((x + 0.5) * from) / to);
        for (let c = 0; c < 3; c++) out[((i * to + y) * to + x) * 3 + c] = src[((i * from + sy) * from + sx) * 3 + c];
      }
  return out;
}

describe('image overlap detector', () => {
  it('area-averages to 16×16 exactly for a 32 px image (2×2 means)', () => {
    const size = 32;
    const img = new Uint8Array(size * size);
    for (let k = 0; k < img.length; k++) img[k] = (k * 37) % 256;
    const t = greyThumb(img, 0, size, 1);
    const mean = (img[0] + img[1] + img[size] + img[size + 1]) / 4;
    expect(t[0]).toBeCloseTo(mean, 4);
    const y = 5,
      x = 9;
    const m2 =
      (img[2 * y * size + 2 * x] +
        img[2 * y * size + 2 * x + 1] +
        img[(2 * y + 1) * size + 2 * x] +
        img[(2 * y + 1) * size + 2 * x + 1]) /
      4;
    expect(t[y * 16 + x]).toBeCloseTo(m2, 4);
  });

  it('refuses a synthetic pair that shares 20 images (resized) and accepts an unrelated one', () => {
    const a: PixelSet = { images: smoothImages(80, 32, 1), size: 32 };
    const shared = resizeNearest(a.images.subarray(0, 20 * 32 * 32 * 3), 20, 32, 24);
    const fresh = smoothImages(40, 24, 2);
    const b: PixelSet = { images: new Uint8Array([...shared, ...fresh]), size: 24 };
    const rep = compareSets(a, b);
    expect(rep.nearMatches).toBeGreaterThanOrEqual(20);
    expect(rep.nearMatches).toBeLessThan(24);
    expect(rep.overlapping).toBe(true);
    expect(() => checkPair({ intermediate: 'ct-kidney', target: 'chest-ct' }, a, b)).toThrow(OverlapError);
    const c: PixelSet = { images: smoothImages(60, 24, 3), size: 24 };
    const ok = checkPair({ intermediate: 'ct-kidney', target: 'chest-ct' }, fingerprints(a), c);
    expect(ok.nearMatches).toBe(0);
    expect(ok.overlapping).toBe(false);
  });

  it('exact duplicates at the same size are exact matches', () => {
    const imgs = smoothImages(10, 16, 5);
    const rep = compareSets({ images: imgs, size: 16 }, { images: imgs.slice(0, 6 * 16 * 16 * 3), size: 16 });
    expect(rep.exactMatches).toBe(6);
  });

  const file = (id: string) => candidatePaths(getEntry(id)).find((p) => fs.existsSync(p));
  const haveReal = !!file('breastmnist') && !!file('busi') && !!file('chest-ct');
  it.skipIf(!haveReal)('refuses BUSI → BreastMNIST on the real files, accepts Chest-CT vs BreastMNIST', () => {
    const m = readNpz(file('breastmnist')!, ['train_images', 'val_images', 'test_images']);
    const parts = ['train_images', 'val_images', 'test_images'].map((k) => m[k].data as Uint8Array);
    const bm: PixelSet = { images: new Uint8Array(parts.reduce((s, p) => s + p.length, 0)), size: 28, channels: 1 };
    let o = 0;
    for (const p of parts) {
      bm.images.set(p, o);
      o += p.length;
    }
    const busiArr = readNpz(file('busi')!, ['x64']).x64;
    const busi: PixelSet = { images: busiArr.data as Uint8Array, size: 64, channels: busiArr.shape[3] ?? 1 };
    const fbm = fingerprints(bm);
    let err: unknown;
    try {
      checkPair({ intermediate: 'busi', target: 'breastmnist' }, busi, fbm);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OverlapError);
    const rep = (err as OverlapError).report;
    expect(rep.nA).toBe(780);
    expect(rep.fraction).toBeGreaterThan(0.3); // measured 0.57 at the default thresholds
    const ctArr = readNpz(file('chest-ct')!, ['x64']).x64;
    const ct: PixelSet = { images: ctArr.data as Uint8Array, size: 64, channels: ctArr.shape[3] ?? 1 };
    const ctRep = compareSets(ct, fbm);
    expect(ctRep.overlapping).toBe(false);
    expect(ctRep.nearMatches).toBe(0);
  });
});
