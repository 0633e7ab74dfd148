import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
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

// Every `npm run` script answers --help without side effects and exits 2 on an unknown flag.
const SCRIPTS = [
  'code-version',
  'grid',
  'pretrain',
  'weights',
  'slurm',
  'data',
  'models',
  'reproduce',
  'step-through',
  'bench',
  'native',
];
const run = (script: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', `${script}.ts`), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MEDSSL_BACKEND: 'cpu' },
    timeout: 60_000,
  });

describe.each(SCRIPTS)('npm run %s', (script) => {
  it('--help prints usage and exits 0; an unknown flag exits 2 naming it', () => {
    const h = run(script, ['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: npm run /);
    const bad = run(script, ['--bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'/);
  }, 60_000);
});
