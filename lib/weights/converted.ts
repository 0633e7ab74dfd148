// Imported Keras weights in the project's own backbone format, so they load like any pre-trained backbone
// (without the HDF5 reader, which notebooks cannot import):
//   data/cache/weights/<name>/backbone/   model.json + weights.bin (lib/models/tfjs-files)
//   data/cache/weights/<name>/weights.json what it is: architecture, variant, BN ε, input scaling, the Keras file's
//                                          name, size, sha256 and origin; written last
// The folder is assembled under a temporary name and renamed into place, so a reader sees all of it or none.
import fs from 'node:fs';
import path from 'node:path';
import type { Backbone } from '../models/backbone';
import type { InputScaling } from '../data/scaling';
import { loadWeightsByName } from '../models/load-weights';
import { readNamedWeights, saveLayersModelDir } from '../models/tfjs-files';
import { buildBackbone } from '../models/variants';
import { readJson, writeJsonAtomic } from '../util/atomic';
import { sha256File } from '../util/hash';
import { CACHE_DIR } from '../util/paths';
import type { KerasArch, KerasNaming } from './keras-layouts';

/** Downloads and converted backbones (git-ignored, like every cache). */
export const WEIGHTS_DIR = path.join(CACHE_DIR, 'weights');

export interface ConvertedMeta {
  name: string;
  arch: KerasArch;
  variant: 'xception' | 'resnet50';
  bnEpsilon: number;
  scaling: InputScaling;
  naming: KerasNaming;
  source: { file: string; bytes: number; sha256: string; format: string; kerasVersion?: string; origin: string };
  backboneSha256: string;
  weights: number;
  convertedAt: string;
  convertedBy: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkWeightsName(name: string): string {
  if (!NAME_RE.test(name))
    throw new Error(`weights name "${name}": use letters, digits, '.', '_' or '-' (at most 64, no path separators)`);
  return name;
}

export function convertedDir(name: string, root = WEIGHTS_DIR): string {
  return path.join(root, checkWeightsName(name));
}

export function hasConvertedBackbone(name: string, root = WEIGHTS_DIR): boolean {
  return fs.existsSync(path.join(convertedDir(name, root), 'weights.json'));
}

/** Write `backbone` as converted weights `name`. Replaces an existing one only with `force`. */
export async function saveConvertedBackbone(
  backbone: Backbone,
  meta: Omit<ConvertedMeta, 'backboneSha256' | 'weights' | 'convertedAt' | 'convertedBy' | 'name'>,
  name: string,
  o: { root?: string; force?: boolean } = {},
): Promise<string> {
  const dir = convertedDir(name, o.root);
  if (fs.existsSync(dir) && !o.force)
    throw new Error(`${dir}: converted weights "${name}" already exist; pass --force to replace them`);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.${process.pid}.tmp`;
  const old = `${dir}.${process.pid}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await saveLayersModelDir(backbone.model, path.join(tmp, 'backbone'));
    writeJsonAtomic(path.join(tmp, 'weights.json'), {
      name,
      ...meta,
      backboneSha256: sha256File(path.join(tmp, 'backbone', 'weights.bin')),
      weights: backbone.model.weights.length,
      convertedAt: new Date().toISOString(),
      convertedBy: 'medssl lib/weights (npm run weights)',
    } satisfies ConvertedMeta);
    if (fs.existsSync(dir)) fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
    return dir;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function readConvertedMeta(name: string, root = WEIGHTS_DIR): ConvertedMeta {
  const file = path.join(convertedDir(name, root), 'weights.json');
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file}: no converted weights "${name}". Make them with: npm run weights -- ${name.startsWith('imagenet-') ? `fetch ${name.slice('imagenet-'.length)}-imagenet` : `import <file.h5> --arch xception|resnet50 --name ${name}`}`,
    );
  }
  return readJson<ConvertedMeta>(file);
}

/** A fresh backbone with converted weights `name`, built at `inputSize` (default: the architecture's own). */
export function loadConvertedBackbone(name: string, o: { inputSize?: number; root?: string } = {}): Backbone {
  const meta = readConvertedMeta(name, o.root);
  const bdir = path.join(convertedDir(name, o.root), 'backbone');
  const sha = sha256File(path.join(bdir, 'weights.bin'));
  if (sha !== meta.backboneSha256)
    throw new Error(
      `${bdir}/weights.bin: sha256 ${sha} is not the ${meta.backboneSha256} recorded in weights.json (changed or damaged; re-import)`,
    );
  const bb = buildBackbone(meta.variant, { inputSize: o.inputSize, bnEpsilon: meta.bnEpsilon, seed: 0 });
  loadWeightsByName(bb.model, readNamedWeights(bdir), { what: path.join(bdir, 'weights.bin') });
  bb.scaling = meta.scaling;
  bb.source = {
    kind: 'keras',
    weights: `${name}@${meta.source.sha256.slice(0, 16)}`,
    name,
    file: meta.source.file,
    sha256: meta.source.sha256,
    origin: meta.source.origin,
    converted: bdir,
  };
  return bb;
}
