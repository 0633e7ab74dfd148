// npm run step-through [-- --profile smoke|cpu|gpu] [--only 00,03] [--cell-timeout S] [--keep-going]
//
// Steps through the notebooks as a student does in Jupyter: one fresh tslab kernel per notebook (the repo
// kernelspec, JUPYTER_PATH=jupyter/), started by jupyter_client, each code cell sent on its own, in order, in live
// mode (MEDSSL_PUBLISH unset). Then checks that nothing in the working tree changed: `git status --porcelain`
// (tracked and untracked files; scratch/ is ignored) must be what it was before. Exits non-zero when a cell fails
// or a file changed, and names them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePercent, summarizeError } from '../lib/report/ipynb';
import { NB_DIR, PYTHON, checkJupyter, kernelEnv, notebookSources, selectNotebooks } from '../lib/report/jupyter';
import { changedFiles, treeState } from '../lib/report/tree-state';
import { profileName } from '../lib/util/profile';
import { cli, listOption, PROFILE_OPTION, stringOption } from '../lib/util/cli';
import { fmtTime } from '../lib/util/progress';

// Reads [{name, cells: [source…]}] and writes [{name, ok, seconds, cells, failed?: {cell, source, stderr, evalue, kernelLog}}].
const DRIVER = `
import json, os, sys, time
from jupyter_client.manager import KernelManager
spec_file, out_file, cwd, timeout, keep_going = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5] == '1'
log_dir = os.path.dirname(out_file)
results = []
def run_cell(kc, code):
    msg_id = kc.execute(code, store_history=True, allow_stdin=False)
    stderr, evalue, deadline = [], '', time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(1, deadline - time.time()))
        if msg['parent_header'].get('msg_id') != msg_id: continue
        t, c = msg['header']['msg_type'], msg['content']
        if t == 'stream' and c.get('name') == 'stderr': stderr.append(c['text'])
        elif t == 'error': evalue = '%s: %s' % (c.get('ename', ''), c.get('evalue', ''))
        elif t == 'status' and c['execution_state'] == 'idle': break
    reply = kc.get_shell_msg(timeout=60)
    while reply['parent_header'].get('msg_id') != msg_id: reply = kc.get_shell_msg(timeout=60)
    return reply['content']['status'] == 'ok', ''.join(stderr), evalue
for nb in json.load(open(spec_file)):
    t0, res = time.time(), {'name': nb['name'], 'ok': True, 'cells': 0}
    km = KernelManager(kernel_name='tslab')
    # The kernel's own output (tslab prints zmq noise while shutting down) goes to a file, shown only on failure.
    klog_path = os.path.join(log_dir, nb['name'] + '.kernel.log')
    klog = open(klog_path, 'w')
    km.start_kernel(cwd=cwd, stdout=klog, stderr=klog)
    kc = km.client(); kc.start_channels()
    try:
        kc.wait_for_ready(timeout=300)
        for i, code in enumerate(nb['cells']):
            c0 = time.time()
            try:
                ok, stderr, evalue = run_cell(kc, code)
            except Exception as e:  # queue.Empty on timeout, a dead kernel
                ok, stderr, evalue = False, '', 'cell did not finish: %s %s' % (type(e).__name__, e)
            res['cells'] = i + 1
            print('[step-through] %s cell %d/%d %s in %.1f s' % (nb['name'], i + 1, len(nb['cells']), 'ok' if ok else 'FAILED', time.time() - c0), flush=True)
            if not ok:
                res['ok'] = False
                res['failed'] = {'cell': i + 1, 'source': code, 'stderr': stderr, 'evalue': evalue}
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
        klog.close()
    if not res['ok']:
        res['failed']['kernelLog'] = ''.join(open(klog_path).readlines()[-20:])
    res['seconds'] = time.time() - t0
    results.append(res)
    json.dump(results, open(out_file, 'w'))
    if not res['ok'] and not keep_going: break
`;

