// What `npm run reproduce` and `npm run step-through` share to drive the notebooks through real Jupyter: the
// Python that has jupyter_client/nbclient, the repo's tslab kernelspec (JUPYTER_PATH=jupyter/), the notebook
// sources in reading order, and the kernel environment (the profile, and whether the run publishes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PUBLISH_ENV, ROOT } from '../util/paths';

export const NB_DIR = path.join(ROOT, 'notebooks');

/** MEDSSL_PYTHON, else Debian's Python (the one `apt-get install jupyter-*` equips), else python3 on PATH. */
export const PYTHON = process.env.MEDSSL_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Throws with what to install when the Python modules, tslab or the kernelspec are missing. */
export function checkJupyter(modules: string[], who: string): void {
  const py = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (py.status !== 0) {
    throw new Error(
      `${who} needs Jupyter (${PYTHON} could not import ${modules.join('/')}). Install it with ` +
        '`apt-get install jupyter-nbconvert jupyter-client` (Debian/Ubuntu), or point MEDSSL_PYTHON at a Python that has them.',
    );
  }
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'tslab'))) {
    throw new Error(`${who} needs the tslab kernel from node_modules: run \`npm install\` (or \`npm ci\`) first`);
  }
  const spec = path.join(ROOT, 'jupyter', 'kernels', 'tslab', 'kernel.json');
  if (!fs.existsSync(spec)) throw new Error(`${who}: missing kernelspec ${spec}`);
}

/** notebooks/NN-name.ts in reading order (names without extension). */
export function notebookSources(dir = NB_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d-[\w-]+\.ts$/.test(f))
    .sort()
    .map((f) => f.replace(/\.ts$/, ''));
}

/** `--only 00,03` → the notebooks whose names start with one of them; all when `only` is undefined. */
export function selectNotebooks(names: string[], only: string[] | undefined): string[] {
  return names.filter((n) => !only || only.some((o) => n.startsWith(o)));
}

/**
 * The environment a kernel runs in: the profile, the project root, the repo kernelspec first on JUPYTER_PATH, and
 * MEDSSL_PUBLISH=1 only for a publishing run (removed otherwise, so an inherited value cannot make a live
 * kernel write committed files). A publishing run computes with one TensorFlow thread per kernel unless
 * MEDSSL_THREADS says otherwise: what a notebook re-computes (probes, Grad-CAM's re-trained models) then comes out
 * the same on any machine, whereas the split of a reduction over threads moves the last digits (notebooks run side by
 * side, so the cores are used anyway).
 */
export function kernelEnv(
  profile: string,
  publishing: boolean,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    MEDSSL_PROFILE: profile,
    MEDSSL_ROOT: ROOT,
    JUPYTER_PATH: [path.join(ROOT, 'jupyter'), base.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  if (publishing) {
    env[PUBLISH_ENV] = '1';
    env.MEDSSL_THREADS = base.MEDSSL_THREADS ?? '1';
  } else delete env[PUBLISH_ENV];
  return env;
}
