// Where the notebooks get fine-tuning results: runs/<hash>.json (lib/finetune's loadRuns) on the machine that ran
// the grid, else the compacted export paper/results/finetune-<profile>.json that `npm run grid -- --export`
// writes, so a fresh clone can rebuild every figure without re-training. A publishing run (`npm run reproduce`)
// reads the export only: the committed artefacts are made from the committed results, whatever runs/ holds.
import fs from 'node:fs';
import path from 'node:path';
import { exportPath, readExportFile } from '../finetune/export';
import { byConfigHash, loadRuns, type RunRecord } from '../finetune/run-record';
import { selectLr } from '../finetune/grid';
import { PUBLISH_ENV, ROOT } from '../util/paths';

export interface ProfileRuns {
  records: RunRecord[];
  source: string; // where they came from, for the notebook to say
}

type Timed = RunRecord & { finishedAt?: string };

/**
 * The learning-rate tuning runs (lib/finetune/grid.ts tuningConfigs) share the first seed's baseline cell: per
 * dataset × arm, keep only the rate the grid chose (the same rule, selectLr, on the same records), so the runs at
 * the other candidate rates never count as results.
 */
export function withoutUnchosenRates(records: RunRecord[]): RunRecord[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    if (r.config.condition !== 'baseline' || !r.config.train) continue; // older records: one rate, nothing to choose
    const k = `${r.config.profile}|${r.config.dataset}|${r.config.arm}|${r.config.seed}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const drop = new Set<RunRecord>();
  for (const g of groups.values()) {
    const rates = [...new Set(g.map((r) => r.config.train.lr))];
    if (rates.length < 2) continue;
    const lr = selectLr(rates, g);
    for (const r of g) if (r.config.train.lr !== lr) drop.add(r);
  }
  return records.filter((r) => !drop.has(r));
}

/**
 * Keep one record per (dataset, arm, condition, seed): the most recently finished. Runs of an older pre-trained
 * backbone (a new pre-training changes the config hash) would otherwise be averaged with the new ones.
 * Records made with `npm run grid -- --stand-in random` (a random backbone under a pre-trained arm's name) are not
 * that arm's results and are dropped. `unchosen` counts the tuning runs at the rates the grid did not choose,
 * `dropped` the older and stand-in records. The kept records are in config-hash order, whatever order they came in.
 */
export function latestPerCell(records: RunRecord[]): { kept: RunRecord[]; unchosen: number; dropped: number } {
  const best = new Map<string, Timed>();
  const chosen = withoutUnchosenRates(records);
  let dropped = 0;
  for (const r of chosen as Timed[]) {
    if (r.config.backbone.startsWith('random:') && !r.config.arm.startsWith('random')) {
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
  const kept = [...best.values()].sort(byConfigHash);
  return { kept, unchosen: records.length - chosen.length, dropped };
}

/** Where loadProfileRuns looks; defaults: the checkout's runs/ and the profile's artefact root. */
export interface ProfileRunsFrom {
  runsDir?: string;
  exportRoot?: string;
  /** Read the export even when runs/ holds records (default: in a publishing run, MEDSSL_PUBLISH=1). */
  exportOnly?: boolean;
}

/** All fine-tuning records of a profile: runs/ first, the exported file otherwise (see latestPerCell). */
export function loadProfileRuns(profile: string, from: ProfileRunsFrom = {}): ProfileRuns {
  const exportOnly = from.exportOnly ?? process.env[PUBLISH_ENV] === '1';
  const live = exportOnly ? [] : loadRuns({ profile }, { dir: from.runsDir });
  let recs: RunRecord[] = live;
  let where = 'runs/';
  if (live.length === 0) {
    const file = exportPath(profile, from.exportRoot);
    if (!fs.existsSync(file)) return { records: [], source: 'none' };
    recs = readExportFile(file).filter((r) => r.config.profile === profile);
    where = path.relative(ROOT, file);
  }
  const { kept, unchosen, dropped } = latestPerCell(recs);
  const left = [
    unchosen ? `${unchosen} tuning runs at learning rates not chosen` : '',
    dropped ? `${dropped} older or stand-in records` : '',
  ].filter(Boolean);
  return {
    records: kept,
    source: `${where} (${kept.length} records${left.length ? `; left out: ${left.join(', ')}` : ''})`,
  };
}
