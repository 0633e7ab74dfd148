// Leave-one-unit-out sensitivity of a t-based pooled effect: with datasets as units, does the result hang on one
// dataset? Each unit is dropped in turn and the same t interval (one-sample, or Welch for a two-group contrast) is
// recomputed on the rest. It answers a different question from the interval itself: a pooled effect whose sign or
// significance flips when one dataset leaves is a statement about that dataset as much as about the method.

import { tInterval, welchT, type TInterval } from './t-tests';

export interface Unit {
  name: string;
  effect: number;
}

export interface LeftOut {
  /** the unit left out */
  left: string;
  interval: TInterval;
}

/** One-sample t interval of the mean with each unit left out in turn. Needs ≥ 3 units (2 left after a drop). */
export function leaveOneOutT(units: readonly Unit[], level = 0.95): LeftOut[] {
  if (units.length < 3) throw new Error(`leaveOneOutT: needs ≥ 3 units, got ${units.length}`);
  return units.map((u, i) => ({
    left: u.name,
    interval: tInterval(
      units.filter((_, j) => j !== i).map((x) => x.effect),
      level,
    ),
  }));
}

/**
 * Welch t interval of mean(g1) − mean(g2) with each unit of either group left out in turn; a unit whose group would
 * keep fewer than 2 units is not left out (Welch needs 2 per group). Throws when no unit can be left out.
 */
export function leaveOneOutWelch(g1: readonly Unit[], g2: readonly Unit[], level = 0.95): LeftOut[] {
  const out: LeftOut[] = [];
  const effects = (g: readonly Unit[], skip = -1) => g.filter((_, j) => j !== skip).map((x) => x.effect);
  if (g1.length >= 3)
    g1.forEach((u, i) => out.push({ left: u.name, interval: welchT(effects(g1, i), effects(g2), level) }));
  if (g2.length >= 3)
    g2.forEach((u, i) => out.push({ left: u.name, interval: welchT(effects(g1), effects(g2, i), level) }));
  if (!out.length)
    throw new Error(`leaveOneOutWelch: each group needs ≥ 2 units after a drop, got ${g1.length} and ${g2.length}`);
  return out;
}
