import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { provenanceLine } from '../../lib/report/provenance';
import { commitOf } from '../../lib/util/git';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-prov-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

describe('provenance', () => {
  it('+dirty only when code changed, not when a run rewrites figures, tables, notebooks or checkpoints', () => {
    git('init', '-q');
    for (const f of [
      'lib/a.ts',
      'figures/f-cpu.png',
      'paper/tables/t-cpu.md',
      'notebooks/03-x.ipynb',
      'notebooks/03-x.ts',
      'data/checkpoints/c/latest.json',
    ])
      write(f, 'v1');
    git('add', '.');
    git('commit', '-qm', 'x');
    const head = git('rev-parse', '--short=10', 'HEAD').trim();
    expect(commitOf(dir)).toBe(head);
    for (const f of [
      'figures/f-cpu.png',
      'paper/tables/t-cpu.md',
      'notebooks/03-x.ipynb',
      'data/checkpoints/c/latest.json',
    ])
      write(f, 'v2');
    expect(commitOf(dir)).toBe(head);
    write('notebooks/03-x.ts', 'v2'); // a notebook source is code
    expect(commitOf(dir)).toBe(`${head}+dirty`);
    git('checkout', '--', 'notebooks/03-x.ts');
    write('lib/a.ts', 'v2');
    expect(commitOf(dir)).toBe(`${head}+dirty`);
    expect(commitOf(os.tmpdir())).toBe('unknown');
  });

  it('names the backend only when one computed the figure', () => {
    const p = { commit: 'abc', profile: 'cpu', seeds: [0, 1, 2], date: '2026-12-02' };
    expect(provenanceLine({ ...p, backend: 'tensorflow' })).toBe(
      'medssl abc · profile cpu · backend tensorflow · seeds 0–2 · 2026-12-02',
    );
    expect(provenanceLine({ ...p, backend: 'none', seeds: [] })).toBe('medssl abc · profile cpu · 2026-12-02');
  });
});
