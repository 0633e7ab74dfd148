// What names a dataset as a fine-tuning run uses it: the sha256 of its file (the registry's, verified at every
// load) and the hash of its committed split. Read without decoding any image, so a grid can name all its runs
// before it trains one.
import fs from 'node:fs';
import { readJson } from '../util/atomic';
import { SPLITS_DIR } from '../util/paths';
import { getEntry } from './registry';
import { splitFilePath, splitHash, type SplitFile } from './splits';

export interface DataIdentity {
  sha256: string;
  splitHash: string;
}

export function datasetIdentity(id: string, splitsDir = SPLITS_DIR): DataIdentity {
  const entry = getEntry(id);
  const file = splitFilePath(id, splitsDir);
  if (!fs.existsSync(file)) throw new Error(`${file}: no committed split for "${id}" (make it with: npm run data -- check-splits)`);
  const s = readJson<SplitFile>(file);
  if (s.datasetSha256 !== entry.sha256) throw new Error(`${file}: made for dataset sha256 ${s.datasetSha256}, the registry has ${entry.sha256}`);
  if (splitHash(s) !== s.hash) throw new Error(`${file}: recorded hash ${s.hash} does not match its indices; the file was edited`);
  return { sha256: entry.sha256, splitHash: s.hash };
}
