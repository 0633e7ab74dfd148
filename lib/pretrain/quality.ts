// Is a pre-trained backbone worth comparing? The quality bar the cpu profile's backbones are held to: on the
// source's held-out split, the linear probe of the frozen features must beat the same architecture's random
// initialisation by a margin (SSL ≥ +15 points, TL ≥ +25: supervised pre-training on the probe's own labels should
// lead), each run's k-NN history must have levelled off, and runs that differ only in their pre-training seed show
// how far that seed alone moves the probes.
import fs from 'node:fs';
import path from 'node:path';
import { artefactRoot } from '../util/paths';
import { plateauEpoch } from './histories';
import type { PretrainEpochLog } from './run';

/** Linear-probe margin over random init each method must reach (fractions: 0.15 = 15 points). */
export const QUALITY_MARGIN: Record<'tl' | 'ssl', number> = { ssl: 0.15, tl: 0.25 };

/** What the checks read of paper/pretrain/<profile>.json (written by `npm run pretrain`). */
export interface ProbeRecord {
  runs: {
    hash: string;
    arm: string;
    arch: string;
    config: { seed: number; source: { dataset: string } };
    probe?: { knnTop1: number; linearTop1: number };
  }[];
  randomInit: { arch: string; probe: { knnTop1: number; linearTop1: number } }[];
}

/** paper/pretrain/<profile>.json, or undefined when the profile's pre-training has not been recorded. */
export function loadProbeRecord(profile: string): ProbeRecord | undefined {
  const file = path.join(artefactRoot(profile), 'paper', 'pretrain', `${profile}.json`);
  if (!fs.existsSync(file)) return undefined;
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as ProbeRecord;
  if (!Array.isArray(j?.runs) || !Array.isArray(j.randomInit))
    throw new Error(
      `${file}: no runs / randomInit arrays; regenerate it with npm run pretrain -- --profile ${profile}`,
    );
  return j;
}

export interface QualityRow {
  hash: string;
  method: 'tl' | 'ssl';
  arch: string;
  seed: number;
  knn: number;
  linear: number;
  randomLinear: number;
  margin: number;
  required: number;
  passes: boolean;
}

/** The quality bar for every TL/SSL run on the profile's source (other sources and unprobed runs are left out). */
export function qualityBar(rec: ProbeRecord, source: string): QualityRow[] {
  return rec.runs.flatMap((r) => {
    if ((r.arm !== 'tl' && r.arm !== 'ssl') || r.config.source.dataset !== source || !r.probe) return [];
    const rnd = rec.randomInit.find((b) => b.arch === r.arch);
    if (!rnd) throw new Error(`no random-init probe for architecture ${r.arch} in the probe record`);
    const margin = r.probe.linearTop1 - rnd.probe.linearTop1;
    const required = QUALITY_MARGIN[r.arm];
    return [
      {
        hash: r.hash,
        method: r.arm,
        arch: r.arch,
        seed: r.config.seed,
        knn: r.probe.knnTop1,
        linear: r.probe.linearTop1,
        randomLinear: rnd.probe.linearTop1,
        margin,
        required,
        // compared in whole points to a tenth, so 0.15 is met by 15.0 points whatever the float rounding
        passes: Math.round(1000 * margin) >= Math.round(1000 * required),
      },
    ];
  });
}

export interface SeedSpread {
  method: 'tl' | 'ssl';
  arch: string;
  seeds: number[];
  /** max − min over the seeds, as fractions */
  knn: number;
  linear: number;
}

/** Per (method, architecture) with two or more pre-training seeds: how far the seed alone moves each probe. */
export function seedSpread(rows: readonly QualityRow[]): SeedSpread[] {
  const keys = [...new Set(rows.map((r) => `${r.method}|${r.arch}`))];
  return keys.flatMap((k) => {
    const g = rows.filter((r) => `${r.method}|${r.arch}` === k);
    if (g.length < 2) return [];
    const range = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    return [
      {
        method: g[0].method,
        arch: g[0].arch,
        seeds: g.map((r) => r.seed).sort((a, b) => a - b),
        knn: range(g.map((r) => r.knn)),
        linear: range(g.map((r) => r.linear)),
      },
    ];
  });
}

export interface PlateauRow {
  name: string;
  /** epochs logged so far */
  epochs: number;
  finished: boolean;
  /** the last two k-NN probes within a point (probePlateaued): plateauEpoch !== null */
  plateaued: boolean;
  /** first probed epoch from which every later probe is within a point of the last; null: not levelled off */
  plateauEpoch: number | null;
  /** the last three probes, oldest first */
  lastProbes: number[];
}

/** Whether a run's k-NN probe has levelled off (last two within a point), from which epoch, and its last probes. */
export function plateauRow(h: { name: string; finished: boolean; history: readonly PretrainEpochLog[] }): PlateauRow {
  const history = [...h.history];
  // plateauEpoch is defined exactly when the history has levelled off (probePlateaued)
  const epoch = plateauEpoch(history) ?? null;
  return {
    name: h.name,
    epochs: history.length,
    finished: h.finished,
    plateaued: epoch !== null,
    plateauEpoch: epoch,
    lastProbes: history
      .filter((e) => e.knnTop1 !== undefined)
      .slice(-3)
      .map((e) => e.knnTop1!),
  };
}

/** plateauRow for every run that has started. */
export function plateauRows(
  hs: readonly { name: string; finished: boolean; history: PretrainEpochLog[] }[],
): PlateauRow[] {
  return hs.filter((h) => h.history.length).map(plateauRow);
}
