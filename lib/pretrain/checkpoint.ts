// Checkpoints addressed by config hash: data/checkpoints/<hash>/
//   config.json            the PretrainConfig (written first)
//   state-eEEEE.bin        weights (all, incl. BN statistics) + optimizer slots, as tfjs-encoded tensors
//   latest.json            {epoch, rng state, dropout rng states, bin file, its sha256}: written LAST, atomically,
//                          so a crash mid-write leaves the previous epoch's checkpoint valid
//   log.jsonl              one line per epoch (loss, img/s, wall time)
//   backbone/              model.json + weights.bin of the trained backbone only (what later stages load)
//   done.json              final record; its presence makes a re-run a no-op
// Tensors are stored by POSITION (model.weights order, optimizer slot order) with names kept for reading:
// TF.js renames variables when one process builds a model twice (kernel_1, …), so names are not stable keys.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { sha256Hex } from '../util/hash';
import { CHECKPOINTS_DIR } from '../util/paths';
import type { RngState } from '../util/rng';

export interface CheckpointMeta {
  epoch: number; // epochs completed
  rng: RngState;
  extraRng: Record<string, RngState>;
  bin: string;
  sha256: string;
  nModel: number;
  nOpt: number;
  savedAt: string;
}

export function checkpointDir(hash: string, root = CHECKPOINTS_DIR): string {
  return path.join(root, hash);
}

export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  meta: Omit<CheckpointMeta, 'bin' | 'sha256' | 'nModel' | 'nOpt' | 'savedAt'>,
): Promise<void> {
  const optW = await optimizer.getWeights();
  const named: { name: string; tensor: tf.Tensor }[] = [
    ...model.weights.map((w, i) => ({
      name: `model/${String(i).padStart(5, '0')}/${w.originalName}`,
      tensor: w.read(),
    })),
    ...optW.map((w, i) => ({ name: `opt/${String(i).padStart(5, '0')}/${w.name}`, tensor: w.tensor })),
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(data);
  const bin = `state-e${String(meta.epoch).padStart(4, '0')}.bin`;
  writeFileAtomic(path.join(dir, bin), bytes);
  writeJsonAtomic(path.join(dir, `${bin}.specs.json`), specs);
  const prev = fs.existsSync(path.join(dir, 'latest.json'))
    ? readJson<CheckpointMeta>(path.join(dir, 'latest.json')).bin
    : null;
  writeJsonAtomic(path.join(dir, 'latest.json'), {
    ...meta,
    bin,
    sha256: sha256Hex(bytes),
    nModel: model.weights.length,
    nOpt: optW.length,
    savedAt: new Date().toISOString(),
  } satisfies CheckpointMeta);
  if (prev && prev !== bin) {
    fs.rmSync(path.join(dir, prev), { force: true });
    fs.rmSync(path.join(dir, `${prev}.specs.json`), { force: true });
  }
}

/** Restore model weights and optimizer state; returns the meta (epoch, RNG states) or null if none. */
export async function loadCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<CheckpointMeta | null> {
  const latest = path.join(dir, 'latest.json');
  if (!fs.existsSync(latest)) return null;
  const meta = readJson<CheckpointMeta>(latest);
  const binPath = path.join(dir, meta.bin);
  if (!fs.existsSync(binPath)) throw new Error(`${latest}: refers to ${meta.bin}, which is missing`);
  const bytes = fs.readFileSync(binPath);
  if (sha256Hex(bytes) !== meta.sha256)
    throw new Error(`${binPath}: sha256 does not match ${latest} (corrupt checkpoint; delete ${dir} to restart)`);
  const specs = readJson<tf.io.WeightsManifestEntry[]>(`${binPath}.specs.json`);
  const map = tf.io.decodeWeights(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    specs,
  );
  const names = specs.map((s) => s.name);
  const modelNames = names.filter((n) => n.startsWith('model/'));
  const optNames = names.filter((n) => n.startsWith('opt/'));
  if (modelNames.length !== model.weights.length) {
    throw new Error(
      `${binPath}: has ${modelNames.length} model tensors, the model has ${model.weights.length} (config/code mismatch)`,
    );
  }
  model.weights.forEach((w, i) => {
    const t = map[modelNames[i]];
    if (t.shape.join('x') !== (w.shape as number[]).join('x'))
      throw new Error(`${binPath}: tensor ${modelNames[i]} has shape [${t.shape}], model expects [${w.shape}]`);
    w.write(t);
  });
  await optimizer.setWeights(optNames.map((n) => ({ name: n.split('/').slice(2).join('/'), tensor: map[n] })));
  return meta;
}
