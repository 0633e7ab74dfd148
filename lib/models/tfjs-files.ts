// Reading and writing TF.js layers-model files from Node without tfjs-node (which has the only file:// handler):
// model.json + weight shards are read by hand and handed to tf.io.fromMemory, and weights are encoded with
// tf.io.encodeWeights. Shards are concatenated in the order of `weightsManifest`, as the format requires.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';

export interface LayersModelFiles {
  /** model.json's `modelTopology` as parsed (Keras' JSON model config). */
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** Read `dir/model.json` and its weight files. Errors name the file and what is wrong. */
export function readLayersModelDir(dir: string): LayersModelFiles {
  const jsonPath = path.join(dir, 'model.json');
  if (!fs.existsSync(jsonPath)) throw new Error(`${jsonPath}: not found (expected a TF.js layers model folder)`);
  let json: { modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig };
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonPath}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${jsonPath}: not a TF.js layers model (needs modelTopology and weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const bufs: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const f = path.join(dir, p);
      if (!fs.existsSync(f)) throw new Error(`${jsonPath}: weight file ${f} listed in weightsManifest is missing`);
      bufs.push(fs.readFileSync(f));
    }
  }
  const all = Buffer.concat(bufs);
  const expected = specs.reduce(
    (s, w) =>
      s + w.shape.reduce((a, b) => a * b, 1) * (w.dtype === 'float32' || w.dtype === 'int32' || !w.dtype ? 4 : 1),
    0,
  );
  if (!specs.some((s) => s.quantization) && all.length !== expected) {
    throw new Error(
      `${dir}: weight files hold ${all.length} bytes but model.json describes ${expected} (truncated or wrong files?)`,
    );
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

/** Save a layers model as `dir/model.json` + `dir/weights.bin` (each written atomically). */
export async function saveLayersModelDir(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = new Uint8Array(a.weightData as ArrayBuffer);
      writeFileAtomic(path.join(dir, 'weights.bin'), data);
      writeJsonAtomic(path.join(dir, 'model.json'), {
        format: 'layers-model',
        generatedBy: `medssl (tfjs ${tf.version.tfjs})`,
        modelTopology: a.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
      });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Decode all weights in a layers-model folder to a name → tensor map (names as in the manifest). */
export function readNamedWeights(dir: string): tf.NamedTensorMap {
  const f = readLayersModelDir(dir);
  return tf.io.decodeWeights(f.weightData, f.weightSpecs);
}
