// Double fine-tuning pairs: stage 1 on a related, larger intermediate set, stage 2 on the target.
// The ONE table of intermediate → target pairs, each with why it is related. A pair is only used after
// `checkPair` has compared the two sets image by image (overlap.ts) and found no shared images.
import type { DatasetId } from '../data/registry';
import { fingerprints, type Fingerprints, type PixelSet } from '../data/fingerprints';
import { compareSets, type OverlapReport } from '../data/overlap';

export interface DoubleFtPair {
  intermediate: DatasetId;
  target: DatasetId;
  rationale: string;
  /** Listed to document a known leak; `checkPair` refuses it (and any other pair that overlaps). */
  refused?: string;
}

export const DOUBLE_FT_PAIRS: readonly DoubleFtPair[] = [
  {
    intermediate: 'ct-kidney',
    target: 'chest-ct',
    rationale: 'CT → CT: abdominal CT slices (2000) teach CT texture and windowing for chest CT (1000)',
  },
  {
    intermediate: 'ct-kidney',
    target: 'iq-oth-nccd',
    rationale: 'CT → CT: abdominal CT (2000) before lung-cancer chest CT (1097)',
  },
  {
    intermediate: 'iq-oth-nccd',
    target: 'chest-ct',
    rationale: 'same organ and modality: chest CT lung cancer (1097) before chest CT cancer subtypes (1000)',
  },
  {
    intermediate: 'ham10000',
    target: 'isic-uda1',
    rationale: 'same modality and organ: dermoscopy, 7 lesion classes (2653) before benign/malignant (400)',
  },
  {
    intermediate: 'pneumoniamnist',
    target: 'breastmnist',
    rationale:
      'same MedMNIST 28-px grey format, larger (5856) before smaller (780); different modality (X-ray → ultrasound): a weak pair, kept to test the claim on small sets',
  },
  {
    intermediate: 'busi',
    target: 'breastmnist',
    rationale: 'same modality and organ (breast ultrasound)',
    refused: 'BreastMNIST is BUSI downsampled to 28 px: the target test images are in the intermediate set',
  },
];

/** The usable intermediate for a target (first non-refused pair), or undefined when none is defined. */
export function intermediateFor(target: string): DoubleFtPair | undefined {
  return DOUBLE_FT_PAIRS.find((p) => p.target === target && !p.refused);
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
