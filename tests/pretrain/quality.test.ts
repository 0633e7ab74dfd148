// The backbone quality bar, the pre-training seed spread and the plateau rows that notebook 02 reports.
import { describe, expect, it } from 'vitest';
import { plateauRows, qualityBar, seedSpread, type ProbeRecord } from '../../lib/pretrain/quality';
import { pretrainFindings } from '../../lib/report/findings';
import { epochLog } from './fixtures';

const run = (
  hash: string,
  arm: string,
  arch: string,
  seed: number,
  knn: number,
  linear: number,
  source = 'imagenette',
) => ({
  hash,
  arm,
  arch,
  config: { seed, source: { dataset: source } },
  probe: { knnTop1: knn, linearTop1: linear },
});
const rec: ProbeRecord = {
  runs: [
    run('a', 'ssl', 'resnet', 0, 0.45, 0.4665), // exactly +15.0 points over 0.3165
    run('b', 'tl', 'resnet', 0, 0.7, 0.5655), // +24.9: one tenth short of +25
    run('c', 'tl', 'resnet', 1, 0.71, 0.6055), // +28.9
    run('d', 'ssl', 'xception', 0, 0.43, 0.48),
    run('e', 'ssl-medical', 'resnet', 0, 0.3, 0.36, 'medical-all'), // another source: not held to the bar
  ],
  randomInit: [
    { arch: 'resnet', probe: { knnTop1: 0.28, linearTop1: 0.3165 } },
    { arch: 'xception', probe: { knnTop1: 0.26, linearTop1: 0.2735 } },
  ],
};

describe('pre-training quality', () => {
  it('holds SSL to +15 and TL to +25 linear-probe points over random init of the same architecture', () => {
    const rows = qualityBar(rec, 'imagenette');
    expect(rows.map((r) => [r.hash, r.passes])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
      ['d', true],
    ]);
    expect(rows[1].margin).toBeCloseTo(0.249, 12);
    expect(rows[3].randomLinear).toBe(0.2735);
    expect(() => qualityBar({ ...rec, randomInit: rec.randomInit.slice(0, 1) }, 'imagenette')).toThrow(/xception/);
  });

  it('the seed spread is the range over pre-training seeds, only where a method and architecture has two', () => {
    const s = seedSpread(qualityBar(rec, 'imagenette'));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ method: 'tl', arch: 'resnet', seeds: [0, 1] });
    expect(s[0].knn).toBeCloseTo(0.01, 12);
    expect(s[0].linear).toBeCloseTo(0.04, 12);
  });

  it('plateau rows and the findings text follow the numbers', () => {
    const levelled = [epochLog(5, 0.3), epochLog(10, 0.47), epochLog(15, 0.474)];
    const rising = [epochLog(5, 0.3), epochLog(10, 0.483), epochLog(15, 0.494)];
    const p = plateauRows([
      { name: 'ssl-resnet', finished: true, history: levelled },
      { name: 'ssl-resnet-s1', finished: true, history: rising },
      { name: 'not-started', finished: false, history: [] },
    ]);
    expect(p.map((r) => [r.name, r.plateaued, r.plateauEpoch])).toEqual([
      ['ssl-resnet', true, 10],
      ['ssl-resnet-s1', false, null],
    ]);
    const rows = qualityBar(rec, 'imagenette');
    const text = pretrainFindings(rows, p, seedSpread(rows));
    expect(text).toMatch(/1 of 4 backbones fail it/);
    expect(text).toMatch(
      /TL resnet, seed 0: linear probe 56\.5 % vs random init 31\.6 %, \+24\.9 points \(bar: \+25\.0\) — \*\*fails\*\*/,
    );
    expect(text).toMatch(
      /ssl-resnet-s1: \*\*not levelled off\*\* after 3 epochs \(the run ended at its epoch budget\): last probes 30\.0, 48\.3, 49\.4 %, the last two 1\.1 points apart/,
    );
    expect(text).toMatch(/1 of 2 runs/);
    expect(text).toMatch(
      /seeds 0 and 1: the seed alone moves the source k-NN probe by 1\.0 and the linear probe by 4\.0 points/,
    );
  });
});
