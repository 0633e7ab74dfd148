// The Keras weights download against a local HTTP server on 127.0.0.1 (tests/helpers/download-server.ts, as
// tests/data/fetch.test.ts uses for MedMNIST), serving a file Keras made (tests/weights/fixtures), and the command line's argument handling.
// The full fetch → convert → arm path on a Keras-made Xception is in keras-forward.test.ts (needs Keras).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadVerified } from '../../lib/data/fetch';
import { ROOT } from '../../lib/util/paths';
import { fetchKerasWeights } from '../../lib/weights/fetch';
import { KERAS_WEIGHTS } from '../../lib/weights/published';
import { startDownloadServer, withFlippedByte, type DownloadServer } from '../helpers/download-server';
import { FIXTURES, tmpDir } from './helpers';

let server: DownloadServer;
let base = '';
const body = fs.readFileSync(path.join(FIXTURES, 'small.keras2.h5'));
const md5 = crypto.createHash('md5').update(body).digest('hex');

beforeAll(async () => {
  server = await startDownloadServer({
    '/small.h5': { body },
    '/corrupt.h5': { body: withFlippedByte(body, 1000) },
    '/short.h5': { body: body.subarray(0, body.length - 100), contentLength: false },
  });
  base = server.base;
});

afterAll(() => server.close());

const spec = (url: string, dest: string) => ({
  url,
  dest,
  label: 'small',
  hash: { algorithm: 'md5' as const, hex: md5 },
  expectedBy: 'Keras',
});

describe('downloading Keras weights (md5, as Keras publishes them)', () => {
  it('downloads and verifies; a second call finds the verified file and does not download again', async () => {
    const dest = path.join(tmpDir('dl'), 'w', 'small.h5');
    expect(await downloadVerified(spec(`${base}/small.h5`, dest), { silent: true, idleTimeoutMs: 5000 })).toBe(dest);
    expect(Buffer.compare(fs.readFileSync(dest), body)).toBe(0);
    expect(await downloadVerified(spec(`${base}/missing`, dest), { silent: true })).toBe(dest);
  });

  it('md5 mismatch, short download without a length, HTTP error: errors naming the URL, nothing left behind', async () => {
    const dir = tmpDir('dl');
    const dest = path.join(dir, 'small.h5');
    await expect(
      downloadVerified(spec(`${base}/corrupt.h5`, dest), { silent: true, idleTimeoutMs: 5000 }),
    ).rejects.toThrow(`${base}/corrupt.h5: md5 mismatch: downloaded`);
    await expect(
      downloadVerified(spec(`${base}/short.h5`, dest), { silent: true, idleTimeoutMs: 5000 }),
    ).rejects.toThrow(`${base}/short.h5: md5 mismatch`);
    await expect(downloadVerified(spec(`${base}/nope`, dest), { silent: true, idleTimeoutMs: 5000 })).rejects.toThrow(
      `${base}/nope: HTTP 404`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("fetch checks Keras's published md5, and converts only a file of the right architecture", async () => {
    const cacheDir = tmpDir('cache');
    const root = tmpDir('root');
    await expect(
      fetchKerasWeights('xception-imagenet', {
        url: `${base}/small.h5`,
        cacheDir,
        root,
        silent: true,
        idleTimeoutMs: 5000,
      }),
    ).rejects.toThrow(
      `${base}/small.h5: md5 mismatch: downloaded ${md5}, Keras expects b0042744bf5b25fce3cb969f33bebb97 for "xception-imagenet"`,
    );
    const entry = { ...KERAS_WEIGHTS['xception-imagenet'], md5, url: `${base}/small.h5` };
    await expect(fetchKerasWeights(entry, { cacheDir, root, silent: true, idleTimeoutMs: 5000 })).rejects.toThrow(
      "--arch xception but the file's layers are not a Keras Xception",
    );
    expect(fs.readdirSync(cacheDir)).toEqual([entry.file]); // the verified download stays cached
    expect(fs.readdirSync(root)).toEqual([]); // no converted backbone
    await expect(fetchKerasWeights('vgg16-imagenet', { silent: true })).rejects.toThrow(
      'unknown weights "vgg16-imagenet": expected one of xception-imagenet, resnet50-imagenet',
    );
  });

  it('the published URLs and hashes are the ones keras.applications 3.15 uses', () => {
    expect(KERAS_WEIGHTS['xception-imagenet'].url).toBe(
      'https://storage.googleapis.com/tensorflow/keras-applications/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    );
    expect(KERAS_WEIGHTS['resnet50-imagenet'].url).toBe(
      'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
    );
    expect(KERAS_WEIGHTS['resnet50-imagenet'].md5).toBe('4d473c1dd8becc155b73f8504c6f6626');
  });
});

describe('npm run weights (command line)', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/weights.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('--help prints usage and exits 0; an unknown flag or command exits 2 with the usage', () => {
    const h = run('--help');
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('usage: npm run weights -- <command>');
    expect(h.stdout).toContain('import <file.h5> --arch <xception|resnet50>');
    const bad = run('fetch', 'xception-imagenet', '--bogus');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--bogus'");
    expect(bad.stderr).toContain('usage: npm run weights');
    const cmd = run('download');
    expect(cmd.status).toBe(2);
    expect(cmd.stderr).toContain('unknown command "download"');
    const noArch = run('import', path.join(FIXTURES, 'small.keras2.h5'));
    expect(noArch.status).toBe(2);
    expect(noArch.stderr).toContain('import: --arch is required (xception or resnet50)');
  });
});
