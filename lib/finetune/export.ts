// runs/ is git-ignored (one file per run, with full per-epoch logs). The reference results of a profile are
// exported, compacted, into paper/results/finetune-<profile>.json so a fresh clone can rebuild the figures and
// tables without re-training: probabilities rounded to 4 decimals, everything else as recorded.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, readJson } from '../util/atomic';
import { PAPER_DIR } from '../util/paths';
import { loadRuns, runHash, type RunConfig, type RunRecord } from './run-record';

export function exportPath(profile: string): string {
  return path.join(PAPER_DIR, 'results', `finetune-${profile}.json`);
}

export function exportRuns(profile: string, runsDir?: string): string {
  const recs = loadRuns({ profile }, { dir: runsDir, from: 'runs' }).map((r) => ({
    ...r,
    test: { ...r.test, probs: r.test.probs.map((row) => row.map((v) => Math.round(v * 1e4) / 1e4)) },
  }));
  const file = exportPath(profile);
  // Compact, one record per line: pretty-printing puts every probability on its own line (~3× the bytes).
  const body = recs.map((r) => JSON.stringify(r)).join(',\n');
  writeFileAtomic(file, `{"schema":1,"profile":${JSON.stringify(profile)},"exportedAt":"${new Date().toISOString()}","runs":[\n${body}\n]}\n`);
  return file;
}

/** Records exported for a profile (empty when none were exported). */
export function readExport(profile: string): RunRecord[] {
  const file = exportPath(profile);
  if (!fs.existsSync(file)) return [];
  return readJson<{ runs: RunRecord[] }>(file).runs;
}

const exportIndex = new Map<string, { mtimeMs: number; byHash: Map<string, RunRecord> }>();

/**
 * The exported reference record of this exact config, if the profile's export holds one. A fresh clone has an
 * empty runs/, so without this `npm run reproduce` would repeat hours of fine-tuning that the committed export
 * already records; with it, re-running an exported config is a cache hit like any other.
 */
export function exportedRun(config: RunConfig): RunRecord | undefined {
  const file = exportPath(config.profile);
  if (!fs.existsSync(file)) return undefined;
  const mtimeMs = fs.statSync(file).mtimeMs;
  let idx = exportIndex.get(file);
  if (!idx || idx.mtimeMs !== mtimeMs) {
    idx = { mtimeMs, byHash: new Map(readExport(config.profile).map((r) => [r.configHash, r])) };
    exportIndex.set(file, idx);
  }
  const rec = idx.byHash.get(runHash(config));
  return rec && rec.schema === 1 ? rec : undefined;
}
