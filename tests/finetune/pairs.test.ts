// The double fine-tuning design (lib/finetune/pairs.ts): the table is well-formed, related pairs share the imaging
// modality, the unrelated control does not, and every target with a related pair has all three stage-1 sets while
// targets without one get none (so the three conditions always compare the same targets). checkPair's refusal of
// overlapping sets is tested with the detector in tests/data/overlap.test.ts.
import { describe, expect, it } from 'vitest';
import { getEntry } from '../../lib/data/registry';
import { DOUBLE_FT_PAIRS, intermediateFor, stage1SetFor } from '../../lib/finetune/pairs';

const modalityKind = (id: string) => {
  const m = getEntry(id).modality.toLowerCase();
  return ['ct', 'ultrasound', 'dermoscopy', 'x-ray', 'mri', 'fundus', 'smear'].find((k) =>
    m.split(/[\s,()]+/).includes(k),
  );
};

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

describe('double fine-tuning pairs', () => {
  const used = DOUBLE_FT_PAIRS.filter((p) => !p.refused);

  it('related sets share the modality; unrelated controls do not', () => {
    expect(used.length).toBeGreaterThanOrEqual(3);
    for (const p of used) {
      expect(modalityKind(p.intermediate), `${p.intermediate} → ${p.target}`).toBeDefined();
      expect(modalityKind(p.intermediate)).toBe(modalityKind(p.target));
      expect(p.unrelated, `${p.target} has no unrelated control`).toBeDefined();
      expect(modalityKind(p.unrelated!.intermediate)).not.toBe(modalityKind(p.target));
      expect(p.unrelated!.intermediate).not.toBe(p.intermediate);
    }
  });

  it('each condition picks its stage-1 set; no pair, no double fine-tuning', () => {
    expect(stage1SetFor('chest-ct', 'double-ft')).toBe(intermediateFor('chest-ct')!.intermediate);
    expect(stage1SetFor('chest-ct', 'double-ft-self')).toBe('chest-ct');
    expect(stage1SetFor('chest-ct', 'double-ft-unrelated')).toBe('busi');
    for (const c of ['double-ft', 'double-ft-self', 'double-ft-unrelated'] as const)
      expect(stage1SetFor('pbc-blood', c)).toBeUndefined();
    expect(() => stage1SetFor('chest-ct', 'baseline')).toThrow(/not a double fine-tuning condition/);
  });
});
