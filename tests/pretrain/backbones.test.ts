// getPretrainedBackbone: finds checkpoints by config, rebuilds at another input size, errors with the command to
// run; the ImageNet arm's features beat the same net at random init on real Imagenette images.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../lib/backend/select-backend';
import { loadImageSet } from '../../lib/data/load';
import { SHARED_DATASETS_DIR } from '../../lib/data/locate';
import { loadImagenetMobileNetV2, MOBILENET_V2_DIR } from '../../lib/models/mobilenet-v2-imagenet';
import { backboneOfIdentity, getPretrainedBackbone } from '../../lib/pretrain/backbones';
import { probeBackbone } from '../../lib/pretrain/probe';
import { pretrainConfigFor } from '../../lib/pretrain/profiles';
import { runPretraining } from '../../lib/pretrain/run';
import { syntheticSet, testViews } from './fixtures';

beforeAll(async () => {
  await selectBackend({ quiet: true });
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];

describe('getPretrainedBackbone', () => {
  it('missing checkpoint: error names the command that makes it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-bb-'));
    await expect(getPretrainedBackbone('tl-xception', { profile: 'cpu', root })).rejects.toThrow(
      /npm run pretrain -- --profile cpu --only tl-xception/,
    );
    await expect(getPretrainedBackbone('ssl-resnet', { profile: 'cpu', root })).rejects.toThrow(/--only ssl-resnet\b/);
    await expect(getPretrainedBackbone('tl-resnet-s1', { profile: 'cpu', root })).rejects.toThrow(
      /--only tl-resnet-s1/,
    );
    await expect(getPretrainedBackbone('ssl-resnet-medical-all', { profile: 'cpu', root })).rejects.toThrow(
      /--only ssl-resnet-medical-all/,
    );
    await expect(getPretrainedBackbone('tl', { profile: 'cpu', root })).rejects.toThrow(/unknown arm "tl"/);
  });

  it('finds a finished checkpoint by config and loads it at another input size', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-bb-'));
    const cfg = pretrainConfigFor('smoke', 'ssl', 'resnet');
    const res = await runPretraining(cfg, {
      data: syntheticSet(80, cfg.inputSize),
      views: testViews,
      root,
      quiet: true,
    });
    const a = await getPretrainedBackbone('ssl-resnet', { profile: 'smoke', root });
    const b = await getPretrainedBackbone('ssl-resnet', { profile: 'smoke', root, inputSize: 64 });
    expect(a.source.kind).toBe('ssl');
    expect(b.inputSize).toBe(64);
    const x = tf.randomUniform([2, cfg.inputSize, cfg.inputSize, 3], 0, 1, 'float32', 3);
    expect(maxDiff(a.model.predict(x) as tf.Tensor, res.backbone.model.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
    // same weights at 64 px: every layer's weights equal
    a.model.layers.forEach((l) =>
      l.getWeights().forEach((w, i) => expect(maxDiff(w, b.model.getLayer(l.name).getWeights()[i])).toBe(0)),
    );
    // each call is a fresh model (fine-tuning trains in place)
    expect(a.model).not.toBe((await getPretrainedBackbone('ssl-resnet', { profile: 'smoke', root })).model);
    const r = await getPretrainedBackbone('random-resnet', { profile: 'smoke' });
    expect(r.source).toEqual({ kind: 'random', seed: 0 });

    // a record's backbone identity finds the same checkpoint, whatever the arm was called when the record was made
    const src = res.backbone.source;
    if (src.kind !== 'ssl') throw new Error(`expected an ssl backbone, got ${src.kind}`);
    const byId = await backboneOfIdentity(`ssl:${a.name}:${src.configHash}`, { profile: 'smoke', root, inputSize: 64 });
    expect(byId?.source).toMatchObject({ kind: 'ssl', configHash: src.configHash });
    a.model.layers.forEach((l) =>
      l.getWeights().forEach((w, i) => expect(maxDiff(w, byId!.model.getLayer(l.name).getWeights()[i])).toBe(0)),
    );
    expect(await backboneOfIdentity('random:small-resnet18-w16:seed0', { profile: 'smoke', root, inputSize: 32 })).toBe(
      undefined,
    );
    await expect(
      backboneOfIdentity(`tl:${a.name}:0123456789abcdef`, { profile: 'smoke', root, inputSize: 32 }),
    ).rejects.toThrow(/0123456789abcdef: no checkpoint/);
  });
});

const imagenette = path.join(SHARED_DATASETS_DIR, 'imagenette');
describe.skipIf(!fs.existsSync(MOBILENET_V2_DIR) || !fs.existsSync(imagenette))('ImageNet arm on Imagenette', () => {
  it('ImageNet MobileNetV2 features give a clearly higher k-NN and linear probe than the same net at random init', async () => {
    const set = await loadImageSet('imagenette', { size: 32 });
    const o = { maxTrain: 300, maxTest: 200, seed: 0 };
    const inet = probeBackbone(await getPretrainedBackbone('imagenet-mnv2', { profile: 'cpu' }), set, o);
    const rnd = probeBackbone(await loadImagenetMobileNetV2({ inputSize: 32, randomInit: 0 }), set, o);
    expect(inet.knnTop1).toBeGreaterThan(rnd.knnTop1 + 0.1);
    expect(inet.linearTop1).toBeGreaterThan(rnd.linearTop1 + 0.1);
    // real data and two probes: ~110 s at load 6 on the 2-core machine, more while training shares it
  }, 360_000);
});
