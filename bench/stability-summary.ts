// Long-run stability evidence for the native backend from the real pre-training runs: every checkpoint folder's
// log.jsonl (one line per epoch: backend, CPU seconds, load average) and, optionally, the pre-training session logs
// (stdout + stderr of `npm run pretrain`), scanned for the crash signatures the oneDNN heap corruption left
// (`malloc(): corrupted top size`, `double free`, `Segmentation fault`, `Aborted`, ...). Writes a markdown summary.
//   npx tsx bench/stability-summary.ts [--checkpoints data/checkpoints] [--logs DIR] [--out paper/bench/stability.md]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../lib/util/atomic';
import { cli, stringOption } from '../lib/util/cli';
import { CHECKPOINTS_DIR, ROOT } from '../lib/util/paths';

const { values } = cli({
  command: 'npx tsx bench/stability-summary.ts',
  summary:
    'Summarise the pre-training runs (epochs and steps per backend, CPU time, crashes in the session logs) into a markdown file.',
  options: {
    checkpoints: { type: 'string', arg: 'DIR', help: 'checkpoint root (default data/checkpoints)' },
    logs: { type: 'string', arg: 'DIR', help: 'folder of pre-training session logs (*.log) to scan for crashes' },
    out: { type: 'string', arg: 'FILE', help: 'markdown file to write (default paper/bench/stability.md)' },
  },
});
const root = path.resolve(stringOption(values, 'checkpoints') ?? CHECKPOINTS_DIR);
const logsDir = stringOption(values, 'logs');
const out = path.resolve(stringOption(values, 'out') ?? path.join(ROOT, 'paper', 'bench', 'stability.md'));

/** What a crash of the native runtime prints (glibc heap checks, signals, wasm/emscripten aborts). */
const CRASH =
  /malloc\(\)|corrupted|double free|free\(\): invalid|Segmentation fault|core dumped|Aborted|SIGSEGV|SIGABRT/;

interface Epoch {
  epoch: number;
  images: number;
  seconds: number;
  backend?: string;
  cpuSeconds?: number;
  load1?: number;
}

const median = (a: number[]) => (a.length ? [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)] : NaN);
const fmt = (v: number, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');

const rows: string[] = [];
const totals = new Map<string, { runs: Set<string>; epochs: number; steps: number; cpu: number }>();
if (!fs.existsSync(root)) throw new Error(`${root}: no such checkpoint folder`);
for (const hash of fs.readdirSync(root).sort()) {
  const dir = path.join(root, hash);
  const logFile = path.join(dir, 'log.jsonl');
  const cfgFile = path.join(dir, 'config.json');
  if (!fs.existsSync(logFile) || !fs.existsSync(cfgFile)) continue;
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as {
    method: string;
    variant: string;
    epochs: number;
    batchSize: number;
  };
  const epochs = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as Epoch;
      } catch {
        throw new Error(`${logFile}: line ${i + 1} is not JSON`);
      }
    });
  const done = fs.existsSync(path.join(dir, 'done.json'));
  const byBackend = new Map<string, Epoch[]>();
  for (const e of epochs) {
    const b = e.backend ?? 'unrecorded';
    byBackend.set(b, [...(byBackend.get(b) ?? []), e]);
  }
  for (const [b, es] of byBackend) {
    const steps = es.reduce((s, e) => s + Math.floor(e.images / cfg.batchSize), 0);
    const cpu = es.reduce((s, e) => s + (e.cpuSeconds ?? NaN), 0);
    const rate = median(es.filter((e) => e.cpuSeconds).map((e) => e.images / e.cpuSeconds!));
    const loads = es.map((e) => e.load1).filter((l): l is number => l != null);
    const t = totals.get(b) ?? { runs: new Set<string>(), epochs: 0, steps: 0, cpu: 0 };
    t.runs.add(hash);
    t.epochs += es.length;
    t.steps += steps;
    t.cpu += Number.isFinite(cpu) ? cpu : 0;
    totals.set(b, t);
    rows.push(
      `| ${hash} | ${cfg.method.toUpperCase()} ${cfg.variant} | ${cfg.batchSize} | ${epochs.length}/${cfg.epochs}${done ? ' done' : ''} | ` +
        `${b} | ${es.length} (${es[0].epoch}–${es.at(-1)!.epoch}) | ${steps} | ${fmt(cpu / 3600, 2)} | ${fmt(rate, 1)} | ` +
        `${loads.length ? `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` : '–'} |`,
    );
  }
}

