// Finding a dataset file and checking it is the file the registry describes.
// Search order: explicit path (or folder) → MEDSSL_DATA_DIR → data/cache/ → ../shared/datasets/.
// sha256 is verified the first time a file is used and remembered by (path, size, mtime, ctime) in
// data/cache/sha256.json, so a later load costs one stat() instead of hashing 25 MB. ctime is in the key because
// a user can put mtime back (touch -r) after an edit but cannot set ctime.
import fs from 'node:fs';
import path from 'node:path';
import { CACHE_DIR, SHARED_DIR } from '../util/paths';
import { sha256File } from '../util/hash';
import { readJson, writeJsonAtomic, cleanStaleTemps } from '../util/atomic';
import { getEntry, type DatasetEntry } from './registry';

export const SHARED_DATASETS_DIR = path.join(SHARED_DIR, 'datasets');

export interface LocateOptions {
  /** A file path, or a folder laid out like ../shared/datasets. Tried first. */
  dataDir?: string;
}

/** MEDSSL_DATA_DIR as an absolute path (undefined when unset or empty); throws when it names no folder or .npz. */
export function dataDirFromEnv(): string | undefined {
  const v = process.env.MEDSSL_DATA_DIR;
  if (!v) return undefined;
  const abs = path.resolve(v);
  const shown = `MEDSSL_DATA_DIR is set to ${v}${abs === v ? '' : ` (${abs})`}`;
  const fix = `point it at a folder holding the dataset files (laid out like ${SHARED_DATASETS_DIR}) or unset it`;
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new Error(`${shown}, which does not exist; ${fix}`);
  }
  if (!st.isDirectory() && !(st.isFile() && abs.endsWith('.npz'))) throw new Error(`${shown}, which is not a folder; ${fix}`);
  return abs;
}

/** Places tried for a dataset, in order (absolute file paths). */
export function candidatePaths(entry: DatasetEntry, opts: LocateOptions = {}): string[] {
  const out: string[] = [];
  const add = (dir: string | undefined) => {
    if (!dir) return;
    const abs = path.resolve(dir);
    // An explicit path may point at the file itself.
    if (abs.endsWith('.npz')) out.push(abs);
    else {
      out.push(path.join(abs, entry.file));
      out.push(path.join(abs, path.basename(entry.file)));
    }
  };
  add(opts.dataDir);
  add(dataDirFromEnv());
  add(CACHE_DIR);
  add(SHARED_DATASETS_DIR);
  return [...new Set(out)];
}

function howToGet(entry: DatasetEntry): string {
  const parts = [`copy ${entry.file} from the project's shared datasets folder (${SHARED_DATASETS_DIR}) or set MEDSSL_DATA_DIR to a folder holding it`];
  if (entry.url) parts.unshift(`run \`npm run data -- fetch ${entry.id}\` (downloads ${entry.url} into data/cache/)`);
  return parts.join(', or ');
}

/** Absolute path of the dataset's file; throws one error listing every place looked and how to get it. */
export function locateDataset(idOrEntry: string | DatasetEntry, opts: LocateOptions = {}): string {
  const entry = typeof idOrEntry === 'string' ? getEntry(idOrEntry) : idOrEntry;
  const id = entry.id;
  const tried = candidatePaths(entry, opts);
  for (const p of tried) if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  throw new Error(
    `${entry.file}: dataset "${id}" not found. Looked in:\n${tried.map((p) => `  - ${p}`).join('\n')}\nTo get it: ${howToGet(entry)}.`,
  );
}

const shaCachePath = () => path.join(CACHE_DIR, 'sha256.json');
type ShaCache = Record<string, { size: number; mtimeMs: number; ctimeMs: number; sha256: string }>;

/**
 * A file whose ctime is this close to the moment it was hashed is not remembered: timestamps are coarse (a
 * kernel tick; whole seconds on some file systems), so an edit in the same tick would leave ctime unchanged.
 */
export const SHA_CACHE_RACY_MS = 2000;

function loadShaCache(file: string): ShaCache {
  try {
    return fs.existsSync(file) ? readJson<ShaCache>(file) : {};
  } catch {
    return {}; // a corrupt cache only costs a re-hash
  }
}

/** sha256 of a file, remembered by size + mtime + ctime in `cacheFile` (default data/cache/sha256.json). */
export function cachedSha256(file: string, cacheFile = shaCachePath()): string {
  const abs = path.resolve(file);
  const statAt = Date.now();
  const st = fs.statSync(abs);
  const cache = loadShaCache(cacheFile);
  const hit = cache[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs) return hit.sha256;
  const sha = sha256File(abs);
  if (st.ctimeMs < statAt - SHA_CACHE_RACY_MS) cache[abs] = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256: sha };
  else delete cache[abs];
  for (const k of Object.keys(cache)) if (!fs.existsSync(k)) delete cache[k]; // forget files that are gone
  try {
    cleanStaleTemps(path.dirname(cacheFile), { graceMs: 0 }); // this checkout's own folder
    writeJsonAtomic(cacheFile, cache);
  } catch {
    /* read-only checkout: verification still happened */
  }
  return sha;
}

/** Throws unless the file's size and sha256 match the registry. */
export function verifyDatasetFile(entry: DatasetEntry, file: string): void {
  const size = fs.statSync(file).size;
  if (size !== entry.bytes) {
    throw new Error(`${file}: size ${size} bytes, but the registry expects ${entry.bytes} for "${entry.id}" (truncated or different file); sha256 not checked`);
  }
  const sha = cachedSha256(file);
  if (sha !== entry.sha256) {
    throw new Error(`${file}: sha256 mismatch for "${entry.id}": file has ${sha}, registry expects ${entry.sha256} (corrupt or different version)`);
  }
}
