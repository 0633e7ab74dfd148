// Load a finished pre-training run's backbone: rebuild the architecture (at any input size: the nets are fully
// convolutional) and copy the saved weights in by layer name.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import type { Backbone } from '../models/backbone';
import { loadWeightsByName } from '../models/load-weights';
import { readNamedWeights } from '../models/tfjs-files';
import { buildBackbone } from '../models/variants';
import type { PretrainConfig } from './config';
import { pretrainHash } from './config';

export async function loadBackboneDir(dir: string, cfg: PretrainConfig, inputSize = cfg.inputSize): Promise<Backbone> {
  const bdir = path.join(dir, 'backbone');
  if (!fs.existsSync(path.join(bdir, 'model.json'))) throw new Error(`${bdir}: no saved backbone (run not finished?)`);
  const bb = buildBackbone(cfg.variant, { inputSize, seed: cfg.seed });
  const named = readNamedWeights(bdir);
  try {
    loadWeightsByName(bb.model, named, { what: path.join(bdir, 'weights.bin') });
  } finally {
    // setWeights made the model's variables hold their own references: these copies would otherwise leak a
    // full set of weights per load (one per grid run).
    tf.dispose(Object.values(named));
  }
  bb.source = { kind: cfg.method, checkpoint: bdir, configHash: pretrainHash(cfg), dataset: cfg.source.dataset };
  return bb;
}
