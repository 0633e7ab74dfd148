// %% [markdown]
// # 02 · Pre-training: supervised (TL) vs SimCLR (SSL) on the same natural images
//
// **What the paper does.** Its TL arm is an Xception trained *with labels* on ImageNet; its SSL arm a ResNet-50
// trained with SimCLR, *without labels*: two augmented views of each image are pulled together and pushed away
// from every other image in the batch (the NT-Xent loss). Everything downstream compares these two starting
// points.
//
// **What we run.** We cannot train on ImageNet here, so both arms are pre-trained by us, on the same small
// natural-image source (Imagenette or CIFAR-10, see `lib/pretrain/profiles.ts`), with architectures scaled to the
// profile: `npm run pretrain` writes checkpoints (named by their config hash, resumable) and a record per run in
// `paper/pretrain/`. This notebook reads those records and then asks what each backbone learnt, *before* any
// fine-tuning, with two probes that train nothing inside the backbone:
// - **k-NN probe**: classify a test image by the labels of its 20 nearest training images in feature space;
// - **linear probe**: a logistic-regression layer on frozen features.
//
// A good representation separates classes linearly. If SSL features probe well on grey medical images and TL
// features on colour ones, the paper's story starts here.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { selectBackend } from '../lib/backend/select-backend';
import { loadImageSet } from '../lib/data/load';
import { getPretrainedBackbone } from '../lib/pretrain/backbones';
import { probeBackbone, embed } from '../lib/pretrain/probe';
import { GRIDS } from '../lib/finetune/grid';
import { loadPretrainSummaries } from '../lib/report/reproduction';
import { renderFigure } from '../lib/report/figures';
import { pretrainHistoryFigure, scatterByClass } from '../lib/report/plots';
import { pca, totalVariance } from '../lib/report/pca';
import { pretrainHistories, probePlateaued } from '../lib/pretrain/histories';
import { loadProbeRecord, plateauRows, qualityBar, seedSpread } from '../lib/pretrain/quality';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';
import { pretrainFindings } from '../lib/report/findings';
import { PRETRAIN_PROFILES } from '../lib/pretrain/profiles';
import { armLabel } from '../lib/pretrain/arms';

const PROFILE = profileName();
const KNOBS = {
  smoke: { probeSets: ['chest-ct', 'isic-uda1'], maxTrain: 300, maxTest: 200, embedSet: 'chest-ct', embedImages: 150 },
  cpu: { probeSets: ['cifar10', 'chest-ct', 'busi', 'pneumoniamnist', 'isic-uda1', 'eye-fundus', 'ham10000'], maxTrain: 2000, maxTest: 1000, embedSet: 'chest-ct', embedImages: 315 },
  gpu: { probeSets: ['cifar10', 'chest-ct', 'busi', 'pneumoniamnist', 'ct-kidney', 'isic-uda1', 'eye-fundus', 'ham10000', 'pbc-blood'], maxTrain: 0, maxTest: 0, embedSet: 'chest-ct', embedImages: 315 },
}[PROFILE];
const ARMS = ['tl-resnet', 'ssl-resnet', 'random-resnet']; // the matched ResNet pair; random = same net, no pre-training (the floor)
const SIZE = GRIDS[PROFILE].size;
const PROBE_SEED = 0;
const backend = await selectBackend({ quiet: true });
console.log({ PROFILE, ...KNOBS, ARMS, SIZE, backend: backend.name });

// %% [markdown]
// ## Pre-training runs
// One record per pre-training run (`paper/pretrain/<profile>.json`): configuration, source images, epochs, wall
// time, final loss, and the probes on the source's held-out split measured right after pre-training. Both
// pairings are trained: the paper's (TL on Xception, SSL on ResNet) and the same architecture for both arms,
// which separates the method from the architecture.

