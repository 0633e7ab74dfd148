// The weighted fast path must agree with classificationMetrics (itself checked against hand-worked and
// published values in classification.test.ts) on the materialised resample, metric by metric.
import { describe, expect, it } from 'vitest';
import { classificationMetrics, SCALAR_METRICS } from '../../lib/metrics/classification';
import { prepareMetrics } from '../../lib/metrics/prepared';
import { Rng } from '../../lib/util/rng';

function randomSet(n: number, C: number, seed: number, coarse: boolean) {
  const rng = new Rng(seed);
  const y = new Int32Array(n);
  const p = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(C);
    let s = 0;
    for (let c = 0; c < C; c++) {
      // coarse scores → many ties (tests the tie groups)
      const v = (coarse ? Math.floor(rng.next() * 4) + 1 : rng.next()) + (c === y[i] ? 1.5 : 0);
      p[i * C + c] = v;
      s += v;
    }
    for (let c = 0; c < C; c++) p[i * C + c] /= s;
  }
  return { y, p };
}

function materialise(y: Int32Array, p: Float64Array, C: number, w: Float64Array) {
  const ys: number[] = [];
  const ps: number[] = [];
  for (let i = 0; i < y.length; i++) {
    for (let k = 0; k < w[i]; k++) {
      ys.push(y[i]);
      for (let c = 0; c < C; c++) ps.push(p[i * C + c]);
    }
  }
  return { y: ys, p: new Float64Array(ps) };
}

describe('prepareMetrics (weighted evaluation for the bootstrap)', () => {
  for (const [C, coarse] of [
    [2, false],
    [3, true],
    [5, false],
  ] as const) {
    it(`matches classificationMetrics on resamples (C = ${C}, ${coarse ? 'many ties' : 'no ties'})`, () => {
      const { y, p } = randomSet(60, C, 10 + C, coarse);
      const prep = prepareMetrics(y, p, C);
      const rng = new Rng(99);
      for (let r = 0; r < 20; r++) {
        const w = new Float64Array(y.length);
        if (r === 0) w.fill(1);
        else for (let k = 0; k < y.length; k++) w[rng.int(y.length)]++;
        const sub = materialise(y, p, C, w);
        const ref = classificationMetrics(sub.y, sub.p, C);
        for (const name of SCALAR_METRICS) {
          const got = prep.evaluate(name, w);
          if (Number.isNaN(ref[name])) expect(got, name).toBeNaN();
          else expect(got, `${name} resample ${r}`).toBeCloseTo(ref[name], 10);
        }
      }
    });
  }

  it('a resample missing a class gives the same NaN conventions', () => {
    // 3 classes; weights drop every class-2 sample
    const { y, p } = randomSet(30, 3, 5, false);
    const w = new Float64Array(30).map((_, i) => (y[i] === 2 ? 0 : 1));
    const sub = materialise(y, p, 3, w);
    const ref = classificationMetrics(sub.y, sub.p, 3);
    const prep = prepareMetrics(y, p, 3);
    for (const name of SCALAR_METRICS) {
      const got = prep.evaluate(name, w);
      if (Number.isNaN(ref[name])) expect(got, name).toBeNaN();
      else expect(got, name).toBeCloseTo(ref[name], 10);
    }
  });
});
