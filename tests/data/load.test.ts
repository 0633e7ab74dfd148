import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadImageSet, toBatch, loadMeta, pickStoredSize, clearImageSetCache } from '../../lib/data/load';
import { locateDataset, candidatePaths } from '../../lib/data/locate';
import { applyScaling, undoScaling, IMAGENET_MEAN, IMAGENET_STD } from '../../lib/data/scaling';
import { CACHE_DIR } from '../../lib/util/paths';
import { writeFixtureDataset, tmpDir } from './fixtures/make-npz';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loadImageSet on small synthetic files', () => {
  it('grey → 3 channels by copy, at the stored size and resized; labels, split and hash attached', async () => {
    const dir = tmpDir('load');
    const { entry, arrays } = writeFixtureDataset(dir, 'fx-grey', { n: 30 });
    const splitsDir = path.join(dir, 'splits');
    const set = await loadImageSet(entry, { size: 16, dataDir: dir, splitsDir, diskCache: false });
    expect(set.n).toBe(30);
    expect(set.images.length).toBe(30 * 16 * 16 * 3);
    const src = arrays.x16.data as number[];
    for (const p of [0, 17, 16 * 16 * 5 + 3]) {
      expect(set.images[p * 3]).toBe(src[p]);
      expect(set.images[p * 3 + 1]).toBe(src[p]);
      expect(set.images[p * 3 + 2]).toBe(src[p]);
    }
    expect(Array.from(set.labels)).toEqual(Array.from({ length: 30 }, (_, i) => i % 2));
    const all = [...set.splits.train, ...set.splits.val, ...set.splits.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(set.splitHash).toMatch(/^[0-9a-f]{16}$/);
    expect(fs.existsSync(path.join(splitsDir, 'fx-grey.json'))).toBe(true);
    // resize: 16 → 8 and 32; a grey set stays grey after resizing
    const small = await loadImageSet(entry, { size: 8, dataDir: dir, splitsDir, diskCache: false });
    expect(small.images.length).toBe(30 * 8 * 8 * 3);
    for (let p = 0; p < small.images.length; p += 3) expect(small.images[p]).toBe(small.images[p + 2]);
    const big = await loadImageSet(entry, { size: 32, dataDir: dir, splitsDir, diskCache: false });
    expect(big.images.length).toBe(30 * 32 * 32 * 3);
    expect(big.splitHash).toBe(set.splitHash); // same committed split at every size
  });

  it('resizing a constant image keeps its value; the disk cache gives the same pixels back', async () => {
    const dir = tmpDir('resize');
    // image i is the constant 60 + i (distinct images: identical ones with different labels would be dropped)
    const n = 20;
    const px = 16 * 16 * 3;
    const { entry } = writeFixtureDataset(dir, 'fx-flat', {
      n,
      colour: 'rgb',
      mutate: (a) => (a.x16 = { dtype: '|u1', shape: [n, 16, 16, 3], data: Array.from({ length: n * px }, (_, k) => 60 + Math.floor(k / px)) }),
    });
    const opts = { size: 28, dataDir: dir, splitsDir: path.join(dir, 's') };
    const a = await loadImageSet(entry, opts);
    const off = a.images.findIndex((v, k) => v !== 60 + Math.floor(k / (28 * 28 * 3)));
    expect(off).toBe(-1);
    const cached = fs.readdirSync(path.join(CACHE_DIR, 'images')).filter((f) => f.startsWith('fx-flat-28px-'));
    expect(cached.length).toBe(1);
    clearImageSetCache();
    const b = await loadImageSet(entry, opts);
    expect(Buffer.compare(Buffer.from(a.images), Buffer.from(b.images))).toBe(0);
    fs.rmSync(path.join(CACHE_DIR, 'images', cached[0]));
  });

  it('toBatch gives float32 [n,s,s,3] in [0,1] in index order; applyScaling maps [0,1] as declared', async () => {
    const dir = tmpDir('batch');
    const { entry } = writeFixtureDataset(dir, 'fx-batch', { colour: 'rgb', n: 10 });
    const set = await loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: path.join(dir, 's'), diskCache: false });
    const x = toBatch(set, [3, 0]);
    expect(x.shape).toEqual([2, 16, 16, 3]);
    expect(x.dtype).toBe('float32');
    const v = x.dataSync();
    const px = 16 * 16 * 3;
    for (const k of [0, 5, px - 1]) {
      expect(v[k]).toBeCloseTo(set.images[3 * px + k] / 255, 6);
      expect(v[px + k]).toBeCloseTo(set.images[k] / 255, 6);
    }
    expect(() => toBatch(set, [10])).toThrow(/index 10 outside 0\.\.9/);
    const u = tf.tensor4d([0, 0.5, 1, 1, 0.5, 0], [1, 1, 2, 3]);
    expect(Array.from(applyScaling(u, 'unit').dataSync())).toEqual(Array.from(u.dataSync()));
    expect(Array.from(applyScaling(u, 'symmetric').dataSync())).toEqual([-1, 0, 1, 1, 0, -1]);
    const im = applyScaling(u, 'imagenet').dataSync();
    expect(im[0]).toBeCloseTo((0 - IMAGENET_MEAN[0]) / IMAGENET_STD[0], 5);
    expect(im[4]).toBeCloseTo((0.5 - IMAGENET_MEAN[1]) / IMAGENET_STD[1], 5);
    for (const s of ['unit', 'symmetric', 'imagenet'] as const) {
      const back = undoScaling(applyScaling(u, s), s).dataSync();
      u.dataSync().forEach((val, i) => expect(back[i]).toBeCloseTo(val, 5));
    }
    expect(() => applyScaling(u, 'bogus' as never)).toThrow(/unknown scaling "bogus"/);
  });

  it('picks the nearest stored resolution to resize from', () => {
    expect(pickStoredSize([64, 128], 32)).toBe(64);
    expect(pickStoredSize([64, 128], 64)).toBe(64);
    expect(pickStoredSize([64, 128], 100)).toBe(128);
    expect(pickStoredSize([64, 128], 224)).toBe(128);
    expect(pickStoredSize([28], 224)).toBe(28);
  });
});

