// Reading NumPy .npy arrays and .npz archives (a zip of .npy files). fflate does the zip part; the .npy header is
// a short Python-dict literal that we parse here, because no maintained npm npy reader handles both the
// little-endian unicode ('<U') string arrays and the 64-bit integers that the manifest's files use.
// Supported dtypes: |u1 |i1 |b1 <u2 <i2 <u4 <i4 <f4 <f8 <i8 <u8 and <U<n> (UTF-32LE, fixed width).
import fs from 'node:fs';
import { unzipSync } from 'fflate';

export type NpyData = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array | string[];

export interface NpyArray {
  /** numpy descr string as stored, e.g. '|u1', '<i8', '<U12' */
  dtype: string;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function fail(where: string, problem: string): never {
  throw new Error(`${where}: ${problem}`);
}

/** Parse one .npy file held in memory. `where` names it in error messages (e.g. "file.npz[x64]"). */
export function parseNpy(bytes: Uint8Array, where = 'npy'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail(where, 'not a .npy array (bad magic bytes)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(where, 'truncated .npy header');
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(where, `unsupported .npy format version ${major}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(where, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(where, `cannot parse .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') fail(where, 'Fortran-ordered arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(v) || v < 0) fail(where, `bad shape entry "${s}" in .npy header`);
      return v;
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(dataStart);
  return { dtype: descr, shape, data: decodeBody(body, descr, count, where) };
}

function decodeBody(body: Uint8Array, descr: string, count: number, where: string): NpyData {
  const uni = /^([<|=])U(\d+)$/.exec(descr);
  if (uni) {
    const width = Number(uni[2]);
    need(body, count * width * 4, where);
    // Copy to an aligned buffer so we can view it as Uint32.
    const words = new Uint32Array(body.slice(0, count * width * 4).buffer);
    const out: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      let end = i * width;
      const stop = end + width;
      while (end < stop && words[end] !== 0) end++;
      out[i] = String.fromCodePoint(...words.subarray(i * width, end));
    }
    return out;
  }
  if (descr.startsWith('>')) fail(where, `big-endian dtype ${descr} is not supported`);
  const kind = descr.replace(/^[<|=]/, '');
  const table: Record<string, [number, (b: ArrayBuffer, n: number) => NpyData]> = {
    u1: [1, (b, n) => new Uint8Array(b, 0, n)],
    b1: [1, (b, n) => new Uint8Array(b, 0, n)],
    i1: [1, (b, n) => new Int8Array(b, 0, n)],
    u2: [2, (b, n) => new Uint16Array(b, 0, n)],
    i2: [2, (b, n) => new Int16Array(b, 0, n)],
    u4: [4, (b, n) => new Uint32Array(b, 0, n)],
    i4: [4, (b, n) => new Int32Array(b, 0, n)],
    f4: [4, (b, n) => new Float32Array(b, 0, n)],
    f8: [8, (b, n) => new Float64Array(b, 0, n)],
    i8: [8, (b, n) => new BigInt64Array(b, 0, n)],
    u8: [8, (b, n) => new BigUint64Array(b, 0, n)],
  };
  const t = table[kind];
  if (!t) fail(where, `unsupported dtype ${descr}`);
  const nbytes = count * t[0];
  need(body, nbytes, where);
  // 1-byte data is viewed in place (no copy of a 700 MB cache file); wider types need an aligned copy.
  if (t[0] === 1) return kind === 'i1' ? new Int8Array(body.buffer, body.byteOffset, count) : new Uint8Array(body.buffer, body.byteOffset, count);
  return t[1](body.slice(0, nbytes).buffer as ArrayBuffer, count);
}

function need(body: Uint8Array, nbytes: number, where: string): void {
  if (body.length < nbytes) fail(where, `truncated .npy data: expected ${nbytes} bytes, found ${body.length}`);
}

/** Names of the arrays in an .npz held in memory, without decompressing them. */
export function npzKeys(zip: Uint8Array, file = 'npz'): string[] {
  const keys: string[] = [];
  try {
    unzipSync(zip, {
      filter: (f) => {
        keys.push(f.name.replace(/\.npy$/, ''));
        return false;
      },
    });
  } catch (e) {
    fail(file, `not a readable zip/npz archive (truncated or corrupt: ${(e as Error).message})`);
  }
  return keys;
}

/**
 * Read arrays from an .npz file (path or bytes). `keys` limits what is decompressed; every requested key must
 * exist. Errors name the file and the problem (truncated zip, missing key, bad .npy header).
 */
export function readNpz(source: string | Uint8Array, keys?: readonly string[], label?: string): Record<string, NpyArray> {
  const file = label ?? (typeof source === 'string' ? source : 'npz');
  let zip: Uint8Array;
  if (typeof source === 'string') {
    try {
      zip = fs.readFileSync(source);
    } catch (e) {
      fail(file, `cannot read (${(e as Error).message})`);
    }
  } else zip = source;
  const want = keys ? new Set(keys.map((k) => `${k}.npy`)) : null;
  const present: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        present.push(f.name.replace(/\.npy$/, ''));
        return want ? want.has(f.name) : true;
      },
    });
  } catch (e) {
    fail(file, `not a readable zip/npz archive (truncated or corrupt: ${(e as Error).message})`);
  }
  if (keys) {
    const missing = keys.filter((k) => !(`${k}.npy` in files));
    if (missing.length) fail(file, `missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')} (the archive holds: ${present.join(', ') || 'nothing'})`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [name, bytes] of Object.entries(files)) {
    const key = name.replace(/\.npy$/, '');
    out[key] = parseNpy(bytes, `${file}[${key}]`);
  }
  return out;
}

/** Serialise an array as .npy (version 1.0), e.g. for the resized-image disk cache; numpy can read it. */
export function encodeNpy(data: Uint8Array | Int32Array | Float32Array, shape: number[]): Uint8Array {
  const descr = data instanceof Uint8Array ? '|u1' : data instanceof Int32Array ? '<i4' : '<f4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Convert an integer NpyArray (any int dtype, including int64) to Int32Array, checking the range. */
export function toInt32(a: NpyArray, where: string): Int32Array {
  const d = a.data;
  if (Array.isArray(d)) fail(where, `expected an integer array, found dtype ${a.dtype}`);
  if (d instanceof Float32Array || d instanceof Float64Array) fail(where, `expected an integer array, found dtype ${a.dtype}`);
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = Number(d[i]);
    if (!Number.isSafeInteger(v) || v > 2147483647 || v < -2147483648) fail(where, `value ${d[i]} at index ${i} does not fit in int32`);
    out[i] = v;
  }
  return out;
}
