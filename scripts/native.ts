// npm run native — make the native TensorFlow backend available: build @tensorflow/tfjs-node@4.22.0's N-API
// binding against the C API inside a current TensorFlow wheel (default tensorflow-cpu 2.21.0 from pip), then prove
// it with a smoke op and a gradient checked against the cpu backend. Idempotent (second run: "up to date").
//
//   npm run native                          pip download tensorflow-cpu==2.21.0 (the configured local index)
//   npm run native -- --wheel FILE.whl      use this wheel (tensorflow-cpu, or tensorflow for CUDA kernels)
//   MEDSSL_LIBTENSORFLOW=DIR npm run native a directory with include/ and either lib/libtensorflow.so* (libtensorflow
//                                           tarball) or libtensorflow_cc.so.2 (an installed tensorflow package)
//   npm run native -- --gpu                 pip download `tensorflow` (CUDA build) instead of tensorflow-cpu
//   npm run native -- --download            tfjs-node's own install script (libtensorflow 2.9.1; needs internet)
//   npm run native -- --force               rebuild even if the cached binding matches
//   npm run native -- --verify              re-run the smoke test on an up-to-date build
//
// Python: MEDSSL_PYTHON, else python3 on PATH. Caches land in data/cache/native/ (MEDSSL_NATIVE_CACHE to share
// them between clones), the binding and its manifest in node_modules/@tensorflow/tfjs-node-native/.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, stringOption } from '../lib/util/cli';
import type { NativeManifest } from '../lib/backend/native-build';

