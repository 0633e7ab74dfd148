// npm run grid -- [--profile smoke|cpu|gpu] [--shard i/n] [--dry] [--check-pairs] [--export] [--verify N] ...
//
// Runs the fine-tuning grid of a profile (lib/finetune/grid.ts GRIDS): every dataset × arm × condition × seed,
// one record per run in runs/<config-hash>.json (a finished config is a cache hit, and so is a config the
// profile's export already holds), one progress bar, and a results table at the end. `--help` lists the flags.
// A shard (`--shard i/n`, e.g. a SLURM array task) leaves a manifest in runs/shards/; `--merge --shards n` gathers
// the shards' records into the export and names every shard that is not complete (lib/finetune/shards.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackboneRequest } from '../lib/pretrain/backbones';
import type { ProfileName } from '../lib/util/profile';
import { cli, PROFILE_OPTION, listOption, stringOption } from '../lib/util/cli';
import type { GridSpec, LrChoice, GridIdentity } from '../lib/finetune/grid';
import type { Arm, RunConfig, RunRecord } from '../lib/finetune/run-record';
import type { RunDeps } from '../lib/finetune/run';

const { values: opt } = cli({
  command: 'npm run grid --',
  summary:
    'Fine-tune every dataset × arm × condition × seed of a profile; results go to runs/<config-hash>.json, cached by their identity (config, backbone weights, code version, data).',
  options: {
    profile: PROFILE_OPTION,
    shard: { type: 'string', arg: 'i/n', help: 'run only shard i of n (machines or SLURM tasks split a grid)' },
    workers: {
      type: 'string',
      arg: 'N',
      help: 'train as N shard processes side by side, then merge (default: one 1-thread process per core; 1 with --shard, --merge, --dry, --verify, --no-train)',
    },
    dry: { type: 'boolean', help: "list the configs (and the shard's share) without running" },
    'check-pairs': {
      type: 'boolean',
      help: 'compare every double-FT intermediate → target pair image by image and print it',
    },
    export: {
      type: 'boolean',
      help: "merge the profile's records into its export (paper/results/finetune-P.json): adds or replaces by identity, never drops",
    },
    'replace-conflicts': {
      type: 'boolean',
      help: 'with --export: where a record has the identity of an exported one but other numbers, take the new one (default: keep, report)',
    },
    'drop-stale': {
      type: 'boolean',
      help: 'with --export: remove exported records of this profile that are not in the current grid (older backbones, code or data); each is listed',
    },
    verify: {
      type: 'string',
      arg: 'N',
      help: 're-run N exported configs of the current grid (seeded sample) in a scratch folder and compare with the export',
    },
    'verify-seed': { type: 'string', arg: 'S', help: 'seed of the --verify sample (default 0)' },
    'stand-in': {
      type: 'string',
      arg: 'random',
      help: 'use randomly initialised backbones of the arms\' architectures (recorded as backbone "random:<variant>")',
    },
    datasets: { type: 'string', arg: 'a,b', help: 'only these datasets' },
    arms: {
      type: 'string',
      arg: 'a,b',
      help: 'only these arms, run under every condition (e.g. tl-resnet,ssl-resnet)',
    },
    controls: {
      type: 'string',
      arg: 'a,b',
      help: "only these control arms, run at baseline (default: the profile's; none for none)",
    },
    lr: {
      type: 'string',
      arg: 'X',
      help: "no learning-rate tuning: every run at rate X (needs --runs-dir, so such runs never mix with the profile's)",
    },
    conditions: { type: 'string', arg: 'c1,c2', help: 'only these conditions' },
    seeds: { type: 'string', arg: '0,1', help: 'only these fine-tuning seeds' },
    epochs: {
      type: 'string',
      arg: 'N',
      help: "timing runs: override the epoch count (needs --runs-dir, so such runs never mix with the profile's)",
    },
    'runs-dir': { type: 'string', arg: 'DIR', help: 'folder for run records (default runs/)' },
    'no-train': {
      type: 'boolean',
      help: 'train nothing: collect the records that exist (runs/, the export) and list the configs that have none',
    },
    'start-before': {
      type: 'string',
      arg: 'HH:MM|+Nm|ISO',
      help: 'start no new training run at or after this time (runs under way finish, the rest wait for the next pass): stop before a session ends without killing a run',
    },
    'wait-locked': {
      type: 'boolean',
      help: 'retry configs locked by another process until their lock is released or stale (SLURM tasks: a requeued shard waits out the lock its killed predecessor left)',
    },
    merge: {
      type: 'boolean',
      help: 'merge the records of a grid run as --shards N shards into the export; names every incomplete shard (exit 1)',
    },
    shards: { type: 'string', arg: 'N', help: 'with --merge: how many shards the grid was split into' },
    'from-runs-dirs': {
      type: 'string',
      arg: 'a,b',
      help: 'with --merge: read records from these folders (shards without a shared folder) instead of --runs-dir',
    },
    'export-root': {
      type: 'string',
      arg: 'DIR',
      help: "with --export / --merge: artefact root of the export (default: the profile's, e.g. scratch/smoke for smoke)",
    },
  },
});
// Loaded after the arguments are parsed, so --help and a bad flag answer at once.
const tf = await import('@tensorflow/tfjs');
const { backendProvenance, defaultWorkers, selectBackend } = await import('../lib/backend/select-backend');
const { parseWorkers, runGridWorkers } = await import('../lib/util/workers');
const { loadImageSet } = await import('../lib/data/load');
const { augmentBatch, PAPER_AUGMENT } = await import('../lib/data/augment');
const { getPretrainedBackbone } = await import('../lib/pretrain/backbones');
const { armArch, parseArm } = await import('../lib/pretrain/arms');
const { profileName } = await import('../lib/util/profile');
const { codeVersion } = await import('../lib/util/code-version');
const { Rng } = await import('../lib/util/rng');
const { datasetIdentity } = await import('../lib/data/identity');
const { fmtTime } = await import('../lib/util/progress');
const { parseDeadline } = await import('../lib/util/deadline');
const {
  GRIDS,
  describeGrid,
  gridConfigs,
  selectLr,
  tuningConfigs,
  parseShard,
  shardConfigs,
  runGrid,
  runGridWaitingForLocks,
  resultsTable,
  formatTable,
} = await import('../lib/finetune/grid');
const { compareRecords, exportRuns, formatMergeReport, readExport, readExportFile, runLabel } =
  await import('../lib/finetune/export');
