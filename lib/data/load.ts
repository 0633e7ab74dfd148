// Dataset file → ImageSet (NHWC uint8, 3 channels, square `size`) → float32 batches in [0, 1].
// Heavy work (JPEG decode, resize) runs once: results are kept in memory per (file, size) and on disk under
// data/cache/images/ as plain .npy, keyed by the dataset's sha256, so a warm load is one file read.
import fs from 'node:fs';
import { cleanStaleTemps } from '../util/atomic';
import path from 'node:path';
import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { CACHE_DIR } from '../util/paths';
import { getEntry, type DatasetEntry } from './registry';
import { locateDataset, verifyDatasetFile } from './locate';
import { readNpz, encodeNpy, toInt32, type NpyArray } from './npz';
import { decodeJpegBytes, greyToRgb, resizeImages } from './images';
import { loadOrMakeSplits, type Splits, type SplitInputs } from './splits';
import { fingerprints } from './fingerprints';
import { nearDuplicatePairs } from './near-duplicates';

export interface ImageSet {
  id: string;
  title: string;
  /** Side of every image in pixels. */
  size: number;
  /** Number of images (all splits, including any dropped from splits). */
  n: number;
  /** NHWC uint8, length n*size*size*3; grey sets have R=G=B. */
  images: Uint8Array;
  labels: Int32Array;
  classNames: string[];
  numClasses: number;
  /** Indices into images/labels. Dropped duplicates are in none of them. */
  splits: Splits;
  splitHash: string;
  splitMethod: string;
  /** sha256 of the dataset file (verified). */
  sha256: string;
  /** Absolute path of the file it was read from. */
  file: string;
  /** Resolution read from the file before any resize. */
  storedSize: number;
  colour: 'grey' | 'rgb';
  domain: 'medical' | 'natural';
  /** Per-image group (patient/lesion) id where the dataset has one; '' = none. */
  groups?: string[];
}

export interface LoadOptions {
  /** Side in pixels; 28/32/64/128/224 are the sizes the project uses. */
  size: number;
  /** A dataset file, or a folder laid out like ../shared/datasets (tried before MEDSSL_DATA_DIR etc.). */
  dataDir?: string;
  /** Folder of committed split files (default data/splits). */
  splitsDir?: string;
  /** Keep decoded/resized arrays on disk under data/cache/images (default true). */
  diskCache?: boolean;
  /** Reuse sets already loaded in this process (default true). */
  memoryCache?: boolean;
}

/** Raw content of a dataset file at its stored resolution: its metadata and, when asked for, its pixels. */
interface Stored extends Omit<DatasetMeta, 'id' | 'file'> {
  /** NHWC uint8 with `channels` channels, absent when only metadata was read. */
  pixels?: Uint8Array;
  channels: 1 | 3;
}

const memory = new Map<string, Promise<ImageSet>>();

/** Forget sets loaded in this process (frees their memory once no one else holds them). */
export function clearImageSetCache(): void {
  memory.clear();
}

/** Stored resolution to resize from: the smallest one ≥ target, else the largest. */
export function pickStoredSize(stored: number[], target: number): number {
  const sorted = [...stored].sort((a, b) => a - b);
  return sorted.find((s) => s >= target) ?? sorted[sorted.length - 1];
}

function bad(file: string, problem: string): never {
  throw new Error(`${file}: ${problem}`);
}

/** Refused at read time, before any cache or split file could be written for it. */
function noImages(file: string): never {
  bad(file, 'no images (N = 0): an empty dataset cannot be split or trained on');
}

function strings(a: NpyArray, file: string, key: string): string[] {
  if (!Array.isArray(a.data)) bad(file, `key "${key}" should be a string array, found dtype ${a.dtype}`);
  return a.data;
}

function checkShape(a: NpyArray, expect: (number | null)[], file: string, key: string): void {
  const ok = a.shape.length === expect.length && expect.every((e, i) => e === null || e === a.shape[i]);
  if (!ok) bad(file, `key "${key}" has shape (${a.shape.join(', ')}), expected (${expect.map((e) => e ?? 'N').join(', ')})`);
}

function checkLabels(labels: Int32Array, numClasses: number, file: string, key: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= numClasses) bad(file, `label ${labels[i]} at index ${i} of "${key}" is outside the class range 0..${numClasses - 1}`);
  }
}

/** Image array → (pixels, channels) after checking its shape is (N,S,S) or (N,S,S,3). */
function imageArray(a: NpyArray, n: number | null, s: number, file: string, key: string): { pixels: Uint8Array; channels: 1 | 3 } {
  if (a.dtype !== '|u1') bad(file, `key "${key}" has dtype ${a.dtype}, expected uint8`);
  if (a.shape.length === 3) checkShape(a, [n, s, s], file, key);
  else checkShape(a, [n, s, s, 3], file, key);
  return { pixels: a.data as Uint8Array, channels: a.shape.length === 3 ? 1 : 3 };
}

