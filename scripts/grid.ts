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
import { buildBackbone, variantSpec } from '../lib/models/variants';
import type { Backbone } from '../lib/models/backbone';
import { profileFromArgv } from '../lib/util/profile';
import { fmtTime } from '../lib/util/progress';
import { GRIDS, gridConfigs, parseShard, shardConfigs, runGrid, resultsTable, formatTable } from '../lib/finetune/grid';
import { exportRuns } from '../lib/finetune/export';
import { DOUBLE_FT_PAIRS } from '../lib/finetune/pairs';
import { compareSets, fingerprints } from '../lib/finetune/overlap';
import type { Arm } from '../lib/finetune/run-record';
import type { RunDeps } from '../lib/finetune/run';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(name + '='))?.slice(name.length + 1);
};
const flag = (name: string) => argv.includes(name);

/** Architectures per arm, as in the paper: TL = Xception (supervised), SSL = ResNet (SimCLR). */
const ARM_VARIANT: Record<string, Record<Arm, string>> = {
  smoke: { tl: 'tiny-xception', ssl: 'tiny-resnet18-w16', imagenet: 'tiny-xception', random: 'tiny-xception' },
  cpu: { tl: 'tiny-xception', ssl: 'tiny-resnet18-w16', imagenet: 'tiny-xception', random: 'tiny-xception' },
  gpu: { tl: 'xception', ssl: 'resnet50', imagenet: 'xception', random: 'xception' },
};

async function pretrainedProvider(profile: string): Promise<{ id: (arm: Arm) => string; size: (arm: Arm) => number; get: RunDeps['getBackbone'] } | null> {
  // lib/pretrain/backbones.ts (getPretrainedBackbone) is optional at build time: load it by path when present.
  const modPath = '../lib/pretrain/backbones';
  let mod: { getPretrainedBackbone?: (arm: Arm, o: { profile: string; size?: number }) => Promise<Backbone> };
  try {
    mod = await import(modPath);
  } catch {
    return null;
  }
  if (!mod.getPretrainedBackbone) return null;
  const get = mod.getPretrainedBackbone;
  const ids = new Map<Arm, string>();
  const sizes = new Map<Arm, number>();
  for (const arm of ['tl', 'ssl'] as Arm[]) {
    const bb = await get(arm, { profile });
    const src = bb.source as { configHash?: string; kind: string };
    ids.set(arm, `${src.kind}:${bb.name}:${src.configHash ?? 'none'}`);
    sizes.set(arm, bb.inputSize);
    bb.model.dispose();
  }
  return {
    id: (arm) => ids.get(arm) ?? arm,
    size: (arm) => sizes.get(arm) ?? GRIDS[profileFromArgv(argv)].size,
    get: (arm, o) => get(arm, { profile: o.profile, size: o.size }),
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
  let backboneId: (arm: Arm) => string;
  let sizeFor: (arm: Arm) => number;
  let getBackbone: RunDeps['getBackbone'];
  const variants = ARM_VARIANT[profile];
  if (standIn === 'random') {
    backboneId = (arm) => `random:${variants[arm]}`;
    sizeFor = (arm) => variantSpec(variants[arm]).inputSize;
    getBackbone = async (arm, o) => buildBackbone(variants[arm], { inputSize: o.size, seed: 0 });
  } else {
    const p = await pretrainedProvider(profile);
    if (!p) {
      throw new Error(
        'no pre-trained backbones: lib/pretrain/backbones.ts (getPretrainedBackbone) is missing or has nothing for this profile. ' +
          'Run `npm run pretrain -- --profile ' + profile + '` first, or pass --stand-in random to fine-tune randomly initialised backbones.',
      );
    }
    backboneId = p.id;
    sizeFor = p.size;
    getBackbone = p.get;
  }

  const all = gridConfigs(spec, backboneId, sizeFor);
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
    getBackbone,
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