const { formatShardStatus, gatherRecords, shardStatus, writeManifest } = await import('../lib/finetune/shards');
const { RUNS_DIR } = await import('../lib/util/paths');
const { DOUBLE_FT_PAIRS } = await import('../lib/finetune/pairs');
const { fingerprints } = await import('../lib/data/fingerprints');
const { compareSets } = await import('../lib/data/overlap');
const { runHash } = await import('../lib/finetune/run-record');
const { formatTimeLeft, measuredTimeLeft } = await import('../lib/finetune/time-left');
const { disposeWeights, NotTrainedError, runOne } = await import('../lib/finetune/run');
const { weightsHash } = await import('../lib/finetune/finetune');

const str = (k: string) => stringOption(opt, k);
/** A path for the terminal: relative inside the working folder, absolute outside it. */
const shown = (file: string) =>
  path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);

/**
 * Backbones for the grid, from lib/pretrain (getPretrainedBackbone): each call a fresh model. Every config names
 * its backbone by id (kind, variant, checkpoint config hash) and by the sha256 of its weights, so a re-made
 * checkpoint with other weights is a cache miss. `standIn`: the arms' own architectures at seeded random init.
 */
async function backboneProvider(
  profile: ProfileName,
  standIn: boolean,
  arms: Arm[],
  size: number,
): Promise<{ identity: GridIdentity['backbone']; get: RunDeps['getBackbone'] }> {
  const req = (arm: Arm, inputSize?: number): [Arm, BackboneRequest] => {
    if (!standIn) return [arm, { profile, inputSize }];
    const arch = armArch(arm);
    if (!arch) throw new Error(`--stand-in random: arm ${arm} has no architecture of this profile to stand in for`);
    return [`random-${arch}`, { profile, inputSize }];
  };
  const ids = new Map<Arm, { id: string; weights: string; size: number }>();
  for (const arm of arms) {
    const bb = await getPretrainedBackbone(...req(arm, size));
    const src = bb.source as { configHash?: string; kind: string; seed?: number; weights?: string };
    ids.set(arm, {
      id: `${src.kind}:${bb.name}:${src.configHash ?? src.weights ?? `seed${src.seed ?? ''}`}`,
      weights: weightsHash(bb.model).slice(0, 16),
      size: bb.inputSize,
    });
    disposeWeights([bb.model]);
  }
  return {
    identity: (arm) => {
      const v = ids.get(arm);
      if (!v) throw new Error(`no backbone loaded for arm "${arm}"`);
      return v;
    },
    get: (arm, o) => getPretrainedBackbone(...req(arm, o.size)),
  };
}

