// Train/val/test splits, made once per dataset and committed as data/splits/<id>.json (indices only), so that
// "the same split" is checkable by hash.
//
// Method:
// - The source's split is kept where it exists. A source with no val (CIFAR-10, HAM10000) gets a val split carved
//   from its train (15 % of train, class-stratified). Imagenette's source 'val' is our test; val comes from train.
// - A source without a split ('all') gets a seeded, class-stratified 70/15/15 split.
// - Leakage units: images joined by a group key (a patient or lesion id, e.g. fundus `group`), by identical
//   pixel bytes (exact duplicates, hashed at the stored resolution) or, for a dataset whose registry entry asks
//   for it (`nearDuplicateGrouping`), by near-duplicate pairs (near-duplicates.ts: CT Kidney's consecutive slices
//   are near-copies) form one unit and always land in one split.
// - Where the SOURCE split already separates a unit (Chest-CT: 22 duplicate groups span Kaggle's splits; a few
//   MedMNIST images too), we keep the copies in the most held-out split (test > val > train) and drop the other
//   copies from every split. Why: the test set stays exactly the source's test images, so results remain
//   comparable with other work on that split, and no test image is also seen in training. Moving copies instead
//   would change the test set; keeping them would leak.
// - Duplicates whose copies carry different labels are label noise with no right answer: every copy is dropped,
//   except copies in a source test split, which is always kept exactly as the source published it.
// Dropped indices are listed, with the reason, in the split file.
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../util/rng';
import { sha256Hex, canonicalJson } from '../util/hash';
import { writeFileAtomic, readJson, cleanStaleTemps } from '../util/atomic';
import { SPLITS_DIR } from '../util/paths';
import { describeGrouping, type NearDuplicateGrouping } from './near-duplicates';

export type SplitName = 'train' | 'val' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface Splits {
  train: number[];
  val: number[];
  test: number[];
}

export interface SplitFile extends Splits {
  id: string;
  datasetSha256: string;
  n: number;
  method: string;
  seed: number;
  /** sha256 (first 16 hex) of the canonical JSON of {train, val, test}. */
  hash: string;
  /** Per split, images per class. */
  counts: Record<SplitName, number[]>;
  /** Indices left out of every split, by reason. */
  dropped: Record<string, number[]>;
  notes: string[];
}

export interface SplitInputs {
  labels: Int32Array;
  numClasses: number;
  /** Per image: 'train' | 'val' | 'test' | 'all' as stored in the file. */
  sourceSplit: string[];
  /** Per image group id ('' = none). */
  groups?: string[];
  /** Per image hash of its pixel bytes at the stored resolution. */
  pixelHashes: string[];
  /** Near-duplicate pairs (i < j) found with `grouping`, for a dataset that groups them. */
  nearDuplicates?: { grouping: NearDuplicateGrouping; pairs: Array<[number, number]> };
}

export const DEFAULT_SPLIT_SEED = 0;
export const RANDOM_FRACTIONS = { train: 0.7, val: 0.15, test: 0.15 };
export const VAL_FROM_TRAIN = 0.15;

export function splitHash(s: Splits): string {
  return sha256Hex(canonicalJson({ train: s.train, val: s.val, test: s.test })).slice(0, 16);
}

/** Union-find over image indices. */
class Units {
  parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * Groups of indices that must stay together (same group key, same pixels, or joined by a chain of near-duplicate
 * pairs), in order of first index.
 */
export function leakageUnits(n: number, pixelHashes: string[], groups?: string[], nearPairs?: ReadonlyArray<readonly [number, number]>): number[][] {
  const u = new Units(n);
  const first = new Map<string, number>();
  const join = (key: string, i: number) => {
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else u.union(i, j);
  };
  for (let i = 0; i < n; i++) {
    join(`px:${pixelHashes[i]}`, i);
    if (groups && groups[i]) join(`g:${groups[i]}`, i);
  }
  for (const [a, b] of nearPairs ?? []) {
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && a < n && b < n)) throw new Error(`leakageUnits: near-duplicate pair [${a}, ${b}] outside 0..${n - 1}`);
    u.union(a, b);
  }
  const byRoot = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = u.find(i);
    const list = byRoot.get(r);
    if (list) list.push(i);
    else byRoot.set(r, [i]);
  }
  return [...byRoot.values()];
}

const RANK: Record<string, number> = { train: 0, val: 1, test: 2 };

/**
 * Assign whole units to splits, class-stratified: per class (unit label = label of its first image), units are
 * shuffled and each goes to the split furthest below its target image count.
 */
function stratifiedAssign(units: number[][], labels: Int32Array, numClasses: number, fractions: Partial<Record<SplitName, number>>, rng: Rng, out: Record<SplitName, number[]>): void {
  const names = SPLIT_NAMES.filter((s) => (fractions[s] ?? 0) > 0);
  for (let c = 0; c < numClasses; c++) {
    const mine = units.filter((u) => labels[u[0]] === c);
    rng.shuffle(mine);
    const total = mine.reduce((a, u) => a + u.length, 0);
    const have: Record<string, number> = {};
    for (const s of names) have[s] = 0;
    for (const u of mine) {
      let best = names[0];
      let bestDeficit = -Infinity;
      for (const s of names) {
        const deficit = (fractions[s] ?? 0) * total - have[s];
        if (deficit > bestDeficit + 1e-9) {
          best = s;
          bestDeficit = deficit;
        }
      }
      have[best] += u.length;
      out[best].push(...u);
    }
  }
}

