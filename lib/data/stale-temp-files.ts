// Temp files that a killed writer leaves beside its target: `.<name>.<pid>.<ms>.tmp` (lib/util/atomic.ts and the
// image cache) and `<name>.<pid>.download` (fetch.ts). Each writer calls removeStaleTempFiles on its folder before
// writing, so leftovers go the next time that folder is written.
// Stale = no process with that pid runs on this machine. Pids are per machine: like the pre-training lock, this
// assumes one folder is not written from two machines at once.
import fs from 'node:fs';
import path from 'node:path';

const TEMP_NAME = /\.(\d+)(?:\.\d+)?\.(?:tmp|download)$/;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Remove our temp files in `dir` whose writing process is gone; returns the names removed. */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return []; // no folder yet: nothing left over
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      /* another process removed it, or no permission: not ours to insist on */
    }
  }
  return removed;
}
