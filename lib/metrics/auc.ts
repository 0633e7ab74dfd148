// Binary ROC-AUC by the rank (Mann–Whitney U) formula, with average ranks for tied scores.
//
//   AUC = (R+ − n+(n+ + 1)/2) / (n+ · n−)
//
// where R+ is the sum of the (1-based, tie-averaged) ranks of the positives' scores among all scores. This is
// the probability that a random positive scores above a random negative, counting ties as one half; it equals
// the trapezoidal area under the ROC curve (what sklearn's roc_auc_score computes).
//
// Degenerate case: with no positives or no negatives the AUC is undefined and the function returns NaN.

/** Average 1-based ranks of `values` (ties share the mean of the ranks they span). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]] === values[order[i]]) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k]] = r;
    i = j;
  }
  return ranks;
}

/**
 * ROC-AUC of `scores` for the binary labels `positive` (true/1 = positive).
 * Returns NaN when there are no positives or no negatives.
 */
export function binaryRocAuc(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  if (positive.length !== n) throw new Error(`binaryRocAuc: ${positive.length} labels vs ${n} scores`);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`binaryRocAuc: score ${i} is NaN`);
  }
  const ranks = averageRanks(scores);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
