// Finding a dataset file (MEDSSL_DATA_DIR) and the sha256 cache that verifies it.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { locateDataset, verifyDatasetFile, cachedSha256, SHA_CACHE_RACY_MS } from '../../lib/data/locate';
import { loadImageSet } from '../../lib/data/load';
import { sha256Hex } from '../../lib/util/hash';
import { writeFixtureDataset, tmpDir } from './fixtures/make-npz';

function withDataDirEnv<T>(value: string, f: () => T): T {
  const old = process.env.MEDSSL_DATA_DIR;
  process.env.MEDSSL_DATA_DIR = value;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.MEDSSL_DATA_DIR;
    else process.env.MEDSSL_DATA_DIR = old;
  }
}

describe('MEDSSL_DATA_DIR', () => {
  it('a folder that does not exist is an error naming the variable and the path', async () => {
    const dir = tmpDir('envmissing');
    const { entry } = writeFixtureDataset(dir, 'fx-envmissing');
    const nope = path.join(dir, 'no-such-folder');
    const msg = `MEDSSL_DATA_DIR is set to ${nope}, which does not exist`;
    // even when the file would be found elsewhere: a mistyped variable must not be skipped silently
    withDataDirEnv(nope, () => expect(() => locateDataset(entry, { dataDir: dir })).toThrow(msg));
    const pending = withDataDirEnv(nope, async () => loadImageSet(entry, { size: 16, dataDir: dir, splitsDir: path.join(dir, 's'), diskCache: false, memoryCache: false }));
    await expect(pending).rejects.toThrow(msg);
    expect(fs.existsSync(path.join(dir, 's'))).toBe(false);
  });

  it('a path that is a plain file (not a folder, not an .npz) is an error; an existing folder is searched', () => {
    const dir = tmpDir('envfile');
    const { entry, file } = writeFixtureDataset(dir, 'fx-envfile');
    const plain = path.join(dir, 'notes.txt');
    fs.writeFileSync(plain, 'x');
    withDataDirEnv(plain, () => expect(() => locateDataset(entry)).toThrow(`MEDSSL_DATA_DIR is set to ${plain}, which is not a folder`));
    withDataDirEnv(dir, () => expect(locateDataset(entry)).toBe(file));
    withDataDirEnv('', () => expect(() => locateDataset(entry)).toThrow(/dataset "fx-envfile" not found/)); // empty = unset
  });
});

describe('sha256 cache', () => {
  // Files older than the racy window, so a cache entry for them is trusted (see SHA_CACHE_RACY_MS).
  let dir = '';
  const aged: Record<string, { entry: ReturnType<typeof writeFixtureDataset>['entry']; file: string; mtime: number }> = {};
  beforeAll(async () => {
    dir = tmpDir('sha');
    // Whole-second mtime so utimes() can put it back exactly (a hostile edit restores it with touch -r).
    const mtime = Math.floor(Date.now() / 1000) - 3600;
    for (const id of ['fx-edit-global', 'fx-edit-own']) {
      const { entry, file } = writeFixtureDataset(dir, id);
      fs.utimesSync(file, mtime, mtime);
      aged[id] = { entry, file, mtime };
    }
    await new Promise((r) => setTimeout(r, SHA_CACHE_RACY_MS + 200));
  });

  /** Overwrite one byte in place (same size) and restore the mtime; returns the new bytes. */
  function sameSizeEdit(file: string, mtime: number): Buffer {
    const before = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 30] ^= 0x01;
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, mtime, mtime);
    const after = fs.statSync(file);
    // the edit is invisible to size + mtime: only ctime (or the content) can tell
    expect(after.size).toBe(before.size);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    return bytes;
  }

  it('a same-size edit with the mtime restored fails verification', () => {
    const { entry, file, mtime } = aged['fx-edit-global'];
    verifyDatasetFile(entry, file); // hashed and remembered
    sameSizeEdit(file, mtime);
    expect(() => verifyDatasetFile(entry, file)).toThrow(`${file}: sha256 mismatch for "fx-edit-global"`);
  });

  it('an entry is served for an unchanged file and refused after a same-size edit (key: size, mtime, ctime)', () => {
    const { file, mtime } = aged['fx-edit-own'];
    const cache = path.join(tmpDir('shacache'), 'sha256.json');
    const real = sha256Hex(fs.readFileSync(file));
    expect(cachedSha256(file, cache)).toBe(real);
    // Plant a sentinel in the entry: getting it back proves the entry (not a re-hash) answered.
    const j = JSON.parse(fs.readFileSync(cache, 'utf8'));
    expect(Object.keys(j)).toEqual([path.resolve(file)]);
    j[path.resolve(file)].sha256 = 'e'.repeat(64);
    fs.writeFileSync(cache, JSON.stringify(j));
    expect(cachedSha256(file, cache)).toBe('e'.repeat(64));
    const edited = sameSizeEdit(file, mtime);
    expect(cachedSha256(file, cache)).toBe(sha256Hex(edited));
  });

  it('a file changed less than the racy window before hashing is not remembered (its ctime may not change again)', () => {
    const d = tmpDir('shafresh');
    const { file } = writeFixtureDataset(d, 'fx-fresh');
    const cache = path.join(d, 'sha256.json');
    expect(cachedSha256(file, cache)).toBe(sha256Hex(fs.readFileSync(file)));
    const j = fs.existsSync(cache) ? JSON.parse(fs.readFileSync(cache, 'utf8')) : {};
    expect(j[path.resolve(file)]).toBeUndefined();
  });

  it('writing the cache removes temp files left by dead processes, keeps those of live ones', () => {
    const d = tmpDir('shatmp');
    const { file } = writeFixtureDataset(d, 'fx-shatmp');
    const dead = path.join(d, '.sha256.json.999999999.1700000000000.tmp'); // no such pid (above pid_max)
    const live = path.join(d, `.sha256.json.${process.ppid}.1700000000000.tmp`);
    for (const f of [dead, live]) fs.writeFileSync(f, '{"half":');
    fs.utimesSync(file, 1_600_000_000, 1_600_000_000);
    cachedSha256(file, path.join(d, 'sha256.json'));
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });
});