/** The learning rate chosen per arm × set from the tuning records that exist (runs folder or export). */
async function chosenRates(spec: GridSpec, tuning: RunConfig[], deps: RunDeps): Promise<LrChoice> {
  const groups = new Map<string, RunRecord[]>();
  for (const c of tuning) {
    try {
      const { record } = await runOne(c, deps, { cachedOnly: true });
      const k = `${c.arm}\u0000${c.dataset}`;
      groups.set(k, [...(groups.get(k) ?? []), record]);
    } catch (e) {
      if (!(e instanceof NotTrainedError)) throw e;
    }
  }
  return (arm, dataset) => selectLr(spec.lrCandidates ?? [], groups.get(`${arm}\u0000${dataset}`) ?? []);
}

async function checkPairs(size: number): Promise<void> {
  console.log(`double fine-tuning pairs, image overlap at 16×16 grey (sets loaded at ${size} px):`);
  for (const p of DOUBLE_FT_PAIRS) {
    const [a, b] = await Promise.all([loadImageSet(p.intermediate, { size }), loadImageSet(p.target, { size })]);
    const t = Date.now();
    const r = compareSets(fingerprints(a), fingerprints(b));
    console.log(
      `  ${p.intermediate.padEnd(12)} → ${p.target.padEnd(12)} near ${String(r.nearMatches).padStart(4)}/${Math.min(r.nA, r.nB)} ` +
        `(${(100 * r.fraction).toFixed(1)}%), exact ${r.exactMatches}, median best r ${r.bestCorrelationMedian.toFixed(3)} → ` +
        `${r.overlapping ? 'REFUSED' : 'ok'}${p.refused ? ' (table: refused)' : ''} [${((Date.now() - t) / 1000).toFixed(1)} s]`,
    );
  }
}

