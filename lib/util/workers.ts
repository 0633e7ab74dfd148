// Use every core with processes side by side: `npm run grid -- --workers N` runs the grid as N shard processes
// (each `--shard i/N`, MEDSSL_THREADS = its share of the cores) and then one merge; `npm run pretrain` trains several
// runs as one process per run. How many processes by default: defaultWorkers() in lib/backend/select-backend.ts
// (measured there: one 1-thread process per core beats one process with a thread per core on tensorflow too).
// Each child's output is passed through line by line with a [label] prefix.
import { spawn } from 'node:child_process';
import os from 'node:os';

export interface WorkerJob {
  /** Prefix of the child's output lines, e.g. "shard 1/2". */
  label: string;
  /** Arguments after the script (the script is the one this process runs, under the same Node flags). */
  args: string[];
}

export interface WorkerExit {
  label: string;
  code: number;
  signal: NodeJS.Signals | null;
  seconds: number;
}

/** The value of --workers: a positive integer; a clear error otherwise. */
export function parseWorkers(value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--workers must be a positive integer; got "${value}"`);
  return n;
}

/** Compute threads for each of `workers` processes: MEDSSL_THREADS when set, else an equal share of the cores. */
export function threadsPerWorker(workers: number, cores = os.cpus().length, env = process.env): number {
  const t = Number(env.MEDSSL_THREADS);
  return Number.isInteger(t) && t >= 1 ? t : Math.max(1, Math.floor(cores / workers));
}

/** `argv` without the given flags (both `--flag value` and `--flag=value`; booleans take no value). */
export function withoutFlags(argv: string[], valued: string[], booleans: string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : null;
    if (name && valued.includes(name)) {
      if (!a.includes('=')) i++; // its value
      continue;
    }
    if (name && booleans.includes(name) && !a.includes('=')) continue;
    out.push(a);
  }
  return out;
}

/**
 * The child command lines of a grid run as `n` workers: one `--shard i/n` per worker, then the step that gathers
 * them. With --export that is `--merge --shards n` (the shards' records into the export, every incomplete shard
 * named, exit 1 if one is); without, `--no-train` (trains nothing, prints the grid's results table).
 */
export function gridWorkerJobs(argv: string[], n: number): { shards: WorkerJob[]; gather: WorkerJob } {
  const base = withoutFlags(argv, ['workers']);
  // The shards only write records: concurrent exports would race on one file, the merge exports once.
  const shardBase = withoutFlags(base, [], ['export', 'replace-conflicts', 'drop-stale']);
  // Each shard waits for (or takes over) the learning-rate tuning runs the others hold, so no config is left out.
  const wait = shardBase.includes('--wait-locked') ? [] : ['--wait-locked'];
  const shards = Array.from({ length: n }, (_, k) => ({
    label: `shard ${k + 1}/${n}`,
    args: [...shardBase, ...wait, '--shard', `${k + 1}/${n}`],
  }));
  const exporting = base.includes('--export');
  const gather = exporting
    ? { label: 'merge', args: [...withoutFlags(base, [], ['export', 'wait-locked']), '--merge', '--shards', String(n)] }
    : { label: 'table', args: [...base, '--no-train'] };
  return { shards, gather };
}

/**
 * Run `jobs` as child processes of this script (same Node, same loader flags such as tsx's), at most `parallel` at
 * a time, each with MEDSSL_THREADS = `threads`. Resolves when all have exited (a failed one does not stop the others).
 */
export async function runWorkers(
  jobs: WorkerJob[],
  o: {
    parallel: number;
    threads: number;
    env?: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    /** The script to run (default: this process's, under its Node flags). */
    script?: string;
  },
): Promise<WorkerExit[]> {
  const log = o.log ?? ((l: string) => console.log(l));
  const exits: WorkerExit[] = new Array(jobs.length);
  let next = 0;
  const one = (job: WorkerJob): Promise<WorkerExit> =>
    new Promise((resolve) => {
      const t0 = Date.now();
      const script = o.script ? [o.script] : [...process.execArgv, process.argv[1]];
      const child = spawn(process.execPath, [...script, ...job.args], {
        env: { ...(o.env ?? process.env), MEDSSL_THREADS: String(o.threads) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const pass = (stream: NodeJS.ReadableStream) => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (d: string) => {
          const lines = (rest + d).split('\n');
          rest = lines.pop()!;
          // progress bars redraw with \r: show only the last state of such a line
          for (const l of lines) log(`[${job.label}] ${l.split('\r').pop()}`);
        });
        stream.on('end', () => rest && log(`[${job.label}] ${rest.split('\r').pop()}`));
      };
      pass(child.stdout!);
      pass(child.stderr!);
      child.on('close', (code, signal) =>
        resolve({ label: job.label, code: code ?? 1, signal, seconds: (Date.now() - t0) / 1000 }),
      );
    });
  const lane = async () => {
    while (next < jobs.length) {
      const k = next++;
      exits[k] = await one(jobs[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel, jobs.length) }, lane));
  return exits;
}

/** One line per child: label, exit status, seconds. */
export function formatExits(exits: WorkerExit[]): string {
  return exits
    .map(
      (e) =>
        `  ${e.label}: ${e.code === 0 ? 'ok' : `FAILED (exit ${e.code}${e.signal ? `, ${e.signal}` : ''})`} in ${e.seconds.toFixed(0)} s`,
    )
    .join('\n');
}

/**
 * `npm run grid` as `n` shard processes side by side, then the gathering step (gridWorkerJobs). Returns the exit
 * code: 0 only when every shard and the gathering step succeeded.
 */
export async function runGridWorkers(argv: string[], n: number, log = (l: string) => console.log(l)): Promise<number> {
  const { shards, gather } = gridWorkerJobs(argv, n);
  const threads = threadsPerWorker(n);
  log(
    `[grid] ${n} worker processes side by side (${threads} thread${threads > 1 ? 's' : ''} each), then ${gather.label}`,
  );
  const exits = await runWorkers(shards, { parallel: n, threads, log });
  const [g] = await runWorkers([gather], { parallel: 1, threads, log });
  log(`[grid] workers:\n${formatExits([...exits, g])}`);
  return [...exits, g].every((e) => e.code === 0) ? 0 : 1;
}

/**
 * The child command lines of `npm run pretrain` with one process per run: each `--only <run> --no-probe` with the
 * other flags as given (the parent probes once they are all done).
 */
export function pretrainWorkerJobs(argv: string[], runs: string[]): WorkerJob[] {
  const base = withoutFlags(argv, ['workers', 'only'], ['no-probe', 'probe-only', 'partial-probes', 'reprobe']);
  return runs.map((r) => ({ label: r, args: [...base, '--only', r, '--no-probe'] }));
}
