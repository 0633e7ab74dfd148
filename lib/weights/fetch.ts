// Keras's published ImageNet weights (published.ts), downloaded with the project's one downloader
// (lib/data/fetch.ts downloadVerified: progress bar, streaming checksum, atomic rename) into data/cache/weights/,
// then converted to the project's backbone format (converted.ts); and `import` of any Keras-layout file.
import fs from 'node:fs';
import path from 'node:path';
import { downloadVerified, type FetchOptions } from '../data/fetch';
import type { InputScaling } from '../data/scaling';
import { sha256File } from '../util/hash';
import { convertedDir, hasConvertedBackbone, readConvertedMeta, saveConvertedBackbone, WEIGHTS_DIR } from './converted';
import { importKerasBackbone } from './import';
import type { KerasArch } from './keras-layouts';
import { kerasWeightsEntry, type KerasWeightsEntry } from './published';

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
export async function importKerasFile(
  file: string,
  arch: KerasArch,
  name: string,
  o: ImportOptions = {},
): Promise<string> {
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
        source: {
          file: path.basename(file),
          bytes: fs.statSync(file).size,
          sha256: sha256File(file),
          format: imp.format,
          kerasVersion: imp.kerasVersion,
          origin: o.origin ?? path.resolve(file),
        },
      },
      name,
      { root: o.root, force: o.force },
    );
    if (!o.silent) {
      const top = imp.report.ignored.length ? `; left out the classifier top (${imp.report.ignored.join(', ')})` : '';
      process.stderr.write(
        `imported ${imp.report.weights} weights of ${imp.report.layers} layers (${imp.format}, ${imp.layout.naming} names, BN ε ${imp.layout.bnEpsilon}${top}) → ${dir}\n`,
      );
    }
    return dir;
  } finally {
    imp.backbone.model.dispose();
  }
}

/** Download Keras's ImageNet weights `id` (cached) and convert them; returns the converted folder. */
export async function fetchKerasWeights(
  id: string | KerasWeightsEntry,
  o: ImportOptions & Pick<FetchOptions, 'url' | 'idleTimeoutMs'> & { cacheDir?: string } = {},
): Promise<string> {
  const e = typeof id === 'string' ? kerasWeightsEntry(id) : id;
  const url = o.url ?? e.url;
  const dest = path.join(o.cacheDir ?? WEIGHTS_DIR, e.file);
  const file = await downloadVerified(
    { url, dest, label: e.id, hash: { algorithm: 'md5', hex: e.md5 }, expectedBy: 'Keras' },
    { idleTimeoutMs: o.idleTimeoutMs, silent: o.silent, force: o.force },
  );
  // already converted from this very file: nothing to do (a re-run of fetch is a no-op)
  if (
    !o.force &&
    hasConvertedBackbone(e.converted, o.root) &&
    readConvertedMeta(e.converted, o.root).source.sha256 === sha256File(file)
  ) {
    return convertedDir(e.converted, o.root);
  }
  return importKerasFile(file, e.arch, e.converted, { ...o, origin: url, force: true });
}