/** Re-run a seeded sample of exported configs in a scratch folder and compare their numbers with the export. */
async function verify(
  configs: RunConfig[],
  profile: ProfileName,
  n: number,
  seed: number,
  deps: RunDeps,
): Promise<boolean> {
  const exported = new Map(readExport(profile).map((r) => [r.configHash, r]));
  const candidates = configs.filter((c) => exported.has(runHash(c)));
  console.log(
    `[verify] ${candidates.length} of ${configs.length} configs of the current grid are exported (${exported.size} records in the export)`,
  );
  if (!candidates.length) return false;
  const rng = new Rng(seed);
  const sample = rng.shuffle([...candidates]).slice(0, n);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-verify-'));
  let ok = true;
  try {
    for (const c of sample) {
      const { record } = await runOne(c, { ...deps, runsDir: scratch });
      const d = compareRecords(exported.get(runHash(c))!, record);
      ok &&= d.verdict !== 'different';
      console.log(
        `[verify] ${runLabel(c)}: accuracy ${d.accuracy[0].toFixed(4)} exported vs ${d.accuracy[1].toFixed(4)} now, max |Δp| ${d.maxProbDiff.toExponential(1)} → ${d.verdict}`,
      );
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return ok;
}

async function main(): Promise<void> {
  const profile = profileName(str('profile'));
  const spec = { ...GRIDS[profile] };
  const list = (k: string) => listOption(opt[k]);
  if (list('datasets')) spec.datasets = list('datasets')!;
  if (list('seeds')) spec.seeds = list('seeds')!.map(Number);
  if (list('arms')) spec.arms = list('arms') as Arm[];
  if (opt.controls !== undefined) spec.controls = str('controls') === 'none' ? [] : ((list('controls') ?? []) as Arm[]);
  if (str('lr')) {
    if (!str('runs-dir')) throw new Error("--lr changes the profile's settings: give a scratch --runs-dir too");
    const lr = Number(str('lr'));
    if (!(lr > 0)) throw new Error(`--lr must be a positive number, got "${str('lr')}"`);
    spec.lrCandidates = undefined;
    spec.train = { ...spec.train, lr };
    spec.stage1 = { ...spec.stage1, lr };
  }
  for (const arm of [...spec.arms, ...spec.controls]) parseArm(arm); // a typo fails here, before any work
  if (list('conditions')) spec.conditions = list('conditions') as typeof spec.conditions;
  if (str('epochs')) {
    if (!str('runs-dir')) throw new Error("--epochs changes the profile's settings: give a scratch --runs-dir too");
    const e = Number(str('epochs'));
    spec.train = { ...spec.train, epochs: e };
    spec.stage1 = { ...spec.stage1, epochs: e };
  }
  const shard = str('shard') ? parseShard(str('shard')!) : { index: 1, count: 1 };
  const startBefore = str('start-before')
    ? parseDeadline(str('start-before')!, new Date(), '--start-before')
    : undefined;
  if (opt.merge && str('shard')) throw new Error('--merge reads every shard: give --shards N, not --shard i/n');
  for (const k of ['shards', 'from-runs-dirs'])
    if (opt[k] !== undefined && !opt.merge) throw new Error(`--${k} is only used with --merge`);
  const info = await selectBackend({ quiet: false });

  if (opt['check-pairs']) {
    await checkPairs(spec.size);
    return;
  }

  const standIn = str('stand-in');
  if (standIn && standIn !== 'random') throw new Error(`--stand-in: only "random" is supported, got "${standIn}"`);
  if (opt['no-train']) {
    // Training is off, so a backbone that is not pre-trained yet cannot be made here: its arm has nothing to collect.
    const ready = async (arms: Arm[]) => {
      const out: Arm[] = [];
      for (const arm of arms) {
        try {
          disposeWeights([(await getPretrainedBackbone(arm, { profile, train: false })).model]);
          out.push(arm);
        } catch (e) {
          console.log(`[grid] --no-train: arm ${arm} skipped: ${(e as Error).message}`);
        }
      }
      return out;
    };
    spec.arms = await ready(spec.arms);
    spec.controls = await ready(spec.controls);
  }
  const provider = await backboneProvider(profile, standIn === 'random', [...spec.arms, ...spec.controls], spec.size);
  const ident: GridIdentity = {
    backbone: provider.identity,
    data: (id) => datasetIdentity(id),
    code: codeVersion('finetune'),
  };
  const deps: RunDeps = {
    loadDataset: (id, size) => loadImageSet(id, { size }),
    getBackbone: provider.get,
    augment: (x, rng) => augmentBatch(x, rng, PAPER_AUGMENT),
    backend: () => `${tf.getBackend()}${info.threads > 1 ? `×${info.threads}` : ''}`,
    backendInfo: () => backendProvenance(info),
    runsDir: str('runs-dir'),
  };
  const log = (m: string) => console.log(`[grid] ${m}`);
  const cachedOnly = opt['no-train'] === true;
  if (startBefore !== undefined) log(`no new training run starts after ${new Date(startBefore).toISOString()}`);
  const runOpts = { log, cachedOnly, startBefore };
  const runAll = (cs: RunConfig[]) =>
    opt['wait-locked'] ? runGridWaitingForLocks(cs, deps, runOpts) : runGrid(cs, deps, runOpts);

  // Use the cores with shard processes side by side (lib/util/workers.ts); the backbones are ready by now. The
  // shards wait for each other's learning-rate tuning runs (--wait-locked), so one round finishes the grid.
  const alone = opt.merge || opt.dry || opt['no-train'] || str('verify') || str('shard');
  if (alone && str('workers') && str('workers') !== '1')
    throw new Error('--workers: not with --shard, --merge, --dry, --verify or --no-train');
  const plan = defaultWorkers(info.name, os.cpus().length, process.env, info.gpu);
  const workers = alone ? 1 : parseWorkers(str('workers'), plan.processes);
  if (workers > 1) {
    process.exitCode = await runGridWorkers(process.argv.slice(2), workers);
    return;
  }

  // Phase 1: the learning-rate tuning runs (this shard's share), unless only listing, merging or verifying.
  const tuning = tuningConfigs(spec, ident);
  const tuningRes =
    tuning.length && !opt.dry && !opt.merge && !str('verify')
      ? await runAll(shardConfigs(tuning, shard.index, shard.count))
      : undefined;
  let lrOf = await chosenRates(spec, tuning, deps);
  let waiting: { arm: Arm; dataset: string }[] = [];
  let grid = gridConfigs(spec, ident, lrOf, waiting);
  if (waiting.length && tuningRes && opt['wait-locked']) {
    // Other shards' tuning runs decide rates this shard needs: wait for the ones they hold, train any nobody holds.
    log(`${waiting.length} learning rates wait for other shards' tuning runs; waiting (and training orphans)`);
    const more = await runGridWaitingForLocks(tuning, deps, runOpts);
    tuningRes.ran += more.ran;
    tuningRes.failed.push(...more.failed);
    lrOf = await chosenRates(spec, tuning, deps);
    waiting = [];
    grid = gridConfigs(spec, ident, lrOf, waiting);
  }
  const seen = new Set(grid.map(runHash));
  const all = [...grid, ...tuning.filter((c) => !seen.has(runHash(c)))];
  const configs = shardConfigs(all, shard.index, shard.count);
  // The whole grid the spec defines (every rate counted as decided), so the summary does not shrink while tuning runs.
  const defined = gridConfigs(spec, ident);
  console.log(`[grid] ${describeGrid(spec, defined)}`);
  if (grid.length < defined.length)
    console.log(`[grid] ${defined.length - grid.length} of them wait for a learning rate from the tuning runs`);
  console.log(
    `[grid] ${all.length} configs (${all.length - grid.length} learning-rate tuning runs besides the grid)${shard.count > 1 ? `, shard ${shard.index}/${shard.count}: ${configs.length}` : ''}; backend ${info.name}`,
  );
  if (waiting.length)
    log(
      `${waiting.length} arm × set learning rates are not chosen yet (tuning runs missing: ${waiting
        .slice(0, 6)
        .map((w) => `${w.arm}/${w.dataset}`)
        .join(
          ', ',
        )}${waiting.length > 6 ? ', …' : ''}): their configs are left out of this pass; run again once every shard's tuning runs are done`,
    );
  const exportRoot = str('export-root') ? path.resolve(str('export-root')!) : undefined;
  const current = new Set(all.map(runHash));
  const conflictPolicy = () => ({
    onConflict: opt['replace-conflicts'] ? ('replace' as const) : ('keep' as const),
    drop: opt['drop-stale'] ? (r: { configHash: string }) => !current.has(r.configHash) : undefined,
  });
  if (opt.merge) {
    if (waiting.length) {
      console.error(
        `[grid] --merge: the grid is not complete: ${waiting.length} learning rates are undecided (their tuning runs are missing); merging what exists`,
      );
      process.exitCode = 1;
    }
    await merge(all, profile, Number(str('shards')), list('from-runs-dirs') ?? [str('runs-dir') ?? RUNS_DIR], {
      root: exportRoot,
      ...conflictPolicy(),
    });
    return;
  }
  if (opt.dry) {
    for (const c of configs) console.log(`  ${runLabel(c)}${c.intermediate ? ` (stage 1: ${c.intermediate})` : ''}`);
    return;
  }

  if (str('verify')) {
    const ok = await verify(configs, profile, Number(str('verify')), Number(str('verify-seed') ?? 0), deps);
    if (!ok) process.exitCode = 1;
    return;
  }
  const res = await runAll(configs);
  if (tuningRes) {
    res.ran += tuningRes.ran;
    res.failed.push(...tuningRes.failed);
    res.locked.push(...tuningRes.locked.filter((c) => !res.locked.some((l) => runHash(l) === runHash(c))));
  }
  if (shard.count > 1 || str('shard')) {
    const file = writeManifest(str('runs-dir') ?? RUNS_DIR, all, shard.index, shard.count, res);
    log(`shard manifest: ${shown(file)}`);
  }
  console.log(
    `\n[grid] ${res.ran} ran, ${res.cached} cached, ${res.locked.length} locked by another process, ${res.failed.length} failed in ${fmtTime(res.wallSeconds)} (${res.wallSeconds.toFixed(0)} s)`,
  );
  for (const c of res.locked) console.log(`  LOCKED ${runLabel(c)}: another process is training it`);
  if (res.deferred.length)
    console.log(
      `[grid] --start-before ${str('start-before')}: ${res.deferred.length} configs not started; the same command continues with them`,
    );
  if (res.notTrained.length)
    console.log(
      `[grid] --no-train: ${res.notTrained.length} configs have no record (${[...new Set(res.notTrained.map((c) => `${c.dataset}/${c.arm}`))].slice(0, 8).join(', ')}…); \`npm run grid -- --profile ${profile}\` trains them`,
    );
  if (cachedOnly) {
    // what is left in machine time, from this grid's own measured runs (the sizing in paper/results/GRID-SIZING.md)
    const doneCpu = res.records.reduce((a, r) => a + (r.cpuSeconds ?? 0), 0);
    const left = measuredTimeLeft([...res.notTrained, ...res.locked], res.records); // a locked run counts whole
    const cores = os.cpus().length;
    console.log(
      `[grid] done: ${res.records.length} records, ${Math.round(doneCpu).toLocaleString('en')} CPU-s; left, each run at the mean CPU seconds measured for its dataset × condition (its own arm where it has runs):\n${formatTimeLeft(left, cores)}` +
        (waiting.length
          ? `\n  (configs waiting for a learning rate are not counted: ${waiting.length} arm × set rates undecided)`
          : ''),
    );
  }
  for (const f of res.failed) console.log(`  FAILED ${runLabel(f.config)}: ${f.error}`);
  const inGrid = new Set(grid.map(runHash)); // the tuning runs at the rates not chosen are not results
  console.log('\n' + formatTable(resultsTable(res.records.filter((r) => inGrid.has(r.configHash)))));
  if (opt.export) {
    const { file, report } = await exportRuns(profile, {
      runsDir: str('runs-dir'),
      root: exportRoot,
      ...conflictPolicy(),
    });
    console.log(`[grid] ${formatMergeReport(shown(file), report)}`);
    if (report.conflicts.length && !opt['replace-conflicts']) process.exitCode = 1;
  }
  if (res.failed.length) process.exitCode = 1;
}

/**
 * Merge the records of a grid that ran as `count` shards (from one shared runs folder or several) into the
 * export, by run identity (lib/finetune/export.ts mergeRecords). Records that exist are merged even when a shard is
 * incomplete (an export only grows); the incomplete shards are named with how to redo them, and the exit code is
 * 1, so a job that depends on this one (afterok) does not build a report from a partial grid.
 */
async function merge(
  all: RunConfig[],
  profile: ProfileName,
  count: number,
  dirs: string[],
  o: { root?: string; onConflict: 'keep' | 'replace'; drop?: (r: { configHash: string }) => boolean },
): Promise<void> {
  if (!Number.isInteger(count) || count < 1)
    throw new Error('--merge needs --shards N: the number of shards the grid was split into');
  const g = gatherRecords(all, dirs);
  for (const d of g.perDir)
    console.log(
      `[merge] ${d.dir}: ${d.read} records, ${d.read - d.outside} of this grid${d.outside ? ` (${d.outside} of other grids ignored)` : ''}`,
    );
  const status = shardStatus(all, count, new Set(g.records.map((r) => r.configHash)), dirs);
  console.log(`[merge] ${all.length} configs in ${count} shards:\n${formatShardStatus(status)}`);
  const { file, report } = await exportRuns(profile, { records: g.records, ...o });
  console.log(`[merge] ${formatMergeReport(shown(file), report)}`);
  const current = new Set(all.map(runHash));
  console.log('\n' + formatTable(resultsTable(readExportFile(file).filter((r) => current.has(r.configHash)))));
  const incomplete = status.filter((s) => s.missing.length).map((s) => s.index);
  if (incomplete.length) {
    console.log(
      `\n[merge] INCOMPLETE: shard${incomplete.length > 1 ? 's' : ''} ${incomplete.join(',')} of ${count}; run only ${incomplete.length > 1 ? 'those' : 'that one'} again (SLURM: sbatch --array=${incomplete.join(',')} …, or npm run slurm -- submit … --array ${incomplete.join(',')}), then merge again`,
    );
    process.exitCode = 1;
  }
  if (report.conflicts.length && o.onConflict !== 'replace') process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
