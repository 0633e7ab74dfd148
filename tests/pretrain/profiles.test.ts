// Profile table: both arms share source, budget, epochs and optimizer (controlled comparison); pairings map to
// the right architectures; gpu is paper scale; config hashes separate runs.
import { describe, expect, it } from 'vitest';
import { pretrainHash } from '../../lib/pretrain/config';
import { archFor, pretrainConfigFor, PRETRAIN_PROFILES } from '../../lib/pretrain/profiles';
import { buildArchitecture } from '../../lib/models/variants';

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
});
