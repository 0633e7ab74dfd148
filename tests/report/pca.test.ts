// PCA against numbers worked out by hand: data built from known orthogonal directions with known spreads.
import { describe, expect, it } from 'vitest';
import { pca, totalVariance } from '../../lib/report/pca';
import { Rng } from '../../lib/util/rng';

describe('pca', () => {
  it('recovers two known directions and their variances, in order', () => {
    // rows = 3·s·u + 1·t·v + mean, with u ⟂ v unit vectors in 3-D and s, t = ±1 in a balanced 2×2 design
    const u = [1 / Math.sqrt(2), 1 / Math.sqrt(2), 0];
    const v = [0, 0, 1];
    const rows: number[] = [];
    for (const s of [-1, 1])
      for (const t of [-1, 1]) for (let j = 0; j < 3; j++) rows.push(3 * s * u[j] + t * v[j] + 5);
    const r = pca(rows, 4, 3, 2);
    // covariance along u: 9·(4 values of s² = 1)/(n − 1 = 3) = 12; along v: 4/3
    expect(r.variance[0]).toBeCloseTo(12, 8);
    expect(r.variance[1]).toBeCloseTo(4 / 3, 8);
    expect(totalVariance(rows, 4, 3)).toBeCloseTo(12 + 4 / 3, 8); // two components hold all of it
    expect(Array.from(r.components.slice(0, 3)).map((x) => Math.abs(x))).toEqual(u.map((x) => expect.closeTo(x, 6)));
    expect(Array.from(r.components.slice(3, 6)).map((x) => Math.abs(x))).toEqual(v.map((x) => expect.closeTo(x, 6)));
    // row (s = −1, t = −1) projects to (∓3, ∓1) up to each component's sign
    expect(Math.abs(r.projected[0])).toBeCloseTo(3, 6);
    expect(Math.abs(r.projected[1])).toBeCloseTo(1, 6);
  });

  it('is the same for the same input, with a fixed sign', () => {
    const rng = new Rng(3);
    const x = Array.from({ length: 50 * 6 }, () => rng.normal());
    const a = pca(x, 50, 6);
    const b = pca(x, 50, 6, 2, { seed: 9 });
    for (let i = 0; i < a.projected.length; i++) expect(b.projected[i]).toBeCloseTo(a.projected[i], 4);
    expect(() => pca([1, 2, 3], 2, 2)).toThrow(/3 values for 2×2/);
  });
});
