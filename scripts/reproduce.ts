// npm run reproduce [-- --profile smoke|cpu|gpu] [--only 01,03] [--jobs 2] [--no-build] [--keep-going] [--cell-timeout S]
//                   [--no-stages] [--train] [--build-only: only regenerate the .ipynb files from their .ts sources]
//
// First runs the pipeline stages whose scripts exist (each is a cache hit when its results are already there):
// `npm run pretrain -- --profile P` (backbones + paper/pretrain/), then `npm run grid -- --profile P --export`
// (fine-tuning runs → runs/, paper/results/). The notebooks then read those results. --no-stages skips them. For
// cpu and gpu the stages train nothing unless --train (they collect the committed checkpoints and exported runs).
//
// Then executes every notebook (notebooks/NN-name.ts → .ipynb) headless, in order, with real Jupyter (nbclient, the
// engine behind `jupyter nbconvert --execute`) and the repo's tslab kernelspec (JUPYTER_PATH=jupyter/), with
// MEDSSL_PROFILE set and MEDSSL_PUBLISH=1: this is the one publishing run. For a committed profile (cpu, gpu) the
// executed notebooks replace notebooks/NN-name.ipynb and the notebooks write figures/ and paper/; for any other
// profile (smoke) everything goes below scratch/<profile>/ (lib/util/paths reportDir), so a smoke run never
// changes a tracked file. A cell error stops the run and prints the failing cell's source and stderr (tslab
// reports errors on stderr with an empty `evalue`). The log, reproduce-log-<profile>.json in the profile's paper
// folder, is rewritten atomically after every step (also on failure) and keeps the failing cell's line and message.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Notebook } from '../lib/report/ipynb';
import { cli, listOption, PROFILE_OPTION, stringOption } from '../lib/util/cli';

// Executes one notebook with nbclient; writes the (possibly partial) executed notebook even when a cell fails.
const EXECUTOR = `
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
src, out, cwd, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, timeout=None if timeout <= 0 else timeout, kernel_name='tslab',
                        resources={'metadata': {'path': cwd}}, record_timing=False)
def on_error(cell, cell_index, execute_reply):
    # tslab may report a runtime error only on stderr, without an 'error' output: remember which cell failed
    nb.metadata['medssl_failed_cell'] = cell_index
client.on_cell_error = on_error
status = 0
try:
    client.execute()
except CellExecutionError:
    status = 1
except (CellTimeoutError, DeadKernelError, TimeoutError) as e:
    print('[reproduce] kernel: %s: %s' % (type(e).__name__, e), file=sys.stderr)
    status = 2
nbformat.write(nb, out)
sys.exit(status)
`;

