// The JPEG-bytes + offsets form (CIFAR-10, Imagenette) on a small synthetic file made with sharp.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadImageSet } from '../../lib/data/load';
import { jpegSize } from '../../lib/data/images';
import { sha256Hex } from '../../lib/util/hash';
import type { DatasetEntry } from '../../lib/data/registry';
import { npzBytes, tmpDir } from './fixtures/make-npz';

async function jpegSet(sizes: number[], grey: boolean[]): Promise<{ entry: DatasetEntry; dir: string; jpegs: Buffer[] }> {
  const jpegs: Buffer[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i];
    const raw = Buffer.alloc(s * s * 3);
    for (let p = 0; p < s * s; p++) {
      raw[p * 3] = (p * 5 + i * 40) % 256;
      raw[p * 3 + 1] = grey[i] ? raw[p * 3] : (p * 3) % 256;
      raw[p * 3 + 2] = grey[i] ? raw[p * 3] : 200;
    }
    let img = sharp(raw, { raw: { width: s, height: s, channels: 3 } });
    if (grey[i]) img = img.toColourspace('b-w');
    jpegs.push(await img.jpeg({ quality: 95 }).toBuffer());
  }
  const offsets = [0];
  for (const j of jpegs) offsets.push(offsets[offsets.length - 1] + j.length);
  const bytes = npzBytes({
    jpeg_bytes: { dtype: '|u1', shape: [offsets[offsets.length - 1]], data: Buffer.concat(jpegs) },
    offsets: { dtype: '<i8', shape: [offsets.length], data: offsets },
    y: { dtype: '<i8', shape: [sizes.length], data: sizes.map((_, i) => i % 2) },
    split: { dtype: 'str', data: sizes.map((_, i) => (i < sizes.length - 2 ? 'train' : 'test')) },
    class_names: { dtype: 'str', data: ['a', 'b'] },
  });
  const dir = tmpDir('jpeg');
  fs.mkdirSync(path.join(dir, 'fx'));
  fs.writeFileSync(path.join(dir, 'fx', 'j.npz'), bytes);
  const entry: DatasetEntry = {
    id: 'fx-jpeg' as DatasetEntry['id'], title: 'jpeg fixture', modality: 'synthetic', colour: 'rgb', content: 'colour', domain: 'natural', classNames: ['a', 'b'],
    file: 'fx/j.npz', sha256: sha256Hex(bytes), bytes: bytes.length, format: 'jpeg-bytes', keys: [], storedSizes: [sizes[0]], counts: {},
    sourceRepo: 't', upstream: 't', licence: 't', standsInFor: 't',
  };
  return { entry, dir, jpegs };
}

describe('JPEG-bytes datasets', () => {
  it('decode every image (grey JPEGs → RGB copies) at the stored size, and decode+resize in one step', async () => {
    // 8 train images (4 per class: the fewest that give the carved-out val one image per class) + 2 test
    const { entry, dir, jpegs } = await jpegSet(new Array(10).fill(12), [false, true, false, false, true, false, false, true, false, false]);
    expect(jpegSize(jpegs[0])).toEqual([12, 12]);
    const set = await loadImageSet(entry, { size: 12, dataDir: dir, splitsDir: dir, diskCache: false });
    for (let i = 0; i < 10; i++) {
      const { data, info } = await sharp(jpegs[i]).raw().toBuffer({ resolveWithObject: true });
      const px = set.images.subarray(i * 432, (i + 1) * 432);
      for (let p = 0; p < 144; p++) for (let c = 0; c < 3; c++) expect(px[p * 3 + c]).toBe(data[p * info.channels + (info.channels === 1 ? 0 : c)]);
    }
    expect(set.splits.test).toEqual([8, 9]);
    expect(set.splits.val.length).toBe(2);
    const big = await loadImageSet(entry, { size: 20, dataDir: dir, splitsDir: dir, diskCache: false });
    expect(big.images.length).toBe(10 * 20 * 20 * 3);
    const ref = await sharp(jpegs[2]).resize(20, 20, { fit: 'fill' }).raw().toBuffer();
    expect(Buffer.compare(Buffer.from(big.images.subarray(2 * 1200, 3 * 1200)), ref)).toBe(0);
  });

  it('an image of the wrong size is an error naming the file and the image', async () => {
    const { entry, dir } = await jpegSet([12, 12, 10, 12], [false, false, false, false]);
    await expect(loadImageSet(entry, { size: 12, dataDir: dir, splitsDir: dir, diskCache: false })).rejects.toThrow(/j\.npz: image 2 is 10×10, expected 12×12/);
    await expect(loadImageSet(entry, { size: 24, dataDir: dir, splitsDir: dir, diskCache: false })).rejects.toThrow(/j\.npz: image 2 is not a decodable JPEG of the stored size \(is 10×10, expected 12×12\)/);
  });
});
