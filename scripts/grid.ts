// npm run grid -- [--profile smoke|cpu|gpu] [--shard i/n] [--dry] [--check-pairs] [--export]
//                 [--stand-in random] [--datasets a,b] [--arms tl,ssl] [--conditions baseline,...] [--seeds 0,1]
//                 [--epochs N] [--runs-dir DIR]
//
// Runs the fine-tuning grid of a profile (lib/finetune/grid.ts GRIDS): every dataset × arm × condition × seed,
// one record per run in runs/<config-hash>.json (a finished config is a cache hit), one progress bar, and a
// results table at the end. --shard i/n runs a slice so several machines can split a grid and merge runs/.
//   --dry          list the configs (and the shard's share) without running
//   --check-pairs  compare every intermediate → target pair of the double-FT table image by image and print it
//   --export       also write the profile's records, compacted, to paper/results/finetune-<profile>.json
//   --epochs N / --runs-dir DIR  timing runs: override the epoch count (use a scratch --runs-dir so such runs
//                  never mix with the profile's records)
//   --stand-in random  use randomly initialised backbones of the arms' architectures (before pre-training exists;
//                  recorded in the config as backbone "random:<variant>")
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../lib/backend/select-backend';
import { loadImageSet } from '../lib/data/load';
import { augmentBatch, PAPER_AUGMENT } from '../lib/data/augment';
import { getPretrainedBackbone, type BackboneRequest } from '../lib/pretrain/backbones';
import { archFor } from '../lib/pretrain/profiles';
import { profileFromArgv, type ProfileName } from '../lib/util/profile';
import { fmtTime } from '../lib/util/progress';
import { GRIDS, gridConfigs, parseShard, shardConfigs, runGrid, resultsTable, formatTable } from '../lib/finetune/grid';
import { exportRuns } from '../lib/finetune/export';
import { DOUBLE_FT_PAIRS } from '../lib/finetune/pairs';
import { compareSets, fingerprints } from '../lib/finetune/overlap';
import type { Arm } from '../lib/finetune/run-record';
import { disposeWeights, type RunDeps } from '../lib/finetune/run';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
};
const flag = (name: string) => argv.includes(name);

/**
 * Backbones for the grid, from lib/pretrain (getPretrainedBackbone): each call a fresh model. The id written into
 * every config names the checkpoint (its pre-training config hash), so re-pre-training invalidates the cache.
 * `standIn`: the arms' own architectures at seeded random init (TL → Xception, SSL → ResNet, as in the paper).
 */
async function backboneProvider(profile: ProfileName, standIn: boolean, arms: Arm[]): Promise<{ id: (arm: Arm) => string; size: (arm: Arm) => number; get: RunDeps['getBackbone'] }> {
  const req = (arm: Arm, inputSize?: number): [Arm, BackboneRequest] =>
    standIn ? ['random', { profile, inputSize, arch: archFor(arm === 'ssl' ? 'ssl' : 'tl') }] : [arm, { profile, inputSize }];
  const ids = new Map<Arm, string>();
  const sizes = new Map<Arm, number>();
  for (const arm of arms) {
    const bb = await getPretrainedBackbone(...req(arm));
    const src = bb.source as { configHash?: string; kind: string; seed?: number; weights?: string };
    ids.set(arm, `${src.kind}:${bb.name}:${src.configHash ?? src.weights ?? `seed${src.seed ?? ''}`}`);
    sizes.set(arm, bb.inputSize);
    disposeWeights([bb.model]);
  }
  return {
    id: (arm) => ids.get(arm) ?? arm,
    size: (arm) => sizes.get(arm) ?? GRIDS[profile].size,
    get: (arm, o) => getPretrainedBackbone(...req(arm, o.size)),
  };
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

async function main(): Promise<void> {
  const profile = profileFromArgv(argv);
  const spec = { ...GRIDS[profile] };
  if (arg('--datasets')) spec.datasets = arg('--datasets')!.split(',');
  if (arg('--seeds')) spec.seeds = arg('--seeds')!.split(',').map(Number);
  if (arg('--arms')) spec.arms = arg('--arms')!.split(',') as Arm[];
  if (arg('--conditions')) spec.conditions = arg('--conditions')!.split(',') as typeof spec.conditions;
  if (arg('--epochs')) {
    if (!arg('--runs-dir')) throw new Error('--epochs changes the profile\'s settings: give a scratch --runs-dir too');
    const e = Number(arg('--epochs'));
    spec.train = { ...spec.train, epochs: e };
    spec.stage1 = { ...spec.stage1, epochs: e };
  }
  const info = await selectBackend({ quiet: false });

  if (flag('--check-pairs')) {
    await checkPairs(spec.size);
    return;
  }

  const standIn = arg('--stand-in');
  if (standIn && standIn !== 'random') throw new Error(`--stand-in: only "random" is supported, got "${standIn}"`);
  const provider = await backboneProvider(profile, standIn === 'random', spec.arms);

  const all = gridConfigs(spec, provider.id, provider.size);
  const shard = arg('--shard') ? parseShard(arg('--shard')!) : { index: 1, count: 1 };
  const configs = shardConfigs(all, shard.index, shard.count);
  console.log(`[grid] ${spec.note}`);
  console.log(`[grid] ${all.length} configs${shard.count > 1 ? `, shard ${shard.index}/${shard.count}: ${configs.length}` : ''}; backend ${info.name}`);
  if (flag('--dry')) {
    for (const c of configs) console.log(`  ${c.dataset}/${c.arm}/${c.condition}/seed ${c.seed}${c.intermediate ? ` (stage 1: ${c.intermediate})` : ''}`);
    return;
  }

  const deps: RunDeps = {
    loadDataset: (id, size) => loadImageSet(id, { size }),
    getBackbone: provider.get,
    augment: (x, rng) => augmentBatch(x, rng, PAPER_AUGMENT),
    backend: () => `${tf.getBackend()}${info.threads > 1 ? `×${info.threads}` : ''}`,
    runsDir: arg('--runs-dir'),
  };
  const res = await runGrid(configs, deps, { log: (m) => console.log(`[grid] ${m}`) });
  console.log(`\n[grid] ${res.ran} ran, ${res.cached} cached, ${res.failed.length} failed in ${fmtTime(res.wallSeconds)} (${res.wallSeconds.toFixed(0)} s)`);
  for (const f of res.failed) console.log(`  FAILED ${f.config.dataset}/${f.config.arm}/${f.config.condition}/seed ${f.config.seed}: ${f.error}`);
  console.log('\n' + formatTable(resultsTable(res.records)));
  if (flag('--export')) {
    const file = exportRuns(profile);
    console.log(`[grid] wrote ${file} (${(fs.statSync(file).size / 1024).toFixed(0)} KiB)`);
  }
  if (res.failed.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