/** What near-duplicate grouping added to the exact-duplicate and group units, for the split file's notes. */
function nearDuplicateNote(n: number, inp: SplitInputs, units: number[][]): string {
  const near = inp.nearDuplicates!;
  const before = leakageUnits(n, inp.pixelHashes, inp.groups);
  const unitOf = new Int32Array(n);
  before.forEach((u, k) => u.forEach((i) => (unitOf[i] = k)));
  const merged = units.filter((u) => new Set(u.map((i) => unitOf[i])).size > 1);
  const images = merged.reduce((a, u) => a + u.length, 0);
  const largest = Math.max(0, ...units.map((u) => u.length));
  const mixed = merged.filter((u) => new Set(u.map((i) => inp.labels[i])).size > 1).length;
  return (
    `near duplicates (${describeGrouping(near.grouping)}): ${near.pairs.length} pairs joined ${before.length} exact-duplicate/group units into ${units.length}; ` +
    `${merged.length} merged unit(s) hold ${images} of ${n} images (largest ${largest}); ${mixed} merged unit(s) mix labels`
  );
}

/** Build the split for a dataset (pure: same inputs and seed → same split). */
export function makeSplits(entry: { id: string; sha256: string }, inp: SplitInputs, seed = DEFAULT_SPLIT_SEED): SplitFile {
  const n = inp.labels.length;
  const rng = new Rng(seed);
  // Imagenette (and any train/val-only source): its held-out 'val' is our test.
  const kinds = new Set(inp.sourceSplit);
  const src = inp.sourceSplit.map((s) => (kinds.has('val') && !kinds.has('test') && s === 'val' ? 'test' : s));
  const hasSource = !kinds.has('all');
  const notes: string[] = [];
  const dropped: Record<string, number[]> = {};
  const drop = (index: number, reason: string) => (dropped[reason] ??= []).push(index);
  const near = inp.nearDuplicates;
  const units = leakageUnits(n, inp.pixelHashes, inp.groups, near?.pairs);
  if (near) notes.push(nearDuplicateNote(n, inp, units));

  const kept: number[][] = [];
  let conflicts = 0;
  let spanning = 0;
  for (let u of units) {
    // Copies of one image that carry different labels: drop every copy (label noise with no right answer).
    const labelsByHash = new Map<string, Set<number>>();
    for (const i of u) {
      const set = labelsByHash.get(inp.pixelHashes[i]) ?? new Set<number>();
      set.add(inp.labels[i]);
      labelsByHash.set(inp.pixelHashes[i], set);
    }
    const bad = new Set([...labelsByHash].filter(([, ls]) => ls.size > 1).map(([h]) => h));
    if (bad.size) {
      conflicts += bad.size;
      // A source test split is kept exactly as published (comparability), so copies in it stay.
      const goes = (i: number) => bad.has(inp.pixelHashes[i]) && !(hasSource && src[i] === 'test');
      for (const i of u) if (goes(i)) drop(i, 'exact duplicate with a different label');
      u = u.filter((i) => !goes(i));
      if (!u.length) continue;
    }
    const splitsInUnit = new Set(u.map((i) => src[i]));
    if (splitsInUnit.size > 1) {
      spanning++;
      const top = Math.max(...u.map((i) => RANK[src[i]] ?? -1));
      const keep = u.filter((i) => RANK[src[i]] === top);
      const keptPixels = new Set(keep.map((i) => inp.pixelHashes[i]));
      for (const i of u) {
        if (RANK[src[i]] === top) continue;
        // with near-duplicate grouping a unit also joins images that are not copies: say which it was
        const copy = !near || keptPixels.has(inp.pixelHashes[i]);
        drop(i, `${copy ? 'copy' : 'near duplicate or same group'} of an image in the source ${SPLIT_NAMES[top]} split`);
      }
      kept.push(keep);
    } else kept.push(u);
  }
  if (conflicts) notes.push(`${conflicts} exact-duplicate group(s) with conflicting labels: copies dropped${hasSource ? ' (except those in the source test split)' : ''}`);
  if (spanning) notes.push(`${spanning} duplicate/group unit(s) spanned source splits: kept the copies in the most held-out split, dropped the others`);
  const dupUnits = kept.filter((u) => u.length > 1).length;
  if (dupUnits) notes.push(`${dupUnits} unit(s) of more than one image (duplicates${near ? ', near duplicates' : ''} or same group) kept together`);

  const out: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  let method: string;
  if (!hasSource) {
    method = `random stratified ${RANDOM_FRACTIONS.train}/${RANDOM_FRACTIONS.val}/${RANDOM_FRACTIONS.test}, grouped by ${inp.groups ? 'group key and ' : ''}exact duplicates`;
    if (near) method += ` and near duplicates (${describeGrouping(near.grouping)})`;
    stratifiedAssign(kept, inp.labels, inp.numClasses, RANDOM_FRACTIONS, rng, out);
  } else {
    const needVal = !src.includes('val');
    method = needVal ? `source split; val = ${VAL_FROM_TRAIN} of source train, stratified` : 'source split';
    if (kinds.has('val') && !kinds.has('test')) method += "; source 'val' used as test";
    if (near) method += `; near duplicates (${describeGrouping(near.grouping)}) grouped`;
    const trainUnits: number[][] = [];
    for (const u of kept) {
      const s = src[u[0]];
      if (s === 'train' && needVal) trainUnits.push(u);
      else if (s === 'train' || s === 'val' || s === 'test') out[s].push(...u);
      else throw new Error(`${entry.id}: unknown source split "${s}"`);
    }
    if (needVal) stratifiedAssign(trainUnits, inp.labels, inp.numClasses, { train: 1 - VAL_FROM_TRAIN, val: VAL_FROM_TRAIN }, rng, out);
  }
  for (const s of SPLIT_NAMES) out[s].sort((a, b) => a - b);
  for (const list of Object.values(dropped)) list.sort((a, b) => a - b);
  const counts = {} as Record<SplitName, number[]>;
  for (const s of SPLIT_NAMES) {
    counts[s] = new Array(inp.numClasses).fill(0);
    for (const i of out[s]) counts[s][inp.labels[i]]++;
  }
  return { id: entry.id, datasetSha256: entry.sha256, n, method, seed, hash: splitHash(out), counts, dropped, notes, ...out };
}

