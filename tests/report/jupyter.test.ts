import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelEnv, notebookSources, selectNotebooks } from '../../lib/report/jupyter';
import { ROOT } from '../../lib/util/paths';

describe('kernelEnv', () => {
  it('sets MEDSSL_PUBLISH=1 only for a publishing run, and drops an inherited one otherwise', () => {
    const base = { PATH: '/bin', MEDSSL_PUBLISH: '1', JUPYTER_PATH: '/elsewhere' };
    const live = kernelEnv('smoke', false, base);
    expect('MEDSSL_PUBLISH' in live).toBe(false);
    expect(live.MEDSSL_PROFILE).toBe('smoke');
    expect(live.JUPYTER_PATH).toBe([path.join(ROOT, 'jupyter'), '/elsewhere'].join(path.delimiter));
    expect(kernelEnv('cpu', true, { PATH: '/bin' }).MEDSSL_PUBLISH).toBe('1');
    expect(base.MEDSSL_PUBLISH).toBe('1'); // the caller's environment is not modified
  });

  it('a publishing run computes with one thread per kernel unless MEDSSL_THREADS is set; a live kernel is left alone', () => {
    expect(kernelEnv('cpu', true, { PATH: '/bin' }).MEDSSL_THREADS).toBe('1');
    expect(kernelEnv('cpu', true, { PATH: '/bin', MEDSSL_THREADS: '2' }).MEDSSL_THREADS).toBe('2');
    expect('MEDSSL_THREADS' in kernelEnv('cpu', false, { PATH: '/bin' })).toBe(false);
  });
});

describe('notebook selection', () => {
  it('lists notebooks/NN-name.ts in order and --only picks by prefix', () => {
    const all = notebookSources();
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect([...all].sort()).toEqual(all);
    expect(selectNotebooks(all, ['00', '03'])).toEqual(all.filter((n) => n.startsWith('00-') || n.startsWith('03-')));
    expect(selectNotebooks(all, undefined)).toEqual(all);
  });
});
