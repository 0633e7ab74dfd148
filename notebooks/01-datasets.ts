// %% [markdown]
// # 01 · Datasets: what we fine-tune on, and how it differs from the paper
//
// The paper fine-tunes on public medical sets of two kinds: **grey** (chest X-ray, CT, MRI, breast ultrasound) and
// **colour** (fundus photographs, dermoscopy, endoscopy), and pre-trains on natural images (ImageNet). Its headline
// claim is that the better pre-training depends on this split: transfer learning (TL) wins on colour data,
// self-supervised learning (SSL) on grey data. So before training anything we look at the data: how big each set
// is, how imbalanced, what the images look like, and whether a set that is *stored* in RGB is really colour.
//
// Several of the paper's sets are not publicly downloadable as released (Kvasir v2, ODIR-2019, EyePACS, OASIS);
// `../shared/datasets/MANIFEST.md` lists what stands in for each, and the table below repeats it.

// %% [markdown]
// ## Setup and knobs

// %%
import { profileName } from '../lib/util/profile';
import { DATASET_IDS, REGISTRY, type DatasetEntry } from '../lib/data/registry';
import { loadImageSet, type ImageSet } from '../lib/data/load';
import { renderFigure } from '../lib/report/figures';
import { categoryBars, imageGrid, stackedShares, type RgbImage } from '../lib/report/plots';
import { classCounts } from '../lib/data/balance';
import { writeTable } from '../lib/report/tables';
import { showFigure, showMarkdown, showTable } from '../lib/report/notebook';

const PROFILE = profileName();
const KNOBS = {
  smoke: { size: 64, montageClasses: 4, colourSample: 200 },
  cpu: { size: 64, montageClasses: 7, colourSample: 1000 },
  gpu: { size: 64, montageClasses: 8, colourSample: 5000 },
}[PROFILE];
// A pixel counts as "coloured" when its channels differ by more than this (JPEG noise stays below it).
const COLOUR_TOLERANCE = 12;
console.log({ PROFILE, ...KNOBS, COLOUR_TOLERANCE });

// %% [markdown]
// ## The registry
// Every dataset the project knows is an entry in `lib/data/registry.ts`, with its file, sha256, licence and the
// paper dataset it stands in for. Loading verifies the checksum, so a number in this repository always refers to
// exactly these bytes.

// %%
const entries: DatasetEntry[] = DATASET_IDS.map((id) => REGISTRY[id]);
const total = (e: DatasetEntry) => Object.values(e.counts).reduce((s, c) => s + (c ?? []).reduce((a, b) => a + b, 0), 0);
showTable(
  writeTable(
    `01-registry-${PROFILE}`,
    entries.map((e) => ({
      id: e.id,
      modality: e.modality,
      stored: e.colour,
      role: e.domain === 'natural' ? 'pre-training source' : 'fine-tuning target',
      classes: e.classNames.length,
      images: total(e),
      'stands in for': e.standsInFor,
    })),
    { title: 'Datasets in the registry' },
  ),
);

// %% [markdown]
// ## Loading and splits
// `loadImageSet(id, { size })` returns every set in one shape: NHWC `uint8`, 3 channels (grey copied to RGB),
// square images, plus committed train/val/test index lists. Splits keep the source's split where there is one, are
// class-stratified otherwise, and never separate exact duplicates or images of the same patient (see
// `lib/data/splits.ts`). Decoded images are cached under `data/cache/`: on a fresh clone this cell decodes every
// set once (about two minutes on two cores; `npm run data -- cache` does it ahead), then it takes seconds.