const { values: opt } = cli({
  command: 'npm run reproduce --',
  summary:
    "Run the pipeline stages a profile's notebooks need (pre-training, grid), then execute every notebook headless and regenerate figures/ and paper/ (smoke: scratch/smoke/).",
  options: {
    profile: PROFILE_OPTION,
    only: { type: 'string', arg: '01,03', help: 'only these notebooks (stages are skipped)' },
    jobs: { type: 'string', arg: 'N', help: 'notebooks executed side by side (default 2)' },
    'no-build': {
      type: 'boolean',
      help: 'execute the committed .ipynb as they are (do not rebuild them from their .ts)',
    },
    'build-only': { type: 'boolean', help: 'only regenerate the .ipynb files from their .ts sources' },
    'keep-going': { type: 'boolean', help: 'execute the remaining notebooks after a failure' },
    'cell-timeout': { type: 'string', arg: 'S', help: 'seconds per cell (default: smoke 600, cpu 6 h, gpu none)' },
    'no-stages': { type: 'boolean', help: 'skip the pre-training and grid stages' },
    train: {
      type: 'boolean',
      help: 'cpu/gpu: let the stages train what is missing (hours); default collects what is committed',
    },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const { buildNotebook, cellSources, firstFailure, parsePercent, summarizeError } = await import('../lib/report/ipynb');
const { NB_DIR, PYTHON, checkJupyter, kernelEnv, notebookSources, selectNotebooks } =
  await import('../lib/report/jupyter');
const { gitCommit } = await import('../lib/util/git');
const { ReproduceLog } = await import('../lib/report/reproduce-log');
const { writeFileAtomic } = await import('../lib/util/atomic');
const { ROOT, reportDir } = await import('../lib/util/paths');
const { profileName } = await import('../lib/util/profile');
const { fmtTime } = await import('../lib/util/progress');

const arg = (name: string) => stringOption(opt, name);
const flag = (name: string) => opt[name.replace(/^--/, '')] === true;

/** Drop per-run noise (execution timestamps) so re-running a notebook gives a small diff. */
function tidy(nb: Notebook): Notebook {
  for (const c of nb.cells) {
    delete (c.metadata as Record<string, unknown>).execution;
  }
  return nb;
}

/** Run a command; its stderr is captured (and echoed live when `echo`). */
function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  echo = true,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', echo ? 'inherit' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (echo) process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

async function main(): Promise<number> {
  const profile = profileName(arg('--profile'));
  const only = listOption(opt.only);
  const cellTimeout = Number(arg('--cell-timeout') ?? (profile === 'smoke' ? 600 : profile === 'cpu' ? 6 * 3600 : 0));
  const build = !flag('--no-build');
  if (flag('--build-only')) {
    // Only notebooks whose cells changed are rewritten (without outputs); the others keep their outputs.
    for (const name of notebookSources()) {
      const src = path.join(NB_DIR, `${name}.ts`);
      const out = path.join(NB_DIR, `${name}.ipynb`);
      const built = buildNotebook(name, parsePercent(fs.readFileSync(src, 'utf8'), src));
      if (
        fs.existsSync(out) &&
        JSON.stringify(cellSources(JSON.parse(fs.readFileSync(out, 'utf8')))) === JSON.stringify(cellSources(built))
      )
        continue;
      writeFileAtomic(out, JSON.stringify(built, null, 1) + '\n');
      console.log(`[reproduce] built notebooks/${name}.ipynb (no outputs)`);
    }
    return 0;
  }
  const keepGoing = flag('--keep-going');
  const jobs = Number(arg('--jobs') ?? 2);
  checkJupyter(['nbclient', 'nbformat', 'jupyter_client'], 'reproduce');

  const names = selectNotebooks(notebookSources(), only);
  if (names.length === 0) {
    console.log(`[reproduce] no notebooks${only ? ` matching ${only.join(',')}` : ''} in ${NB_DIR}`);
    return 0;
  }
  const env = kernelEnv(profile, true);
  const outDir = reportDir('notebooks', profile, true); // notebooks/ for cpu and gpu, scratch/<profile>/notebooks/ otherwise
  const log = new ReproduceLog(profile, reportDir('paper', profile, true));
  console.log(
    `[reproduce] profile ${profile}, ${names.length} notebooks, commit ${gitCommit()}; executed notebooks → ${path.relative(ROOT, outDir)}/, log → ${path.relative(ROOT, log.file)}`,
  );
  const started = Date.now();
  let failed = 0;

  // Pipeline stages (heavy work, cached by config hash), only when their scripts exist.
  if (!flag('--no-stages') && !only) {
    const script = (n: string) => path.join(ROOT, 'scripts', `${n}.ts`);
    // Only the smoke profile trains by default (seconds): for cpu and gpu the stages collect what is committed and
    // list what would need training (hours), unless --train asks for it.
    const noTrain = profile !== 'smoke' && !flag('--train') ? ['--no-train'] : [];
    // the stages pick their own threads and processes (kernelEnv's one thread is for the notebooks)
    const stageEnv = { ...env };
    if (process.env.MEDSSL_THREADS === undefined) delete stageEnv.MEDSSL_THREADS;
    const stages: [string, string[], string?][] = [
      ['pretrain', ['--profile', profile, ...noTrain]],
      ['grid', ['--profile', profile, '--export', ...noTrain]],
    ];
    for (const [name, args, needs] of stages) {
      if (!fs.existsSync(script(name))) {
        console.log(`[reproduce] stage ${name}: scripts/${name}.ts not there yet, skipped`);
        continue;
      }
      if (needs && !fs.existsSync(script(needs))) {
        console.log(`[reproduce] stage ${name}: skipped (needs stage ${needs}, whose script is not there yet)`);
        continue;
      }
      const t0 = Date.now();
      console.log(`[reproduce] stage ${name}: npm run ${name} -- ${args.join(' ')}`);
      const res = await run(
        process.execPath,
        [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script(name), ...args],
        stageEnv,
      );
      const seconds = (Date.now() - t0) / 1000;
      log.step({
        notebook: `stage:${name}`,
        ok: res.code === 0,
        seconds,
        ...(res.code === 0 ? {} : { message: lastLine(res.stderr) || `exit ${res.code}` }),
      });
      if (res.code !== 0) {
        console.error(
          `[reproduce] stage ${name} FAILED (exit ${res.code}) after ${fmtTime(seconds)}; see its output above`,
        );
        failed++;
        if (!keepGoing) return finish(log, names.length, started, failed);
      } else console.log(`[reproduce] stage ${name} ok in ${fmtTime(seconds)}`);
    }
  }

  const runNotebook = async (name: string): Promise<boolean> => {
    const ipynb = path.join(outDir, `${name}.ipynb`);
    const tmpIn = path.join(outDir, `.${name}.in.${process.pid}.tmp`);
    const tmpOut = path.join(outDir, `.${name}.out.${process.pid}.tmp`);
    fs.mkdirSync(outDir, { recursive: true });
    let input: Notebook;
    if (build) {
      const src = path.join(NB_DIR, `${name}.ts`);
      input = buildNotebook(name, parsePercent(fs.readFileSync(src, 'utf8'), src));
    } else {
      input = JSON.parse(fs.readFileSync(path.join(NB_DIR, `${name}.ipynb`), 'utf8'));
    }
    writeFileAtomic(tmpIn, JSON.stringify(input, null, 1) + '\n');
    const t0 = Date.now();
    console.log(`[reproduce] ${name} …`);
    const res = await run(PYTHON, ['-c', EXECUTOR, tmpIn, tmpOut, NB_DIR, String(cellTimeout)], env, false);
    const seconds = (Date.now() - t0) / 1000;
    fs.rmSync(tmpIn, { force: true });
    const executed: Notebook | null = fs.existsSync(tmpOut) ? tidy(JSON.parse(fs.readFileSync(tmpOut, 'utf8'))) : null;
    if (res.code === 0 && executed) {
      writeFileAtomic(ipynb, JSON.stringify(executed, null, 1) + '\n');
      fs.rmSync(tmpOut, { force: true });
      console.log(`[reproduce] ${name} ok in ${fmtTime(seconds)}`);
      log.step({ notebook: name, ok: true, seconds });
      return true;
    }
    failed++;
    const failedAt = executed?.metadata.medssl_failed_cell as number | undefined;
    if (executed) delete executed.metadata.medssl_failed_cell;
    const failure = executed ? firstFailure(executed, failedAt) : null;
    const kept = path.join(os.tmpdir(), `medssl-${name}.failed.ipynb`);
    if (executed) fs.writeFileSync(kept, JSON.stringify(executed, null, 1));
    fs.rmSync(tmpOut, { force: true });
    const lines = [`[reproduce] ${name} FAILED after ${fmtTime(seconds)}`];
    if (failure) {
      lines.push(
        `--- cell ${failure.codeIndex} (code) source ---`,
        failure.source,
        '--- stderr ---',
        failure.stderr.trim() || '(empty)',
      );
      if (failure.error.trim() !== 'Error:') lines.push('--- error ---', failure.error.trim());
    } else {
      lines.push(
        `--- no failing cell recorded; executor exit ${res.code}, its stderr: ---`,
        res.stderr.trim().split('\n').slice(-30).join('\n'),
      );
    }
    if (executed) lines.push(`(partial executed notebook: ${kept}; ${path.relative(ROOT, ipynb)} left as it was)`);
    console.error(lines.join('\n'));
    const summary = failure ? summarizeError(failure.stderr || failure.error, failure.source) : null;
    log.step({
      notebook: name,
      ok: false,
      seconds,
      ...(failure && summary
        ? {
            cell: failure.codeIndex,
            message: summary.message,
            ...(summary.line ? { line: summary.line } : { source: failure.source }),
          }
        : { message: lastLine(res.stderr) || `executor exit ${res.code}` }),
    });
    return false;
  };

  // Notebooks only read what the stages wrote, so they can run side by side: most of a smoke notebook's time is
  // tslab starting and type-checking its imports on one core.
  const queue = [...names];
  let stop = false;
  const worker = async () => {
    while (!stop && queue.length) {
      const ok = await runNotebook(queue.shift()!);
      if (!ok && !keepGoing) stop = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));

  return finish(log, names.length, started, failed);
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-1)[0]
    ?.trim() ?? '';

function finish(log: InstanceType<typeof ReproduceLog>, nNotebooks: number, started: number, failed: number): number {
  const total = (Date.now() - started) / 1000;
  log.write(total);
  console.log(
    `[reproduce] ${failed === 0 ? 'all ok' : `${failed} failed`} · ${nNotebooks} notebooks selected · ${fmtTime(total)} · log ${path.relative(ROOT, log.file)}`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[reproduce] ${(e as Error).message}`);
    process.exit(1);
  },
);
