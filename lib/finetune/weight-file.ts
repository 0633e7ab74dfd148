// A model's weights as one float32 file that loads back into a freshly built model of the same architecture:
// stage-1 checkpoints (lib/finetune/run.ts) and the fine-tuned classifiers notebook 07 caches (lib/explain/finetuned).
// Neither order tfjs offers can key such a file. getWeights() lists trainable weights first, so its order follows the
// `trainable` flags (a checkpoint written while partly frozen would load shuffled into a fresh model); variable names
// get _1, _2, … suffixes when a model is built again in the same process, so sorting by name can reorder them. Layer
// order does neither: the model's layers (nested models flattened), each layer's weights in its own order, which a
// frozen layer keeps.
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomic';
import { sha256Hex } from '../util/hash';
import { flatLayers } from './freeze';

/** Names the order below; stored beside a file (or in its cache key) so a file of another order is never read. */
export const WEIGHT_FILE_LAYOUT = 'layer-order-1';

function layerOrdered(model: tf.LayersModel): tf.layers.Layer['weights'] {
  return flatLayers(model).flatMap((l) => l.weights);
}

/** All weights in layer order as float32 bytes. */
export function layerOrderedBytes(model: tf.LayersModel): Uint8Array {
  const parts = layerOrdered(model).map((w) => w.read().dataSync() as Float32Array);
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new Uint8Array(all.buffer);
}

/** sha256 of layerOrderedBytes: what a weight file written now holds. */
export function layerOrderedHash(model: tf.LayersModel): string {
  return sha256Hex(layerOrderedBytes(model));
}

/** Write all weights (layer order) as one float32 file. Returns the number of floats. */
export function writeWeightsF32(model: tf.LayersModel, file: string): number {
  const bytes = layerOrderedBytes(model);
  writeFileAtomic(file, bytes);
  return bytes.length / 4;
}

/** Load a file written by writeWeightsF32 into a model of the same architecture. */
export function readWeightsF32(model: tf.LayersModel, file: string): void {
  const buf = fs.readFileSync(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const vars = layerOrdered(model);
  const need = vars.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  if (need !== all.length) throw new Error(`${file}: holds ${all.length} floats, the model needs ${need}`);
  let o = 0;
  for (const v of vars) {
    const size = (v.shape as number[]).reduce((a, b) => a * b, 1);
    const t = tf.tensor(all.subarray(o, o + size), v.shape as number[]);
    v.write(t);
    t.dispose();
    o += size;
  }
}
