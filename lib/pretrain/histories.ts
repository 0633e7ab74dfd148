// Per-epoch histories of a profile's pre-training runs, finished or not: done.json when a run finished, else the
// log.jsonl its checkpoints keep (a run trained in stretches is visible while it is under way).
import fs from 'node:fs';
import path from 'node:path';
import { readJson } from '../util/atomic';
import { checkpointRoot } from '../util/paths';
import type { ProfileName } from '../util/profile';
import { checkpointDir } from './checkpoint';
import { describeConfig, pretrainHash } from './config';
import { PRETRAIN_PROFILES, runConfig, runName } from './profiles';
import type { PretrainEpochLog, PretrainRecord } from './run';

export interface RunHistory {
  /** As `npm run pretrain -- --only` takes it. */
  name: string;
  hash: string;
  description: string;
  epochs: number;
  finished: boolean;
  history: PretrainEpochLog[];
}

export function pretrainHistories(profile: ProfileName, root = checkpointRoot(profile)): RunHistory[] {
  return PRETRAIN_PROFILES[profile].runs.map((r) => {
    const cfg = runConfig(profile, r);
    const hash = pretrainHash(cfg);
    const dir = checkpointDir(hash, root);
    const done = path.join(dir, 'done.json');
    const log = path.join(dir, 'log.jsonl');
    const finished = fs.existsSync(done);
    const history = finished
      ? readJson<PretrainRecord>(done).history
      : fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as PretrainEpochLog)
        : [];
    return { name: runName(profile, r), hash, description: describeConfig(cfg), epochs: cfg.epochs, finished, history };
  });
}

/** The last two probes of a history within `points` (a fraction, e.g. 0.01) of each other: the probe has levelled off. */
export function probePlateaued(h: PretrainEpochLog[], points = 0.01): boolean {
  const probes = h.filter((e) => e.knnTop1 !== undefined).map((e) => e.knnTop1!);
  return probes.length >= 2 && Math.abs(probes[probes.length - 1] - probes[probes.length - 2]) <= points;
}

/**
 * The first probed epoch from which every later probe, the last included, lies within `points` of the last probe:
 * when the run reached the level it ended at. Undefined when the run has not plateaued (probePlateaued) or has
 * fewer than two probes.
 */
export function plateauEpoch(h: PretrainEpochLog[], points = 0.01): number | undefined {
  if (!probePlateaued(h, points)) return undefined;
  const probes = h.filter((e) => e.knnTop1 !== undefined);
  const last = probes[probes.length - 1].knnTop1!;
  let first = probes.length - 1;
  while (first > 0 && Math.abs(probes[first - 1].knnTop1! - last) <= points) first--;
  return probes[first].epoch;
}
