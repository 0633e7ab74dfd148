// What is left of a grid in machine time, counted from the runs it has measured: each config without a record is
// charged the mean CPU seconds of the finished runs closest to it. The model in bench/grid-estimate.ts sizes a grid
// before it runs; once most cells have records, this count is the better one (the model's augmentation factor, from
// a timing sample, under-counts the runs that stop late).
import { meanSd } from '../stats/summary';
import type { Condition, RunConfig, RunRecord } from './run-record';

/** How a missing config's CPU seconds were estimated: which finished runs it was given the mean of. */
export type TimeBasis = 'same arm' | 'any arm' | 'unmeasured';

export interface TimeLeftGroup {
  dataset: string;
  condition: Condition;
  runs: number;
  cpuSeconds: number;
  /** configs charged the mean of the same dataset × condition × arm, of any arm, or nothing (no such record) */
  basis: Record<TimeBasis, number>;
}

export interface TimeLeft {
  runs: number;
  cpuSeconds: number;
  /** configs with no finished run of their dataset × condition: not in cpuSeconds */
  unmeasured: number;
  groups: TimeLeftGroup[];
}

/**
 * The CPU seconds the `missing` configs will take, each at the mean of the timed `done` records of its dataset and
 * condition: those of its own arm where there are any (architectures differ in cost), else those of every arm.
 * Grouped by dataset × condition, in the order the configs come.
 */
export function measuredTimeLeft(missing: readonly RunConfig[], done: readonly RunRecord[]): TimeLeft {
  // CPU seconds by dataset × condition (any arm) and by dataset × condition × arm, gathered once
  const cpu = new Map<string, number[]>();
  const add = (k: string, v: number) => cpu.set(k, [...(cpu.get(k) ?? []), v]);
  for (const r of done) {
    if (typeof r.cpuSeconds !== 'number' || !Number.isFinite(r.cpuSeconds)) continue;
    const k = `${r.config.dataset}\u0000${r.config.condition}`;
    add(k, r.cpuSeconds);
    add(`${k}\u0000${r.config.arm}`, r.cpuSeconds);
  }
  const meanOf = (k: string) => (cpu.has(k) ? meanSd(cpu.get(k)!).mean : undefined);
  const groups = new Map<string, TimeLeftGroup>();
  for (const c of missing) {
    const key = `${c.dataset}\u0000${c.condition}`;
    const own = meanOf(`${key}\u0000${c.arm}`);
    const any = meanOf(key);
    const basis: TimeBasis = own !== undefined ? 'same arm' : any !== undefined ? 'any arm' : 'unmeasured';
    const g = groups.get(key) ?? {
      dataset: c.dataset,
      condition: c.condition,
      runs: 0,
      cpuSeconds: 0,
      basis: { 'same arm': 0, 'any arm': 0, unmeasured: 0 },
    };
    g.runs++;
    g.cpuSeconds += own ?? any ?? 0;
    g.basis[basis]++;
    groups.set(key, g);
  }
  const list = [...groups.values()];
  return {
    runs: missing.length,
    cpuSeconds: list.reduce((a, g) => a + g.cpuSeconds, 0),
    unmeasured: list.reduce((a, g) => a + g.basis.unmeasured, 0),
    groups: list,
  };
}

/** One line per group and a total, for the grid's --no-train summary. */
export function formatTimeLeft(t: TimeLeft, cores: number): string {
  const h = (s: number) => (s / 3600 / cores).toFixed(1);
  const lines = t.groups.map(
    (g) =>
      `  ${g.dataset}/${g.condition}: ${g.runs} runs ≈ ${Math.round(g.cpuSeconds).toLocaleString('en')} CPU-s` +
      (g.basis['any arm'] ? ` (${g.basis['any arm']} at the mean of every arm)` : '') +
      (g.basis.unmeasured ? ` (${g.basis.unmeasured} unmeasured, not counted)` : ''),
  );
  lines.push(
    `  left: ${t.runs} runs ≈ ${Math.round(t.cpuSeconds).toLocaleString('en')} CPU-s ≈ ${h(t.cpuSeconds)} h on ${cores} cores` +
      (t.unmeasured ? `, plus ${t.unmeasured} runs with no measured run of their dataset × condition` : ''),
  );
  return lines.join('\n');
}
