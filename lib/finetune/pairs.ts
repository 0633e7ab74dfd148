// Double fine-tuning pairs: stage 1 on a related set, stage 2 on the target — and the two controls that say
// whether a gain comes from the relation: the same stage-1 epochs on the target itself ('double-ft-self') and on an
// unrelated set of another modality ('double-ft-unrelated'). The ONE table of pairs, each with why it is related.
// A related pair is the same modality (and where possible organ); it is only used after `checkPair` has compared
// the two sets image by image (overlap.ts) and found no shared images.
import type { DatasetId } from '../data/registry';
import type { Condition } from './run-record';
import { fingerprints, type Fingerprints, type PixelSet } from '../data/fingerprints';
import { compareSets, type OverlapReport } from '../data/overlap';

export interface DoubleFtPair {
  intermediate: DatasetId;
  target: DatasetId;
  rationale: string;
  /** Listed to document a known leak; `checkPair` refuses it (and any other pair that overlaps). */
  refused?: string;
  /** Stage-1 set of the 'double-ft-unrelated' control: another modality, the target's colour kind. */
  unrelated?: { intermediate: DatasetId; rationale: string };
}

export const DOUBLE_FT_PAIRS: readonly DoubleFtPair[] = [
  {
    intermediate: 'iq-oth-nccd',
    target: 'chest-ct',
    rationale: 'same organ and modality: lung-cancer chest CT (768 train images) before chest-CT cancer subtypes (547)',
    unrelated: { intermediate: 'busi', rationale: 'breast ultrasound (544): grey like the target, another modality' },
  },
  {
    intermediate: 'ct-kidney',
    target: 'iq-oth-nccd',
    rationale: 'same modality: abdominal CT (1,261) before lung-cancer chest CT (768)',
    unrelated: { intermediate: 'breastmnist', rationale: 'breast ultrasound (545): grey, another modality' },
  },
  {
    intermediate: 'ham10000',
    target: 'isic-uda1',
    rationale: 'same modality and organ: dermoscopy, 7 lesion classes (1,766) before benign/malignant (280)',
    unrelated: { intermediate: 'eye-fundus', rationale: 'colour fundus photographs (2,080): colour, another organ' },
  },
  {
    intermediate: 'busi',
    target: 'breastmnist',
    rationale: 'same modality and organ (breast ultrasound)',
    refused: 'BreastMNIST is BUSI downsampled to 28 px: the target test images are in the intermediate set',
  },
];

/** The usable related pair of a target (first non-refused), or undefined when none is defined. */
export function intermediateFor(target: string): DoubleFtPair | undefined {
  return DOUBLE_FT_PAIRS.find((p) => p.target === target && !p.refused);
}

/**
 * The stage-1 set of a double-FT condition for a target: the related set, the target itself, or the unrelated one.
 * Undefined when the target has no usable related pair (then none of the three runs, so they stay comparable).
 */
export function stage1SetFor(target: string, condition: Condition): string | undefined {
  const pair = intermediateFor(target);
  if (!pair) return undefined;
  if (condition === 'double-ft') return pair.intermediate;
  if (condition === 'double-ft-self') return target;
  if (condition === 'double-ft-unrelated') return pair.unrelated?.intermediate;
  throw new Error(`stage1SetFor: ${condition} is not a double fine-tuning condition`);
}

export class OverlapError extends Error {
  constructor(
    readonly pair: { intermediate: string; target: string },
    readonly report: OverlapReport,
  ) {
    super(
      `double fine-tuning refused: ${pair.intermediate} and ${pair.target} share images ` +
        `(${report.nearMatches} of ${Math.min(report.nA, report.nB)} images of the smaller set match, ` +
        `${report.exactMatches} exactly; threshold ${report.thresholds.maxFraction * 100}% or ${report.thresholds.maxExact} exact)`,
    );
  }
}

/** Compare the two sets and throw OverlapError when they share images; returns the report otherwise. */
export function checkPair(
  pair: { intermediate: string; target: string },
  intermediate: PixelSet | Fingerprints,
  target: PixelSet | Fingerprints,
): OverlapReport {
  const listed = DOUBLE_FT_PAIRS.find((p) => p.intermediate === pair.intermediate && p.target === pair.target);
  const report = compareSets('unit' in intermediate ? intermediate : fingerprints(intermediate), target);
  if (report.overlapping) throw new OverlapError(pair, report);
  if (listed?.refused) {
    // The table says they overlap but the detector did not see it: trust the table, say so.
    throw new Error(
      `double fine-tuning refused: ${pair.intermediate} → ${pair.target}: ${listed.refused} (detector found ${report.nearMatches} matches; check the thresholds)`,
    );
  }
  return report;
}
