// Dataset command line: npm run data -- <command>
//   list                         table of every registry dataset: modality, colour, classes, split counts, found/missing
//   show <id> [--size 64] [--per-class 8] [--split train]   montage PNG → figures/montage-<id>.png
//   fetch <id> [--force]         download a byte-identical upstream copy into data/cache/ (sha256 checked)
//   cache [id ...] [--sizes 32,64]  decode/resize once into data/cache/images (later loads read one file)
//   time [id ...] [--size 64]    load time per dataset, cold (no disk/memory cache) and warm, plus batching to tensors
//   check-splits [id ...]        re-make each split from the data and compare with the committed data/splits/<id>.json
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REGISTRY, DATASET_IDS, getEntry } from '../lib/data/registry';
import { candidatePaths, locateDataset } from '../lib/data/locate';
import { splitFilePath, makeSplits, type SplitFile } from '../lib/data/splits';
import { FIGURES_DIR, CACHE_DIR } from '../lib/util/paths';
import { cli, stringOption } from '../lib/util/cli';

const { values: opt, positionals: argv } = cli({
  command: 'npm run data --',
  summary: 'Datasets: what was found, montages, download, decode cache, load timings, split checks.',
  positionals: '<list|show|fetch|cache|time|check-splits> [id ...]',
  options: {
    size: { type: 'string', arg: 'PX', help: 'image size (show, cache, time)' },
    sizes: { type: 'string', arg: 'a,b', help: 'cache: sizes to build' },
    'per-class': { type: 'string', arg: 'N', help: 'show: images per class in the montage (default 8)' },
    split: { type: 'string', arg: 'NAME', help: 'show: split to draw from (default train)' },
    force: { type: 'boolean', help: 'fetch: download again even when a verified copy exists' },
  },
});

/** A string option's value (the command's arguments are parsed once, above). */
function flag(_args: string[], name: string, def?: string): string | undefined {
  return stringOption(opt, name) ?? def;
}

/** The ids after the command word. */
function positional(args: string[]): string[] {
  return args;
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map(
      (r, k) =>
        r.map((v, c) => v.padEnd(w[c])).join('  ') + (k === 0 ? '\n' + w.map((x) => '-'.repeat(x)).join('  ') : ''),
    )
    .join('\n');
}

function list(): void {
  const rows = [['id', 'modality', 'colour', 'classes', 'train', 'val', 'test', 'dropped', 'file']];
  for (const id of DATASET_IDS) {
    const e = REGISTRY[id];
    let found: string;
    try {
      found = `found ${locateDataset(id)}`;
    } catch {
      found = `MISSING (looked in ${candidatePaths(e).length} places; npm run data -- show ${id} for details)`;
    }
    const sf = splitFilePath(id);
    const s = fs.existsSync(sf) ? (JSON.parse(fs.readFileSync(sf, 'utf8')) as SplitFile) : null;
    const dropped = s ? Object.values(s.dropped).flat().length : 0;
    rows.push([
      id,
      e.modality,
      e.colour,
      `${e.classNames.length}`,
      `${s?.train.length ?? '?'}`,
      `${s?.val.length ?? '?'}`,
      `${s?.test.length ?? '?'}`,
      `${s ? dropped : '?'}`,
      found.replace(process.cwd() + '/', ''),
    ]);
  }
  console.log(table(rows));
}

async function show(args: string[]): Promise<void> {
  const [id] = positional(args);
  if (!id) throw new Error('usage: npm run data -- show <id> [--size 64] [--per-class 8] [--split train]');
  const e = getEntry(id);
  const { loadImageSet } = await import('../lib/data/load');
  const { montagePng } = await import('../lib/data/montage');
  const size = Number(flag(args, 'size', String(Math.min(64, Math.max(...e.storedSizes)))));
  const set = await loadImageSet(id, { size });
  const { png } = await montagePng(set, {
    perClass: Number(flag(args, 'per-class', '8')),
    split: flag(args, 'split', 'train') as 'train',
  });
  const out = path.join(FIGURES_DIR, `montage-${id}.png`);
  const { writeFileAtomic } = await import('../lib/util/atomic');
  writeFileAtomic(out, png);
  console.log(
    `${out}  (${set.title}; ${set.size} px; split ${set.splitHash}; ${set.splits.train.length}/${set.splits.val.length}/${set.splits.test.length})`,
  );
}

