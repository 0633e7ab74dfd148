// Profile table: both arms share source, budget, epochs and optimizer (controlled comparison); pairings map to
// the right architectures; gpu is paper scale; config hashes separate runs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPLITS_DIR } from '../../lib/util/paths';
import { pretrainHash } from '../../lib/pretrain/config';
import { archFor, pretrainConfigFor, PRETRAIN_PROFILES, runConfig, runName } from '../../lib/pretrain/profiles';
import { buildArchitecture, buildBackbone } from '../../lib/models/variants';

describe('pre-training profiles', () => {
  it('TL and SSL differ only in method (and SimCLR settings) and architecture', () => {
    for (const p of ['smoke', 'cpu', 'gpu'] as const) {
      const tl = pretrainConfigFor(p, 'tl', 'resnet');
      const ssl = pretrainConfigFor(p, 'ssl', 'resnet');
      const { method: _a, ssl: _b, ...restTl } = tl;
      const { method: _c, ssl: _d, ...restSsl } = ssl;
      expect(restTl).toEqual(restSsl);
      expect(pretrainHash(tl)).not.toBe(pretrainHash(ssl));
      expect(ssl.ssl?.projDim).toBe(128);
    }
  });

  it('paper pairing: TL → Xception, SSL → ResNet; matched: same architecture', () => {
    expect(archFor('tl', 'paper')).toBe('xception');
    expect(archFor('ssl', 'paper')).toBe('resnet');
    expect(archFor('tl', 'matched')).toBe(archFor('ssl', 'matched'));
    expect(archFor('tl', 'paper', 'resnet')).toBe('resnet');
  });

  it('gpu profile is paper scale: Keras Xception and ResNet-50 at ≥ 128 px', () => {
    const g = PRETRAIN_PROFILES.gpu;
    expect(g.variants).toEqual({ xception: 'xception', resnet: 'resnet50' });
    expect(g.inputSize).toBeGreaterThanOrEqual(128);
    const { model } = buildArchitecture(g.variants.resnet, { init: false, inputSize: g.inputSize });
    expect(model.outputs[0].shape).toEqual([null, 4, 4, 2048]);
  });

  it('every backbone the cpu profile uses leaves Grad-CAM a map of at least 4×4 at its fine-tuning size', () => {
    for (const profile of ['cpu', 'gpu'] as const) {
      const p = PRETRAIN_PROFILES[profile];
      for (const variant of Object.values(p.variants)) {
        const { model, gradCamLayer } = buildArchitecture(variant, { init: false, inputSize: p.finetuneSize });
        const [, h, w] = model.getLayer(gradCamLayer).outputShape as number[];
        expect(Math.min(h, w), `${profile} ${variant} at ${p.finetuneSize} px: ${h}×${w}`).toBeGreaterThanOrEqual(4);
        model.dispose();
      }
    }
  });

  it('the cpu 2×2 design: both families share input size, scaling and image budget, and are of comparable size', () => {
    const p = PRETRAIN_PROFILES.cpu;
    const built = Object.values(p.variants).map((v) => buildBackbone(v, { inputSize: p.inputSize }));
    expect(new Set(built.map((b) => b.scaling)).size).toBe(1);
    const params = built.map((b) => b.model.countParams());
    expect(Math.max(...params) / Math.min(...params)).toBeLessThan(1.25);
    const cfgs = p.runs.map((r) => runConfig('cpu', r));
    expect(new Set(cfgs.map((c) => `${c.inputSize}|${c.epochs}|${c.batchSize}`)).size).toBe(1);
    // same image budget: the in-domain control is capped at Imagenette's train split
    const split = JSON.parse(fs.readFileSync(path.join(SPLITS_DIR, 'imagenette.json'), 'utf8')) as { train: number[] };
    for (const c of cfgs)
      expect(c.source.trainImages === 0 ? split.train.length : c.source.trainImages).toBe(split.train.length);
    // the matched ResNet pair is pre-trained with two seeds, and each run has its own name and hash
    for (const m of ['tl', 'ssl'] as const)
      expect(
        p.runs
          .filter((r) => r.method === m && r.arch === 'resnet' && !r.source)
          .map((r) => r.seed ?? p.seed)
          .sort(),
      ).toEqual([0, 1]);
    expect(new Set(p.runs.map((r) => runName('cpu', r))).size).toBe(p.runs.length);
    expect(new Set(cfgs.map(pretrainHash)).size).toBe(p.runs.length);
    for (const b of built) b.model.dispose();
  });
});
