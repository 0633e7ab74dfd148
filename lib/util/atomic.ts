// Write files so a reader never sees half a file: write to a temp file in the same folder, fsync, rename.
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive } from './lock';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // one writeSync may write less than asked (large buffers): loop until all of it is out
    for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export function readJson<T = unknown>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** Temp files a killed writer leaves beside its target: `.<name>.<pid>.<ms>.tmp` (writeFileAtomic, the image
 * cache) and `<name>.<pid>.download` (lib/data/fetch.ts). */
const TEMP_NAME = /\.(\d+)(?:\.\d+)?\.(?:tmp|download)$/;

export interface CleanOptions {
  /**
   * A dead pid's temp file is removed only when at least this old (default 60 s): on a folder shared between
   * machines (runs/ under SLURM) a pid is another host's, and its temp file lives for milliseconds.
   */
  graceMs?: number;
  /** Any temp file older than this is removed, whatever its pid (default 1 h). */
  maxAgeMs?: number;
}

/** Remove the temp files in `dir` left by writers that died between write and rename; returns the paths removed. */
export function cleanStaleTemps(dir: string, o: CleanOptions = {}): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return []; // no folder yet: nothing left over
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let age: number;
    try {
      age = Date.now() - fs.statSync(file).mtimeMs;
    } catch {
      continue; // its writer renamed it meanwhile
    }
    if (age > (o.maxAgeMs ?? 3600_000) || (!pidAlive(Number(m[1])) && age >= (o.graceMs ?? 60_000))) {
      fs.rmSync(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}
