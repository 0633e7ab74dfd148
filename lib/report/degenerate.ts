// Degenerate results: cells (dataset × arm × condition) whose accuracy says little about the backbone, so a
// difference built on them should not be read as TL vs SSL evidence. One check, used by every table, figure and
// findings paragraph (notebooks 03–07, the reproduction report):
//   - collapse:   one class gets ≥ 95% of the predictions, or balanced accuracy is within noise of 1/K (the model
//                 has not learnt to tell the classes apart; accuracy then equals that class's prevalence);
//   - chance:     1/K lies inside the accuracy's 95% CI;
//   - prevalence: the majority class's share of the test set lies inside the accuracy's 95% CI (always answering
//                 the majority class would score the same);
//   - saturated:  accuracy ≥ 99% or its CI reaches 100% (no room left for one arm to beat the other).
// "Within noise of 1/K" for balanced accuracy uses the accuracy CI's half-width as the noise scale (balanced
// accuracy has no CI of its own here; both are means over the same test images).
import type { RunRecord } from '../finetune/run-record';

export type DegenerateFlag = 'collapse' | 'chance' | 'prevalence' | 'saturated';

export interface DegenerateThresholds {
  /** share of predictions going to one class that counts as collapse (default 0.95) */
  collapseShare: number;
  /** accuracy at or above which a cell is saturated (default 0.99) */
  saturatedAccuracy: number;
}
export const DEGENERATE_THRESHOLDS: DegenerateThresholds = { collapseShare: 0.95, saturatedAccuracy: 0.99 };

/** What the check needs to know about a cell; every share is in [0, 1]. */
export interface CellStats {
  accuracy: number;
  /** 95% CI of the accuracy */
  lo: number;
  hi: number;
  balancedAccuracy: number;
  numClasses: number;
  /** share of the test images in the most frequent true class */
  majorityShare: number;
  majorityClass: string;
  /** share of the predictions that go to the most predicted class */
  topPredictedShare: number;
  topPredictedClass: string;
}

export interface DegenerateCheck {
  flags: DegenerateFlag[];
  /** one short reason per flag, with the numbers behind it */
  reasons: string[];
  /** '' when nothing is flagged, else the flags joined: for a table column */
  label: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The check on a cell's numbers (see the header for the rules). */
export function degenerateCheck(s: CellStats, t: DegenerateThresholds = DEGENERATE_THRESHOLDS): DegenerateCheck {
  const flags: DegenerateFlag[] = [];
  const reasons: string[] = [];
  const chance = 1 / s.numClasses;
  const halfWidth = (s.hi - s.lo) / 2;
  if (s.topPredictedShare >= t.collapseShare) {
    flags.push('collapse');
    reasons.push(`predicts "${s.topPredictedClass}" for ${pct(s.topPredictedShare)} of test images`);
  } else if (Number.isFinite(s.balancedAccuracy) && Math.abs(s.balancedAccuracy - chance) <= halfWidth) {
    flags.push('collapse');
    reasons.push(
      `balanced accuracy ${pct(s.balancedAccuracy)} within ±${(100 * halfWidth).toFixed(1)} points of 1/K = ${pct(chance)}`,
    );
  }
  if (s.lo <= chance && chance <= s.hi) {
    flags.push('chance');
    reasons.push(`accuracy CI [${pct(s.lo)}, ${pct(s.hi)}] contains chance 1/K = ${pct(chance)}`);
  }
  if (s.lo <= s.majorityShare && s.majorityShare <= s.hi) {
    flags.push('prevalence');
    reasons.push(
      `accuracy CI [${pct(s.lo)}, ${pct(s.hi)}] contains the share of "${s.majorityClass}" (${pct(s.majorityShare)})`,
    );
  }
  if (s.accuracy >= t.saturatedAccuracy || s.hi >= 1 - 1e-9) {
    flags.push('saturated');
    reasons.push(`accuracy ${pct(s.accuracy)}, CI up to ${pct(s.hi)}: no room to tell arms apart`);
  }
  return { flags, reasons, label: flags.join(', ') };
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/**
 * The prediction and label shares of a cell's runs (all seeds pooled: every (seed, test image) counts once) plus
 * the accuracy CI the caller computed (e.g. summarizeArm's).
 */
export function cellStats(
  runs: RunRecord[],
  acc: { accuracy: number; lo: number; hi: number; balancedAccuracy: number },
): CellStats {
  if (runs.length === 0) throw new Error('cellStats: no runs');
  const names = runs[0].dataset.classNames;
  const K = names.length;
  const predicted = new Array<number>(K).fill(0);
  const truth = new Array<number>(K).fill(0);
  let n = 0;
  for (const r of runs) {
    if (r.dataset.classNames.length !== K)
      throw new Error(`cellStats: ${r.config.dataset} runs disagree on the number of classes`);
    r.test.probs.forEach((row, i) => {
      predicted[argmax(row)]++;
      truth[r.test.labels[i]]++;
      n++;
    });
  }
  if (n === 0) throw new Error(`cellStats: ${runs[0].config.dataset} runs have no test predictions`);
  const top = argmax(predicted);
  const maj = argmax(truth);
  return {
    ...acc,
    numClasses: K,
    majorityShare: truth[maj] / n,
    majorityClass: names[maj],
    topPredictedShare: predicted[top] / n,
    topPredictedClass: names[top],
  };
}

/** The check for one cell given its runs and accuracy summary: what tables, figures and the report call. */
export function degenerateCell(
  runs: RunRecord[],
  acc: { accuracy: number; lo: number; hi: number; balancedAccuracy: number },
  t: DegenerateThresholds = DEGENERATE_THRESHOLDS,
): DegenerateCheck {
  return degenerateCheck(cellStats(runs, acc), t);
}

/** A cell's runs: the records of one dataset, arm and condition. */
export function cellRuns(records: RunRecord[], dataset: string, arm: string, condition: string): RunRecord[] {
  return records.filter(
    (r) => r.config.dataset === dataset && r.config.arm === arm && r.config.condition === condition,
  );
}

/** The legend line every flagged table and figure carries. */
export const DEGENERATE_LEGEND =
  'flags: collapse = one class gets ≥ 95% of predictions or balanced accuracy ≈ 1/K; chance = accuracy CI contains 1/K; ' +
  'prevalence = accuracy CI contains the majority-class share; saturated = accuracy ≥ 99% or CI reaches 100%';
