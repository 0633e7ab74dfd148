// Keras's published ImageNet weights (no-top: the backbone is what the project fine-tunes), downloaded with the
// project's one downloader (lib/data/fetch.ts downloadVerified: progress bar, streaming checksum, atomic rename)
// into data/cache/weights/, then converted to the project's backbone format (converted.ts).
// URLs and md5 hashes are those keras.applications uses (keras/src/applications/xception.py and resnet.py,
// Keras 3.15.1); Keras publishes no byte counts, so the md5 is the check.
import path from 'node:path';
import { downloadVerified, type FetchOptions } from '../data/fetch';
import { sha256File } from '../util/hash';
import fs from 'node:fs';
import { convertedDir, hasConvertedBackbone, readConvertedMeta, saveConvertedBackbone, WEIGHTS_DIR } from './converted';
import { importKerasBackbone } from './import';
import type { KerasArch } from './keras-layouts';
import type { InputScaling } from '../models/backbone';

export interface KerasWeightsEntry {
  id: string;
  arch: KerasArch;
  /** Name of the converted backbone (the arm `getPretrainedBackbone` serves). */
  converted: string;
  file: string;
  url: string;
  md5: string;
  note: string;
}

const KERAS_APPS = 'https://storage.googleapis.com/tensorflow/keras-applications';

export const KERAS_WEIGHTS: Record<string, KerasWeightsEntry> = {
  'xception-imagenet': {
    id: 'xception-imagenet',
    arch: 'xception',
    converted: 'imagenet-xception',
    file: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: `${KERAS_APPS}/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: 'b0042744bf5b25fce3cb969f33bebb97',
    note: 'keras.applications.Xception ImageNet weights, no top (the paper\'s TL backbone)',
  },
  'resnet50-imagenet': {
    id: 'resnet50-imagenet',
    arch: 'resnet50',
    converted: 'imagenet-resnet50',
    file: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: `${KERAS_APPS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: '4d473c1dd8becc155b73f8504c6f6626',
    note: 'keras.applications.ResNet50 ImageNet weights, no top (expects Keras "caffe" preprocessing)',
  },
};

export function kerasWeightsEntry(id: string): KerasWeightsEntry {
  const e = KERAS_WEIGHTS[id];
  if (!e) throw new Error(`unknown weights "${id}": expected one of ${Object.keys(KERAS_WEIGHTS).join(', ')}`);
  return e;
}

export interface ImportOptions {
  /** Converted-backbone root (default data/cache/weights). */
  root?: string;
  force?: boolean;
  silent?: boolean;
  /** Where the file came from, recorded in weights.json (default: its path). */
  origin?: string;
  /** Input scaling the weights expect (default: what Keras's ImageNet weights of the architecture expect). */
  scaling?: InputScaling;
}

/** Import a Keras-layout weights file as converted backbone `name`; returns the folder. */
export async function importKerasFile(file: string, arch: KerasArch, name: string, o: ImportOptions = {}): Promise<string> {
  const imp = await importKerasBackbone(file, arch, { scaling: o.scaling });
  try {
    const dir = await saveConvertedBackbone(
      imp.backbone,
      {
        arch,
        variant: imp.layout.variant,
        bnEpsilon: imp.layout.bnEpsilon,
        scaling: imp.backbone.scaling,
        naming: imp.layout.naming,
        source: { file: path.basename(file), bytes: fs.statSync(file).size, sha256: sha256File(file), format: imp.format, kerasVersion: imp.kerasVersion, origin: o.origin ?? path.resolve(file) },
      },
      name,
      { root: o.root, force: o.force },
    );
    if (!o.silent) {
      const top = imp.report.ignored.length ? `; left out the classifier top (${imp.report.ignored.join(', ')})` : '';
      process.stderr.write(`imported ${imp.report.weights} weights of ${imp.report.layers} layers (${imp.format}, ${imp.layout.naming} names, BN ε ${imp.layout.bnEpsilon}${top}) → ${dir}\n`);
    }
    return dir;
  } finally {
    imp.backbone.model.dispose();
  }
}

/** Download Keras's ImageNet weights `id` (cached) and convert them; returns the converted folder. */
export async function fetchKerasWeights(id: string | KerasWeightsEntry, o: ImportOptions & Pick<FetchOptions, 'url' | 'idleTimeoutMs'> & { cacheDir?: string } = {}): Promise<string> {
  const e = typeof id === 'string' ? kerasWeightsEntry(id) : id;
  const url = o.url ?? e.url;
  const dest = path.join(o.cacheDir ?? WEIGHTS_DIR, e.file);
  const file = await downloadVerified({ url, dest, label: e.id, hash: { algorithm: 'md5', hex: e.md5 }, expectedBy: 'Keras' }, { idleTimeoutMs: o.idleTimeoutMs, silent: o.silent });
  // already converted from this very file: nothing to do (a re-run of fetch is a no-op)
  if (!o.force && hasConvertedBackbone(e.converted, o.root) && readConvertedMeta(e.converted, o.root).source.sha256 === sha256File(file)) {
    return convertedDir(e.converted, o.root);
  }
  return importKerasFile(file, e.arch, e.converted, { ...o, origin: url, force: true });
}