/** Read a dataset file. `withPixels` false skips the image arrays (used when the disk cache has them). */
async function readStored(entry: DatasetEntry, file: string, storedSize: number, withPixels: boolean, jpegResizeTo?: number): Promise<Stored> {
  const C = entry.classNames.length;
  if (entry.format === 'medmnist') {
    const parts = ['train', 'val', 'test'];
    const arrs = readNpz(file, parts.flatMap((p) => [`${p}_images`, `${p}_labels`]));
    const pix: Uint8Array[] = [];
    const labs: Int32Array[] = [];
    const sourceSplit: string[] = [];
    let channels: 1 | 3 = 1;
    for (const p of parts) {
      const im = imageArray(arrs[`${p}_images`], null, storedSize, file, `${p}_images`);
      const m = arrs[`${p}_images`].shape[0];
      const la = arrs[`${p}_labels`];
      if (!(la.shape.length === 1 || (la.shape.length === 2 && la.shape[1] === 1)) || la.shape[0] !== m) {
        bad(file, `key "${p}_labels" has shape (${la.shape.join(', ')}), expected (${m}, 1) to match ${p}_images`);
      }
      const l = toInt32(la, `${file}[${p}_labels]`);
      checkLabels(l, C, file, `${p}_labels`);
      pix.push(im.pixels);
      labs.push(l);
      channels = im.channels;
      for (let i = 0; i < m; i++) sourceSplit.push(p);
    }
    const n = sourceSplit.length;
    if (n === 0) noImages(file);
    const labels = new Int32Array(n);
    let o = 0;
    for (const l of labs) {
      labels.set(l, o);
      o += l.length;
    }
    let pixels: Uint8Array | undefined;
    if (withPixels) {
      pixels = new Uint8Array(pix.reduce((a, p) => a + p.length, 0));
      o = 0;
      for (const p of pix) {
        pixels.set(p, o);
        o += p.length;
      }
    }
    return { n, labels, sourceSplit, classNames: entry.classNames, storedSize, pixels, channels };
  }

  const pixelKeys = entry.format === 'jpeg-bytes' ? ['jpeg_bytes', 'offsets'] : [`x${storedSize}`];
  const meta = ['y', 'split', 'class_names', ...(entry.groupKey ? [entry.groupKey] : [])];
  const arrs = readNpz(file, withPixels ? [...pixelKeys, ...meta] : meta);
  const y = arrs.y;
  if (y.shape.length !== 1) bad(file, `key "y" has shape (${y.shape.join(', ')}), expected (N,)`);
  const n = y.shape[0];
  if (n === 0) noImages(file);
  const labels = toInt32(y, `${file}[y]`);
  const classNames = strings(arrs.class_names, file, 'class_names');
  if (classNames.join('|') !== entry.classNames.join('|')) {
    bad(file, `class_names [${classNames.join(', ')}] differ from the registry's [${entry.classNames.join(', ')}] for "${entry.id}"`);
  }
  checkLabels(labels, C, file, 'y');
  checkShape(arrs.split, [n], file, 'split');
  const sourceSplit = strings(arrs.split, file, 'split');
  let groups: string[] | undefined;
  if (entry.groupKey) {
    checkShape(arrs[entry.groupKey], [n], file, entry.groupKey);
    groups = strings(arrs[entry.groupKey], file, entry.groupKey);
  }
  let pixels: Uint8Array | undefined;
  let channels: 1 | 3 = entry.colour === 'grey' ? 1 : 3;
  if (withPixels) {
    if (entry.format === 'jpeg-bytes') {
      const off = arrs.offsets;
      checkShape(off, [n + 1], file, 'offsets');
      const offsets = toInt32(off, `${file}[offsets]`);
      pixels = await decodeJpegBytes(arrs.jpeg_bytes.data as Uint8Array, offsets, storedSize, file, jpegResizeTo);
      channels = 3;
    } else {
      const im = imageArray(arrs[`x${storedSize}`], n, storedSize, file, `x${storedSize}`);
      pixels = im.pixels;
      channels = im.channels;
    }
  }
  return { n, labels, sourceSplit, classNames, groups, storedSize, pixels, channels };
}

export interface DatasetMeta {
  id: string;
  file: string;
  n: number;
  labels: Int32Array;
  /** Per image, the split stored in the file ('train' | 'val' | 'test' | 'all'). */
  sourceSplit: string[];
  classNames: string[];
  groups?: string[];
  storedSize: number;
}