// %%
// Only records of the backbones this profile defines now (a record of an earlier design of the profile is not shown).
const currentRuns = new Set(pretrainHistories(PROFILE).map((h) => h.hash));
const pre = loadPretrainSummaries().filter((p) => (!p.profile || p.profile === PROFILE) && p.hash !== undefined && currentRuns.has(p.hash));
if (pre.length === 0) console.log(`no records in paper/pretrain/ for ${PROFILE}: run \`npm run pretrain -- --profile ${PROFILE}\` (the smoke profile trains its backbones on first use below).`);
else
  showTable(
    writeTable(
      `02-pretrain-runs-${PROFILE}`,
      pre.map((p) => ({
        arm: p.method.toUpperCase(),
        architecture: p.variant,
        source: `${p.source} @ ${p.inputSize}px`,
        epochs: p.epochs,
        batch: p.batchSize,
        'train seconds': p.trainSeconds,
        'img/s': p.imgPerSec?.length ? p.imgPerSec[p.imgPerSec.length - 1] : null,
        'final loss': p.finalLoss ?? (p.history?.length ? p.history[p.history.length - 1].loss : null),
        'source k-NN': p.probe?.knnTop1 ?? null,
        'source linear': p.probe?.linearTop1 ?? null,
      })),
      { title: 'Pre-training runs', digits: 3 },
    ),
  );

// %% [markdown]
// ## Histories: loss and k-NN probe per epoch
// Every run of the profile, finished or still under way (read from its checkpoint folder): the loss relative to
// its first epoch (TL's cross-entropy and SSL's NT-Xent are on different scales) and, on probe epochs, the k-NN
// top-1 of the frozen features on the source's held-out split. A run that has levelled off shows two last probes
// within one point; the table says which runs have.

// %%
const histories = pretrainHistories(PROFILE);
const started = histories.filter((h) => h.history.length > 0);
if (started.length === 0) console.log(`no pre-training history yet for ${PROFILE}: \`npm run pretrain -- --profile ${PROFILE}\``);
else {
  showFigure(
    await renderFigure(
      `02-pretrain-histories-${PROFILE}`,
      pretrainHistoryFigure(
        started.map((h) => ({
          name: h.name,
          epoch: h.history.map((e) => e.epoch),
          relLoss: h.history.map((e) => e.loss / h.history[0].loss),
          knn: h.history.map((e) => e.knnTop1 ?? null),
        })),
      ),
      { height: 420 },
    ),
  );
  showTable(
    writeTable(
      `02-pretrain-progress-${PROFILE}`,
      histories.map((h) => {
        const probes = h.history.filter((e) => e.knnTop1 !== undefined);
        return {
          run: h.name,
          epochs: `${h.history.length}/${h.epochs}`,
          finished: h.finished ? 'yes' : 'no',
          'last k-NN': probes.length ? probes[probes.length - 1].knnTop1! : null,
          plateaued: probes.length >= 2 ? (probePlateaued(h.history) ? 'yes' : 'no') : '–',
          'CPU s/epoch': h.history.length ? h.history.reduce((t, e) => t + (e.cpuSeconds ?? e.seconds), 0) / h.history.length : null,
        };
      }),
      { title: 'Pre-training progress', digits: 3 },
    ),
  );
}

// %% [markdown]
// ## Probes: what the frozen features know
// k-NN and linear-probe accuracy of each backbone's pooled features, on the source set and on medical sets it
// never saw. The random arm is the floor: anything above it was learnt in pre-training.

