import { describe, it, expect } from 'vitest';
import { readNpz, parseNpy, npzKeys, encodeNpy, toInt32 } from '../../lib/data/npz';
import { NUMPY_NPZ_B64, NUMPY_NPY_B64 } from './fixtures/numpy-made';
import { npzBytes } from './fixtures/make-npz';

const numpyNpz = () => new Uint8Array(Buffer.from(NUMPY_NPZ_B64, 'base64'));

describe('npz / npy reading (checked against files NumPy wrote)', () => {
  it('reads every dtype the manifest uses: uint8, int64, (N,1) uint8 labels, <U strings, plus f4, bool, 0-d', () => {
    const a = readNpz(numpyNpz(), undefined, 'fixture.npz');
    expect(Object.keys(a).sort()).toEqual(['b', 'f32', 'i64', 'lab', 's', 'scalar', 'u8']);
    expect(a.u8.dtype).toBe('|u1');
    expect(a.u8.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.u8.data as Uint8Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(a.i64.dtype).toBe('<i8');
    expect(Array.from(a.i64.data as BigInt64Array, Number)).toEqual([-3, 0, 2 ** 40, 7]);
    expect(a.lab.shape).toEqual([3, 1]);
    expect(Array.from(toInt32(a.lab, 'lab'))).toEqual([0, 1, 1]);
    expect(Array.from(a.f32.data as Float32Array)).toEqual([0.5, -1.25, 3.0]);
    expect(a.s.dtype).toBe('<U5');
    expect(a.s.data).toEqual(['train', 'val', 'tést', 'ψ']);
    expect(Array.from(a.b.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(a.scalar.shape).toEqual([]);
    expect(Array.from(a.scalar.data as Int32Array)).toEqual([42]);
    expect(npzKeys(numpyNpz()).sort()).toEqual(['b', 'f32', 'i64', 'lab', 's', 'scalar', 'u8']);
  });

  it('reads a plain .npy (2-D int64)', () => {
    const a = parseNpy(new Uint8Array(Buffer.from(NUMPY_NPY_B64, 'base64')));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as BigInt64Array, Number)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('decompresses only the keys asked for, and names missing keys and the file', () => {
    const a = readNpz(numpyNpz(), ['s'], 'fixture.npz');
    expect(Object.keys(a)).toEqual(['s']);
    expect(() => readNpz(numpyNpz(), ['s', 'x64', 'y'], 'fixture.npz')).toThrow(/fixture\.npz: missing keys "x64", "y" \(the archive holds: .*u8/);
  });

  it('a truncated or corrupt zip is a clear error naming the file', () => {
    const z = numpyNpz();
    expect(() => readNpz(z.subarray(0, z.length - 40), undefined, 'cut.npz')).toThrow(/cut\.npz: not a readable zip\/npz archive \(truncated or corrupt/);
    expect(() => readNpz(new Uint8Array(100), undefined, 'zeros.npz')).toThrow(/zeros\.npz: not a readable zip/);
  });

  it('bad .npy headers and short data are errors naming the array', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'f.npz[x]')).toThrow(/f\.npz\[x\]: not a \.npy array/);
    const good = new Uint8Array(Buffer.from(NUMPY_NPY_B64, 'base64'));
    expect(() => parseNpy(good.subarray(0, good.length - 8), 'f.npz[x]')).toThrow(/f\.npz\[x\]: truncated \.npy data: expected 48 bytes, found 40/);
  });

  it('round-trips our own .npy writer (used by the image disk cache) and the fixture writer', () => {
    const data = Uint8Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => (i * 7) % 256);
    const a = parseNpy(encodeNpy(data, [2, 4, 4, 3]));
    expect(a.shape).toEqual([2, 4, 4, 3]);
    expect(Array.from(a.data as Uint8Array)).toEqual(Array.from(data));
    const z = readNpz(npzBytes({ y: { dtype: '<i8', shape: [3], data: [5, -1, 9] }, names: { dtype: 'str', data: ['a', 'bc'] } }));
    expect(Array.from(toInt32(z.y, 'y'))).toEqual([5, -1, 9]);
    expect(z.names.data).toEqual(['a', 'bc']);
  });
});
