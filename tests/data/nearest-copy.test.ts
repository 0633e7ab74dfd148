// The thumbnail 1-NN leak probe: on a synthetic set whose test images are (slightly noisy) copies of train images it
// must score 1, on one whose test images are new random images about chance; on the real Alzheimer MRI split its
// numbers must equal an independent numpy computation (4×4 block means of the 64 px pixels, centred, unit norm,
// test · trainᵀ, argmax).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprints } from '../../lib/data/fingerprints';
import { candidatePaths } from '../../lib/data/locate';
import { nearestCopyProbe, probeNearestCopies } from '../../lib/data/nearest-copy';
import { getEntry } from '../../lib/data/registry';
import { Rng } from '../../lib/util/rng';

const SIZE = 16;
function randomImages(rng: Rng, n: number): Uint8Array {
  const px = new Uint8Array(n * SIZE * SIZE);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(rng.next() * 256);
  return px;
}

describe('nearestCopyProbe', () => {
  const rng = new Rng(7);
  const nTrain = 60;
  const labels = Array.from({ length: nTrain * 2 }, (_, i) => (i % nTrain) % 3);
  const train = Array.from({ length: nTrain }, (_, i) => i);
  const test = Array.from({ length: nTrain }, (_, i) => nTrain + i);

  it('test images that are noisy copies of train images: every one matched, every one a near-copy', () => {
    const base = randomImages(rng, nTrain);
    const px = new Uint8Array(2 * nTrain * SIZE * SIZE);
    px.set(base);
    for (let i = 0; i < base.length; i++) px[base.length + i] = Math.min(255, base[i] + Math.floor(rng.next() * 3));
    const p = nearestCopyProbe(fingerprints({ images: px, size: SIZE, channels: 1 }), labels, 3, train, test);
    expect(p).toMatchObject({ n: nTrain, accuracy: 1, balancedAccuracy: 1, nearCopies: nTrain });
    expect(p.medianCorrelation).toBeGreaterThan(0.99);
  });

  it('new random test images: about chance (3 classes), no near-copies', () => {
    const px = randomImages(rng, 2 * nTrain);
    const p = nearestCopyProbe(fingerprints({ images: px, size: SIZE, channels: 1 }), labels, 3, train, test);
    expect(p.nearCopies).toBe(0);
    expect(p.accuracy).toBeLessThan(0.6);
    expect(p.medianCorrelation).toBeLessThan(0.5);
  });

  it('an empty split is an error', () => {
    const fp = fingerprints({ images: randomImages(rng, 2), size: SIZE, channels: 1 });
    expect(() => nearestCopyProbe(fp, [0, 1], 2, [], [1])).toThrow(/needs train and test images, got 0 and 1/);
  });
});

const alzFile = candidatePaths(getEntry('alzheimer-mri')).find((p) => fs.existsSync(p));
if (!alzFile) console.log('[tests] alzheimer-mri probe skipped: dataset file not found');
describe.skipIf(!alzFile)('the probe on the committed Alzheimer MRI split', () => {
  it('matches numpy: 954 of 959 test images take their nearest train thumbnail’s label; 898 have a copy at r ≥ 0.99', async () => {
    const p = await probeNearestCopies('alzheimer-mri');
    expect(p.n).toBe(959);
    expect(Math.round(p.accuracy * p.n)).toBe(954);
    expect(p.nearCopies).toBe(898);
    expect(p.medianCorrelation).toBeCloseTo(0.9971912133755239, 6);
    expect(p.balancedAccuracy).toBeGreaterThan(0.99);
  }, 60_000);
});