const sessions: string[] = [];
let crashes = 0;
if (logsDir) {
  for (const f of fs
    .readdirSync(logsDir)
    .filter((n) => n.endsWith('.log'))
    .sort()) {
    const text = fs.readFileSync(path.join(logsDir, f), 'utf8');
    const lines = text.split(/\r?\n|\r/);
    const run = text.match(/^== .*\[([0-9a-f]{16})\]$/m)?.[1];
    if (!run) continue; // not a pre-training session log
    const backend = text.match(/^\[backend\] (\w+)/m)?.[1] ?? '?';
    const hits = lines.filter((l) => CRASH.test(l) && !/port\.cc|oneDNN custom operations/.test(l));
    const finished = /done in \d+ s →/.test(text);
    const last = [...lines].reverse().find((l) => /ep=\d+\/\d+/.test(l));
    const where = last?.match(/ep=(\d+\/\d+)/)?.[1];
    const idleMin = (Date.now() - fs.statSync(path.join(logsDir, f)).mtimeMs) / 60_000;
    if (hits.length) crashes++;
    sessions.push(
      `| ${f} | ${run} | ${backend} | ${hits.length ? `CRASH: \`${hits[0].trim().slice(0, 80)}\`` : finished ? 'finished' : idleMin < 10 ? `running (epoch ${where ?? '?'}, log written ${idleMin.toFixed(0)} min ago)` : `stopped in epoch ${where ?? '?'}, no error output (no crash signature)`} |`,
    );
  }
}

const native = totals.get('tensorflow');
const md = [
  '# Native backend: stability on the real pre-training runs',
  '',
  `Generated ${new Date().toISOString()} by \`npx tsx bench/stability-summary.ts --checkpoints ${root.startsWith(ROOT + path.sep) ? path.relative(ROOT, root) : root}${logsDir ? ` --logs ${logsDir}` : ''}\``,
  `(load average at generation ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}). Each row is one run × backend from \`<run>/log.jsonl\`: the epochs that backend trained (a run`,
  'resumed on another backend says so per epoch), optimizer steps (images / batch per epoch), CPU hours, median',
  'source images per CPU-second, and the range of the 1-minute load average at the end of its epochs. Epochs logged',
  'before backends were recorded show as "unrecorded".',
  '',
  '| run | what | batch | epochs (of config) | backend | epochs on it | steps | CPU h | img/CPU-s (median) | load |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  '**Totals per backend:** ' +
    [...totals]
      .map(
        ([b, t]) =>
          `${b}: ${t.runs.size} runs, ${t.epochs} epochs, ${t.steps} steps, ${(t.cpu / 3600).toFixed(2)} CPU h`,
      )
      .join('; ') +
    '.',
  '',
  ...(logsDir
    ? [
        `## Session logs (${logsDir})`,
        '',
        'Each `npm run pretrain` session writes stdout and stderr to one log. A native crash (the oneDNN heap',
        'corruption of issue 9 aborted with `malloc(): corrupted top size` and similar) leaves its message there; a',
        'session stopped from outside (end of a work session, or to switch backend) stops mid-epoch without',
        'one and is continued with `--resume` from the last epoch checkpoint.',
        '',
        '| log | run | backend | how it ended |',
        '|---|---|---|---|',
        ...sessions,
        '',
        `**Crashes found: ${crashes}** in ${sessions.length} session logs` +
          (native ? `; ${native.steps} optimizer steps (${native.epochs} epochs) trained on tensorflow.` : '.'),
        '',
      ]
    : []),
];
fs.mkdirSync(path.dirname(out), { recursive: true });
writeFileAtomic(out, md.join('\n'));
console.log(md.join('\n'));
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
