// Where the notebooks get fine-tuning results: runs/<hash>.json (lib/finetune's loadRuns) on the machine that ran
// the grid, else the compacted export paper/results/finetune-<profile>.json that `npm run grid -- --export`
// writes, so a fresh clone can rebuild every figure without re-training.
import fs from 'node:fs';
import path from 'node:path';
import { exportPath, readExportFile } from '../finetune/export';
import { loadRuns } from '../finetune/run-record';
import { ROOT } from '../util/paths';
import type { RunRecord } from './compare';

export interface ProfileRuns {
  records: RunRecord[];
  source: string; // where they came from, for the notebook to say
}

type Timed = RunRecord & { finishedAt?: string };

/**
 * Keep one record per (dataset, arm, condition, seed): the most recently finished. Runs of an older pre-trained
 * backbone (a new pre-training changes the config hash) would otherwise be averaged with the new ones.
 * Records made with `npm run grid -- --stand-in random` (backbone "random:…") are not TL or SSL results and are
 * dropped for those arms.
 */
export function latestPerCell(records: RunRecord[]): { kept: RunRecord[]; dropped: number } {
  const best = new Map<string, Timed>();
  let dropped = 0;
  for (const r of records as Timed[]) {
    if ((r.config.arm === 'tl' || r.config.arm === 'ssl') && r.config.backbone.startsWith('random:')) {
      dropped++;
      continue;
    }
    const k = `${r.config.dataset}|${r.config.arm}|${r.config.condition}|${r.config.seed}`;
    const cur = best.get(k);
    if (!cur || (r.finishedAt ?? '') > (cur.finishedAt ?? '')) {
      if (cur) dropped++;
      best.set(k, r);
    } else dropped++;
  }
  return { kept: [...best.values()], dropped };
}

/** Where loadProfileRuns looks; defaults: the checkout's runs/ and the profile's artefact root. */
export interface ProfileRunsFrom {
  runsDir?: string;
  exportRoot?: string;
}

/** All fine-tuning records of a profile: runs/ first, the exported file otherwise (see latestPerCell). */
export function loadProfileRuns(profile: string, from: ProfileRunsFrom = {}): ProfileRuns {
  const live = loadRuns({ profile }, { dir: from.runsDir }) as unknown as RunRecord[];
  let recs: RunRecord[] = live;
  let where = 'runs/';
  if (live.length === 0) {
    const file = exportPath(profile, from.exportRoot);
    if (!fs.existsSync(file)) return { records: [], source: 'none' };
    recs = readExportFile(file).filter((r) => r.config.profile === profile) as unknown as RunRecord[];
    where = path.relative(ROOT, file);
  }
  const { kept, dropped } = latestPerCell(recs);
  return {
    records: kept,
    source: `${where} (${kept.length} records${dropped ? `; ${dropped} older or stand-in records ignored` : ''})`,
  };
}
