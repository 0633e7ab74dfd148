// npm run pretrain -- [--profile smoke|cpu|gpu] [--resume] [--only tl-xception,ssl-resnet,...] [--no-probe] [--probe-only]
// Pre-trains the profile's backbones (TL = supervised, SSL = SimCLR; paper pairing TL-Xception / SSL-ResNet and the
// matched pairings), then probes every finished backbone, the same nets at random init and the ImageNet
// MobileNetV2 arm on the source's held-out split. Results: <artefact root>/paper/pretrain/<profile>.json, rewritten
// only when what the probes measure changed (a finished profile re-run is a no-op). `--help` lists the flags.
import os from 'node:os';
import path from 'node:path';
import type { ProbeResult } from '../lib/pretrain/probe';
import type { PretrainRun } from '../lib/pretrain/profiles';
import type { PretrainRecord } from '../lib/pretrain/run';
import { cli, PROFILE_OPTION, listOption } from '../lib/util/cli';
import fs from 'node:fs';

const { values: opt } = cli({
  command: 'npm run pretrain --',
  summary:
    "Pre-train a profile's TL (supervised) and SSL (SimCLR) backbones, then probe them on the source's held-out split.",
  options: {
    profile: PROFILE_OPTION,
    resume: { type: 'boolean', help: 'continue an interrupted run from its last checkpoint' },
    only: { type: 'string', arg: 'a,b', help: 'only these runs (e.g. tl-xception,ssl-resnet,ssl-resnet-medical-all)' },
    'no-probe': { type: 'boolean', help: 'pre-train only' },
    'probe-only': { type: 'boolean', help: 'probe the finished backbones only' },
    reprobe: { type: 'boolean', help: 'probe again even when the probe results are up to date' },
    'no-train': { type: 'boolean', help: 'train nothing: report which runs are not finished' },
    workers: {
      type: 'string',
      arg: 'N',
      help: 'train up to N runs side by side, one process each (default: one 1-thread process per core)',
    },
    'partial-probes': {
      type: 'boolean',
      help: "probe the finished runs while others are not (written to scratch/, never over the profile's file)",
    },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const tf = await import('@tensorflow/tfjs');
const { backendProvenance, defaultWorkers, selectBackend, describeBackend } =
  await import('../lib/backend/select-backend');
const { formatExits, parseWorkers, pretrainWorkerJobs, runWorkers, threadsPerWorker } =
  await import('../lib/util/workers');
const { loadImageSet } = await import('../lib/data/load');
const { IMAGENET_ARM_NAME, IMAGENET_STANDS_IN_FOR, loadImagenetMobileNetV2 } =
  await import('../lib/models/mobilenet-v2-imagenet');
const { buildBackbone } = await import('../lib/models/variants');
const { loadBackboneDir } = await import('../lib/pretrain/backbone-files');
const { checkpointDir } = await import('../lib/pretrain/checkpoint');
const { describeConfig, pretrainHash } = await import('../lib/pretrain/config');
const { probeBackbone } = await import('../lib/pretrain/probe');
const { PRETRAIN_PROFILES, pretrainConfigFor, runConfig, runName } = await import('../lib/pretrain/profiles');
const { runPretraining } = await import('../lib/pretrain/run');
const { gitCommit } = await import('../lib/util/git');
const { readJson, writeJsonAtomic } = await import('../lib/util/atomic');
const { artefactRoot, checkpointRoot, SCRATCH_DIR } = await import('../lib/util/paths');
const { codeVersion } = await import('../lib/util/code-version');
const { configHash } = await import('../lib/util/hash');
const { profileName } = await import('../lib/util/profile');

const profile = profileName(typeof opt.profile === 'string' ? opt.profile : undefined);
const flag = (f: string) => opt[f] === true;
const only = listOption(opt.only) ?? null;
const prof = PRETRAIN_PROFILES[profile];
const ckptRoot = checkpointRoot(profile);
const backend = await selectBackend();
const load0 = os.loadavg();
console.log(
  `pretrain profile=${profile} backend=${describeBackend(backend)} load=${load0.map((l) => l.toFixed(2)).join(' ')}`,
);

const nameOf = (r: PretrainRun) => runName(profile, r);
const runs = prof.runs.filter((r) => !only || only.includes(nameOf(r)));
if (only && runs.length === 0)
  throw new Error(`--only ${only.join(',')}: no such run; choose from ${prof.runs.map(nameOf).join(', ')}`);

// Several unfinished runs: one process per run side by side (lib/util/workers.ts); the loop below then finds them done.
const unfinishedRuns = runs.filter(
  (r) => !fs.existsSync(path.join(checkpointDir(pretrainHash(runConfig(profile, r)), ckptRoot), 'done.json')),
);
const plan = defaultWorkers(backend.name, os.cpus().length, process.env, backend.gpu);
const workers = Math.min(unfinishedRuns.length, parseWorkers(opt.workers as string | undefined, plan.processes));
if (!flag('probe-only') && !flag('no-train') && workers > 1) {
  const threads = threadsPerWorker(workers);
  console.log(`${unfinishedRuns.length} runs, ${workers} at a time (one process each, ${threads} thread(s))`);
  const jobs = pretrainWorkerJobs(process.argv.slice(2), unfinishedRuns.map(nameOf));
  const exits = await runWorkers(jobs, { parallel: workers, threads });
  console.log(`pre-training processes:\n${formatExits(exits)}`);
  if (exits.some((e) => e.code !== 0)) process.exit(1);
}

if (!flag('probe-only')) {
  for (const r of runs) {
    const cfg = runConfig(profile, r);
    console.log(`\n== ${describeConfig(cfg)}  [${pretrainHash(cfg)}]`);
    if (flag('no-train') && !fs.existsSync(path.join(checkpointDir(pretrainHash(cfg), ckptRoot), 'done.json'))) {
      console.log(
        `   not finished; --no-train: skipped (npm run pretrain -- --profile ${profile} --only ${nameOf(r)} --resume trains it)`,
      );
      continue;
    }
    // k-NN probe on the source's held-out split (for the pooled medical source its labels are the dataset ids)
    const probe = { ...prof.probe, seed: prof.seed };
    try {
      const res = await runPretraining(cfg, { resume: flag('resume'), probe, root: ckptRoot });
      console.log(
        res.skipped
          ? `   already finished: ${res.dir} (no-op)`
          : `   done in ${res.record!.wallSeconds.toFixed(0)} s → ${res.dir}`,
      );
    } catch (e) {
      console.error(`\n${(e as Error).message}`);
      process.exit(1);
    }
  }
}
if (flag('no-probe')) process.exit(0);

// ---- probes on the source's held-out split ----
const outFile = path.join(artefactRoot(profile), 'paper', 'pretrain', `${profile}.json`);
// What the probes measure: the finished checkpoints (by config hash), the profile's knobs and the code. When the
// committed results measured exactly this, probing again would only rewrite dates.
const finished = prof.runs
  .map((r) => pretrainHash(runConfig(profile, r)))
  .filter((h) => fs.existsSync(path.join(checkpointDir(h, ckptRoot), 'done.json')));
const probeKey = configHash({ finished, profileConfig: prof, code: codeVersion('pretrain') });
if (!flag('reprobe') && fs.existsSync(outFile) && readJson<{ probeKey?: string }>(outFile).probeKey === probeKey) {
  console.log(
    `probes up to date: ${path.relative(process.cwd(), outFile)} (probeKey ${probeKey}; --reprobe to measure again)`,
  );
  process.exit(0);
}
// The probe file is the profile's result: written once every run it defines is finished, never replaced by a
// partial one (a pre-training done in stretches probes its finished runs with --partial-probes, into scratch/).
const unfinished = prof.runs.length - finished.length;
if (unfinished > 0 && !flag('partial-probes')) {
  console.log(
    `${unfinished} of ${prof.runs.length} runs not finished: ${path.relative(process.cwd(), outFile)} left as it is (--partial-probes writes the finished runs' probes to scratch/)`,
  );
  process.exit(0);
}
const probeFile =
  unfinished > 0 ? path.join(SCRATCH_DIR, profile, 'paper', 'pretrain', `${profile}-partial.json`) : outFile;
const set = await loadImageSet(prof.source, { size: prof.inputSize });
const po = { maxTrain: prof.probe.maxTrain || undefined, maxTest: prof.probe.maxTest || undefined, seed: prof.seed };
const runsOut: unknown[] = [];
const fmt = (p: ProbeResult) => `k-NN ${(100 * p.knnTop1).toFixed(1)} %  linear ${(100 * p.linearTop1).toFixed(1)} %`;
for (const r of prof.runs) {
  const cfg = runConfig(profile, r);
  const hash = pretrainHash(cfg);
  const dir = checkpointDir(hash, ckptRoot);
  if (!fs.existsSync(path.join(dir, 'done.json'))) {
    console.log(`-- ${nameOf(r)}: not trained yet (${dir})`);
    continue;
  }
  const rec = readJson<PretrainRecord>(path.join(dir, 'done.json'));
  const bb = await loadBackboneDir(dir, cfg);
  // every backbone is probed on the natural source's held-out split (the in-domain one too, for comparison)
  const probe = probeBackbone(bb, set, po);
  console.log(`-- ${r.method.toUpperCase()} ${cfg.variant}${r.source ? ` (${r.source})` : ''}: ${fmt(probe)}`);
  const last = rec.history[rec.history.length - 1];
  runsOut.push({
    arm: r.source === 'medical-all' ? 'ssl-medical' : r.method,
    arch: r.arch,
    variant: cfg.variant,
    source: cfg.source,
    hash,
    config: cfg,
    checkpoint: path.relative(process.cwd(), dir),
    trainSeconds: rec.trainSeconds,
    imgPerSec: rec.history.map((h) => +h.imgPerSec.toFixed(1)),
    finalLoss: last.loss,
    backend: rec.backend,
    commit: rec.commit,
    probe,
  });
  bb.model.dispose();
}
const baselines: unknown[] = [];
for (const arch of ['xception', 'resnet'] as const) {
  const bb = buildBackbone(prof.variants[arch], { inputSize: prof.inputSize, seed: prof.seed });
  const probe = probeBackbone(bb, set, po);
  console.log(`-- random-init ${bb.name}: ${fmt(probe)}`);
  baselines.push({ arm: 'random', arch, variant: bb.name, seed: prof.seed, probe });
}
const inet = await loadImagenetMobileNetV2({ inputSize: prof.inputSize });
const inetProbe = probeBackbone(inet, set, po);
console.log(`-- ${IMAGENET_ARM_NAME} (stands in for ImageNet Xception): ${fmt(inetProbe)}`);
const inetRandom = await loadImagenetMobileNetV2({ inputSize: prof.inputSize, randomInit: prof.seed });
const inetRandomProbe = probeBackbone(inetRandom, set, po);
console.log(`-- MobileNetV2-α0.35 random init: ${fmt(inetRandomProbe)}`);

writeJsonAtomic(probeFile, {
  what: 'Source pre-training (TL = supervised, SSL = SimCLR) and frozen-feature probes on the source held-out split',
  profile,
  probeKey,
  seed: prof.seed,
  commit: gitCommit(),
  backend: describeBackend(backend),
  backendInfo: backendProvenance(backend),
  loadAverage: { start: load0, end: os.loadavg(), cores: os.cpus().length },
  date: new Date().toISOString(),
  dataset: {
    id: set.id,
    sha256: set.sha256,
    splitHash: set.splitHash,
    inputSize: set.size,
    probeSplit: 'test (Imagenette official val)',
    probeTrainImages: inetProbe.trainImages,
    probeTestImages: inetProbe.testImages,
  },
  profileConfig: prof,
  pairings: {
    paper: {
      tl: pretrainHash(pretrainConfigFor(profile, 'tl', 'xception')),
      ssl: pretrainHash(pretrainConfigFor(profile, 'ssl', 'resnet')),
    },
    matchedResnet: {
      tl: pretrainHash(pretrainConfigFor(profile, 'tl', 'resnet')),
      ssl: pretrainHash(pretrainConfigFor(profile, 'ssl', 'resnet')),
    },
    matchedXception: {
      tl: pretrainHash(pretrainConfigFor(profile, 'tl', 'xception')),
      ssl: pretrainHash(pretrainConfigFor(profile, 'ssl', 'xception')),
    },
  },
  runs: runsOut,
  randomInit: baselines,
  imagenet: {
    name: IMAGENET_ARM_NAME,
    standsInFor: IMAGENET_STANDS_IN_FOR,
    source: inet.source,
    probe: inetProbe,
    randomInitProbe: inetRandomProbe,
  },
  tfjs: tf.version.tfjs,
});
console.log(`\nwrote ${probeFile}`);
