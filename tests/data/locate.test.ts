// Finding a dataset file (MEDSSL_DATA_DIR).
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { locateDataset } from '../../lib/data/locate';
import { loadImageSet } from '../../lib/data/load';
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