/** Locate, verify and read a dataset's labels and source split without decoding any image (fast). */
export async function loadMeta(id: string | DatasetEntry, opts: { dataDir?: string } = {}): Promise<DatasetMeta> {
  const entry = typeof id === 'string' ? getEntry(id) : id;
  const file = opts.dataDir?.endsWith('.npz') ? path.resolve(opts.dataDir) : locateDataset(entry, opts);
  verifyDatasetFile(entry, file);
  const storedSize = entry.storedSizes[0];
  const s = await readStored(entry, file, storedSize, false);
  return { id: entry.id, file, n: s.n, labels: s.labels, sourceSplit: s.sourceSplit, classNames: s.classNames, groups: s.groups, storedSize };
}

/**
 * What makeSplits needs, read from the file at the stored resolution (decodes every image of a JPEG set). Used to
 * re-make a split and check it against the committed one (`npm run data -- check-splits`).
 */
export async function splitInputsOf(id: string | DatasetEntry, opts: { dataDir?: string } = {}): Promise<SplitInputs> {
  const entry = typeof id === 'string' ? getEntry(id) : id;
  const file = opts.dataDir?.endsWith('.npz') ? path.resolve(opts.dataDir) : locateDataset(entry, opts);
  verifyDatasetFile(entry, file);
  const s = await readStored(entry, file, entry.storedSizes[0], true);
  return splitInputsFrom(entry, s, s.pixels!, s.channels);
}

/** SplitInputs from a file's metadata and its pixels at the first stored resolution (where duplicates are judged). */
function splitInputsFrom(entry: DatasetEntry, s: Stored, pixels: Uint8Array, channels: 1 | 3): SplitInputs {
  const inp: SplitInputs = { labels: s.labels, numClasses: entry.classNames.length, sourceSplit: s.sourceSplit, groups: s.groups, pixelHashes: pixelHashes(pixels, s.n) };
  const grouping = entry.nearDuplicateGrouping;
  if (grouping) {
    const fp = fingerprints({ images: pixels, size: entry.storedSizes[0], channels, count: s.n });
    inp.nearDuplicates = { grouping, pairs: nearDuplicatePairs(fp, grouping) };
  }
  return inp;
}

/** sha1 (base64) of each image's bytes: equal hashes = exact duplicates. */
export function pixelHashes(pixels: Uint8Array, n: number): string[] {
  const per = pixels.length / n;
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = crypto.createHash('sha1').update(pixels.subarray(i * per, (i + 1) * per)).digest('base64');
  return out;
}

function diskCachePath(entry: DatasetEntry, size: number): string {
  return path.join(CACHE_DIR, 'images', `${entry.id}-${size}px-${entry.sha256.slice(0, 16)}.npy`);
}

