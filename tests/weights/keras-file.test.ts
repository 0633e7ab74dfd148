// Reading Keras weight files and putting them into our models, on the small Keras-made files committed in
// tests/weights/fixtures (scripts/keras/make_fixtures.py small; no Python needed here): both layouts, Keras's own
// forward pass, and every refusal (wrong file, wrong architecture, missing / extra layers, shape mismatch,
// truncated file) with nothing half-written.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignKerasWeights, importKerasBackbone } from '../../lib/weights/import';
import { readKerasWeightsFile } from '../../lib/weights/keras-file';
import { importKerasFile } from '../../lib/weights/fetch';
import { FIXTURES, kerasCase, maxAbs, maxAbsDiff, tmpDir } from './helpers';
import { buildSmallModel } from './small-model';

const LEGACY = path.join(FIXTURES, 'small.keras2.h5');
const KERAS3 = path.join(FIXTURES, 'small.weights.h5');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('reading Keras weight files', () => {
  it('both layouts hold the same layers and numbers (Keras wrote one model both ways)', async () => {
    const a = await readKerasWeightsFile(LEGACY);
    const b = await readKerasWeightsFile(KERAS3);
    expect(a.format).toBe('keras2-h5');
    expect(b.format).toBe('keras3-weights');
    expect(a.kerasVersion).toBe(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'small.json'), 'utf8')).keras);
    expect(a.layers.map((l) => l.name)).toEqual(['c1', 'c1_bn', 's1', 's1_bn', 'proj', 'proj_bn', 'predictions']);
    expect(a.layers[0].weights.map((w) => [w.name, w.shape])).toEqual([
      ['c1/kernel', [3, 3, 3, 8]],
      ['c1/bias', [8]],
    ]);
    const byName = new Map(b.layers.map((l) => [l.name, l]));
    expect([...byName.keys()].sort()).toEqual(a.layers.map((l) => l.name).sort());
    for (const la of a.layers) {
      const lb = byName.get(la.name)!;
      expect(lb.weights.map((w) => w.name)).toEqual(la.weights.map(() => null));
      la.weights.forEach((w, i) => {
        expect(lb.weights[i].shape).toEqual(w.shape);
        expect(Array.from(lb.weights[i].values)).toEqual(Array.from(w.values));
      });
    }
  });

  for (const [label, file] of [
    ['Keras 2 .h5', LEGACY],
    ['Keras 3 .weights.h5', KERAS3],
  ] as const) {
    it(`${label}: our forward pass of the small model matches Keras's within 1e-4`, async () => {
      const model = buildSmallModel();
      const rep = assignKerasWeights(model, await readKerasWeightsFile(file));
      expect(rep).toEqual({ weights: 19, layers: 7, ignored: [] });
      const { x, want } = kerasCase(FIXTURES, 'small');
      const got = (model.predict(x) as tf.Tensor).dataSync();
      const d = maxAbsDiff(got, want);
      console.log(
        `small model, ${label}: max |ours - keras| = ${d.toExponential(2)} (max |keras| ${maxAbs(want).toFixed(3)})`,
      );
      expect(d).toBeLessThan(1e-4);
      // and the weights mattered: the same model at its zero init is far off
      expect(maxAbsDiff((buildSmallModel().predict(x) as tf.Tensor).dataSync(), want)).toBeGreaterThan(1e-2);
    });
  }
});

describe('refusals name the file and what is wrong', () => {
  it('missing file, not HDF5, truncated, HDF5 without Keras weights', async () => {
    const dir = tmpDir('bad');
    await expect(readKerasWeightsFile(path.join(dir, 'nope.h5'))).rejects.toThrow(
      `${path.join(dir, 'nope.h5')}: not found`,
    );
    const text = path.join(dir, 'text.h5');
    fs.writeFileSync(text, 'this is not HDF5');
    await expect(readKerasWeightsFile(text)).rejects.toThrow(`${text}: not an HDF5 file`);
    const cut = path.join(dir, 'cut.h5');
    const bytes = fs.readFileSync(LEGACY);
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 5000));
    await expect(readKerasWeightsFile(cut)).rejects.toThrow(
      new RegExp(
        `${cut}: cannot open HDF5 file: truncated file: eof = ${bytes.length - 5000}.*stored_eof = ${bytes.length}`,
      ),
    );
    await h5wasm.ready;
    const other = path.join(dir, 'other.h5');
    const f = new h5wasm.File(other, 'w');
    f.create_dataset({ name: 'measurements', data: new Float32Array([1, 2, 3]) });
    f.close();
    await expect(readKerasWeightsFile(other)).rejects.toThrow(
      `${other}: an HDF5 file but not Keras weights: no "layer_names" attribute (Keras 2 .h5) and no "layers" group (Keras 3 .weights.h5); top-level entries: measurements`,
    );
  });

  it('shape mismatch names the layer and both shapes; the model is left untouched', async () => {
    const model = buildSmallModel({ c1Filters: 16 });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    for (const file of [LEGACY, KERAS3]) {
      const kf = await readKerasWeightsFile(file);
      expect(() => assignKerasWeights(model, kf)).toThrow(
        `${file}: does not fit model "small": layer c1 weight kernel: the file has shape [3,3,3,8] but the model expects [3,3,3,16]`,
      );
    }
    model.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(before[i])));
  });

  it('layers missing from the file, and file layers with no place in the model', async () => {
    const kf = await readKerasWeightsFile(LEGACY);
    expect(() => assignKerasWeights(buildSmallModel({ extraLayer: true }), kf)).toThrow(
      `${LEGACY}: does not fit model "small": 1 layers of the model are not in the file: extra_bn`,
    );
    expect(() => assignKerasWeights(buildSmallModel({ withoutProj: true }), kf)).toThrow(
      '2 layers in the file have no place in the model: proj, proj_bn',
    );
    // a classifier top is left out only when asked to
    expect(() => assignKerasWeights(buildSmallModel({ top: false }), kf)).toThrow(
      '1 layers in the file have no place in the model: predictions',
    );
    expect(assignKerasWeights(buildSmallModel({ top: false }), kf, { ignore: ['predictions'] }).ignored).toEqual([
      'predictions',
    ]);
  });

  it('wrong architecture, and an import that fails leaves no converted folder behind', async () => {
    await expect(importKerasBackbone(LEGACY, 'xception')).rejects.toThrow(
      `${LEGACY}: --arch xception but the file's layers are not a Keras Xception or ResNet-50 (first layers: c1, c1_bn, s1, s1_bn, proj)`,
    );
    const root = tmpDir('conv');
    await expect(importKerasFile(LEGACY, 'resnet50', 'small', { root, silent: true })).rejects.toThrow(
      '--arch resnet50',
    );
    const cut = path.join(root, '..', `${path.basename(root)}-cut.h5`);
    fs.writeFileSync(cut, fs.readFileSync(LEGACY).subarray(0, 4000));
    await expect(importKerasFile(cut, 'xception', 'cut', { root, silent: true })).rejects.toThrow('truncated file');
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
