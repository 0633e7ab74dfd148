// The grid's controls at baseline, read against the matched arms: does pre-training beat none (random init, same
// ResNet), does SimCLR on the medical sets' own training images beat SimCLR on Imagenette (in-domain source), and how
// far real ImageNet supervised weights (MobileNetV2) are from our small Imagenette TL backbone. The paper makes no
// claim about them, so there is no verdict: they say how much the TL-vs-SSL comparison has to work with (two methods
// that do not beat random init differ by noise). Datasets are the unit as in the claims (mean over sets with a t
// interval, hierarchical bootstrap beside it), and each set has its own paired interval, Holm across sets.
import { armLabel, IMAGENET_MNV2_ARM } from '../pretrain/arms';
import type { ClaimDesign } from './claims';
import { pairedData, indexRecords, summariseMissing, type PairedData } from './claim-data';
import {
  meanEffect,
  perDatasetEffects,
  type ClaimMetric,
  type DatasetEffectRow,
  type Effect,
  type EffectOptions,
} from './claim-effects';
import type { RunRecord } from './compare';

/** One control comparison at baseline: effect = arm a − arm b on the same test images. */
export interface ControlComparison {
  id: 'tl-vs-random' | 'ssl-vs-random' | 'ssl-medical-vs-imagenette' | 'imagenet-vs-tl';
  a: string;
  b: string;
  /** further pre-training seeds of arm a (e.g. tl-resnet-s1), each another row against the same b runs */
  aSeeds: string[];
  label: string;
  question: string;
  /** what differs between a and b besides what the question asks about */
  confound: string;
}

export interface ControlResult {
  comparison: ControlComparison;
  /** the mean over the design's datasets; undefined until every cell is present */
  effect?: Effect;
  perDataset: DatasetEffectRow[];
  /** sets where a (b) is ahead: per-dataset bootstrap p, Holm-adjusted across the sets, below 0.05 (the given metric) */
  ahead: { a: string[]; b: string[] };
  /** '' when complete, else which runs are missing */
  missing: string;
}

const ALPHA = 0.05;

const CONTROLS: Omit<ControlComparison, 'label' | 'aSeeds'>[] = [
  {
    id: 'tl-vs-random',
    a: 'tl-resnet',
    b: 'random-resnet',
    question: 'does supervised pre-training on Imagenette beat no pre-training?',
    confound: 'same architecture and fine-tuning; only the starting weights differ',
  },
  {
    id: 'ssl-vs-random',
    a: 'ssl-resnet',
    b: 'random-resnet',
    question: 'does SimCLR pre-training on Imagenette beat no pre-training?',
    confound: 'same architecture and fine-tuning; only the starting weights differ',
  },
  {
    id: 'ssl-medical-vs-imagenette',
    a: 'ssl-resnet-medical-all',
    b: 'ssl-resnet',
    question: "does SimCLR on the medical sets' own training images beat SimCLR on Imagenette?",
    confound:
      'in-domain source: SimCLR saw every target’s training images (never its validation or test images), unlabelled; the sources differ in size and content, not only in domain',
  },
  {
    id: 'imagenet-vs-tl',
    a: IMAGENET_MNV2_ARM,
    b: 'tl-resnet',
    question: 'how far are real ImageNet supervised weights from our small Imagenette TL backbone?',
    confound:
      'not a method comparison: architecture (MobileNetV2 α0.35 vs our small ResNet-18), source (ImageNet vs Imagenette) and input scaling all differ',
  },
];

/** The control comparisons a design can make (both arms among its arms or controls). */
export function controlComparisons(design: ClaimDesign): ControlComparison[] {
  const has = (arm: string) => design.arms.includes(arm) || (design.controls ?? []).includes(arm);
  return CONTROLS.filter((c) => has(c.a) && has(c.b)).map((c) => {
    // the pre-training seeds of the arm the design has (tl-resnet-s1 for tl-resnet): rows of the bootstrap's
    // pre-training level, as in the claims
    const aSeeds = design.arms.filter((x) => x.startsWith(`${c.a}-s`) && /-s\d+$/.test(x));
    return {
      ...c,
      aSeeds,
      label: `${armLabel(c.a)} − ${armLabel(c.b)}${aSeeds.length ? ` (pre-training seeds: ${1 + aSeeds.length})` : ''}`,
    };
  });
}

/** Every control comparison at baseline, its mean over datasets and per-dataset effects (see the file comment). */
export function evaluateControls(
  records: readonly RunRecord[],
  design: ClaimDesign,
  o: EffectOptions & { metric: ClaimMetric },
): ControlResult[] {
  const index = indexRecords(records);
  return controlComparisons(design).map((comparison) => {
    const data: PairedData = pairedData(
      records,
      {
        rows: [comparison.a, ...comparison.aSeeds].map((a) => ({
          a: { arm: a, condition: 'baseline' },
          b: { arm: comparison.b, condition: 'baseline' },
        })),
        datasets: design.datasets,
        seeds: design.seeds,
      },
      index,
    );
    const perDataset = perDatasetEffects(data.datasets, { ...o, images: data.images });
    const side = (s: 1 | -1) =>
      perDataset
        .filter((r) => {
          const m = r.byMetric[o.metric];
          return m.pHolm < ALPHA && Math.sign(m.estimate) === s;
        })
        .map((r) => r.dataset);
    return {
      comparison,
      effect: data.complete && data.datasets.length ? meanEffect(comparison.label, data, o) : undefined,
      perDataset,
      ahead: { a: side(1), b: side(-1) },
      missing: data.complete ? '' : summariseMissing([...data.missing, ...data.unpaired]),
    };
  });
}
