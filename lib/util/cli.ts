// One argument parser for every `npm run` script: node:util parseArgs in strict mode, so an unknown or misspelt
// flag is an error before anything runs, and `--help` prints the usage and exits without side effects.
import { parseArgs } from 'node:util';
import { PROFILES } from './profile';

export interface CliOption {
  type: 'string' | 'boolean';
  help: string;
  /** Placeholder shown in the usage for string options (default VALUE). */
  arg?: string;
  short?: string;
}

export interface CliSpec {
  /** Command as the user types it, e.g. "npm run grid --". */
  command: string;
  summary: string;
  options: Record<string, CliOption>;
  /** Usage of positional arguments, e.g. "<list|show|fetch> [id]"; none allowed when absent. */
  positionals?: string;
}

/** `--profile P`, the same in every script that takes one (read it with profileName(stringOption(values, 'profile'))). */
export const PROFILE_OPTION: CliOption = {
  type: 'string',
  arg: 'P',
  help: `${PROFILES.join(' | ')} (default: MEDSSL_PROFILE, else cpu)`,
};

export type CliValues = Record<string, string | boolean | undefined>;

export class CliError extends Error {}

export function usage(spec: CliSpec): string {
  const opts = Object.entries(spec.options).map(([name, o]) => {
    const left = `  --${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}${o.short ? `, -${o.short}` : ''}`;
    return `${left.padEnd(30)} ${o.help}`;
  });
  return [
    `usage: ${spec.command}${spec.positionals ? ` ${spec.positionals}` : ''} [options]`,
    '',
    spec.summary,
    '',
    'options:',
    ...opts,
    `${'  --help'.padEnd(30)} show this help and exit`,
  ].join('\n');
}

/** Parse `argv`; throws CliError on an unknown flag, a missing value or a stray positional. `help` is true for --help. */
export function parseCli(spec: CliSpec, argv: string[]): { values: CliValues; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(spec.options))
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: !!spec.positionals,
    });
    const v = values as CliValues;
    return { values: v, positionals, help: v.help === true };
  } catch (e) {
    throw new CliError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** parseCli for a script's entry point: prints usage and exits 0 on --help, 2 with the error on bad arguments. */
export function cli(
  spec: CliSpec,
  argv: string[] = process.argv.slice(2),
): { values: CliValues; positionals: string[] } {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(spec, argv);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`${spec.command}: ${e.message}\n\n${usage(spec)}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(usage(spec));
    process.exit(0);
  }
  return parsed;
}

/** A comma-separated list option ("a,b,c"), or undefined when absent. */
export function listOption(v: string | boolean | undefined): string[] | undefined {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** A string option's value ("--name X"), or undefined when absent (leading dashes in `name` are ignored). */
export function stringOption(values: CliValues, name: string): string | undefined {
  const v = values[name.replace(/^--/, '')];
  return typeof v === 'string' ? v : undefined;
}
