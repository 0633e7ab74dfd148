// Xception (Chollet 2017) laid out exactly as keras.applications.Xception builds it: entry flow (two plain
// convs, three residual blocks of separable convs with strided max-pool), middle flow (8 residual blocks of
// three separable convs), exit flow (one residual block, two separable convs). Same layer names as Keras,
// so Keras-converted weights load by name (lib/models/load-weights.ts). The 1×1 shortcut convs are unnamed in
// Keras; they get the names Keras 2 auto-assigned in the published weight file (conv2d_1…4,
// batch_normalization_1…4). At 299×299×3 with the 1000-class top: 22,910,480 parameters.
// Scaled variants multiply every channel count by `width` and repeat the middle block `middleRepeats` times.
import * as tf from '@tensorflow/tfjs';
import { add, bn, conv, keras1000Top, maxPool, relu, scaled, sepConv } from './layers';

type ST = tf.SymbolicTensor;

export interface XceptionConfig {
  inputSize: number;
  /** Channel multiplier (1 = Keras). */
  width?: number;
  /** Middle-flow residual blocks (8 = Keras). */
  middleRepeats?: number;
  /** Add Keras' 1000-class (or `topClasses`) top: global average pool + dense softmax. */
  topClasses?: number;
  /**
   * 'imagenet' (Keras): the first conv has stride 2, total stride 32. 'cifar': stride 1, total stride 16, so a
   * 64 px input still leaves a 4×4 map for Grad-CAM (at stride 32 it is 2×2, at 32 px 1×1: a constant heat map).
   */
  stem?: 'imagenet' | 'cifar';
}

/** Name of the last conv activation: Grad-CAM target and backbone output. */
export const XCEPTION_GRADCAM_LAYER = 'block14_sepconv2_act';

export function buildXception(cfg: XceptionConfig, name = 'xception'): tf.LayersModel {
  const w = cfg.width ?? 1;
  const reps = cfg.middleRepeats ?? 8;
  if (!(reps >= 0 && reps <= 8 && Number.isInteger(reps))) {
    throw new Error(
      `buildXception: middleRepeats must be an integer in 0..8 (Keras names the exit flow block13/14), got ${reps}`,
    );
  }
  const c = (n: number) => scaled(n, w);
  const input = tf.input({ shape: [cfg.inputSize, cfg.inputSize, 3], name: 'input_1' });

  // Entry flow
  let x: ST = conv(input, c(32), 3, {
    strides: (cfg.stem ?? 'imagenet') === 'imagenet' ? 2 : 1,
    useBias: false,
    name: 'block1_conv1',
  });
  x = bn(x, 'block1_conv1_bn');
  x = relu(x, 'block1_conv1_act');
  x = conv(x, c(64), 3, { useBias: false, name: 'block1_conv2' });
  x = bn(x, 'block1_conv2_bn');
  x = relu(x, 'block1_conv2_act');

  let sc = 1; // index of the auto-named shortcut conv / BN
  const entry = (block: number, filters: number, firstAct: boolean) => {
    let r = conv(x, c(filters), 1, { strides: 2, padding: 'same', useBias: false, name: `conv2d_${sc}` });
    r = bn(r, `batch_normalization_${sc++}`);
    let y = x;
    if (firstAct) y = relu(y, `block${block}_sepconv1_act`);
    y = sepConv(y, c(filters), 3, `block${block}_sepconv1`);
    y = bn(y, `block${block}_sepconv1_bn`);
    y = relu(y, `block${block}_sepconv2_act`);
    y = sepConv(y, c(filters), 3, `block${block}_sepconv2`);
    y = bn(y, `block${block}_sepconv2_bn`);
    y = maxPool(y, 3, 2, 'same', `block${block}_pool`);
    x = add([y, r], `add_${block - 1}`);
  };
  entry(2, 128, false);
  entry(3, 256, true);
  entry(4, 728, true);

  // Middle flow
  for (let i = 0; i < reps; i++) {
    const p = `block${i + 5}`;
    const r = x;
    let y = x;
    for (let j = 1; j <= 3; j++) {
      y = relu(y, `${p}_sepconv${j}_act`);
      y = sepConv(y, c(728), 3, `${p}_sepconv${j}`);
      y = bn(y, `${p}_sepconv${j}_bn`);
    }
    x = add([y, r], `add_${i + 4}`);
  }

  // Exit flow (block numbers follow Keras: 13 and 14 after 8 middle blocks; kept fixed for any repeats so the
  // Grad-CAM layer and weight names do not depend on depth).
  let r = conv(x, c(1024), 1, { strides: 2, padding: 'same', useBias: false, name: `conv2d_${sc}` });
  r = bn(r, `batch_normalization_${sc}`);
  let y = relu(x, 'block13_sepconv1_act');
  y = sepConv(y, c(728), 3, 'block13_sepconv1');
  y = bn(y, 'block13_sepconv1_bn');
  y = relu(y, 'block13_sepconv2_act');
  y = sepConv(y, c(1024), 3, 'block13_sepconv2');
  y = bn(y, 'block13_sepconv2_bn');
  y = maxPool(y, 3, 2, 'same', 'block13_pool');
  x = add([y, r], `add_${reps + 4}`);

  x = sepConv(x, c(1536), 3, 'block14_sepconv1');
  x = bn(x, 'block14_sepconv1_bn');
  x = relu(x, 'block14_sepconv1_act');
  x = sepConv(x, c(2048), 3, 'block14_sepconv2');
  x = bn(x, 'block14_sepconv2_bn');
  x = relu(x, XCEPTION_GRADCAM_LAYER);

  const out = cfg.topClasses ? keras1000Top(x, cfg.topClasses, 'avg_pool', 'predictions') : x;
  return tf.model({ inputs: input, outputs: out, name });
}
