import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SCRATCH_DIR, checkNameCarriesProfile, isPublishing, reportDir } from '../../lib/util/paths';

describe('reportDir: where generated reports go', () => {
  it('committed folders only for a publishing run of a committed profile', () => {
    expect(reportDir('figures', 'cpu', true)).toBe(path.join(ROOT, 'figures'));
    expect(reportDir('tables', 'gpu', true)).toBe(path.join(ROOT, 'paper', 'tables'));
    expect(reportDir('notebooks', 'cpu', true)).toBe(path.join(ROOT, 'notebooks'));
    expect(reportDir('paper', 'cpu', true)).toBe(path.join(ROOT, 'paper'));
  });

  it('scratch/<profile>/ with the same layout otherwise: smoke always, any profile in a live kernel', () => {
    expect(reportDir('figures', 'smoke', true)).toBe(path.join(SCRATCH_DIR, 'smoke', 'figures'));
    expect(reportDir('notebooks', 'smoke', true)).toBe(path.join(SCRATCH_DIR, 'smoke', 'notebooks'));
    expect(reportDir('tables', 'cpu', false)).toBe(path.join(SCRATCH_DIR, 'cpu', 'paper', 'tables'));
    expect(reportDir('figures', 'gpu', false)).toBe(path.join(SCRATCH_DIR, 'gpu', 'figures'));
  });

  it('publishing is MEDSSL_PUBLISH=1 exactly', () => {
    expect(isPublishing({ MEDSSL_PUBLISH: '1' })).toBe(true);
    expect(isPublishing({})).toBe(false);
    expect(isPublishing({ MEDSSL_PUBLISH: 'true' })).toBe(false);
    expect(isPublishing({ MEDSSL_PUBLISH: '0' })).toBe(false);
  });
});

describe('checkNameCarriesProfile', () => {
  it('accepts the profile as a whole word of the name', () => {
    expect(() => checkNameCarriesProfile('t', '03-tl-vs-ssl-bars-baseline-cpu', 'cpu')).not.toThrow();
    expect(() => checkNameCarriesProfile('t', 'smoke/01-splits', 'smoke')).not.toThrow();
  });
  it('rejects a name without it, or with it only inside another word', () => {
    expect(() => checkNameCarriesProfile('writeTable', '00-bench', 'cpu')).toThrow(
      /writeTable: the name "00-bench" does not carry its profile "cpu"/,
    );
    expect(() => checkNameCarriesProfile('t', '03-bars-smoke', 'cpu')).toThrow(/"cpu"/);
    expect(() => checkNameCarriesProfile('t', '01-cpus', 'cpu')).toThrow(/"cpu"/);
  });
});
