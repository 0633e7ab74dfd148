// The double fine-tuning pair table (lib/finetune/pairs.ts); checkPair's refusal of overlapping sets is tested with
// the detector in tests/data/overlap.test.ts.
import { describe, expect, it } from 'vitest';
import { DOUBLE_FT_PAIRS, intermediateFor } from '../../lib/finetune/pairs';
import { getEntry } from '../../lib/data/registry';

describe('double fine-tuning pair table', () => {
  it('lists BUSI → BreastMNIST as refused and gives BreastMNIST no usable BUSI intermediate', () => {
    expect(DOUBLE_FT_PAIRS.find((p) => p.intermediate === 'busi' && p.target === 'breastmnist')?.refused).toBeTruthy();
    expect(intermediateFor('breastmnist')?.intermediate).not.toBe('busi');
  });
  it('names known datasets, one rationale each, no self-pairs or duplicates', () => {
    const seen = new Set<string>();
    for (const p of DOUBLE_FT_PAIRS) {
      expect(() => getEntry(p.intermediate)).not.toThrow();
      expect(() => getEntry(p.target)).not.toThrow();
      expect(p.intermediate).not.toBe(p.target);
      expect(p.rationale.length).toBeGreaterThan(10);
      const k = `${p.intermediate}>${p.target}`;
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });
});