// %%
const t0 = Date.now();
const sets: ImageSet[] = [];
for (const e of entries) {
  const t = Date.now();
  sets.push(await loadImageSet(e.id, { size: KNOBS.size }));
  console.log(`[${sets.length}/${entries.length}] ${e.id}: ${sets[sets.length - 1].n} images in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
console.log(`loaded ${sets.length} datasets at ${KNOBS.size} px in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const trainCounts = (s: ImageSet) => classCounts(s.labels, s.splits.train, s.numClasses); // lib/data/balance.ts
const splitRows = sets.map((s) => {
  const train = trainCounts(s);
  const nonzero = train.filter((c) => c > 0);
  return {
    id: s.id,
    train: s.splits.train.length,
    val: s.splits.val.length,
    test: s.splits.test.length,
    dropped: s.n - s.splits.train.length - s.splits.val.length - s.splits.test.length,
    'train per class': train.join(' / '),
    'imbalance (max/min)': Math.max(...nonzero) / Math.min(...nonzero),
    split: s.splitHash,
  };
});
showTable(writeTable(`01-splits-${PROFILE}`, splitRows, { title: `Splits (images), ${KNOBS.size} px`, digits: 1 }));

// %% [markdown]
// ## Class balance
// Each bar is one dataset's training split; its segments are the classes from the largest to the smallest share.
// A balanced 4-class set shows four equal segments. The paper counters imbalance by down-sampling the larger
// classes, which throws data away; notebook 05 measures what that costs on sets of different sizes.

// %%
const medical = sets.filter((s) => s.domain === 'medical');
const ordinal = (k: number) => (k === 0 ? 'largest class' : `${k + 1}${['st', 'nd', 'rd'][k] ?? 'th'} class`);
const balanceFig = await renderFigure(
  `01-class-balance-${PROFILE}`,
  stackedShares(
    medical.map((s) => {
      const c = trainCounts(s);
      const n = c.reduce((a, b) => a + b, 0);
      return { label: `${s.id} (${s.splits.train.length})`, shares: c.map((v) => v / n).sort((a, b) => b - a) };
    }),
    { title: 'Class shares in the training split (largest → smallest)', xTitle: 'share of training images', segmentName: ordinal },
  ),
  { height: 140 + 32 * medical.length },
);
showFigure(balanceFig);

// %% [markdown]
// ## What the images look like
// One training image per class (up to `KNOBS.montageClasses` classes), at the resolution the models see.

// %%
function imageOf(s: ImageSet, i: number): RgbImage {
  const px = s.size * s.size * 3;
  return { width: s.size, height: s.size, rgb: s.images.subarray(i * px, (i + 1) * px) };
}
const montageCells = sets.map((s) =>
  Array.from({ length: Math.min(KNOBS.montageClasses, s.numClasses) }, (_, c) => {
    const i = s.splits.train.find((j) => s.labels[j] === c);
    return i === undefined ? null : imageOf(s, i);
  }),
);
const montage = await renderFigure(
  `01-montage-${PROFILE}`,
  imageGrid(montageCells, {
    rowTitles: sets.map((s) => s.id),
    title: `One training image per class (first ${KNOBS.montageClasses} classes), ${KNOBS.size} px`,
  }),
  { width: 110 * KNOBS.montageClasses + 120, height: 100 * sets.length + 120, html: false },
);
showFigure(montage);

// %% [markdown]
// ## Grey or colour?
// The grey/colour split is the paper's main axis, so we measure it instead of trusting the file format. For a
// sample of images we count the pixels whose channels differ by more than `COLOUR_TOLERANCE`. BUSI and Chest-CT
// are stored in RGB only because a few images carry coloured annotation marks; by modality they are grey, and the
// later notebooks group them with the grey sets.

// %%
function colourStats(s: ImageSet, sample: number): { colouredPixels: number; imagesWithColour: number } {
  const step = Math.max(1, Math.floor(s.n / sample));
  const px = s.size * s.size;
  let coloured = 0;
  let seen = 0;
  let imgs = 0;
  let imgsWithColour = 0;
  for (let i = 0; i < s.n; i += step) {
    let any = 0;
    const o = i * px * 3;
    for (let p = 0; p < px; p++) {
      const r = s.images[o + 3 * p];
      const g = s.images[o + 3 * p + 1];
      const b = s.images[o + 3 * p + 2];
      if (Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b)) > COLOUR_TOLERANCE) any++;
    }
    coloured += any;
    seen += px;
    imgs++;
    if (any > 0.01 * px) imgsWithColour++;
  }
  return { colouredPixels: coloured / seen, imagesWithColour: imgsWithColour / imgs };
}
const colourRows = sets.map((s) => {
  const c = colourStats(s, KNOBS.colourSample);
  return {
    id: s.id,
    stored: s.colour,
    'coloured pixels': c.colouredPixels,
    'images >1% coloured': c.imagesWithColour,
    'treated as': c.imagesWithColour > 0.5 ? 'colour' : 'grey',
  };
});
showTable(writeTable(`01-grey-vs-colour-${PROFILE}`, colourRows, { title: 'Measured colour content (sampled images)', digits: 3 }));

