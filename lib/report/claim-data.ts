// From run records to the paired design lib/stats/hierarchical.ts resamples: per dataset, cells[p][f] = one
// (pre-training row p, fine-tuning seed f) pair of runs on the same test images. A "row" names what is compared
// at one pre-training seed, e.g. { a: tl-resnet baseline, b: ssl-resnet baseline } and, at pre-training seed 1,
// { a: tl-resnet-s1, b: ssl-resnet-s1 }. A claim is evaluated only on the complete design: every cell the design
// defines must have its records; otherwise the missing cells are listed and nothing is computed from the rest
// (no silent fall-back to a smaller or weaker test).
import type { PairedCell, PairedDataset } from '../stats/hierarchical';
import { sameIndices, type RunRecord } from './compare';

/** One side of a paired difference: the runs of an arm under a condition. */
export interface ArmCondition {
  arm: string;
  condition: string;
}

/** What one pre-training row compares: effect = A − B, or (A − B) − (minus.a − minus.b). */
export interface RowSpec {
  a: ArmCondition;
  b: ArmCondition;
  minus?: { a: ArmCondition; b: ArmCondition };
}

export interface DesignSpec {
  rows: RowSpec[];
  datasets: string[];
  /** Fine-tuning seeds every cell must have. */
  seeds: number[];
}

export interface PairedData {
  /** One entry per design dataset whose cells are all present (in design order). */
  datasets: PairedDataset[];
  /** 'dataset/arm/condition/seed s' of every run the design needs and the records lack. */
  missing: string[];
  /** Pairs whose two runs saw different test images (not paired: a design error, listed like missing runs). */
  unpaired: string[];
  /** 'shared' when every cell of a dataset has the same test images (the normal case), else 'nested'. */
  images: 'shared' | 'nested';
  /** True when every cell of every design dataset is present and paired. */
  complete: boolean;
}

const key = (dataset: string, arm: string, condition: string, seed: number) =>
  `${dataset}\u0000${arm}\u0000${condition}\u0000${seed}`;

/** Records indexed by (dataset, arm, condition, seed); the first record of a cell wins (lib/report/runs dedupes). */
export function indexRecords(records: readonly RunRecord[]): Map<string, RunRecord> {
  const m = new Map<string, RunRecord>();
  for (const r of records) {
    const k = key(r.config.dataset, r.config.arm, r.config.condition, r.config.seed);
    if (!m.has(k)) m.set(k, r);
  }
  return m;
}

/** Row-major N×C probabilities of a record. */
function flatProbs(r: RunRecord): Float64Array {
  const C = r.dataset.classNames.length;
  const out = new Float64Array(r.test.probs.length * C);
  r.test.probs.forEach((row, i) => row.forEach((v, c) => (out[i * C + c] = v)));
  return out;
}

/** The paired design of `spec` from the records, with every missing or unpaired cell named. */
export function pairedData(records: readonly RunRecord[], spec: DesignSpec, index = indexRecords(records)): PairedData {
  const missing: string[] = [];
  const unpaired: string[] = [];
  const out: PairedDataset[] = [];
  let shared = true;
  for (const dataset of spec.datasets) {
    const cells: PairedCell[][] = [];
    let ok = true;
    let first: number[] | undefined;
    let numClasses = 0;
    for (const row of spec.rows) {
      const cellRow: PairedCell[] = [];
      for (const seed of spec.seeds) {
        const sides = [row.a, row.b, ...(row.minus ? [row.minus.a, row.minus.b] : [])];
        const recs = sides.map((s) => {
          const r = index.get(key(dataset, s.arm, s.condition, seed));
          if (!r) missing.push(`${dataset}/${s.arm}/${s.condition}/seed ${seed}`);
          return r;
        });
        if (recs.some((r) => !r)) {
          ok = false;
          continue;
        }
        const rs = recs as RunRecord[];
        const idx = rs[0].test.indices;
        const bad = rs.findIndex((r) => !sameIndices(r.test.indices, idx));
        if (bad >= 0) {
          unpaired.push(
            `${dataset}/seed ${seed}: ${sides[0].arm}/${sides[0].condition} and ${sides[bad].arm}/${sides[bad].condition} have different test images`,
          );
          ok = false;
          continue;
        }
        if (!first) first = idx;
        else if (!sameIndices(first, idx)) shared = false;
        numClasses = rs[0].dataset.classNames.length;
        cellRow.push({
          yTrue: rs[0].test.labels,
          a: flatProbs(rs[0]),
          b: flatProbs(rs[1]),
          ...(rs.length === 4 ? { minus: { a: flatProbs(rs[2]), b: flatProbs(rs[3]) } } : {}),
        });
      }
      cells.push(cellRow);
    }
    if (ok && cells.length && cells.every((r) => r.length)) out.push({ name: dataset, numClasses, cells });
  }
  const complete = missing.length === 0 && unpaired.length === 0 && out.length === spec.datasets.length;
  return { datasets: out, missing, unpaired, images: shared ? 'shared' : 'nested', complete };
}

/**
 * The missing runs in a few words: grouped by arm/condition with their datasets and seeds, so a report can say what
 * is still to run without listing hundreds of lines. At most `max` groups, then "… (n more)".
 */
export function summariseMissing(missing: readonly string[], max = 6): string {
  const groups = new Map<string, { ds: Set<string>; seeds: Set<string> }>();
  for (const m of missing) {
    const [ds, arm, cond, seed] = m.split('/');
    const g = groups.get(`${arm}/${cond}`) ?? { ds: new Set(), seeds: new Set() };
    g.ds.add(ds);
    g.seeds.add(seed.replace('seed ', ''));
    groups.set(`${arm}/${cond}`, g);
  }
  const parts = [...groups.entries()].map(
    ([k, g]) => `${k} on ${[...g.ds].join(', ')} (seed ${[...g.seeds].sort().join(', ')})`,
  );
  const shown = parts.slice(0, max);
  return `${missing.length} run${missing.length === 1 ? '' : 's'} missing: ${shown.join('; ')}${parts.length > max ? `; … (${parts.length - max} more arm/condition groups)` : ''}`;
}
