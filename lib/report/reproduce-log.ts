// The log `npm run reproduce` keeps per profile: which step ran, when, on which commit, how long, and for a failure
// the failing cell, its offending line and the error message (tslab's stderr, not its empty evalue).
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../util/atomic';
import { gitCommit } from '../util/git';

export interface LogStep {
  notebook: string; // a notebook name, or stage:<name>
  ok: boolean;
  seconds: number;
  commit?: string;
  date?: string;
  cell?: number; // failing code cell, 1-based
  line?: string; // its offending source line
  source?: string; // the whole cell, when stderr does not show the offending line (an awaited rejection)
  message?: string; // the error message (tslab's stderr, not the empty evalue)
}

/**
 * reproduce-log-<profile>.json in the profile's paper folder (paper/ for committed profiles, scratch otherwise),
 * rewritten atomically after every step so a failed or killed run still leaves it. A partial run (--only) updates
 * its own steps and keeps the others' (each step carries its own commit and date).
 */
export class ReproduceLog {
  readonly file: string;
  private steps = new Map<string, LogStep>();
  constructor(
    readonly profile: string,
    dir: string,
  ) {
    this.file = path.join(dir, `reproduce-log-${profile}.json`);
    if (fs.existsSync(this.file)) {
      try {
        for (const st of readJson<{ steps?: LogStep[] }>(this.file).steps ?? []) this.steps.set(st.notebook, st);
      } catch (e) {
        console.error(`[reproduce] ${(e as Error).message}: starting a new log`); // a broken log must not stop a run
      }
    }
  }
  step(st: LogStep): void {
    this.steps.set(st.notebook, {
      ...st,
      seconds: Math.round(st.seconds * 10) / 10,
      commit: gitCommit(),
      date: new Date().toISOString(),
    });
    this.write();
  }
  write(totalSeconds?: number): void {
    // one file per profile; every step keeps its own commit and date
    const steps = [...this.steps.values()].sort(
      (a, b) => stepOrder(a.notebook) - stepOrder(b.notebook) || a.notebook.localeCompare(b.notebook),
    );
    writeJsonAtomic(this.file, {
      profile: this.profile,
      commit: gitCommit(),
      date: new Date().toISOString(),
      ...(totalSeconds !== undefined ? { lastRunSeconds: Math.round(totalSeconds) } : {}), // this run's, steps may be older
      ok: steps.every((st) => st.ok),
      steps,
    });
  }
}

const stepOrder = (n: string) => (n.startsWith('stage:') ? 0 : 1);