// %%
const colourFig = await renderFigure(
  `01-grey-vs-colour-${PROFILE}`,
  categoryBars(
    colourRows.map((r) => ({ label: r.id, value: r['images >1% coloured'], colour: r['treated as'] === 'colour' ? '#e6550d' : '#636363' })),
    { title: 'Share of images with more than 1% coloured pixels', yTitle: 'share of sampled images', yRange: [0, 1.05] },
  ),
  { height: 440 },
);
showFigure(colourFig);

// %% [markdown]
// ## What we found
// From the tables above (the grouping the later notebooks use is each dataset's registry field `content`):

// %%
const med = splitRows.filter((r) => REGISTRY[r.id as DatasetEntry['id']].domain === 'medical');
const byImbalance = [...med].sort((a, b) => b['imbalance (max/min)'] - a['imbalance (max/min)']);
const measuredColour = colourRows.filter((r) => r['treated as'] === 'colour').map((r) => r.id);
const storedRgbButGrey = colourRows.filter((r) => r.stored === 'rgb' && r['treated as'] === 'grey').map((r) => r.id);
const disagree = colourRows.filter((r) => r['treated as'] !== REGISTRY[r.id as DatasetEntry['id']].content);
showMarkdown(
  [
    `- Medical training splits hold ${Math.min(...med.map((r) => r.train))} to ${Math.max(...med.map((r) => r.train))} images (median ${med.map((r) => r.train).sort((a, b) => a - b)[Math.floor(med.length / 2)]}): the small-data regime the paper is about.`,
    `- Most imbalanced: ${byImbalance.slice(0, 3).map((r) => `${r.id} (${r['imbalance (max/min)'].toFixed(1)}:1)`).join(', ')}; least: ${byImbalance[byImbalance.length - 1].id} (${byImbalance[byImbalance.length - 1]['imbalance (max/min)'].toFixed(1)}:1). Accuracy alone hides this, so later notebooks also report balanced accuracy and flag majority-class collapse.`,
    `- Colour by measured content: ${measuredColour.join(', ') || 'none'}. Stored as RGB but grey by content: ${storedRgbButGrey.join(', ') || 'none'}.`,
    disagree.length
      ? `- The measurement disagrees with the registry's \`content\` field for ${disagree.map((r) => r.id).join(', ')}: check the tolerance or the field.`
      : '- The measurement agrees with the registry\'s `content` field for every set.',
  ].join('\n'),
);

// %% [markdown]
// We have no endoscopy set (Kvasir v2, the paper's main colour example, could not be obtained): see the registry
// table's "stands in for" column.
//
// ## Exercises
// 1. Change `COLOUR_TOLERANCE` to 2 and to 40. Which datasets change category? Why does JPEG compression matter?
// 2. Load a set at 128 px (`loadImageSet(id, { size: 128 })`) where the file stores it. How many sets support it?
// 3. Pick the most imbalanced set. What accuracy does always predicting the majority class get on its test split?
