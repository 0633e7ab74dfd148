// ResNet (He et al. 2016). ResNet-50 follows the original Keras applications layout ("v1": keras_applications
// resnet50.py): ZeroPadding + 7×7/2 conv 'conv1' with bias, 'bn_conv1', 3×3/2 max-pool, bottleneck blocks named
// res{stage}{block}_branch2{a,b,c} / bn…, stride on the first 1×1 conv, projection shortcut '…_branch1'.
// With the 1000-class top at 224 px: 25,636,712 parameters. Keras initialises these kernels He-normal.
// ResNet-18 uses basic blocks (two 3×3 convs, no conv bias, as in torchvision: 11,689,512 parameters with a
// 1000-class top) under the same naming scheme. Small-input variants use the CIFAR stem (one 3×3/1 conv, no
// max-pool) so a 32 px image is not reduced to 8 px before the first block.
import * as tf from '@tensorflow/tfjs';
import { add, bn, conv, keras1000Top, maxPool, relu, scaled, zeroPad } from './layers';

type ST = tf.SymbolicTensor;

export interface ResNetConfig {
  inputSize: number;
  block: 'bottleneck' | 'basic';
  /** Residual blocks in stages 2..5: [3,4,6,3] for ResNet-50, [2,2,2,2] for ResNet-18. */
  blocks: number[];
  /** Channel multiplier on the base widths 64/128/256/512. */
  width?: number;
  stem?: 'imagenet' | 'cifar';
  topClasses?: number;
  /** BatchNormalization epsilon: 1e-3 in keras_applications v1 (default), 1.001e-5 in Keras 3 / tf.keras ResNet50. */
  bnEpsilon?: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function buildResNet(cfg: ResNetConfig, name = 'resnet'): { model: tf.LayersModel; gradCamLayer: string } {
  const w = cfg.width ?? 1;
  const bottleneck = cfg.block === 'bottleneck';
  const eps = cfg.bnEpsilon ?? 1e-3;
  const useBias = bottleneck; // Keras v1 ResNet-50 convs have biases; torchvision-style ResNet-18 has none
  const input = tf.input({ shape: [cfg.inputSize, cfg.inputSize, 3], name: 'input_1' });
  let x: ST;
  if ((cfg.stem ?? 'imagenet') === 'imagenet') {
    x = zeroPad(input, 3, 'conv1_pad');
    x = conv(x, scaled(64, w), 7, { strides: 2, useBias, name: 'conv1' });
    x = bn(x, 'bn_conv1', eps);
    x = relu(x, 'conv1_relu');
    x = zeroPad(x, 1, 'pool1_pad');
    x = maxPool(x, 3, 2, 'valid', 'pool1');
  } else {
    x = conv(input, scaled(64, w), 3, { padding: 'same', useBias, name: 'conv1' });
    x = bn(x, 'bn_conv1', eps);
    x = relu(x, 'conv1_relu');
  }
  let inCh = scaled(64, w);
  let last = 'conv1_relu';
  cfg.blocks.forEach((nBlocks, si) => {
    const stage = si + 2;
    const base = scaled(64 * 2 ** si, w);
    const outCh = bottleneck ? base * 4 : base;
    for (let b = 0; b < nBlocks; b++) {
      const id = `${stage}${LETTERS[b]}`;
      const stride = b === 0 && stage > 2 ? 2 : 1;
      const cn = (br: string) => `res${id}_branch${br}`;
      const bnn = (br: string) => `bn${id}_branch${br}`;
      let y: ST;
      if (bottleneck) {
        y = conv(x, base, 1, { strides: stride, useBias, name: cn('2a') });
        y = relu(bn(y, bnn('2a'), eps), `res${id}_2a_relu`);
        y = conv(y, base, 3, { padding: 'same', useBias, name: cn('2b') });
        y = relu(bn(y, bnn('2b'), eps), `res${id}_2b_relu`);
        y = conv(y, outCh, 1, { useBias, name: cn('2c') });
        y = bn(y, bnn('2c'), eps);
      } else {
        y = conv(x, base, 3, { strides: stride, padding: 'same', useBias, name: cn('2a') });
        y = relu(bn(y, bnn('2a'), eps), `res${id}_2a_relu`);
        y = conv(y, base, 3, { padding: 'same', useBias, name: cn('2b') });
        y = bn(y, bnn('2b'), eps);
      }
      let s: ST = x;
      if (stride !== 1 || inCh !== outCh) {
        s = conv(x, outCh, 1, { strides: stride, useBias, name: cn('1') });
        s = bn(s, bnn('1'), eps);
      }
      // Keras adds [shortcut, residual] (residual_block_v1), which puts the shortcut conv before the residual's last
      // conv in the layer (and weight) order; ResNet-50 keeps Keras's order (tests/weights/manifest.test.ts)
      x = add(bottleneck ? [s, y] : [y, s], `res${id}_add`);
      last = `res${id}_relu`;
      x = relu(x, last);
      inCh = outCh;
    }
  });
  const out = cfg.topClasses ? keras1000Top(x, cfg.topClasses, 'avg_pool', 'fc1000') : x;
  return { model: tf.model({ inputs: input, outputs: out, name }), gradCamLayer: last };
}
