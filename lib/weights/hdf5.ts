// Opening HDF5 files from Node. Library: h5wasm (the HDF5 C library compiled to WebAssembly, maintained by NIST).
// Chosen over jsfive because it is the reference implementation: it reads every layout, dtype and filter HDF5 and
// h5py write (Keras 2 fixed-length string attributes, Keras 3 variable-length ones), detects a truncated file
// from the superblock's stored end-of-file, reads from the path without loading the file into memory, and can
// write files (the tests make a non-Keras HDF5 file with it). It is ESM-only, so only the import/fetch path loads
// it (lib/weights/keras-file.ts); converted backbones are read without it (lib/weights/converted.ts).
import fs from 'node:fs';
import h5wasm from 'h5wasm/node';

export type H5File = InstanceType<typeof h5wasm.File>;
export type H5Group = InstanceType<typeof h5wasm.Group>;
export type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

let ready: Promise<void> | undefined;
async function init(): Promise<void> {
  ready ??= h5wasm.ready.then((m) => {
    // throw HDF5's error stack as an exception instead of printing it to stderr
    m.activate_throwing_error_handler();
  });
  return ready;
}

/** The innermost HDF5 message ("truncated file: eof = …") out of h5wasm's printed error stack. */
export function hdf5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  const lines = [...text.matchAll(/#\d+: .*? in [\w]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  return lines.length ? lines[lines.length - 1] : text.split('\n')[0];
}

/** HDF5 puts its signature at offset 0, 512, 1024, 2048, … (a user block may precede it). */
function hasSignature(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      fs.readSync(fd, buf, 0, 8, off);
      if (buf.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/** Open `file` read-only. Errors name the file and say whether it is missing, not HDF5 or damaged. */
export async function openHdf5(file: string): Promise<H5File> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new Error(`${file}: not found`);
  }
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (!hasSignature(file, st.size))
    throw new Error(`${file}: not an HDF5 file (no HDF5 signature; expected a Keras .h5 / .weights.h5 weights file)`);
  await init();
  let f: H5File;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    const why = hdf5Reason(e);
    const hint = /truncated/i.test(why)
      ? ' (the file is shorter than HDF5 says: an interrupted download or copy?)'
      : '';
    throw new Error(`${file}: cannot open HDF5 file: ${why}${hint}`, { cause: e });
  }
  return f;
}

/** Run `fn` on an open file and close it afterwards, translating HDF5 errors into ones naming the file. */
export async function withHdf5<T>(file: string, fn: (f: H5File) => T): Promise<T> {
  const f = await openHdf5(file);
  try {
    return fn(f);
  } catch (e) {
    if (/HDF5-DIAG/.test(String((e as Error)?.message ?? e)))
      throw new Error(`${file}: cannot read HDF5 data: ${hdf5Reason(e)}`, { cause: e });
    throw e;
  } finally {
    f.close();
  }
}

export function isGroup(x: unknown): x is H5Group {
  return x instanceof h5wasm.Group;
}

export function isDataset(x: unknown): x is H5Dataset {
  return x instanceof h5wasm.Dataset;
}

/** An attribute as a list of strings (Keras stores names as fixed- or variable-length string arrays). */
export function stringsAttr(g: H5Group, name: string): string[] | undefined {
  const a = g.attrs[name];
  if (!a) return undefined;
  const v = a.json_value as unknown;
  const list = Array.isArray(v) ? v : [v];
  return list.map((s) => String(s));
}

export function stringAttr(g: H5Group, name: string): string | undefined {
  return stringsAttr(g, name)?.[0];
}
