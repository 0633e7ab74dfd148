// A fine-tuned classifier to explain (notebook 07): the model of one grid record (baseline condition), re-made
// from that record's own config — the same backbone (lib/pretrain getPretrainedBackbone, as `npm run grid` loads
// it, checked against the record's backbone weights hash), the same fine-tuning function (lib/finetune finetune)
// with the record's settings (including the learning rate the grid chose) and seed — so a notebook never trains
// a model of its own making. The grid keeps records, not weights, so the weights are trained once here and kept,
// keyed by the record's config, its data, the backbone weights and the file layout (a stale file is never read):
//   - a publishing run (`npm run reproduce`, MEDSSL_PUBLISH=1) writes them to the profile's committed store,
//     data/classifiers/<profile>/ (below scratch/ for smoke), so a fresh clone's reproduce, and a student's kernel,
//     load them instead of training;
//   - any other run writes them to the ignored cache, data/cache/finetuned/<profile>/.
// Both are read, the store first.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadImageSet, type ImageSet } from '../data/load';
import { finetune, weightsHash } from '../finetune/finetune';
import { WEIGHT_FILE_LAYOUT, readWeightsF32, writeWeightsF32 } from '../finetune/weight-file';
import type { RunConfig } from '../finetune/run-record';
import type { Backbone } from '../models/backbone';
import { buildClassifier } from '../models/heads';
import { backboneOfIdentity, getPretrainedBackbone, type Arm } from '../pretrain/backbones';
import { writeJsonAtomic, readJson } from '../util/atomic';
import { canonicalJson, sha256Hex } from '../util/hash';
import { CACHE_DIR, PUBLISH_ENV, artefactRoot, isPublishing } from '../util/paths';
import type { ProfileName } from '../util/profile';

export interface FineTunedModel {
  /** image (scaled for the backbone) → class logits; one flat graph, so Grad-CAM reaches the backbone's layers */
  classifier: tf.LayersModel;
  backbone: Backbone;
  data: ImageSet;
  /** test images the fine-tuning evaluated (the grid's subset on smoke) */
  testIndices: number[];
  testAccuracy: number;
  /** loaded from the cache (true) or trained now (false) */
  cached: boolean;
  file: string;
  /** what identifies the weights: the grid's record for this cell names the same backbone weights hash */
  backboneWeights: string;
}

interface Meta {
  key: string;
  testIndices: number[];
  testAccuracy: number;
  floats: number;
  trainSeconds: number;
}

/** Where a publishing run keeps the classifiers it trained for notebook 07 (committed for cpu and gpu). */
export function classifierStore(profile: string): string {
  return path.join(artefactRoot(profile), 'data', 'classifiers', profile);
}

const metaName = (f32: string) => f32.replace(/\.f32$/, '.json');

/** The fine-tuned classifier of one grid record (baseline condition), trained once and kept (see the header). */
export async function fineTunedModel(
  config: Pick<
    RunConfig,
    'profile' | 'dataset' | 'arm' | 'condition' | 'seed' | 'size' | 'train' | 'backbone' | 'backboneWeights'
  >,
  o: { cacheDir?: string; storeDir?: string; log?: (msg: string) => void; progress?: boolean } = {},
): Promise<FineTunedModel> {
  if (config.condition !== 'baseline')
    throw new Error(
      `fineTunedModel: ${config.dataset}/${config.arm} is a ${config.condition} run; only baseline runs are re-made`,
    );
  const log = o.log ?? ((m: string) => console.log(m));
  // A publishing run prints one line whether the weights came from the cache or were trained now (and no timings),
  // so the committed notebook reads the same as one executed on a fresh clone; a live kernel shows the progress.
  const progress = o.progress ?? process.env[PUBLISH_ENV] !== '1';
  const say = (m: string) => progress && log(m);
  const asTheGrid = `as the grid did (${config.train.epochs} epochs at most, lr ${config.train.lr}, seed ${config.seed})`;
  const summary = (acc: number) =>
    !progress &&
    log(`${config.dataset}/${config.arm}: fine-tuned ${asTheGrid}: test accuracy ${(100 * acc).toFixed(1)}%`);
  const data = await loadImageSet(config.dataset, { size: config.size });
  // The checkpoint the record names (any arm vocabulary), else the arm's backbone (random init, ImageNet weights).
  const req = { profile: config.profile as ProfileName, inputSize: config.size };
  const backbone =
    (await backboneOfIdentity(config.backbone, req)) ?? (await getPretrainedBackbone(config.arm as Arm, req));
  const backboneWeights = weightsHash(backbone.model).slice(0, 16);
  if (config.backboneWeights && backboneWeights !== config.backboneWeights)
    throw new Error(
      `fineTunedModel: ${config.arm} loads backbone weights ${backboneWeights}, the grid record was fine-tuned from ${config.backboneWeights} (re-run the grid, or restore that checkpoint)`,
    );
  // the file layout is part of the key: a cached file of another layout is never read
  const key = sha256Hex(
    canonicalJson({ ...config, data: data.sha256, split: data.splitHash, backboneWeights, layout: WEIGHT_FILE_LAYOUT }),
  ).slice(0, 16);
  const store = o.storeDir ?? classifierStore(config.profile);
  const cache = o.cacheDir ?? path.join(CACHE_DIR, 'finetuned', config.profile);
  const name = `${config.dataset}-${config.arm}-seed${config.seed}-${key}.f32`;
  const kept = (dir: string) => fs.existsSync(path.join(dir, name)) && fs.existsSync(path.join(dir, metaName(name)));
  const found = [store, cache].find(kept);
  const file = path.join(found ?? (isPublishing() ? store : cache), name);
  const metaFile = path.join(path.dirname(file), metaName(name));
  if (found) {
    const meta = readJson<Meta>(metaFile);
    const classifier = buildClassifier(backbone, data.classNames.length, {
      dropout: config.train.dropout,
      activation: 'linear',
      prefix: 'head',
    });
    readWeightsF32(classifier, file);
    say(`${config.dataset}/${config.arm}: fine-tuned weights loaded from ${path.basename(file)}`);
    summary(meta.testAccuracy);
    return {
      classifier,
      backbone,
      data,
      testIndices: meta.testIndices,
      testAccuracy: meta.testAccuracy,
      cached: true,
      file,
      backboneWeights,
    };
  }
  const t0 = Date.now();
  say(`${config.dataset}/${config.arm}: fine-tuning ${asTheGrid} …`);
  // the options lib/finetune/run.ts passes for a baseline run: the record's settings and seed, no balancing
  const ft = await finetune(backbone, data, {
    ...config.train,
    seed: config.seed,
    stage: 'target',
    balance: 'none',
    onEpoch: (e) =>
      say(
        `  epoch ${e.epoch}: val accuracy ${(100 * e.valAcc).toFixed(1)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      ),
  });
  const floats = writeWeightsF32(ft.classifier, file);
  const meta: Meta = {
    key,
    testIndices: ft.test!.indices,
    testAccuracy: ft.test!.accuracy,
    floats,
    trainSeconds: (Date.now() - t0) / 1000,
  };
  writeJsonAtomic(metaFile, meta);
  summary(meta.testAccuracy);
  say(
    `${config.dataset}/${config.arm}: done in ${meta.trainSeconds.toFixed(0)} s, test accuracy ${(100 * meta.testAccuracy).toFixed(1)}%`,
  );
  return {
    classifier: ft.classifier,
    backbone,
    data,
    testIndices: meta.testIndices,
    testAccuracy: meta.testAccuracy,
    cached: false,
    file,
    backboneWeights,
  };
}