const { values } = cli({
  command: 'npm run native --',
  summary:
    "Build tfjs-node's N-API binding against the C API inside a TensorFlow wheel (default tensorflow-cpu from pip) and prove it with a smoke op and a gradient. Idempotent; MEDSSL_LIBTENSORFLOW=DIR uses an extracted libtensorflow instead.",
  options: {
    wheel: { type: 'string', arg: 'FILE.whl', help: 'use this wheel (tensorflow-cpu, or tensorflow for CUDA kernels)' },
    'lib-dir': { type: 'string', arg: 'DIR', help: 'a libtensorflow directory (same as MEDSSL_LIBTENSORFLOW)' },
    gpu: { type: 'boolean', help: 'pip download `tensorflow` (CUDA build) instead of tensorflow-cpu' },
    download: { type: 'boolean', help: "tfjs-node's own install script (libtensorflow 2.9.1; needs internet)" },
    force: { type: 'boolean', help: 'rebuild even if the cached binding matches' },
    verify: { type: 'boolean', help: 're-run the smoke test on an up-to-date build' },
    'child-verify': { type: 'boolean', help: '(internal) the smoke test, in the child process the build starts' },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const { unzipSync } = await import('fflate');
const { ROOT } = await import('../lib/util/paths');
const { writeJsonAtomic } = await import('../lib/util/atomic');
const {
  MANIFEST_NAME,
  NATIVE_CACHE,
  NATIVE_PACKAGE,
  NativeBuildError,
  TFJS_NODE_VERSION,
  TF_WHEEL,
  cacheKey,
  missingSymbols,
  napiBuildVersion,
  nativePackageDir,
  parseTensorflowWheel,
  pipIndexArgs,
  readNativeManifest,
  requiredSymbols,
  sha256File,
} = await import('../lib/backend/native-build');
const { nativeSmoke } = await import('../lib/backend/native-smoke');

const flag = (n: string) => values[n] === true;
const opt = (n: string) => stringOption(values, n);

const log = (s: string) => console.log(`[native] ${s}`);
const rel = (p: string) => (p.startsWith(ROOT) ? path.relative(ROOT, p) : p);

function run(cmd: string, args: string[], o: SpawnSyncOptions & { quiet?: boolean } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    ...o,
    stdio: o.quiet === false ? 'inherit' : 'pipe',
  });
  return {
    status: r.error ? -1 : r.status,
    out: String(r.stdout ?? ''),
    err: String(r.stderr ?? '') + (r.error ? String(r.error.message) : ''),
  };
}

function python(): string {
  if (process.env.MEDSSL_PYTHON) return process.env.MEDSSL_PYTHON;
  return 'python3';
}

// ---------------------------------------------------------------------------------------------------------------
// 1. libtensorflow: a directory, a wheel, or tfjs-node's own download

interface LibSource {
  libDir: string; // contains include/ and lib/libtensorflow.so, lib/libtensorflow_framework.so
  tensorflow: string;
  flavour: 'cpu' | 'gpu';
  source: NativeManifest['source'];
  identity: string; // for the cache key
}

function fromDir(dir: string): LibSource {
  const d = path.resolve(dir);
  if (!fs.existsSync(path.join(d, 'include', 'tensorflow', 'c', 'c_api.h'))) {
    throw new NativeBuildError(
      'libtensorflow',
      `${d} has no include/tensorflow/c/c_api.h`,
      'point MEDSSL_LIBTENSORFLOW at a libtensorflow tarball folder or an installed tensorflow package folder (…/site-packages/tensorflow)',
    );
  }
  const tarball = fs.existsSync(path.join(d, 'lib', 'libtensorflow.so'));
  const wheelPkg = fs.existsSync(path.join(d, 'libtensorflow_cc.so.2'));
  if (!tarball && !wheelPkg) {
    throw new NativeBuildError(
      'libtensorflow',
      `${d} has neither lib/libtensorflow.so nor libtensorflow_cc.so.2`,
      "use a libtensorflow C tarball folder or a tensorflow wheel's package folder",
    );
  }
  let libDir = d;
  if (wheelPkg) {
    // An installed tensorflow package: link its libraries (in place, so their $ORIGIN-relative CUDA rpaths keep working).
    libDir = path.join(NATIVE_CACHE, `libtensorflow-dir-${cacheKey({ d })}`);
    fs.mkdirSync(path.join(libDir, 'lib'), { recursive: true });
    relink(path.join(libDir, 'include'), path.join(d, 'include'));
    relink(path.join(libDir, 'lib', 'libtensorflow.so'), path.join(d, 'libtensorflow_cc.so.2'));
    relink(path.join(libDir, 'lib', 'libtensorflow_framework.so'), path.join(d, 'libtensorflow_framework.so.2'));
  }
  const verFile = ['python/framework/versions.py', 'version.py']
    .map((f) => path.join(d, f))
    .find((f) => fs.existsSync(f));
  const ver = verFile
    ? (fs.readFileSync(verFile, 'utf8').match(/VERSION\s*=\s*['"]([^'"]+)/)?.[1] ?? 'unknown')
    : 'unknown';
  const cuda =
    fs.readdirSync(path.join(d, wheelPkg ? '.' : 'lib')).some((f) => /cuda|gpu/i.test(f)) ||
    fs.existsSync(path.join(d, '..', 'nvidia'));
  const st = fs.statSync(path.join(libDir, 'lib', 'libtensorflow.so'));
  return {
    libDir,
    tensorflow: ver,
    flavour: cuda ? 'gpu' : 'cpu',
    source: { kind: 'dir', dir: d },
    identity: `${d}:${st.size}:${st.mtimeMs}`,
  };
}

function relink(link: string, target: string) {
  try {
    if (fs.readlinkSync(link) === target) return;
  } catch {
    /* absent or not a link */
  }
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(target, link);
}

function downloadWheel(gpu: boolean): string {
  const name = gpu ? 'tensorflow' : TF_WHEEL.name;
  const dir = path.join(NATIVE_CACHE, 'wheels');
  const stem = `${name.replace(/-/g, '_')}-${TF_WHEEL.version}-`;
  const have = fs.existsSync(dir)
    ? fs.readdirSync(dir).find((f) => f.startsWith(stem) && f.endsWith('.whl'))
    : undefined;
  if (have) return path.join(dir, have);
  const py = python();
  const pv = run(py, ['-m', 'pip', '--version']);
  if (pv.status !== 0) {
    throw new NativeBuildError(
      'pip',
      `${py} -m pip does not run (${pv.err.trim().split('\n').pop()})`,
      'install pip (apt-get install python3-pip) or set MEDSSL_PYTHON; or pass --wheel FILE / MEDSSL_LIBTENSORFLOW=DIR; or --download when online',
    );
  }
  const cfg = run(py, ['-m', 'pip', 'config', 'list']);
  const idx = pipIndexArgs(cfg.out);
  log(`pip download ${name}==${TF_WHEEL.version} ${idx.length ? idx.join(' ') : '(default index)'} …`);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, '.dl-'));
  try {
    const r = run(
      py,
      [
        '-m',
        'pip',
        'download',
        '--no-deps',
        '--only-binary=:all:',
        '--disable-pip-version-check',
        ...idx,
        '-d',
        tmp,
        `${name}==${TF_WHEEL.version}`,
      ],
      { timeout: 20 * 60_000 },
    );
    const got = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (r.status !== 0 || !got) {
      throw new NativeBuildError(
        'pip',
        `pip download ${name}==${TF_WHEEL.version} failed: ${(r.err || r.out).trim().split('\n').slice(-2).join(' | ')}`,
        `make a ${name} ${TF_WHEEL.version} wheel reachable by pip, or pass --wheel FILE`,
      );
    }
    fs.renameSync(path.join(tmp, got), path.join(dir, got));
    return path.join(dir, got);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fromWheel(file: string): LibSource {
  const w = parseTensorflowWheel(file);
  if (!w)
    throw new NativeBuildError(
      'wheel',
      `${file} is not a TensorFlow wheel (tensorflow[-cpu]-<ver>-…-<platform>.whl)`,
      'pass a tensorflow or tensorflow-cpu wheel for this platform',
    );
  if (!/linux.*_(x86_64|aarch64)\.whl$/.test(file) || (os.arch() === 'x64') !== /x86_64/.test(file)) {
    throw new NativeBuildError(
      'wheel',
      `${path.basename(file)} is not for ${os.platform()}-${os.arch()}`,
      "use a manylinux wheel for this machine's architecture",
    );
  }
  const sha = sha256File(file);
  const libDir = path.join(NATIVE_CACHE, `libtensorflow-${path.basename(file, '.whl')}`);
  const done = path.join(libDir, '.complete');
  if (!fs.existsSync(done) || fs.readFileSync(done, 'utf8').trim() !== sha) {
    log(`extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/ from ${path.basename(file)} …`);
    const t0 = Date.now();
    const tmp = `${libDir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const libs = new Set(['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2']);
    const files = unzipSync(fs.readFileSync(file), {
      filter: (f) => libs.has(f.name) || (f.name.startsWith('tensorflow/include/') && !f.name.endsWith('/')),
    });
    for (const l of libs) {
      if (!files[l])
        throw new NativeBuildError(
          'wheel',
          `${path.basename(file)} has no ${l}`,
          'use a TensorFlow ≥ 2.x manylinux wheel (it ships the C API in libtensorflow_cc.so.2)',
        );
    }
    for (const [name, data] of Object.entries(files)) {
      const dest = libs.has(name)
        ? path.join(tmp, 'lib', path.basename(name))
        : path.join(tmp, name.slice('tensorflow/'.length));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, data);
    }
    fs.symlinkSync('libtensorflow_cc.so.2', path.join(tmp, 'lib', 'libtensorflow.so'));
    fs.symlinkSync('libtensorflow_framework.so.2', path.join(tmp, 'lib', 'libtensorflow_framework.so'));
    fs.writeFileSync(path.join(tmp, '.complete'), sha);
    fs.rmSync(libDir, { recursive: true, force: true });
    fs.renameSync(tmp, libDir);
    log(`extracted ${Object.keys(files).length} files in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${rel(libDir)}`);
  }
  return {
    libDir,
    tensorflow: w.version,
    flavour: w.flavour,
    source: { kind: 'wheel', file: path.basename(file), sha256: sha },
    identity: sha,
  };
}

function viaDownload(pkgDir: string): LibSource {
  log("running tfjs-node's own install script (downloads libtensorflow 2.9.1 and a prebuilt binding) …");
  const r = run(process.execPath, ['scripts/install.js'], { cwd: pkgDir, quiet: false });
  if (r.status !== 0 || !fs.existsSync(path.join(pkgDir, 'deps', 'lib', 'libtensorflow.so'))) {
    throw new NativeBuildError(
      'download',
      "tfjs-node's install script failed (it needs storage.googleapis.com)",
      'use the wheel path instead: npm run native (pip) or --wheel FILE',
    );
  }
  return {
    libDir: path.join(pkgDir, 'deps'),
    tensorflow: '2.9.1',
    flavour: 'cpu',
    source: { kind: 'dir', dir: path.join(pkgDir, 'deps') },
    identity: 'download-2.9.1',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. checks, build, cache

function checkSymbols(pkgDir: string, libDir: string) {
  const sources = fs
    .readdirSync(path.join(pkgDir, 'binding'))
    .filter((f) => /\.(cc|h)$/.test(f))
    .map((f) => fs.readFileSync(path.join(pkgDir, 'binding', f), 'utf8'));
  const need = requiredSymbols(sources);
  // The C API is split between the two libraries (tensors and status live in the framework library).
  const libs = ['libtensorflow.so', 'libtensorflow_framework.so'].map((f) =>
    fs.realpathSync(path.join(libDir, 'lib', f)),
  );
  let table = '';
  for (const lib of libs) {
    const nm = run('nm', ['-D', '--defined-only', lib]);
    if (nm.status !== 0)
      throw new NativeBuildError('symbols', `nm -D ${lib} failed: ${nm.err.trim()}`, 'apt-get install binutils');
    table += nm.out;
  }
  const missing = missingSymbols(need, table);
  if (missing.length) {
    throw new NativeBuildError(
      'symbols',
      `${libs.map((l) => path.basename(l)).join(' + ')} lack ${missing.length} C API function(s) the binding calls: ${missing.slice(0, 8).join(', ')}`,
      'use a TensorFlow build that exports the C API (the official tensorflow / tensorflow-cpu wheels do)',
    );
  }
  const lib = libs[0];
  log(`${need.length} C API functions the binding calls are exported by ${path.basename(lib)}`);
}

function nodeGyp(): string {
  const cands = [
    process.env.npm_config_node_gyp,
    path.join(
      path.dirname(fs.realpathSync(process.execPath)),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  const npmRoot = run('npm', ['root', '-g']);
  if (npmRoot.status === 0)
    cands.push(path.join(npmRoot.out.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const f = cands.find((c): c is string => !!c && fs.existsSync(c));
  if (!f)
    throw new NativeBuildError(
      'node-gyp',
      'node-gyp not found (npm bundles it)',
      'run through `npm run native`, or npm install -g node-gyp',
    );
  return f;
}

function checkToolchain() {
  for (const [cmd, args, fix] of [
    ['c++', ['--version'], 'apt-get install g++'],
    ['make', ['--version'], 'apt-get install make'],
    ['python3', ['--version'], 'apt-get install python3 (node-gyp runs gyp with it)'],
  ] as const) {
    if (run(cmd, [...args]).status !== 0) throw new NativeBuildError('toolchain', `${cmd} not found`, fix);
  }
}

function build(pkgDir: string, napi: number): { file: string; seconds: number } {
  checkToolchain();
  const gyp = nodeGyp();
  const args = [
    gyp,
    'rebuild',
    '--jobs=2',
    `--napi_build_version=${napi}`,
    '--module_name=tfjs_binding',
    `--module_path=${path.join(pkgDir, 'lib', `napi-v${napi}`)}`,
  ];
  // Use the headers of the running Node when they are installed beside it (Debian's nodejs ships /usr/include/node);
  // otherwise node-gyp uses its cache (~/.cache/node-gyp) or downloads them.
  const prefix = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
  log(`node-gyp rebuild (N-API ${napi}) …`);
  const t0 = Date.now();
  const r = run(process.execPath, args, { cwd: pkgDir });
  const file = path.join(pkgDir, 'lib', `napi-v${napi}`, 'tfjs_binding.node');
  if (r.status !== 0 || !fs.existsSync(file)) {
    const tail = (r.err + r.out)
      .split('\n')
      .filter((l) => /error|Error|not found|No such/.test(l))
      .slice(0, 4)
      .join(' | ');
    throw new NativeBuildError(
      'build',
      `node-gyp rebuild failed: ${tail || 'see output of: ' + args.join(' ')}`,
      'needs g++, make, python3 and Node headers (node-gyp fetches them when online)',
    );
  }
  return { file, seconds: (Date.now() - t0) / 1000 };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. verify in a fresh process (the binding is loaded once per process)

function verify(): void {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const r = run(tsx, [path.join(ROOT, 'scripts', 'native.ts'), '--child-verify'], {
    cwd: ROOT,
    env: { ...process.env, MEDSSL_BACKEND: 'tensorflow', MEDSSL_THREADS: process.env.MEDSSL_THREADS ?? '1' },
  });
  const line = r.out.split('\n').find((l) => l.startsWith('VERIFY '));
  if (r.status !== 0 || !line) {
    const why = (r.err + r.out)
      .split('\n')
      .filter((l) => l.trim() && !/^\s+at /.test(l))
      .slice(-3)
      .join(' | ');
    throw new NativeBuildError(
      'verify',
      `the built backend does not pass the smoke test: ${why}`,
      'rerun with --force; if it persists, the wheel and binding disagree (report the message)',
    );
  }
  log(`verified: ${line.slice(7)}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  if (flag('child-verify')) {
    console.log(`VERIFY ${JSON.stringify(await nativeSmoke())}`);
    return;
  }
  const t0 = Date.now();
  const pkgDir = nativePackageDir();
  if (!pkgDir) {
    throw new NativeBuildError(
      'package',
      `${NATIVE_PACKAGE} (npm alias of @tensorflow/tfjs-node@${TFJS_NODE_VERSION}) is not installed`,
      'run npm install (it is an optionalDependency; check that the registry is reachable)',
    );
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
    version: string;
    binary: { napi_versions: number[] };
  };
  const napi = napiBuildVersion(pkg.binary.napi_versions);

  const dirEnv = opt('lib-dir') ?? process.env.MEDSSL_LIBTENSORFLOW;
  const wheelArg = opt('wheel');
  let src: LibSource;
  if (flag('download')) src = viaDownload(pkgDir);
  else if (dirEnv) src = fromDir(dirEnv);
  else if (wheelArg) {
    if (!fs.existsSync(wheelArg))
      throw new NativeBuildError('wheel', `${wheelArg} does not exist`, 'pass the path of a downloaded wheel');
    src = fromWheel(path.resolve(wheelArg));
  } else src = fromWheel(downloadWheel(flag('gpu')));

  const bindingSrcHash = cacheKey(
    Object.fromEntries(
      fs
        .readdirSync(path.join(pkgDir, 'binding'))
        .map((f) => [f, fs.readFileSync(path.join(pkgDir, 'binding', f), 'utf8')]),
    ),
  );
  const key = cacheKey({
    tfjsNode: pkg.version,
    lib: src.identity,
    napi,
    abi: process.versions.modules,
    node: process.version,
    bindingSrcHash,
  });
  const binFile = path.join(pkgDir, 'lib', `napi-v${napi}`, 'tfjs_binding.node');
  const cached = path.join(NATIVE_CACHE, `build-${key}`, 'tfjs_binding.node');
  const prev = readNativeManifest(path.join(pkgDir, MANIFEST_NAME));

  // deps/ → the libtensorflow folder (headers for the build, libraries for the binding's rpath).
  if (src.libDir !== path.join(pkgDir, 'deps')) relink(path.join(pkgDir, 'deps'), src.libDir);

  if (
    !flag('force') &&
    prev?.key === key &&
    fs.existsSync(binFile) &&
    fs.existsSync(cached) &&
    sha256File(binFile) === prev.bindingSha256
  ) {
    log(
      `up to date: tfjs-node ${prev.tfjsNode} on TensorFlow ${prev.tensorflow} (${prev.flavour}), built ${prev.builtAt}`,
    );
    if (flag('verify')) verify();
    return;
  }
  checkSymbols(pkgDir, src.libDir);
  let buildSeconds = 0;
  if (!flag('force') && fs.existsSync(cached)) {
    log(`restoring the binding from ${rel(cached)} (same inputs)`);
    fs.mkdirSync(path.dirname(binFile), { recursive: true });
    fs.copyFileSync(cached, binFile);
  } else {
    const b = build(pkgDir, napi);
    buildSeconds = b.seconds;
    log(`built in ${b.seconds.toFixed(0)} s`);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.copyFileSync(b.file, `${cached}.tmp`);
    fs.renameSync(`${cached}.tmp`, cached);
  }
  const m: NativeManifest = {
    key,
    tfjsNode: pkg.version,
    tensorflow: src.tensorflow,
    flavour: src.flavour,
    source: src.source,
    libDir: rel(src.libDir),
    napi,
    node: process.version,
    bindingFile: rel(binFile),
    bindingSha256: sha256File(binFile),
    builtAt: new Date().toISOString(),
    buildSeconds,
  };
  // The manifest is what selectBackend() trusts: write it, then withdraw it if the smoke test fails.
  writeJsonAtomic(path.join(pkgDir, MANIFEST_NAME), m);
  try {
    verify();
  } catch (e) {
    fs.rmSync(path.join(pkgDir, MANIFEST_NAME), { force: true });
    throw e;
  }
  log(
    `ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: selectBackend() now picks "tensorflow" (MEDSSL_BACKEND=wasm to opt out)`,
  );
}

main().catch((e) => {
  if (e instanceof NativeBuildError) console.error(e.message);
  else console.error(`[native] unexpected failure: ${(e as Error)?.stack ?? e}`);
  process.exit(1);
});
