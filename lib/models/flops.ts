// Parameter and FLOP counts of a built model, read off its layers (no forward pass). FLOPs count a
// multiply-add as 2 and cover convolutions and dense layers only (BN, ReLU, pooling and adds are <2 % here).
import type * as tf from '@tensorflow/tfjs';

export function countParams(model: tf.LayersModel): number {
  return model.countParams();
}

export function flopsPerImage(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const out = layer.outputShape as (number | null)[];
    const inShape = (layer.input as tf.SymbolicTensor | undefined)?.shape;
    const cfg = layer.getConfig() as { kernelSize?: number | number[]; depthMultiplier?: number };
    const ks = cfg.kernelSize as number | number[];
    const k = Array.isArray(ks) ? ks : [ks, ks];
    const hw = () => (out[1] as number) * (out[2] as number);
    if (cls === 'Conv2D') {
      total += 2 * k[0] * k[1] * (inShape![3] as number) * (out[3] as number) * hw();
    } else if (cls === 'SeparableConv2D') {
      const cin = inShape![3] as number;
      const mult = cfg.depthMultiplier ?? 1;
      total += 2 * k[0] * k[1] * cin * mult * hw() + 2 * cin * mult * (out[3] as number) * hw();
    } else if (cls === 'DepthwiseConv2D') {
      const cin = inShape![3] as number;
      total += 2 * k[0] * k[1] * cin * (cfg.depthMultiplier ?? 1) * hw();
    } else if (cls === 'Dense') {
      total += 2 * (inShape![inShape!.length - 1] as number) * (out[out.length - 1] as number);
    }
  }
  return total;
}
