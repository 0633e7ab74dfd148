// npm run reproduce [-- --profile smoke|cpu|gpu] [--only 01,03] [--jobs 2] [--no-build] [--keep-going] [--cell-timeout S]
//                   [--no-stages] [--build-only: only regenerate the .ipynb files from their .ts sources]
//
// First runs the pipeline stages whose scripts exist (each is a cache hit when its results are already there):
// `npm run pretrain -- --profile P` (backbones + paper/pretrain/), then `npm run grid -- --profile P --export`
// (fine-tuning runs → runs/, paper/results/). The notebooks then read those results. --no-stages skips them.
//
// Then executes every notebook (notebooks/NN-name.ts → .ipynb) headless, in order, with real Jupyter (nbclient, the
// engine behind `jupyter nbconvert --execute`) and the repo's tslab kernelspec (JUPYTER_PATH=jupyter/), with
// MEDSSL_PROFILE set. Each executed notebook is written back with its outputs (temp file, then rename); the
// notebooks themselves regenerate figures/ and paper/. A cell error stops the run and prints the failing
// cell's source and stderr (tslab reports errors on stderr with an empty `evalue`).
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildNotebook, cellSources, firstFailure, parsePercent, type Notebook } from '../lib/report/ipynb';
import { gitCommit } from '../lib/report/provenance';
import { writeFileAtomic, writeJsonAtomic } from '../lib/util/atomic';
import { PAPER_DIR, ROOT } from '../lib/util/paths';
import { profileFromArgv } from '../lib/util/profile';
import { fmtTime } from '../lib/util/progress';

const NB_DIR = path.join(ROOT, 'notebooks');
const PYTHON = process.env.MEDSSL_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

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

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(name + '='));
  return eq?.slice(name.length + 1);
}
const flag = (name: string) => process.argv.slice(2).includes(name);

function checkTools(): void {
  const py = spawnSync(PYTHON, ['-c', 'import nbclient, nbformat, jupyter_client'], { encoding: 'utf8' });
  if (py.status !== 0) {
    throw new Error(
      `reproduce needs Jupyter's notebook runner (${PYTHON} could not import nbclient/nbformat/jupyter_client). ` +
        'Install it with `apt-get install jupyter-nbconvert jupyter-client` (Debian/Ubuntu), or point MEDSSL_PYTHON ' +
        'at a Python that has nbclient.',
    );
  }
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'tslab'))) {
    throw new Error('reproduce needs the tslab kernel from node_modules: run `npm install` (or `npm ci`) first');
  }
  if (!fs.existsSync(path.join(ROOT, 'jupyter', 'kernels', 'tslab', 'kernel.json'))) {
    throw new Error(`missing kernelspec ${path.join(ROOT, 'jupyter', 'kernels', 'tslab', 'kernel.json')}`);
  }
}

/** notebooks/NN-name.ts in reading order. */
export function notebookSources(): string[] {
  if (!fs.existsSync(NB_DIR)) return [];
  return fs
    .readdirSync(NB_DIR)
    .filter((f) => /^\d\d-[\w-]+\.ts$/.test(f))
    .sort()
    .map((f) => f.replace(/\.ts$/, ''));
}

/** Drop per-run noise (execution timestamps) so re-running a notebook gives a small diff. */
function tidy(nb: Notebook): Notebook {
  for (const c of nb.cells) {
    delete (c.metadata as Record<string, unknown>).execution;
  }
  return nb;
}

