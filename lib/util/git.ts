// The checkout's git state, read in one place: the commit a run record, checkpoint, figure or log names, and
// whether the code had uncommitted changes. Two readings, because they answer two questions:
//   - gitState(): the full commit and whether ANY tracked file differs (a run record: could this run be re-made
//     from the commit alone?);
//   - gitCommit() / commitOf(root): the short commit with "+dirty" only when CODE differs, not the artefacts a
//     publishing run writes while it runs (GENERATED_PATHS), for provenance lines on figures, tables and logs.
import { execFileSync } from 'node:child_process';
import { ROOT } from './paths';

const git = (root: string, args: string[]): string =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

let stateCache: { commit: string; dirty: boolean } | undefined;
/** HEAD commit of the checkout and whether tracked files differ from it ('unknown' outside git). */
export function gitState(): { commit: string; dirty: boolean } {
  if (stateCache) return stateCache;
  try {
    const commit = git(ROOT, ['rev-parse', 'HEAD']);
    stateCache = { commit, dirty: git(ROOT, ['status', '--porcelain', '--untracked-files=no']).length > 0 };
  } catch {
    stateCache = { commit: 'unknown', dirty: true };
  }
  return stateCache;
}

/**
 * What does not count as "dirty" for gitCommit: the artefacts a publishing run writes while it runs (figures,
 * tables, executed notebooks, logs) and the pre-training checkpoints a long run updates. Without this, the first
 * figure a `npm run reproduce` writes makes every later figure of the same run say "+dirty".
 */
export const GENERATED_PATHS = ['figures', 'paper', 'notebooks/*.ipynb', 'data/checkpoints', 'runs', 'scratch'];

let cachedCommit: string | undefined;
/** Short git commit of the checkout (`+dirty` if tracked code changed); "unknown" outside a git checkout. */
export function gitCommit(): string {
  cachedCommit ??= commitOf(ROOT);
  return cachedCommit;
}

/** gitCommit() of any checkout, uncached. */
export function commitOf(root: string): string {
  try {
    const head = git(root, ['rev-parse', '--short=10', 'HEAD']);
    const dirty = git(root, [
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      '.',
      ...GENERATED_PATHS.map((p) => `:(exclude,glob)${p}${p.includes('*') ? '' : '/**'}`),
    ]);
    return head + (dirty ? '+dirty' : '');
  } catch {
    return 'unknown';
  }
}
