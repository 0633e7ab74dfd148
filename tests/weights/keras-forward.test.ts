// Keras's Xception and ResNet-50 with random weights, saved by Keras in both layouts (scripts/keras/make_fixtures.py,
// written to a temp dir: ~350 MB, never committed), imported by us: our forward pass must match Keras's on the same
// input within 1e-4. Then the user's path end to end: the Xception file served from 127.0.0.1 → fetch (md5) →
// converted backbone → the arms imagenet-xception / keras-file:<name> and the gpu profile's TL arm.
// Needs a Python with Keras (CI installs tensorflow-cpu); skipped with the reason printed where there is none.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPretrainedBackbone } from '../../lib/pretrain/backbones';
import { sha256File } from '../../lib/util/hash';
import { readConvertedMeta } from '../../lib/weights/converted';
import { fetchKerasWeights, importKerasFile } from '../../lib/weights/fetch';
import { importKerasBackbone } from '../../lib/weights/import';
import { KERAS_WEIGHTS } from '../../lib/weights/published';
import { startDownloadServer, type DownloadServer } from '../helpers/download-server';
import { kerasCase, kerasPython, makeKerasFixtures, maxAbs, maxAbsDiff, tmpDir } from './helpers';

const py = kerasPython();
const skip = !py.python;
const why = skip ? ` [skipped: ${py.reason}]` : '';
if (skip) console.warn(`tests/weights/keras-forward.test.ts skipped: ${py.reason}`);

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  if (skip) return;
  dir = tmpDir('keras');
  const s = makeKerasFixtures(py.python!, dir, ['xception', 'resnet50']);
  console.log(`Keras (${py.reason}) made random-weight Xception and ResNet-50 files in ${s.toFixed(1)} s`);
}, 600_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function forwardDiff(model: tf.LayersModel, name: string): { diff: number; scale: number } {
  const { x, want } = kerasCase(dir, name);
  const got = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  x.dispose();
  return { diff: maxAbsDiff(got, want), scale: maxAbs(want) };
}

describe(`our forward pass vs Keras's on Keras-made files${why}`, () => {
  for (const arch of ['xception', 'resnet50'] as const) {
    for (const layout of ['keras2.h5', 'weights.h5'] as const) {
      it.skipIf(skip)(
        `${arch}, ${layout === 'keras2.h5' ? 'Keras 2 .h5' : 'Keras 3 .weights.h5'}: within 1e-4`,
        async () => {
          const file = path.join(dir, `${arch}.${layout}`);
          const t = Date.now();
          const {
            backbone,
            layout: lay,
            report,
          } = await importKerasBackbone(file, arch, { inputSize: kerasCase(dir, arch).meta.input[1] });
          const loadS = (Date.now() - t) / 1000;
          expect(report.layers).toBe(arch === 'xception' ? 80 : 106);
          expect(lay.naming).toBe(arch === 'xception' ? 'xception' : 'resnet50-keras3');
          const { diff, scale } = forwardDiff(backbone.model, arch);
          console.log(
            `${arch} ${layout}: import ${loadS.toFixed(1)} s, max |ours - keras| = ${diff.toExponential(2)} (max |keras| ${scale.toFixed(2)})`,
          );
          expect(diff).toBeLessThan(1e-4);
          backbone.model.dispose();
        },
        600_000,
      );
    }
  }
});

describe(`fetch → converted backbone → arms${why}`, () => {
  let server: DownloadServer | undefined;
  afterAll(() => server?.close());

  it.skipIf(skip)(
    'the Xception file served locally is fetched, converted, and served by imagenet-xception, keras-file:<name> and the gpu TL arm',
    async () => {
      const file = path.join(dir, 'xception.keras2.h5');
      const body = fs.readFileSync(file);
      server = await startDownloadServer({ '/xception.h5': { body } });
      const url = `${server.base}/xception.h5`;
      const entry = {
        ...KERAS_WEIGHTS['xception-imagenet'],
        md5: crypto.createHash('md5').update(body).digest('hex'),
        url,
      };
      // inside `dir`, so afterAll removes these ~250 MB too
      const root = path.join(dir, 'converted');
      const cacheDir = path.join(dir, 'cache');
      const size = kerasCase(dir, 'xception').meta.input[1];

      const convDir = await fetchKerasWeights(entry, { cacheDir, root, silent: true, idleTimeoutMs: 10_000 });
      expect(convDir).toBe(path.join(root, 'imagenet-xception'));
      const meta = readConvertedMeta('imagenet-xception', root);
      expect(meta.source).toMatchObject({
        file: entry.file,
        sha256: sha256File(file),
        origin: url,
        format: 'keras2-h5',
      });
      expect(meta.scaling).toBe('symmetric');
      // a second fetch finds both the download and the conversion
      const mtime = fs.statSync(path.join(convDir, 'weights.json')).mtimeMs;
      await fetchKerasWeights(entry, { cacheDir, root, silent: true, url: `${url}/not-served` });
      expect(fs.statSync(path.join(convDir, 'weights.json')).mtimeMs).toBe(mtime);

      await importKerasFile(path.join(dir, 'xception.weights.h5'), 'xception', 'my-xception', { root, silent: true });
      await expect(
        importKerasFile(path.join(dir, 'xception.weights.h5'), 'xception', 'my-xception', { root, silent: true }),
      ).rejects.toThrow('already exist; pass --force');

      for (const arm of ['imagenet-xception', 'keras-file:my-xception', 'tl-xception'] as const) {
        const bb = await getPretrainedBackbone(arm, {
          profile: 'gpu',
          inputSize: size,
          weightsRoot: root,
          train: false,
        });
        expect(bb.source).toMatchObject({
          kind: 'keras',
          name: arm === 'keras-file:my-xception' ? 'my-xception' : 'imagenet-xception',
          sha256: sha256File(
            path.join(dir, arm === 'keras-file:my-xception' ? 'xception.weights.h5' : 'xception.keras2.h5'),
          ),
        });
        const { diff } = forwardDiff(bb.model, 'xception');
        console.log(`arm ${arm} (gpu profile): max |ours - keras| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(1e-4);
        bb.model.dispose();
      }
    },
    600_000,
  ); // three full Xception forward passes on the exact pure-JS cpu backend: minutes on a loaded 2-core machine
});

describe('arms without converted weights', () => {
  it('the gpu TL arm falls back to our own pre-training checkpoint, and a missing keras-file arm names the command', async () => {
    const empty = tmpDir('empty');
    await expect(
      getPretrainedBackbone('tl-xception', { profile: 'gpu', weightsRoot: empty, root: empty, train: false }),
    ).rejects.toThrow('no tl-xception backbone for profile "gpu"');
    await expect(
      getPretrainedBackbone('keras-file:simclr-r50', { profile: 'gpu', weightsRoot: empty }),
    ).rejects.toThrow(
      'no converted weights "simclr-r50". Make them with: npm run weights -- import <file.h5> --arch xception|resnet50 --name simclr-r50',
    );
    await expect(getPretrainedBackbone('imagenet-resnet50', { profile: 'gpu', weightsRoot: empty })).rejects.toThrow(
      'npm run weights -- fetch resnet50-imagenet',
    );
  });
});