/** Run a command; its stderr is captured (and echoed live when `echo`). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, echo = true): Promise<{ code: number; stderr: string }> {
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
  const profile = profileFromArgv();
  const only = arg('--only')?.split(',').map((s) => s.trim()).filter(Boolean);
  const cellTimeout = Number(arg('--cell-timeout') ?? (profile === 'smoke' ? 600 : profile === 'cpu' ? 6 * 3600 : 0));
  const build = !flag('--no-build');
  if (flag('--build-only')) {
    // Only notebooks whose cells changed are rewritten (without outputs); the others keep their outputs.
    for (const name of notebookSources()) {
      const src = path.join(NB_DIR, `${name}.ts`);
      const out = path.join(NB_DIR, `${name}.ipynb`);
      const built = buildNotebook(name, parsePercent(fs.readFileSync(src, 'utf8'), src));
      if (fs.existsSync(out) && JSON.stringify(cellSources(JSON.parse(fs.readFileSync(out, 'utf8')))) === JSON.stringify(cellSources(built))) continue;
      writeFileAtomic(out, JSON.stringify(built, null, 1) + '\n');
      console.log(`[reproduce] built notebooks/${name}.ipynb (no outputs)`);
    }
    return 0;
  }
  const keepGoing = flag('--keep-going');
  const jobs = Number(arg('--jobs') ?? 2);
  checkTools();

  const names = notebookSources().filter((n) => !only || only.some((o) => n.startsWith(o)));
  if (names.length === 0) {
    console.log(`[reproduce] no notebooks${only ? ` matching ${only.join(',')}` : ''} in ${NB_DIR}`);
    return 0;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDSSL_PROFILE: profile,
    MEDSSL_ROOT: ROOT,
    JUPYTER_PATH: [path.join(ROOT, 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  console.log(`[reproduce] profile ${profile}, ${names.length} notebooks, commit ${gitCommit()}`);
  const started = Date.now();
  const log: { notebook: string; ok: boolean; seconds: number; error?: string }[] = [];
  let failed = 0;

  // Pipeline stages (heavy work, cached by config hash), only when their scripts exist.
  if (!flag('--no-stages') && !only) {
    const script = (n: string) => path.join(ROOT, 'scripts', `${n}.ts`);
    const stages: [string, string[], string?][] = [
      ['pretrain', ['--profile', profile]],
      ['grid', ['--profile', profile, '--export']],
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
      const res = await run(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script(name), ...args], env);
      const seconds = (Date.now() - t0) / 1000;
      log.push({ notebook: `stage:${name}`, ok: res.code === 0, seconds, ...(res.code === 0 ? {} : { error: res.stderr.trim().split('\n').slice(-1)[0] }) });
      if (res.code !== 0) {
        console.error(`[reproduce] stage ${name} FAILED (exit ${res.code}) after ${fmtTime(seconds)}; see its output above`);
        failed++;
        if (!keepGoing) return finish(profile, log, names.length, started, failed);
      } else console.log(`[reproduce] stage ${name} ok in ${fmtTime(seconds)}`);
    }
  }

  const runNotebook = async (name: string): Promise<boolean> => {
    const ipynb = path.join(NB_DIR, `${name}.ipynb`);
    const tmpIn = path.join(NB_DIR, `.${name}.in.${process.pid}.tmp`);
    const tmpOut = path.join(NB_DIR, `.${name}.out.${process.pid}.tmp`);
    let input: Notebook;
    if (build) {
      const src = path.join(NB_DIR, `${name}.ts`);
      input = buildNotebook(name, parsePercent(fs.readFileSync(src, 'utf8'), src));
    } else {
      input = JSON.parse(fs.readFileSync(ipynb, 'utf8'));
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
      log.push({ notebook: name, ok: true, seconds });
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
      lines.push(`--- cell ${failure.codeIndex} (code) source ---`, failure.source, '--- stderr ---', failure.stderr.trim() || '(empty)');
      if (failure.error.trim() !== 'Error:') lines.push('--- error ---', failure.error.trim());
    } else {
      lines.push(`--- no failing cell recorded; executor exit ${res.code}, its stderr: ---`, res.stderr.trim().split('\n').slice(-30).join('\n'));
    }
    if (executed) lines.push(`(partial executed notebook: ${kept}; ${path.relative(ROOT, ipynb)} left as it was)`);
    console.error(lines.join('\n'));
    log.push({ notebook: name, ok: false, seconds, error: failure ? failure.stderr.trim().split('\n')[0] : `exit ${res.code}` });
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

  return finish(profile, log, names.length, started, failed);
}

function finish(profile: string, log: { notebook: string; ok: boolean; seconds: number; error?: string }[], nNotebooks: number, started: number, failed: number): number {
  const total = (Date.now() - started) / 1000;
  writeJsonAtomic(path.join(PAPER_DIR, 'reproduce-log.json'), {
    profile,
    commit: gitCommit(),
    date: new Date().toISOString(),
    totalSeconds: Math.round(total),
    steps: log.map((l) => ({ ...l, seconds: Math.round(l.seconds * 10) / 10 })),
  });
  const nb = log.filter((l) => !l.notebook.startsWith('stage:')).length;
  console.log(`[reproduce] ${failed === 0 ? 'all ok' : `${failed} failed`} · ${nb}/${nNotebooks} notebooks run · ${fmtTime(total)}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[reproduce] ${(e as Error).message}`);
    process.exit(1);
  },
);
