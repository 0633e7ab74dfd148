// Pre-training sources. Natural images: one registry dataset (Imagenette, CIFAR-10). 'medical-all': the TRAIN
// splits of every medical dataset in the registry pooled into one unlabelled set, for in-domain SimCLR
// (Azizi et al. 2021). Only train images are pooled, so no validation or test image of any target set is seen in
// pre-training; labels are the dataset index (not used by SimCLR, only for the probe on the pooled held-out part).
import type { ImageSet } from '../data/load';
import { loadImageSet } from '../data/load';
import { REGISTRY } from '../data/registry';
import { sha256Hex } from '../util/hash';
import type { SourceDataset } from './config';

export const MEDICAL_IDS = Object.values(REGISTRY)
  .filter((e) => e.domain === 'medical')
  .map((e) => e.id);

export async function loadSource(source: SourceDataset, size: number): Promise<ImageSet> {
  if (source !== 'medical-all') return loadImageSet(source, { size });
  const sets: ImageSet[] = [];
  for (const id of MEDICAL_IDS) sets.push(await loadImageSet(id, { size }));
  const px = size * size * 3;
  // pooled train images; each set's val split becomes the pooled held-out split (for probing the pooled set)
  const nTrain = sets.reduce((s, x) => s + x.splits.train.length, 0);
  const nVal = sets.reduce((s, x) => s + x.splits.val.length, 0);
  const images = new Uint8Array((nTrain + nVal) * px);
  const labels = new Int32Array(nTrain + nVal);
  const train: number[] = [],
    test: number[] = [];
  let k = 0;
  sets.forEach((set, si) => {
    for (const [split, into] of [
      [set.splits.train, train],
      [set.splits.val, test],
    ] as const) {
      for (const i of split) {
        images.set(set.images.subarray(i * px, (i + 1) * px), k * px);
        labels[k] = si;
        into.push(k++);
      }
    }
  });
  return {
    id: 'medical-all',
    title: `train splits of ${sets.length} medical datasets`,
    size,
    n: k,
    images,
    labels,
    classNames: sets.map((s) => s.id),
    numClasses: sets.length,
    splits: { train, val: [], test },
    splitHash: sha256Hex(sets.map((s) => s.splitHash).join(',')).slice(0, 16),
    splitMethod: 'pooled train splits (held-out: pooled val splits)',
    sha256: sha256Hex(sets.map((s) => `${s.id}:${s.sha256}`).join(',')),
    file: sets.map((s) => s.file).join(','),
    storedSize: size,
    colour: 'rgb',
    domain: 'medical',
  } as ImageSet;
}
