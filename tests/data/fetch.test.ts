// fetch against a local HTTP server on 127.0.0.1 (loopback only; every request bounded by a short idle timeout).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fetchDataset } from '../../lib/data/fetch';
import { getEntry } from '../../lib/data/registry';
import { writeFixtureDataset, tmpDir } from './fixtures/make-npz';
import { startDownloadServer, withFlippedByte, type DownloadServer } from '../helpers/download-server';

let server: DownloadServer;
let base = '';
let body = Buffer.alloc(0);

beforeAll(async () => {
  const dir = tmpDir('serve');
  body = fs.readFileSync(writeFixtureDataset(dir, 'fx-fetch').file);
  server = await startDownloadServer({
    '/good.npz': { body },
    '/corrupt.npz': { body: withFlippedByte(body, 100) },
    '/short.npz': { body: body.subarray(0, body.length - 10), contentLength: false },
  });
  base = server.base;
});

afterAll(() => server.close());

describe('fetchDataset', () => {
  it('downloads, checks sha256 and lands the file where locate looks (destDir/<entry.file>)', async () => {
    const src = writeFixtureDataset(tmpDir('e'), 'fx-fetch');
    const dest = tmpDir('dest');
    const file = await fetchDataset(src.entry, { url: `${base}/good.npz`, destDir: dest, silent: true, idleTimeoutMs: 5000 });
    expect(file).toBe(path.join(dest, src.entry.file));
    expect(Buffer.compare(fs.readFileSync(file), body)).toBe(0);
    // a second call finds the verified file and does not download again
    expect(await fetchDataset(src.entry, { url: `${base}/missing`, destDir: dest, silent: true })).toBe(file);
  });

  it('sha256 mismatch: error naming the URL, and nothing left behind (not even an earlier killed download)', async () => {
    const src = writeFixtureDataset(tmpDir('e'), 'fx-fetch');
    const dest = tmpDir('dest');
    fs.mkdirSync(path.join(dest, 'fx'));
    fs.writeFileSync(path.join(dest, 'fx', 'fx-fetch.npz.999999999.download'), 'half'); // pid above pid_max: gone
    await expect(fetchDataset(src.entry, { url: `${base}/corrupt.npz`, destDir: dest, silent: true, idleTimeoutMs: 5000 })).rejects.toThrow(`${base}/corrupt.npz: sha256 mismatch`);
    expect(fs.readdirSync(path.join(dest, 'fx'))).toEqual([]);
  });

  it('short download and HTTP errors are reported', async () => {
    const src = writeFixtureDataset(tmpDir('e'), 'fx-fetch');
    const dest = tmpDir('dest');
    await expect(fetchDataset(src.entry, { url: `${base}/short.npz`, destDir: dest, silent: true, idleTimeoutMs: 5000 })).rejects.toThrow(/short\.npz: got \d+ bytes, expected \d+/);
    await expect(fetchDataset(src.entry, { url: `${base}/nope`, destDir: dest, silent: true, idleTimeoutMs: 5000 })).rejects.toThrow(`${base}/nope: HTTP 404`);
  });

  it('refuses datasets without a byte-identical upstream file, saying why', async () => {
    await expect(fetchDataset('pneumoniamnist', { destDir: tmpDir('d') })).rejects.toThrow(/cannot be fetched: its upstream file https:\/\/zenodo\.org\/records\/10519652\/files\/pneumoniamnist\.npz is not the same file/);
    await expect(fetchDataset('busi', { destDir: tmpDir('d') })).rejects.toThrow(/busi_64_128\.npz: "busi" cannot be fetched/);
    expect(getEntry('breastmnist').url).toBe('https://zenodo.org/records/10519652/files/breastmnist.npz');
  });
});
