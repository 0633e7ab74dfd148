// Build @tensorflow/tfjs-node's N-API binding against a current libtensorflow (the C API inside a TensorFlow pip
// wheel) instead of the libtensorflow 2.9.1 its install script downloads. Used by scripts/native.ts
// (`npm run native`); selectBackend() loads the result.
//
// Layout (nothing here is committed: data/cache/ and node_modules/ are git-ignored):
//   node_modules/@tensorflow/tfjs-node-native/       the real tfjs-node 4.22.0 (npm alias, its install script denied)
//     deps -> data/cache/native/libtensorflow-<wheel>/  headers + libtensorflow*.so links (rpath $ORIGIN/../../deps/lib)
//     lib/napi-v8/tfjs_binding.node                   the binding we build (cached in data/cache/native/build-<key>/)
//     medssl-native.json                              what was built from what (read by selectBackend, backendProvenance)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from '../util/paths';

export const TFJS_NODE_VERSION = '4.22.0';
/** The TensorFlow wheel `npm run native` downloads by default (the only one on this machine's index). */
export const TF_WHEEL = { name: 'tensorflow-cpu', version: '2.21.0' };
/** npm alias under which the real @tensorflow/tfjs-node is installed (the plain name is danfojs-node's shim). */
export const NATIVE_PACKAGE = '@tensorflow/tfjs-node-native';
/** Wheels, extracted libtensorflow and built bindings; MEDSSL_NATIVE_CACHE shares them between clones (CI). */
export const NATIVE_CACHE = path.resolve(process.env.MEDSSL_NATIVE_CACHE || path.join(ROOT, 'data', 'cache', 'native'));
/** Name of the manifest written beside the binding (inside the package, so `npm ci` removes both together). */
export const MANIFEST_NAME = 'medssl-native.json';

export function manifestFile(pkgDir = nativePackageDir()): string | null {
  return pkgDir ? path.join(pkgDir, MANIFEST_NAME) : null;
}

export interface NativeManifest {
  /** Key of inputs that determine the binary (tfjs-node version, libtensorflow identity, N-API, node ABI). */
  key: string;
  tfjsNode: string;
  /** TensorFlow version of the libtensorflow linked (from the wheel name or the directory's version file). */
  tensorflow: string;
  /** 'cpu' for tensorflow-cpu; 'gpu' for a wheel with CUDA kernels (`tensorflow[and-cuda]`). */
  flavour: 'cpu' | 'gpu';
  /** Where libtensorflow came from: a wheel file (path + sha256) or a directory (MEDSSL_LIBTENSORFLOW). */
  source: { kind: 'wheel'; file: string; sha256: string } | { kind: 'dir'; dir: string };
  libDir: string;
  napi: number;
  node: string;
  bindingFile: string;
  bindingSha256: string;
  builtAt: string;
  buildSeconds: number;
}

/** Error with the step that failed and what to do about it; scripts/native.ts prints it as one line + fix. */
export class NativeBuildError extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly fix: string,
  ) {
    super(`[native] ${step}: ${message}\n[native] fix: ${fix}`);
  }
}

/** Folder of the installed real tfjs-node package, or null when the optional dependency is absent. */
export function nativePackageDir(): string | null {
  const req = createRequire(path.join(ROOT, 'package.json'));
  try {
    return path.dirname(req.resolve(`${NATIVE_PACKAGE}/package.json`));
  } catch {
    return null;
  }
}

/** The N-API version node-pre-gyp will look for: highest of the package's napi_versions this Node supports. */
export function napiBuildVersion(pkgNapiVersions: number[], nodeNapi = Number(process.versions.napi)): number {
  const ok = pkgNapiVersions.filter((v) => v <= nodeNapi);
  if (!ok.length)
    throw new Error(
      `Node's N-API ${nodeNapi} is older than every version the package supports (${pkgNapiVersions.join(', ')})`,
    );
  return Math.max(...ok);
}

/**
 * pip index arguments from `pip config list` output: the configured index-url (if any) and extra-index-urls,
 * passed explicitly so pip does not first try an unreachable default index. find-links is passed on as well.
 */
export function pipIndexArgs(configList: string): string[] {
  const vals = (key: string) =>
    configList
      .split('\n')
      .map((l) => l.match(new RegExp(`^[\\w:.-]*\\.${key}='(.*)'$`)))
      .filter((m): m is RegExpMatchArray => m != null)
      .flatMap((m) => m[1].split(/\s+/).filter(Boolean));
  const idx = [...new Set([...vals('index-url'), ...vals('extra-index-url')])];
  const links = [...new Set(vals('find-links'))];
  const args: string[] = [];
  if (idx.length) args.push('--index-url', idx[0]);
  for (const u of idx.slice(1)) args.push('--extra-index-url', u);
  for (const l of links) args.push('--find-links', l);
  return args;
}

/** TensorFlow version and flavour from a wheel file name (PEP 427), or null when it is not a TensorFlow wheel. */
export function parseTensorflowWheel(file: string): { version: string; flavour: 'cpu' | 'gpu' } | null {
  const m = path
    .basename(file)
    .match(/^(tensorflow|tensorflow_cpu|tf_nightly|tf_nightly_cpu)-([0-9][^-]*)-[^-]+-[^-]+-([^-]+)\.whl$/);
  if (!m) return null;
  // tensorflow (not -cpu) on Linux x86_64 carries the CUDA kernels; its CUDA libraries come from the nvidia-* wheels.
  const flavour = m[1].endsWith('_cpu') || !/linux.*x86_64/.test(m[3]) ? 'cpu' : 'gpu';
  return { version: m[2], flavour };
}

/**
 * C API functions the binding calls (TF_* / TFE_* identifiers followed by '(' in binding sources), minus its own
 * RAII classes and TF_TString_*, which are static inline functions in the headers (tsl/platform/ctstring_internal.h).
 */
export function requiredSymbols(sources: string[]): string[] {
  const own = new Set(['TFE_AutoOp', 'TF_AutoStatus', 'TF_AutoTensor']);
  const out = new Set<string>();
  for (const s of sources)
    for (const m of s.matchAll(/\b(TFE?_[A-Za-z0-9_]+)\s*\(/g))
      if (!own.has(m[1]) && !m[1].startsWith('TF_TString_')) out.add(m[1]);
  return [...out].sort();
}

/** Names in `required` that `nm -D --defined-only` output does not list as defined text symbols. */
export function missingSymbols(required: string[], nmOutput: string): string[] {
  const defined = new Set<string>();
  for (const line of nmOutput.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length >= 3 && /^[TtWi]$/.test(p[1])) defined.add(p[2].split('@')[0]);
  }
  return required.filter((s) => !defined.has(s));
}

export function cacheKey(parts: Record<string, string | number>): string {
  const h = createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  return h.slice(0, 16);
}

export function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function readNativeManifest(file = manifestFile()): NativeManifest | null {
  if (!file) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as NativeManifest;
  } catch {
    return null;
  }
}

/**
 * True when the binding recorded in the manifest is in place in the installed package (what selectBackend needs;
 * after a fresh `npm ci` it is not, until `npm run native` restores it from the cache).
 */
export function nativeBindingInstalled(m = readNativeManifest(), pkgDir = nativePackageDir()): boolean {
  if (!m || !pkgDir) return false;
  const f = path.join(pkgDir, 'lib', `napi-v${m.napi}`, 'tfjs_binding.node');
  return fs.existsSync(f) && fs.existsSync(path.join(pkgDir, 'deps', 'lib', 'libtensorflow.so'));
}
