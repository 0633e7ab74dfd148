// `npm run models`: the variant table with parameter counts and forward FLOPs per image.
// Full-size nets are also shown with Keras' 1000-class top, the configuration whose counts Keras publishes.
import { cli } from '../lib/util/cli';

cli({
  command: 'npm run models --',
  summary: 'The architecture table: parameters and forward FLOPs per image of every variant.',
  options: {},
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const tf = await import('@tensorflow/tfjs');
const { buildArchitecture, VARIANTS, variantSpec } = await import('../lib/models/variants');
const { flopsPerImage } = await import('../lib/models/flops');

await tf.setBackend('cpu');
const rows: string[][] = [
  ['variant', 'arch', 'input', 'width', 'depth', 'params (backbone)', 'params (+1000 top)', 'GFLOP/img (fwd)', 'note'],
];
for (const name of Object.keys(VARIANTS)) {
  const spec = variantSpec(name);
  const { model } = buildArchitecture(name, { init: false });
  const { model: top } = buildArchitecture(name, { init: false, topClasses: 1000 });
  const depth =
    spec.arch === 'xception' ? `middle×${spec.middleRepeats}` : `[${spec.blocks.join(',')}] ${spec.stem} stem`;
  rows.push([
    name,
    spec.arch,
    `${spec.inputSize}`,
    `${spec.width}`,
    depth,
    model.countParams().toLocaleString('en-US'),
    top.countParams().toLocaleString('en-US'),
    (flopsPerImage(model) / 1e9).toFixed(4),
    spec.note,
  ]);
  model.dispose();
  top.dispose();
}
const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j >= 5 && j <= 7 ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  '));
  if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
}
console.log(
  '\nParams include BN moving statistics (as Keras counts them). FLOPs: 2 per multiply-add, conv + dense only.',
);
console.log(
  'ImageNet arm: MobileNetV2 α0.35 (410,208 params, stand-in for ImageNet Xception) — see lib/models/mobilenet-v2-imagenet.ts',
);
