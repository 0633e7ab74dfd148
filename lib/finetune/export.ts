// runs/ is git-ignored (one file per run, with full per-epoch logs). The reference results of a profile are
// exported, compacted, into paper/results/finetune-<profile>.json so a fresh clone can rebuild the figures and
// tables without re-training: probabilities rounded to 4 decimals, everything else as recorded.
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic, readJson } from '../util/atomic';
import { PAPER_DIR } from '../util/paths';
import { loadRuns, type RunRecord } from './run-record';

export function exportPath(profile: string): string {
  return path.join(PAPER_DIR, 'results', `finetune-${profile}.json`);
}

export function exportRuns(profile: string, runsDir?: string): string {
  const recs = loadRuns({ profile }, { dir: runsDir, from: 'runs' }).map((r) => ({
    ...r,
    test: { ...r.test, probs: r.test.probs.map((row) => row.map((v) => Math.round(v * 1e4) / 1e4)) },
  }));
  const file = exportPath(profile);
  writeJsonAtomic(file, { schema: 1, profile, exportedAt: new Date().toISOString(), runs: recs });
  return file;
}

/** Records exported for a profile (empty when none were exported). */
export function readExport(profile: string): RunRecord[] {
  const file = exportPath(profile);
  if (!fs.existsSync(file)) return [];
  return readJson<{ runs: RunRecord[] }>(file).runs;
}
