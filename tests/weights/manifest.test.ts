// Our Xception and ResNet-50 against Keras's own: the committed manifest (scripts/keras/manifest.py, made by running
// keras.applications with weights=None) lists every layer with weights, its weight names, shapes and order, for
// the models with and without the 1000-class top. Ours must match it exactly, through the one documented renaming
// (lib/weights/keras-layouts.ts: Keras 3 ResNet-50 names → keras_applications v1 names, Xception's auto-numbered
// shortcut convs) — and the renaming must be a bijection, so nothing is matched by accident.
import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildArchitecture } from '../../lib/models/variants';
import { kerasLayout, type KerasArch } from '../../lib/weights/keras-layouts';
import { ROOT } from '../../lib/util/paths';

interface ManifestLayer {
  name: string;
  class: string;
  weights: { name: string; shape: number[] }[];
  epsilon?: number;
}
interface ManifestModel {
  input_shape: number[];
  params: number;
  layers: ManifestLayer[];
}
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'lib/weights/keras-manifest.json'), 'utf8')) as {
  keras: string;
  models: Record<KerasArch, { top: ManifestModel; notop: ManifestModel }>;
};

function ours(model: tf.LayersModel) {
  return model.layers
    .filter((l) => l.weights.length > 0)
    .map((l) => ({
      name: l.name,
      weights: l.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })),
      epsilon: l.getClassName() === 'BatchNormalization' ? (l.getConfig().epsilon as number) : undefined,
    }));
}

describe(`our models vs the Keras ${manifest.keras} manifest`, () => {
  for (const arch of ['xception', 'resnet50'] as const) {
    for (const top of ['top', 'notop'] as const) {
      it(`${arch} ${top}: same layers, weight names, shapes and order; same BN epsilon and parameter count`, () => {
        const keras = manifest.models[arch][top];
        const layout = kerasLayout(
          'keras-manifest.json',
          arch,
          keras.layers.map((l) => l.name),
        );
        const renamed = keras.layers.map((l) => {
          const name = layout.rename.get(l.name)!;
          return {
            name,
            weights: l.weights.map((w) => ({ name: `${name}/${w.name.split('/').pop()}`, shape: w.shape })),
            epsilon: l.epsilon,
          };
        });
        // the renaming is one-to-one
        expect(new Set(renamed.map((l) => l.name)).size).toBe(keras.layers.length);
        const { model } = buildArchitecture(arch, {
          init: false,
          inputSize: keras.input_shape[0],
          topClasses: top === 'top' ? 1000 : undefined,
          bnEpsilon: arch === 'resnet50' ? layout.bnEpsilon : undefined,
        });
        expect(ours(model)).toEqual(renamed);
        expect(model.countParams()).toBe(keras.params);
        model.dispose();
      });
    }
  }

  it('the ResNet-50 renaming follows the keras_applications v1 scheme (spot checks)', () => {
    const names = manifest.models.resnet50.top.layers.map((l) => l.name);
    const { rename, bnEpsilon } = kerasLayout('m', 'resnet50', names);
    expect(bnEpsilon).toBe(1.001e-5);
    expect(rename.get('conv1_conv')).toBe('conv1');
    expect(rename.get('conv1_bn')).toBe('bn_conv1');
    expect(rename.get('conv2_block1_0_conv')).toBe('res2a_branch1');
    expect(rename.get('conv3_block4_3_bn')).toBe('bn3d_branch2c');
    expect(rename.get('conv5_block3_2_conv')).toBe('res5c_branch2b');
    expect(rename.get('predictions')).toBe('fc1000');
  });

  it("Xception's auto-numbered shortcut convs map by their order, whatever number Keras started from", () => {
    const names = manifest.models.xception.notop.layers.map((l) => l.name);
    // later models in one Keras session are numbered on from the earlier ones: here conv2d_8 … conv2d_11
    const shifted = names.map((n) =>
      n.replace(
        /^(conv2d|batch_normalization)(?:_(\d+))?$/,
        (_m, b: string, k?: string) => `${b}_${Number(k ?? 0) + 8}`,
      ),
    );
    const { rename } = kerasLayout('m', 'xception', shifted);
    // numeric order, not alphabetical (which would put conv2d_10 first)
    expect(['conv2d_8', 'conv2d_9', 'conv2d_10', 'conv2d_11'].map((n) => rename.get(n))).toEqual([
      'conv2d_1',
      'conv2d_2',
      'conv2d_3',
      'conv2d_4',
    ]);
    expect(rename.get('batch_normalization_10')).toBe('batch_normalization_3');
  });

  it('a file of another architecture is refused, naming what it looks like', () => {
    const res = manifest.models.resnet50.notop.layers.map((l) => l.name);
    expect(() => kerasLayout('f.h5', 'xception', res)).toThrow(
      "f.h5: --arch xception but the file's layers are a Keras ResNet-50 (Keras 3 / tf.keras names): pass --arch resnet50",
    );
    const x = manifest.models.xception.notop.layers.map((l) => l.name);
    expect(() => kerasLayout('f.h5', 'resnet50', x)).toThrow('pass --arch xception');
    expect(() => kerasLayout('f.h5', 'resnet50', [...res, 'conv4_block7_1_conv'])).toThrow(
      'ResNet-101/152 (not supported',
    );
  });
});
