// Keras weights command line: npm run weights -- <command>
//   fetch xception-imagenet|resnet50-imagenet [--force]
//        download Keras's published ImageNet no-top file (md5 checked) into data/cache/weights/ and convert it to the
//        backbone arm imagenet-xception / imagenet-resnet50
//   import <file.h5> --arch xception|resnet50 [--name NAME] [--scaling unit|symmetric|imagenet|caffe] [--force]
//        convert any Keras-layout Xception / ResNet-50 weights file (Keras 2 .h5 or Keras 3 .weights.h5, top or
//        no-top) to the backbone arm keras-file:NAME (default NAME: the file name without extension)
//   list  converted weights in data/cache/weights/
// Only light modules are imported up front, so --help and argument errors answer at once (tfjs and the HDF5
// reader load with the command that needs them).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { InputScaling } from '../lib/data/scaling';
import { KERAS_ARCHS, type KerasArch } from '../lib/weights/keras-layouts';
import { KERAS_WEIGHTS } from '../lib/weights/published';

const USAGE = `usage: npm run weights -- <command>
  fetch <${Object.keys(KERAS_WEIGHTS).join('|')}> [--force]
      download Keras's ImageNet no-top weights (md5 checked) into data/cache/weights/ and convert them
      (arms: ${Object.values(KERAS_WEIGHTS)
        .map((e) => e.converted)
        .join(', ')})
  import <file.h5> --arch <${KERAS_ARCHS.join('|')}> [--name NAME] [--scaling unit|symmetric|imagenet|caffe] [--force]
      convert a Keras-layout weights file (Keras 2 .h5 or Keras 3 .weights.h5) to the arm keras-file:NAME
      (--scaling: the input scaling the weights were trained with; default symmetric for xception, caffe for resnet50)
  list
      converted weights in data/cache/weights
options: --help`;

const SCALINGS: InputScaling[] = ['unit', 'symmetric', 'imagenet', 'caffe'];

function fail(msg: string): never {
  process.stderr.write(`${msg}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        force: { type: 'boolean' },
        arch: { type: 'string' },
        name: { type: 'string' },
        scaling: { type: 'string' },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values: v, positionals: pos } = parsed;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [cmd, ...rest] = pos;
  if (cmd === 'fetch') {
    if (rest.length !== 1) fail('fetch: name one of the weights');
    if (v.arch || v.name || v.scaling) fail('fetch: --arch, --name and --scaling are for import');
    const { fetchKerasWeights } = await import('../lib/weights/fetch');
    const dir = await fetchKerasWeights(rest[0], { force: v.force });
    process.stdout.write(`${dir}\n`);
  } else if (cmd === 'import') {
    if (rest.length !== 1) fail('import: give one Keras weights file');
    if (!v.arch) fail(`import: --arch is required (${KERAS_ARCHS.join(' or ')})`);
    if (!KERAS_ARCHS.includes(v.arch as KerasArch))
      fail(`import: unknown --arch "${v.arch}" (expected ${KERAS_ARCHS.join(' or ')})`);
    if (v.scaling && !SCALINGS.includes(v.scaling as InputScaling))
      fail(`import: unknown --scaling "${v.scaling}" (expected ${SCALINGS.join(', ')})`);
    const { importKerasFile } = await import('../lib/weights/fetch');
    const { checkWeightsName } = await import('../lib/weights/converted');
    const file = rest[0];
    const name = checkWeightsName(v.name ?? path.basename(file).replace(/(\.weights)?\.h5$/i, ''));
    const dir = await importKerasFile(file, v.arch as KerasArch, name, {
      force: v.force,
      scaling: v.scaling as InputScaling | undefined,
    });
    process.stdout.write(`${dir}\nuse it as the arm keras-file:${name}\n`);
  } else if (cmd === 'list') {
    if (rest.length) fail('list takes no arguments');
    const { readConvertedMeta, WEIGHTS_DIR } = await import('../lib/weights/converted');
    const names = fs.existsSync(WEIGHTS_DIR)
      ? fs.readdirSync(WEIGHTS_DIR).filter((n) => fs.existsSync(path.join(WEIGHTS_DIR, n, 'weights.json')))
      : [];
    if (!names.length) process.stdout.write(`no converted weights in ${WEIGHTS_DIR}\n`);
    for (const n of names) {
      const m = readConvertedMeta(n);
      process.stdout.write(
        `${n}\t${m.arch}\t${m.scaling}\t${m.source.file}\tsha256 ${m.source.sha256.slice(0, 16)}\t${m.source.origin}\n`,
      );
    }
  } else {
    fail(cmd ? `unknown command "${cmd}"` : 'no command given');
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exit(1);
});