/** Read a cached (n, size, size, 3) uint8 .npy; null when absent or not that shape. Chunked: files may exceed 2 GiB. */
function readDiskCache(file: string, n: number, size: number): Uint8Array | null {
  if (!fs.existsSync(file)) return null;
  try {
    const expect = encodeNpy(new Uint8Array(0), [n, size, size, 3]); // the header we would have written
    const total = expect.length + n * size * size * 3;
    if (fs.statSync(file).size !== total) return null;
    const fd = fs.openSync(file, 'r');
    try {
      const head = new Uint8Array(expect.length);
      fs.readSync(fd, head, 0, head.length, 0);
      if (Buffer.compare(Buffer.from(head), Buffer.from(expect)) !== 0) return null;
      const out = new Uint8Array(total - expect.length);
      for (let o = 0; o < out.length; ) o += fs.readSync(fd, out, o, Math.min(1 << 30, out.length - o), expect.length + o);
      return out;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null; // unreadable cache entry: rebuild it
  }
}

/** Atomic like lib/util/atomic.ts (temp file, fsync, rename), but written in chunks: the array may exceed 2 GiB. */
function writeDiskCache(file: string, images: Uint8Array, n: number, size: number): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  cleanStaleTemps(dir, { graceMs: 0 }); // this checkout's own folder
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const part of [encodeNpy(new Uint8Array(0), [n, size, size, 3]), images]) {
        // writeSync may write less than asked (at most ~2 GiB per call): loop until the part is out
        for (let o = 0; o < part.length; ) o += fs.writeSync(fd, part, o, Math.min(1 << 30, part.length - o));
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Largest image array a typed array can hold in Node 20 (4 GiB). */
const MAX_BYTES = 2 ** 32;

/**
 * Load a dataset as an ImageSet at `size`×`size`, RGB uint8. `id` may be a registry id or an entry object (for
 * files outside the registry, e.g. test fixtures). The file is found (see locate.ts), its sha256 verified, its
 * arrays checked (keys, shapes, label range), resized from the nearest stored resolution with sharp, and its
 * committed split attached.
 */
export function loadImageSet(id: string | DatasetEntry, opts: LoadOptions): Promise<ImageSet> {
  const entry = typeof id === 'string' ? getEntry(id) : id;
  const size = opts.size;
  if (!Number.isInteger(size) || size < 4 || size > 1024) throw new Error(`loadImageSet(${entry.id}): size must be an integer 4..1024, got ${size}`);
  const file = opts.dataDir?.endsWith('.npz') ? path.resolve(opts.dataDir) : locateDataset(entry, opts);
  const key = `${file}|${entry.sha256}|${size}|${opts.splitsDir ?? ''}`;
  if (opts.memoryCache !== false) {
    const hit = memory.get(key);
    if (hit) return hit;
  }
  const p = loadUncached(entry, file, opts);
  if (opts.memoryCache !== false) {
    memory.set(key, p);
    p.catch(() => memory.delete(key));
  }
  return p;
}

async function loadUncached(entry: DatasetEntry, file: string, opts: LoadOptions): Promise<ImageSet> {
  const size = opts.size;
  if (!fs.existsSync(file)) bad(file, `dataset "${entry.id}" file does not exist`);
  verifyDatasetFile(entry, file);
  const storedSize = pickStoredSize(entry.storedSizes, size);
  const needsWork = size !== storedSize || entry.format === 'jpeg-bytes';
  const useDisk = opts.diskCache !== false && needsWork;
  const cachePath = diskCachePath(entry, size);

  // Metadata first (cheap); pixels from the disk cache when it has them.
  const jpegResize = entry.format === 'jpeg-bytes' && size !== storedSize;
  let stored = await readStored(entry, file, storedSize, !useDisk && !jpegResize);
  if (stored.n * size * size * 3 >= MAX_BYTES) {
    throw new Error(`${file}: ${stored.n} images at ${size}×${size}×3 need ${((stored.n * size * size * 3) / 2 ** 30).toFixed(1)} GiB, more than one array can hold (4 GiB); load a smaller size`);
  }
  let images = useDisk ? readDiskCache(cachePath, stored.n, size) : null;
  const makeCache = useDisk && !images;
  if (!images) {
    if (jpegResize) {
      // decode + resize in one sharp call per image; stored-size pixels are then read only if a split must be made
      images = (await readStored(entry, file, storedSize, true, size)).pixels!;
    } else {
      if (!stored.pixels) stored = await readStored(entry, file, storedSize, true);
      const resized = await resizeImages(stored.pixels!, stored.n, storedSize, size, stored.channels);
      images = stored.channels === 1 ? greyToRgb(resized) : resized;
    }
  }

  const split = await loadOrMakeSplits(
    entry,
    stored.n,
    async () => {
      // Duplicates are always judged at the first stored resolution, whatever size was asked for.
      const base = entry.storedSizes[0];
      const atBase = storedSize === base && stored.pixels ? stored : await readStored(entry, file, base, true);
      return splitInputsFrom(entry, stored, atBase.pixels!, atBase.channels);
    },
    opts.splitsDir,
    file,
  );

  // Only now, with the split accepted: a dataset refused above leaves no cache file behind.
  if (makeCache) {
    try {
      writeDiskCache(cachePath, images, stored.n, size);
    } catch {
      /* cache is an optimisation only */
    }
  }

  return {
    id: entry.id,
    title: entry.title,
    size,
    n: stored.n,
    images,
    labels: stored.labels,
    classNames: entry.classNames,
    numClasses: entry.classNames.length,
    splits: { train: split.train, val: split.val, test: split.test },
    splitHash: split.hash,
    splitMethod: split.method,
    sha256: entry.sha256,
    file,
    storedSize,
    colour: entry.colour,
    domain: entry.domain,
    groups: stored.groups,
  };
}

/** Images `indices` of a set as a float32 [n, size, size, 3] tensor with values in [0, 1]. */
export function toBatch(set: Pick<ImageSet, 'id' | 'n' | 'images' | 'size'>, indices: ArrayLike<number>): tf.Tensor4D {
  const px = set.size * set.size * 3;
  const out = new Float32Array(indices.length * px);
  const inv = 1 / 255;
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b];
    if (!(i >= 0 && i < set.n)) throw new Error(`toBatch(${set.id}): index ${i} outside 0..${set.n - 1}`);
    const src = set.images.subarray(i * px, (i + 1) * px);
    const o = b * px;
    for (let k = 0; k < px; k++) out[o + k] = src[k] * inv;
  }
  return tf.tensor4d(out, [indices.length, set.size, set.size, 3]);
}

/** Labels of `indices`, in the same order as toBatch's rows. */
export function labelsOf(set: ImageSet, indices: ArrayLike<number>): Int32Array {
  const out = new Int32Array(indices.length);
  for (let b = 0; b < indices.length; b++) out[b] = set.labels[indices[b]];
  return out;
}