async function fetchCmd(args: string[]): Promise<void> {
  const [id] = positional(args);
  if (!id)
    throw new Error(
      `usage: npm run data -- fetch <id> [--force]; fetchable: ${DATASET_IDS.filter((i) => REGISTRY[i].url).join(', ')}`,
    );
  const { fetchDataset } = await import('../lib/data/fetch');
  const file = await fetchDataset(id, { force: opt.force === true });
  console.log(`${file}: sha256 ${getEntry(id).sha256} verified`);
}

async function time(args: string[]): Promise<void> {
  const ids = positional(args).length ? positional(args) : DATASET_IDS;
  const size = Number(flag(args, 'size', '64'));
  const { loadImageSet, toBatch, clearImageSetCache } = await import('../lib/data/load');
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  console.log(
    `load average at the start (1/5/15 min): ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  const rows = [
    ['id', 'n', `cold load ${size}px (s)`, 'warm load (s)', 'toBatch all, 256/batch (s)', 'img/s into tensors'],
  ];
  for (const id of ids) {
    const e = getEntry(id);
    const cacheFiles = fs.existsSync(path.join(CACHE_DIR, 'images'))
      ? fs.readdirSync(path.join(CACHE_DIR, 'images')).filter((f) => f.startsWith(`${id}-${size}px-`))
      : [];
    for (const f of cacheFiles) fs.rmSync(path.join(CACHE_DIR, 'images', f));
    clearImageSetCache();
    let t = performance.now();
    await loadImageSet(id, { size, memoryCache: false });
    const cold = (performance.now() - t) / 1000;
    t = performance.now();
    const set = await loadImageSet(id, { size, memoryCache: false });
    const warm = (performance.now() - t) / 1000;
    t = performance.now();
    for (let s = 0; s < set.n; s += 256) {
      const idx = Array.from({ length: Math.min(256, set.n - s) }, (_, k) => s + k);
      toBatch(set, idx).dispose();
    }
    const batch = (performance.now() - t) / 1000;
    rows.push([
      id,
      String(set.n),
      cold.toFixed(2),
      warm.toFixed(2),
      batch.toFixed(2),
      String(Math.round(set.n / (warm + batch))),
    ]);
    console.error(`${e.id}: cold ${cold.toFixed(2)} s, warm ${warm.toFixed(2)} s, toBatch ${batch.toFixed(2)} s`);
  }
  console.log(table(rows));
  console.log(
    `load average at the end (1/5/15 min): ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} on ${os.cpus().length} cores`,
  );
}

async function cache(args: string[]): Promise<void> {
  const ids = positional(args).length ? positional(args) : DATASET_IDS;
  const sizes = (flag(args, 'sizes', flag(args, 'size', '64')) ?? '64').split(',').map(Number);
  const { loadImageSet, clearImageSetCache } = await import('../lib/data/load');
  for (const id of ids) {
    for (const size of sizes) {
      const t = performance.now();
      const set = await loadImageSet(id, { size });
      console.log(`${id} @ ${size} px: ${set.n} images ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      clearImageSetCache();
    }
  }
}

async function checkSplits(args: string[]): Promise<void> {
  const ids = positional(args).length ? positional(args) : DATASET_IDS;
  const { splitInputsOf } = await import('../lib/data/load');
  let bad = 0;
  for (const id of ids) {
    const e = getEntry(id);
    const committed = JSON.parse(fs.readFileSync(splitFilePath(id), 'utf8')) as SplitFile;
    const again = makeSplits(e, await splitInputsOf(id), committed.seed);
    const ok = again.hash === committed.hash;
    if (!ok) bad++;
    console.log(`${id}: committed ${committed.hash}, re-made ${again.hash} ${ok ? 'OK' : 'DIFFERENT'}`);
  }
  if (bad) throw new Error(`${bad} split(s) differ from their committed files`);
}

const [cmd, ...rest] = argv;
const commands: Record<string, (a: string[]) => void | Promise<void>> = {
  list,
  show,
  fetch: fetchCmd,
  cache,
  time,
  'check-splits': checkSplits,
};
if (!cmd || !commands[cmd]) {
  console.error(`usage: npm run data -- <${Object.keys(commands).join('|')}> ...`);
  process.exit(cmd ? 1 : 0);
}
try {
  await commands[cmd](rest);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
