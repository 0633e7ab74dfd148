// C6's evidence: what one source image costs in a SimCLR step and in a supervised step of the same backbone, and how
// long each pre-training run took to reach its probe plateau. Writes paper/pretrain/cost-<profile>.json, which the
// reproduction report and notebook 08 draw the cost verdict from (lib/report/cost.ts).
//   npx tsx bench/pretrain-cost.ts [--profile cpu] [--rounds 3] [--from FILE.jsonl] [--out FILE]
// Each measurement is one fresh process of bench/pretrain-step.ts at the profile's batch and input size, rounds
// interleaved (round 1: every arch × method, then round 2, ...) so drift in the machine's state hits both methods
// alike. Run it on a quiet machine (it warns otherwise); the raw lines go to bench/results/. --from takes lines that
// bench/pretrain-step.ts printed earlier instead of measuring (the file is named in the output).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cli, stringOption } from '../lib/util/cli';

const { values: opt } = cli({
  command: 'npx tsx bench/pretrain-cost.ts',
  summary:
    "Per-image CPU cost of a SimCLR vs a supervised pre-training step (same backbone, batch, input size; median of fresh processes) and each run's time to its probe plateau. Writes paper/pretrain/cost-<profile>.json.",
  options: {
    profile: {
      type: 'string',
      arg: 'P',
      help: 'pre-training profile whose backbones, batch and runs to use (default cpu)',
    },
    rounds: { type: 'string', arg: 'N', help: 'measurements per architecture and method (default 3)' },
    from: { type: 'string', arg: 'FILE', help: 'JSON lines of bench/pretrain-step.ts to use instead of measuring' },
    out: { type: 'string', arg: 'FILE', help: 'output (default paper/pretrain/cost-<profile>.json)' },
  },
});
const { ROOT } = await import('../lib/util/paths');
const { writeJsonAtomic, writeFileAtomic } = await import('../lib/util/atomic');
const { gitCommit } = await import('../lib/util/git');
const { PRETRAIN_PROFILES } = await import('../lib/pretrain/profiles');
const { pretrainHistories } = await import('../lib/pretrain/histories');
const { controlledCost, plateauTime } = await import('../lib/report/cost');
type StepCostMeasurement = import('../lib/report/cost').StepCostMeasurement;
type StepCostFile = import('../lib/report/cost').StepCostFile;

const profile = (stringOption(opt, 'profile') ?? 'cpu') as keyof typeof PRETRAIN_PROFILES;
const P = PRETRAIN_PROFILES[profile];
if (!P) throw new Error(`--profile ${profile}: not one of ${Object.keys(PRETRAIN_PROFILES).join(', ')}`);
const rounds = Number(stringOption(opt, 'rounds') ?? 3);
const out = path.resolve(ROOT, stringOption(opt, 'out') ?? `paper/pretrain/cost-${profile}.json`);
const archOf = new Map(Object.entries(P.variants).map(([arch, variant]) => [variant, arch]));
const date = new Date().toISOString();

function parseLine(line: string, where: string): StepCostMeasurement {
  const j = JSON.parse(line) as Omit<StepCostMeasurement, 'arch'>;
  const arch = archOf.get(j.variant);
  if (!arch) throw new Error(`${where}: variant ${j.variant} is not one of profile ${profile}'s backbones`);
  if (j.batch !== P.batchSize || j.size !== P.inputSize)
    throw new Error(
      `${where}: batch ${j.batch} at ${j.size} px, profile ${profile} pre-trains at ${P.batchSize} × ${P.inputSize} px`,
    );
  return { arch, ...j };
}