/** JSON with every number array on one line (a 60k-index split stays a few hundred kB and diffable). */
export function formatSplitFile(s: SplitFile): string {
  const arrays: string[] = [];
  const text = JSON.stringify(
    s,
    (_k, v) => {
      if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
        arrays.push(`[${v.join(',')}]`);
        return `@@ARRAY${arrays.length - 1}@@`;
      }
      return v;
    },
    2,
  );
  return text.replace(/"@@ARRAY(\d+)@@"/g, (_m, i) => arrays[Number(i)]) + '\n';
}

export function splitFilePath(id: string, dir = SPLITS_DIR): string {
  return path.join(dir, `${id}.json`);
}

/** Check a split file against its dataset; throws with the file name and the problem. */
export function validateSplitFile(s: SplitFile, entry: { id: string; sha256: string }, n: number, file: string): void {
  if (s.datasetSha256 !== entry.sha256) throw new Error(`${file}: made for dataset sha256 ${s.datasetSha256}, but "${entry.id}" is ${entry.sha256}; delete it to re-make the split`);
  if (s.n !== n) throw new Error(`${file}: made for ${s.n} images, dataset has ${n}`);
  const seen = new Uint8Array(n);
  for (const k of SPLIT_NAMES) {
    if (!Array.isArray(s[k])) throw new Error(`${file}: missing "${k}" index array`);
    for (const i of s[k]) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`${file}: ${k} index ${i} outside 0..${n - 1}`);
      if (seen[i]) throw new Error(`${file}: index ${i} appears twice (splits overlap)`);
      seen[i] = 1;
    }
  }
  for (const k of SPLIT_NAMES) if (!s[k].length) throw new Error(`${file}: the ${k} split is empty (every split needs at least one image)`);
  const h = splitHash(s);
  if (h !== s.hash) throw new Error(`${file}: recorded hash ${s.hash} does not match its indices (${h}); the file was edited`);
}

/**
 * The committed split for a dataset: read data/splits/<id>.json, or make and write it when absent.
 * `inputs` is called only when the file must be made (it needs the stored pixels for duplicate hashes).
 * A split that would leave train, val or test empty is refused, and nothing is written; errors name
 * `datasetFile` (default: the id).
 */
export async function loadOrMakeSplits(entry: { id: string; sha256: string }, n: number, inputs: () => Promise<SplitInputs>, dir = SPLITS_DIR, datasetFile?: string): Promise<SplitFile> {
  const file = splitFilePath(entry.id, dir);
  if (fs.existsSync(file)) {
    const s = readJson<SplitFile>(file);
    validateSplitFile(s, entry, n, file);
    return s;
  }
  const s = makeSplits(entry, await inputs());
  const empty = SPLIT_NAMES.filter((k) => !s[k].length);
  if (empty.length) {
    const dropped = Object.values(s.dropped).reduce((a, l) => a + l.length, 0);
    const sizes = [...SPLIT_NAMES.map((k) => `${k} ${s[k].length}`), ...(dropped ? [`dropped ${dropped}`] : [])].join(', ');
    throw new Error(
      `${datasetFile ?? entry.id}: "${entry.id}" would get an empty ${empty.join(' and ')} split (${s.n} images: ${sizes}; ${s.method}): ` +
        `every split needs at least one image; ${file} not written`,
    );
  }
  cleanStaleTemps(dir, { graceMs: 0 }); // this checkout's own folder
  writeFileAtomic(file, formatSplitFile(s));
  return s;
}
