// What a command changed in the working tree, as git sees it: the check behind `npm run step-through` (exploring
// must not change a tracked or unignored file).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../util/paths';

/** `git status --porcelain` entries with a hash of each listed file, so an already-dirty file that changes again shows too. */
export function treeState(root = ROOT): Map<string, string> {
  const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
  const state = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const file = line.slice(3).split(' -> ').pop()!;
    const abs = path.join(root, file);
    const hash =
      fs.existsSync(abs) && fs.statSync(abs).isFile()
        ? crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex')
        : 'gone';
    state.set(file, `${line.slice(0, 2)} ${hash}`);
  }
  return state;
}

/** Files whose status or content differs between two treeState snapshots. */
export function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const files = new Set([...before.keys(), ...after.keys()]);
  return [...files].filter((f) => before.get(f) !== after.get(f)).sort();
}