let ms: StepCostMeasurement[];
let command: string;
const from = stringOption(opt, 'from');
if (from) {
  const lines = fs
    .readFileSync(path.resolve(from), 'utf8')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'));
  ms = lines.map((l, i) => parseLine(l, `${from} line ${i + 1}`));
  command = `npx tsx bench/pretrain-step.ts <variant> ${P.inputSize} <tl|ssl> ${P.batchSize}, ${rounds} interleaved rounds (lines in ${path.relative(ROOT, path.resolve(from))}); npx tsx bench/pretrain-cost.ts --profile ${profile} --from ${path.relative(ROOT, path.resolve(from))}`;
} else {
  const cores = os.cpus().length;
  if (os.loadavg()[0] > 0.75 * cores)
    console.warn(`[pretrain-cost] load ${os.loadavg()[0].toFixed(2)} on ${cores} cores: not a quiet machine`);
  ms = [];
  const raw = path.join(ROOT, 'bench', 'results', `pretrain-cost-${date.slice(0, 10)}-${profile}.jsonl`);
  const lines: string[] = [];
  for (let r = 1; r <= rounds; r++)
    for (const [arch, variant] of Object.entries(P.variants))
      for (const method of ['ssl', 'tl'] as const) {
        const args = ['tsx', 'bench/pretrain-step.ts', variant, String(P.inputSize), method, String(P.batchSize)];
        const res = spawnSync('npx', args, {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, MEDSSL_THREADS: process.env.MEDSSL_THREADS ?? '1' },
        });
        const line = (res.stdout ?? '')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .pop();
        if (res.status !== 0 || !line)
          throw new Error(`npx ${args.join(' ')} failed (exit ${res.status}): ${(res.stderr ?? '').slice(-500)}`);
        lines.push(line);
        ms.push(parseLine(line, `round ${r} ${arch} ${method}`));
        console.log(
          `[pretrain-cost] round ${r}/${rounds} ${variant} ${method}: ${ms[ms.length - 1].imgPerCpuSec} img/CPU-s`,
        );
      }
  writeFileAtomic(raw, lines.join('\n') + '\n');
  command = `npx tsx bench/pretrain-cost.ts --profile ${profile} --rounds ${rounds} (lines in ${path.relative(ROOT, raw)})`;
}

const controlled = controlledCost(ms);
const plateau = pretrainHistories(profile).map((h, i) => {
  const run = P.runs[i];
  return plateauTime(
    {
      name: h.name,
      hash: h.hash,
      method: run.method,
      arch: run.arch,
      source: run.source ?? P.source,
      finished: h.finished,
      history: h.history,
    },
    controlled,
  );
});
const file: StepCostFile = {
  what: `CPU cost per source image of one pre-training step, SSL vs TL on the same backbone (profile ${profile}: batch ${P.batchSize}, ${P.inputSize} px), median over fresh processes; and each run's time to its k-NN probe plateau`,
  profile,
  commit: gitCommit(),
  date,
  command,
  measurements: ms,
  plateau,
};
writeJsonAtomic(out, file);

const f = (x: number | null, d = 0) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(d));
console.log('\n| architecture | TL img/CPU-s (median) | SSL img/CPU-s (median) | SSL / TL per image | n | load |');
console.log('|---|---|---|---|---|---|');
for (const c of controlled)
  console.log(
    `| ${c.arch} (${c.variant}) | ${f(c.tl, 1)} | ${f(c.ssl, 1)} | ${f(c.ratio, 2)}× | ${c.n.tl} + ${c.n.ssl} | ${c.load[0].toFixed(2)}–${c.load[1].toFixed(2)} |`,
  );
console.log('\n| run | epochs logged | last k-NN | plateau epoch | CPU s to plateau (controlled) | as logged |');
console.log('|---|---|---|---|---|---|');
for (const p of plateau)
  console.log(
    `| ${p.name} | ${p.epochs}${p.finished ? '' : ' (unfinished)'} | ${f(100 * (p.lastProbes.at(-1) ?? NaN), 1)} | ${p.plateauEpoch ?? 'not plateaued'} | ${f(p.cpuSecondsToPlateau)} | ${f(p.loggedCpuSecondsToPlateau)} |`,
  );
console.log(`\n[pretrain-cost] wrote ${path.relative(ROOT, out)}`);
