// Where a figure or table came from: git commit, profile, backend, seeds, date. Printed on every figure and
// written beside every table, so a number in the paper can be traced back to the command that made it.
import * as tf from '@tensorflow/tfjs';
import { gitCommit } from '../util/git';
import { profileName } from '../util/profile';

export interface Provenance {
  commit: string; // short hash, with "+dirty" when code (not generated artefacts) has uncommitted changes
  profile: string;
  backend: string;
  seeds: number[];
  date: string; // ISO date (UTC, day precision: figures should not change every second)
}

/** Fill in what the caller did not say: commit from git, profile from MEDSSL_PROFILE, today's date. */
export function provenance(p: Partial<Provenance> = {}): Provenance {
  return {
    commit: p.commit ?? gitCommit(),
    profile: p.profile ?? profileName(),
    backend: p.backend ?? currentBackend(),
    seeds: p.seeds ?? [],
    date: p.date ?? new Date().toISOString().slice(0, 10),
  };
}

/** The TF.js backend in use (without initialising one), else MEDSSL_BACKEND, else "none" (nothing ran on one). */
export function currentBackend(): string {
  const name = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  return name ?? process.env.MEDSSL_BACKEND ?? 'none';
}

/** One short line, e.g. `medssl 1a2b3c4d5e · profile smoke · backend wasm · seeds 0,1,2 · 2026-11-25`. */
export function provenanceLine(p: Provenance): string {
  const seeds = p.seeds.length === 0 ? '' : ` · seeds ${compactSeeds(p.seeds)}`;
  // a figure made without any TF.js backend (data statistics, records read from disk) names none
  const backend = !p.backend || p.backend === 'none' ? '' : ` · backend ${p.backend}`;
  return `medssl ${p.commit} · profile ${p.profile}${backend}${seeds} · ${p.date}`;
}

/** 0,1,2,3,7 → "0–3,7": keeps the line short when a figure pools many seeds. */
export function compactSeeds(seeds: number[]): string {
  const s = [...new Set(seeds)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j - i >= 2 ? `${s[i]}–${s[j]}` : s.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}