interface NotebookResult {
  name: string;
  ok: boolean;
  seconds: number;
  cells: number;
  failed?: { cell: number; source: string; stderr: string; evalue: string; kernelLog?: string };
}

const { values: opt } = cli({
  command: 'npm run step-through --',
  summary:
    'Run notebooks cell by cell in live tslab kernels (as a student in Jupyter, not publishing), then check that no tracked file changed.',
  options: {
    profile: PROFILE_OPTION,
    only: { type: 'string', arg: '00,03', help: 'only these notebooks' },
    'cell-timeout': { type: 'string', arg: 'S', help: 'seconds per cell (default: smoke 600, else 6 h)' },
    'keep-going': { type: 'boolean', help: 'run the remaining cells and notebooks after a failure' },
  },
});
const arg = (name: string) => stringOption(opt, name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const profile = profileName(arg('--profile'));
  const only = listOption(opt.only);
  const timeout = Number(arg('--cell-timeout') ?? (profile === 'smoke' ? 600 : 6 * 3600));
  checkJupyter(['jupyter_client'], 'step-through');
  const names = selectNotebooks(notebookSources(), only);
  if (names.length === 0) throw new Error(`no notebooks${only ? ` matching ${only.join(',')}` : ''} in ${NB_DIR}`);

  const before = treeState();
  if (before.size > 0)
    console.log(
      `[step-through] the tree already has ${before.size} changed or untracked files; checking that none of them changes and nothing is added`,
    );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-step-'));
  const specFile = path.join(tmp, 'notebooks.json');
  const outFile = path.join(tmp, 'results.json');
  fs.writeFileSync(
    specFile,
    JSON.stringify(
      names.map((name) => {
        const src = path.join(NB_DIR, `${name}.ts`);
        return {
          name,
          cells: parsePercent(fs.readFileSync(src, 'utf8'), src)
            .filter((c) => c.type === 'code')
            .map((c) => c.source),
        };
      }),
    ),
  );
  console.log(
    `[step-through] profile ${profile}, live kernels (not publishing), ${names.length} notebooks: ${names.join(', ')}`,
  );
  const t0 = Date.now();
  const code = await run(
    PYTHON,
    ['-c', DRIVER, specFile, outFile, NB_DIR, String(timeout), opt['keep-going'] === true ? '1' : '0'],
    kernelEnv(profile, false),
  );
  const results: NotebookResult[] = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, 'utf8')) : [];
  fs.rmSync(tmp, { recursive: true, force: true });

  let bad = code === 0 ? 0 : 1;
  for (const r of results) {
    if (r.ok) {
      console.log(`[step-through] ${r.name}: ${r.cells} cells ok in ${fmtTime(r.seconds)}`);
      continue;
    }
    bad++;
    const f = r.failed!;
    const s = summarizeError(f.stderr || f.evalue, f.source);
    console.error(
      [
        `[step-through] ${r.name}: cell ${f.cell} FAILED: ${s.message}${s.line ? `\n  at: ${s.line}` : ''}`,
        '--- source ---',
        f.source,
        '--- stderr ---',
        f.stderr.trim() || '(empty)',
        ...(f.kernelLog?.trim() ? ['--- kernel log (last lines) ---', f.kernelLog.trim()] : []),
      ].join('\n'),
    );
  }
  const changed = changedFiles(before, treeState());
  if (changed.length > 0) {
    bad++;
    console.error(
      `[step-through] FAILED: stepping through changed ${changed.length} files in the working tree (a live kernel must write only to scratch/):\n${changed.map((f) => '  ' + f).join('\n')}`,
    );
  } else console.log('[step-through] git status unchanged: no tracked or unignored file written');
  console.log(
    `[step-through] ${bad === 0 ? 'ok' : 'FAILED'} · ${results.length}/${names.length} notebooks · ${fmtTime((Date.now() - t0) / 1000)}`,
  );
  return bad === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[step-through] ${(e as Error).message}`);
    process.exit(1);
  },
);