describe('bad input: each error names the file and the problem', () => {
  it('sha256 mismatch', async () => {
    const dir = tmpDir('sha');
    const { entry, file } = writeFixtureDataset(dir, 'fx-sha');
    const wrong = { ...entry, sha256: '0'.repeat(64) };
    await expect(loadImageSet(wrong, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(`${file}: sha256 mismatch for "fx-sha"`);
  });

  it('truncated file: caught by its size, and (if the registry matched) by the zip reader', async () => {
    const dir = tmpDir('trunc');
    const { entry, file } = writeFixtureDataset(dir, 'fx-trunc');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await expect(loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(new RegExp(`${file}: size ${bytes.length - 100} bytes, but the registry expects ${bytes.length}`));
    const { sha256Hex } = await import('../../lib/util/hash');
    const cut = { ...entry, bytes: bytes.length - 100, sha256: sha256Hex(bytes.subarray(0, bytes.length - 100)) };
    await expect(loadImageSet(cut, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(`${file}: not a readable zip/npz archive (truncated or corrupt`);
  });

  it('missing key', async () => {
    const dir = tmpDir('key');
    const { entry, file } = writeFixtureDataset(dir, 'fx-key', { mutate: (a) => delete a.y });
    await expect(loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(`${file}: missing key "y"`);
  });

  it('wrong shape', async () => {
    const dir = tmpDir('shape');
    const { entry, file } = writeFixtureDataset(dir, 'fx-shape', {
      n: 4,
      mutate: (a) => (a.x16 = { dtype: '|u1', shape: [4, 16, 8], data: new Array(4 * 16 * 8).fill(1) }),
    });
    await expect(loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: dir, diskCache: false })).rejects.toThrow(`${file}: key "x16" has shape (4, 16, 8), expected (4, 16, 16)`);
    const { entry: e2, file: f2 } = writeFixtureDataset(dir, 'fx-shape2', { n: 4, mutate: (a) => (a.y = { dtype: '<i8', shape: [3], data: [0, 1, 0] }) });
    await expect(loadImageSet(e2, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(`${f2}: key "split" has shape (4), expected (3)`);
  });

  it('label outside the class range', async () => {
    const dir = tmpDir('label');
    const { entry, file } = writeFixtureDataset(dir, 'fx-label', { n: 4, mutate: (a) => (a.y = { dtype: '<i8', shape: [4], data: [0, 1, 2, 0] }) });
    await expect(loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: dir })).rejects.toThrow(`${file}: label 2 at index 2 of "y" is outside the class range 0..1`);
  });

  it('class names that differ from the registry', async () => {
    const dir = tmpDir('names');
    const { entry, file } = writeFixtureDataset(dir, 'fx-names', { mutate: (a) => (a.class_names = { dtype: 'str', data: ['b', 'a'] }) });
    await expect(loadMeta(entry, { dataDir: dir })).rejects.toThrow(`${file}: class_names [b, a] differ from the registry's [a, b]`);
  });

  it('missing file: one error listing every place looked and how to get it', () => {
    const dir = tmpDir('missing');
    const old = process.env.MEDSSL_DATA_DIR;
    process.env.MEDSSL_DATA_DIR = path.join(dir, 'env');
    fs.mkdirSync(path.join(dir, 'env')); // an existing but empty folder (a missing one is an error of its own)
    try {
      const { entry } = writeFixtureDataset(dir, 'fx-missing');
      const gone = { ...entry, file: 'nowhere/fx-missing.npz' };
      let msg = '';
      try {
        locateDataset(gone, { dataDir: path.join(dir, 'explicit') });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/^nowhere\/fx-missing\.npz: dataset "fx-missing" not found\. Looked in:/);
      for (const p of candidatePaths(gone, { dataDir: path.join(dir, 'explicit') })) expect(msg).toContain(p);
      expect(msg).toContain(path.join(dir, 'explicit'));
      expect(msg).toContain(path.join(dir, 'env'));
      expect(msg).toContain(path.join(CACHE_DIR, 'nowhere'));
      expect(msg).toContain(path.join('shared', 'datasets', 'nowhere'));
      expect(msg).toMatch(/To get it: copy nowhere\/fx-missing\.npz from/);
      // a registry entry with an upstream URL also says how to fetch it
      try {
        locateDataset({ ...gone, url: 'https://example.org/x.npz' });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toContain('npm run data -- fetch fx-missing');
    } finally {
      if (old === undefined) delete process.env.MEDSSL_DATA_DIR;
      else process.env.MEDSSL_DATA_DIR = old;
    }
  });

  it('an edited split file is refused', async () => {
    const dir = tmpDir('editsplit');
    const { entry } = writeFixtureDataset(dir, 'fx-edit');
    const splitsDir = path.join(dir, 's');
    await loadImageSet(entry, { size: 16, dataDir: dir, splitsDir, memoryCache: false });
    const f = path.join(splitsDir, 'fx-edit.json');
    const j = JSON.parse(fs.readFileSync(f, 'utf8'));
    j.test.push(j.train.pop());
    fs.writeFileSync(f, JSON.stringify(j));
    await expect(loadImageSet(entry, { size: 16, dataDir: dir, splitsDir, memoryCache: false })).rejects.toThrow(`${f}: recorded hash`);
  });

  it('an empty dataset (N = 0) is refused before anything is written: no cache file, no split file', async () => {
    const dir = tmpDir('empty');
    const { entry, file } = writeFixtureDataset(dir, 'fx-empty', { n: 0 });
    const splitsDir = path.join(dir, 's');
    const msg = `${file}: no images (N = 0)`;
    await expect(loadMeta(entry, { dataDir: dir })).rejects.toThrow(msg);
    // size 8 ≠ stored 16, so a non-empty set would be resized and written to the disk cache
    await expect(loadImageSet(entry, { size: 8, dataDir: dir, splitsDir, memoryCache: false })).rejects.toThrow(msg);
    expect(fs.existsSync(path.join(splitsDir, 'fx-empty.json'))).toBe(false);
    expect(cacheFilesOf(entry)).toEqual([]);
  });

  it('a dataset too small to give every split an image is refused: names the file and the empty splits, writes nothing', async () => {
    const dir = tmpDir('tiny');
    // 2 images per class, random 70/15/15: both go to train, val and test stay empty
    const { entry, file } = writeFixtureDataset(dir, 'fx-tiny', { n: 4 });
    const splitsDir = path.join(dir, 's');
    const err = await loadImageSet(entry, { size: 8, dataDir: dir, splitsDir, memoryCache: false }).then(
      () => 'loaded without an error',
      (e: Error) => e.message,
    );
    expect(err).toContain(`${file}: "fx-tiny" would get an empty val and test split (4 images: train 4, val 0, test 0`);
    expect(err).toContain(`${path.join(splitsDir, 'fx-tiny.json')} not written`);
    expect(fs.existsSync(path.join(splitsDir, 'fx-tiny.json'))).toBe(false);
    expect(cacheFilesOf(entry)).toEqual([]);
  });
});

/** Files in data/cache/images for this entry's bytes (finished or temporary), sorted. */
function cacheFilesOf(entry: { id: string; sha256: string }): string[] {
  const d = path.join(CACHE_DIR, 'images');
  const mine = (f: string) => f.replace(/^\./, '').startsWith(`${entry.id}-`) && f.includes(entry.sha256.slice(0, 16));
  return fs.existsSync(d) ? fs.readdirSync(d).filter(mine).sort() : [];
}

describe('no half-written files', () => {
  it('temp files left by a killed process are removed when the image cache and the split folder are next written', async () => {
    const dir = tmpDir('stray');
    const { entry } = writeFixtureDataset(dir, 'fx-stray', { n: 30 });
    const splitsDir = path.join(dir, 's');
    const images = path.join(CACHE_DIR, 'images');
    fs.mkdirSync(images, { recursive: true });
    fs.mkdirSync(splitsDir);
    const dead = 999999999; // above Linux's pid_max: no such process
    const stray = [
      path.join(images, `.fx-stray-8px-${entry.sha256.slice(0, 16)}.npy.${dead}.1700000000000.tmp`), // writeFileAtomic's name
      path.join(images, `fx-stray-8px-${entry.sha256.slice(0, 16)}.npy.${dead}.tmp`), // the image cache's old name
      path.join(splitsDir, `.fx-stray.json.${dead}.1700000000000.tmp`),
    ];
    const live = [path.join(images, `.fx-stray-9px-${entry.sha256.slice(0, 16)}.npy.${process.ppid}.1700000000000.tmp`), path.join(splitsDir, `.other.json.${process.ppid}.1700000000000.tmp`)];
    const other = path.join(splitsDir, 'notes.tmp'); // not a temp name we make: left alone
    for (const f of [...stray, ...live, other]) fs.writeFileSync(f, 'half');
    try {
      const set = await loadImageSet(entry, { size: 8, dataDir: dir, splitsDir, memoryCache: false });
      expect(set.n).toBe(30);
      for (const f of stray) expect(fs.existsSync(f), f).toBe(false);
      for (const f of [...live, other]) expect(fs.existsSync(f), f).toBe(true);
      expect(cacheFilesOf(entry)).toEqual([`fx-stray-8px-${entry.sha256.slice(0, 16)}.npy`, path.basename(live[0])].sort()); // the new cache file; no temp of ours
    } finally {
      for (const f of [...stray, ...live]) fs.rmSync(f, { force: true });
      fs.rmSync(path.join(images, `fx-stray-8px-${entry.sha256.slice(0, 16)}.npy`), { force: true });
    }
  });
});