// %%
// Arms whose backbone is not pre-trained yet (a run still under way, above) are left out and named.
const readyArms: string[] = [];
for (const arm of ARMS) {
  try {
    (await getPretrainedBackbone(arm, { profile: PROFILE, inputSize: SIZE })).model.dispose();
    readyArms.push(arm);
  } catch (e) {
    console.log(`${armLabel(arm)}: ${(e as Error).message}`);
  }
}
// (no time column: a committed table must come back byte-identical on any machine, `npm run check-reproduction`)
const probeRows: Record<string, string | number>[] = [];
for (const ds of KNOBS.probeSets) {
  const set = await loadImageSet(ds, { size: SIZE });
  for (const arm of readyArms) {
    const bb = await getPretrainedBackbone(arm, { profile: PROFILE, inputSize: SIZE });
    const r = probeBackbone(bb, set, { maxTrain: KNOBS.maxTrain || undefined, maxTest: KNOBS.maxTest || undefined, seed: PROBE_SEED });
    probeRows.push({ dataset: ds, arm: armLabel(arm), 'k-NN top-1': r.knnTop1, 'linear top-1': r.linearTop1, 'train imgs': r.trainImages, 'test imgs': r.testImages });
    bb.model.dispose();
  }
}
showTable(writeTable(`02-probes-${PROFILE}`, probeRows, { title: 'Frozen-feature probes', digits: 3 }));

// %% [markdown]
// ## An embedding plot
// Test images of one medical set in each backbone's feature space, projected on its first two principal
// components and coloured by class. Separated clusters = classes already distinguishable before fine-tuning.

// %%
const eset = await loadImageSet(KNOBS.embedSet, { size: SIZE });
const eidx = Array.from(eset.splits.test).slice(0, KNOBS.embedImages);
for (const arm of ['tl-resnet', 'ssl-resnet'].filter((a) => readyArms.includes(a))) {
  const bb = await getPretrainedBackbone(arm, { profile: PROFILE, inputSize: SIZE });
  const f = embed(bb, eset, eidx);
  const p = pca(f.x, f.n, f.d, 2); // lib/report/pca.ts
  const share = p.variance.map((v) => v / Math.max(1e-12, totalVariance(f.x, f.n, f.d)));
  const fig = scatterByClass(p.projected, f.y, eset.classNames, {
    title: `${KNOBS.embedSet} test images in ${armLabel(arm)} features<br>(PCA, before fine-tuning)`,
    xTitle: `PC 1 (${(100 * share[0]).toFixed(0)}% of variance)`,
    yTitle: `PC 2 (${(100 * share[1]).toFixed(0)}% of variance)`,
  });
  showFigure(await renderFigure(`02-embedding-${KNOBS.embedSet}-${arm}-${PROFILE}`, fig, { width: 620, height: 460 }));
  bb.model.dispose();
}

// %% [markdown]
// ## What we found
// Computed from the pre-training record (`paper/pretrain/<profile>.json`) and the histories above
// (`lib/pretrain/quality.ts`, worded by `pretrainFindings`): does each backbone clear the quality bar over its random
// initialisation, has each history levelled off, and how far does the pre-training seed alone move the probes?

// %%
const probeRecord = loadProbeRecord(PROFILE);
if (!probeRecord) console.log(`no pre-training record for ${PROFILE}: \`npm run pretrain -- --profile ${PROFILE}\``);
else {
  const quality = qualityBar(probeRecord, PRETRAIN_PROFILES[PROFILE].source);
  showMarkdown(pretrainFindings(quality, plateauRows(histories), seedSpread(quality)));
}

// %% [markdown]
// Read the probe table above row by row against the random floor: on the source set both pre-trainings are far
// above it; on medical sets the gap shrinks, and where SSL's frozen features beat TL's on grey sets (or the reverse
// on colour sets) the paper's mechanism is visible before any fine-tuning. Our backbones are small and pre-trained on
// far fewer images than ImageNet, so absolute numbers are low; the comparison between arms on the same source and
// budget is the point.
//
// ## Exercises
// 1. Change the k of the k-NN probe (`probeBackbone(..., { k })`). Which arm is more sensitive to it, and why?
// 2. Pre-train SSL with a smaller NT-Xent temperature (`lib/pretrain/profiles.ts`) and re-run the probes.
// 3. The random arm sometimes probes surprisingly well on small sets. Why can random conv features be useful?
