// The small Keras model of scripts/keras/make_fixtures.py (small_model), built with lib/models/layers: every
// weighted layer kind the backbones use. Options change it so a file no longer fits (for the error tests).
import * as tf from '@tensorflow/tfjs';
import { add, bn, conv, keras1000Top, maxPool, relu, sepConv } from '../../lib/models/layers';

export function buildSmallModel(
  o: { size?: number; c1Filters?: number; withoutProj?: boolean; extraLayer?: boolean; top?: boolean } = {},
): tf.LayersModel {
  const size = o.size ?? 12;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = conv(input, o.c1Filters ?? 8, 3, { strides: 2, padding: 'same', useBias: true, name: 'c1' });
  x = relu(bn(x, 'c1_bn'), 'c1_act');
  let y = sepConv(x, 12, 3, 's1');
  y = bn(y, 's1_bn');
  y = maxPool(y, 3, 2, 'same', 's1_pool');
  if (!o.withoutProj) {
    let r = conv(x, 12, 1, { strides: 2, padding: 'same', useBias: false, name: 'proj' });
    r = bn(r, 'proj_bn');
    y = add([y, r], 'add_1');
  }
  if (o.extraLayer) y = bn(y, 'extra_bn');
  let out = relu(y, 'out_act');
  if (o.top ?? true) out = keras1000Top(out, 5, 'avg_pool', 'predictions');
  return tf.model({ inputs: input, outputs: out, name: 'small' });
}
