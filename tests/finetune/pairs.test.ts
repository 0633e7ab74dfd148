// The double fine-tuning design: related pairs share the imaging modality, the unrelated control does not, every
// target with a related pair has all three stage-1 sets, and targets without one get none (so the three
// conditions always compare the same targets).
import { describe, expect, it } from 'vitest';
import { getEntry } from '../../lib/data/registry';
import { DOUBLE_FT_PAIRS, intermediateFor, stage1SetFor } from '../../lib/finetune/pairs';

const modalityKind = (id: string) => {
  const m = getEntry(id).modality.toLowerCase();
  return ['ct', 'ultrasound', 'dermoscopy', 'x-ray', 'mri', 'fundus', 'smear'].find((k) =>
    m.split(/[\s,()]+/).includes(k),
  );
};

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
