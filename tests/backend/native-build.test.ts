// Pure pieces of `npm run native`: pip index arguments, wheel names, the C API symbol check, N-API choice.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import {
  missingSymbols,
  napiBuildVersion,
  nativePackageDir,
  parseTensorflowWheel,
  pipIndexArgs,
  requiredSymbols,
} from '../../lib/backend/native-build';

describe('pipIndexArgs', () => {
  it('passes the configured indexes explicitly (first as --index-url) and find-links', () => {
    const out = [
      ":env:.default-timeout='180'",
      "global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'",
      "global.find-links='/opt/wheels'",
      ":env:.find-links='/opt/wheels'",
    ].join('\n');
    expect(pipIndexArgs(out)).toEqual([
      '--index-url',
      'file:///opt/pypi/simple',
      '--extra-index-url',
      'file:///opt/pypi-more/simple',
      '--find-links',
      '/opt/wheels',
    ]);
    expect(pipIndexArgs("global.index-url='https://a/simple'\nuser.extra-index-url='https://b/simple'")).toEqual([
      '--index-url',
      'https://a/simple',
      '--extra-index-url',
      'https://b/simple',
    ]);
    expect(pipIndexArgs('')).toEqual([]);
  });
});

describe('parseTensorflowWheel', () => {
  it('reads version and CPU/GPU flavour; refuses other wheels', () => {
    expect(parseTensorflowWheel('/x/tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')).toEqual({
      version: '2.21.0',
      flavour: 'cpu',
    });
    expect(parseTensorflowWheel('tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl')).toEqual({
      version: '2.21.0',
      flavour: 'gpu',
    });
    expect(parseTensorflowWheel('tensorflow-2.21.0-cp311-cp311-manylinux_2_27_aarch64.whl')).toEqual({
      version: '2.21.0',
      flavour: 'cpu',
    });
    expect(parseTensorflowWheel('torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl')).toBeNull();
    expect(parseTensorflowWheel('tensorflow-2.21.0.tar.gz')).toBeNull();
  });
});

describe('C API symbol check', () => {
  it('lists called TF_/TFE_ functions, not RAII classes or header-inline TF_TString_*', () => {
    const src =
      'TF_AutoStatus st; TFE_Execute(op, r, &n, st.status); TF_TString_Init(&s); auto t = TF_AllocateTensor (TF_FLOAT, d, 2, n);';
    expect(requiredSymbols([src])).toEqual(['TFE_Execute', 'TF_AllocateTensor']);
  });
  it('finds missing ones in nm -D output (versioned names, weak and undefined entries)', () => {
    const nm = [
      '0000000000123 T TFE_Execute',
      '0000000000456 T TF_AllocateTensor@@tensorflow',
      '                 U TF_NewStatus',
    ].join('\n');
    expect(missingSymbols(['TFE_Execute', 'TF_AllocateTensor', 'TF_NewStatus'], nm)).toEqual(['TF_NewStatus']);
  });
  it('the installed tfjs-node binding calls exactly the functions the build checks', () => {
    const dir = nativePackageDir();
    if (!dir) return console.log('[tests] @tensorflow/tfjs-node-native not installed: skipped');
    const srcs = fs
      .readdirSync(path.join(dir, 'binding'))
      .map((f) => fs.readFileSync(path.join(dir, 'binding', f), 'utf8'));
    const need = requiredSymbols(srcs);
    expect(need).toContain('TFE_Execute');
    expect(need).toContain('TF_LoadSessionFromSavedModel');
    expect(need.every((s) => /^TFE?_/.test(s))).toBe(true);
  });
});

describe('napiBuildVersion', () => {
  it('takes the highest package N-API version the running Node supports', () => {
    expect(napiBuildVersion([3, 4, 5, 6, 7, 8], 9)).toBe(8);
    expect(napiBuildVersion([3, 4, 5, 6, 7, 8], 6)).toBe(6);
    expect(() => napiBuildVersion([8], 6)).toThrow(/older/);
  });
});
