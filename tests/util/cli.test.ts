import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CliError, listOption, parseCli, usage, type CliSpec } from '../../lib/util/cli';
import { ROOT } from '../../lib/util/paths';

const spec: CliSpec = {
  command: 'npm run x --',
  summary: 'Does x.',
  options: {
    profile: { type: 'string', arg: 'P', help: 'which profile' },
    resume: { type: 'boolean', help: 'continue' },
  },
};

describe('script arguments', () => {
  it('parses known flags, rejects unknown ones, missing values and stray positionals', () => {
    expect(parseCli(spec, ['--profile', 'smoke', '--resume']).values).toMatchObject({ profile: 'smoke', resume: true });
    expect(parseCli(spec, ['--profile=cpu']).values.profile).toBe('cpu');
    expect(() => parseCli(spec, ['--resum'])).toThrow(CliError);
    expect(() => parseCli(spec, ['--resum'])).toThrow(/--resum/);
    expect(() => parseCli(spec, ['--profile'])).toThrow(CliError);
    expect(() => parseCli(spec, ['extra'])).toThrow(CliError);
    expect(parseCli(spec, ['--help']).help).toBe(true);
    expect(usage(spec)).toMatch(/--profile P +which profile/);
    expect(listOption('a, b,,c')).toEqual(['a', 'b', 'c']);
  });
});

// Every script in scripts/ (found on disk, so a new one cannot be left out) answers --help without side effects and
// exits 2 on an unknown flag. Scripts parse their arguments before loading tfjs or the training code, so each
// spawn costs a tsx start-up, not a backend.
const scriptsIn = (dir: string): string[] =>
  fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? scriptsIn(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
    );
const SCRIPTS = scriptsIn('scripts').sort();
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MEDSSL_BACKEND: 'cpu' },
    timeout: 60_000,
  });

it('finds the scripts', () => {
  expect(SCRIPTS).toEqual(expect.arrayContaining(['scripts/grid.ts', 'scripts/slurm/compare-exports.ts']));
});

describe.each(SCRIPTS)('%s', (script) => {
  it('--help prints usage and exits 0; an unknown flag exits 2 naming it', () => {
    const h = run(script, ['--help']);
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^usage: (npm run|tsx scripts\/)/);
    const bad = run(script, ['--bogus']);
    expect(bad.status, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'/);
  }, 60_000);
});
