import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedFiles, treeState } from '../../lib/report/tree-state';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-tree-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });

describe('treeState / changedFiles', () => {
  it('sees a tracked file changed, an untracked file added, an already-dirty file changed again; not ignored files', () => {
    git('init', '-q');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'scratch/\n');
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b dirty\n'); // dirty before the command
    const before = treeState(dir);
    expect(changedFiles(before, treeState(dir))).toEqual([]);
    fs.mkdirSync(path.join(dir, 'scratch'));
    fs.writeFileSync(path.join(dir, 'scratch', 'x.png'), 'x'); // ignored: not a change
    expect(changedFiles(before, treeState(dir))).toEqual([]);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a2\n');
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b dirtier\n');
    fs.mkdirSync(path.join(dir, 'figures'));
    fs.writeFileSync(path.join(dir, 'figures', 'new.png'), 'n');
    expect(changedFiles(before, treeState(dir))).toEqual(['a.txt', 'b.txt', 'figures/new.png']);
  });
});
