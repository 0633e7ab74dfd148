// Scalar metrics of one test set under sample WEIGHTS (bootstrap multiplicities), in O(N·C) per evaluation.
//
// A bootstrap resample is the test set with sample i repeated w_i times. Recomputing classificationMetrics
// on a materialised resample costs a sort per class (AUC) and revalidation every time (≈ 28 s for 1000
// resamples of a 3421×8 test set); here everything that does not depend on the weights is done once:
// argmax, per-sample loss and confidence, calibration bin, and each class column's sort order with its tie
// groups. With weights w:
//   counts (confusion matrix, TP/FP/FN/TN) are weighted sums → the same classRates() conventions;
//   AUC of class c = Σ_groups P_g·(N_below + ½ N_g) / (P·N)  — the Mann–Whitney count with ties as ½,
//     P_g/N_g the weighted positives/negatives in a tie group, N_below the negatives scoring lower;
//   ECE from weighted bin sums. All weights 1 reproduces classificationMetrics exactly (tested).
import { calibrationBin, ECE_BINS } from './calibration';
import {
  argmaxRows,
  classRates,
  LOSS_EPSILON,
  nanMean,
  validateProbabilities,
  type ScalarMetricName,
} from './classification';

export interface PreparedMetrics {
  n: number;
  numClasses: number;
  /** A scalar metric with sample weights (default all 1). */
  evaluate(name: ScalarMetricName, weights?: ArrayLike<number>): number;
}

export function prepareMetrics(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClasses: number,
): PreparedMetrics {
  const n = yTrue.length;
  const C = numClasses;
  if (n === 0) throw new Error('prepareMetrics: empty test set');
  validateProbabilities(probs, n, C);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(yTrue[i]) || yTrue[i] < 0 || yTrue[i] >= C)
      throw new Error(`label ${i} = ${yTrue[i]} is out of range`);
  }
  const y = Int32Array.from(yTrue);
  const pred = argmaxRows(probs, C);
  const loss = new Float64Array(n);
  const conf = new Float64Array(n);
  const bin = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    loss[i] = -Math.log(Math.max(probs[i * C + y[i]], LOSS_EPSILON));
    conf[i] = probs[i * C + pred[i]];
    bin[i] = calibrationBin(conf[i], ECE_BINS);
  }
  // per class: sample order by score (ascending) and tie-group ends (exclusive)
  const order: Int32Array[] = [];
  const groupEnds: Int32Array[] = [];
  for (let c = 0; c < C; c++) {
    const o = new Int32Array(n);
    for (let i = 0; i < n; i++) o[i] = i;
    o.sort((a, b) => probs[a * C + c] - probs[b * C + c]);
    const ends: number[] = [];
    for (let k = 1; k <= n; k++) {
      if (k === n || probs[o[k] * C + c] !== probs[o[k - 1] * C + c]) ends.push(k);
    }
    order.push(o);
    groupEnds.push(Int32Array.from(ends));
  }
  const ones = new Float64Array(n).fill(1);

  function counts(w: ArrayLike<number>): { cm: Float64Array; total: number } {
    const cm = new Float64Array(C * C);
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (w[i] === 0) continue;
      cm[y[i] * C + pred[i]] += w[i];
      total += w[i];
    }
    return { cm, total };
  }

  function perClass(w: ArrayLike<number>) {
    const { cm, total } = counts(w);
    const sens = new Float64Array(C);
    const spec = new Float64Array(C);
    const prec = new Float64Array(C);
    const f1 = new Float64Array(C);
    const support = new Float64Array(C);
    let tpSum = 0;
    for (let c = 0; c < C; c++) {
      let sup = 0;
      let predicted = 0;
      for (let k = 0; k < C; k++) {
        sup += cm[c * C + k];
        predicted += cm[k * C + c];
      }
      const tp = cm[c * C + c];
      const fn = sup - tp;
      const fp = predicted - tp;
      const r = classRates(tp, fp, fn, total - tp - fn - fp);
      sens[c] = r.sensitivity;
      spec[c] = r.specificity;
      prec[c] = r.precision;
      f1[c] = r.f1;
      support[c] = sup;
      tpSum += tp;
    }
    return { sens, spec, prec, f1, support, total, tpSum };
  }

  function auc(c: number, w: ArrayLike<number>): number {
    const o = order[c];
    const ends = groupEnds[c];
    let start = 0;
    let negBelow = 0;
    let num = 0;
    let P = 0;
    for (let g = 0; g < ends.length; g++) {
      let pg = 0;
      let ng = 0;
      for (let k = start; k < ends[g]; k++) {
        const i = o[k];
        if (y[i] === c) pg += w[i];
        else ng += w[i];
      }
      num += pg * (negBelow + 0.5 * ng);
      negBelow += ng;
      P += pg;
      start = ends[g];
    }
    const N = negBelow;
    return P > 0 && N > 0 ? num / (P * N) : NaN;
  }

  function evaluate(name: ScalarMetricName, weights?: ArrayLike<number>): number {
    const w = weights ?? ones;
    if (w.length !== n) throw new Error(`weights have length ${w.length}, expected ${n}`);
    switch (name) {
      case 'accuracy':
      case 'loss':
      case 'ece': {
        let total = 0;
        let s = 0;
        if (name === 'ece') {
          const cnt = new Float64Array(ECE_BINS);
          const sc = new Float64Array(ECE_BINS);
          const sa = new Float64Array(ECE_BINS);
          for (let i = 0; i < n; i++) {
            if (w[i] === 0) continue;
            cnt[bin[i]] += w[i];
            sc[bin[i]] += w[i] * conf[i];
            sa[bin[i]] += pred[i] === y[i] ? w[i] : 0;
            total += w[i];
          }
          for (let b = 0; b < ECE_BINS; b++) if (cnt[b] > 0) s += Math.abs(sa[b] - sc[b]);
          return total > 0 ? s / total : NaN;
        }
        for (let i = 0; i < n; i++) {
          if (w[i] === 0) continue;
          total += w[i];
          s += w[i] * (name === 'loss' ? loss[i] : pred[i] === y[i] ? 1 : 0);
        }
        return total > 0 ? s / total : NaN;
      }
      case 'balancedAccuracy':
      case 'macroSensitivity':
        return nanMean(perClass(w).sens);
      case 'macroSpecificity':
        return nanMean(perClass(w).spec);
      case 'macroPrecision':
        return nanMean(perClass(w).prec);
      case 'macroF1':
        return nanMean(perClass(w).f1);
      case 'weightedF1': {
        const r = perClass(w);
        let s = 0;
        for (let c = 0; c < C; c++) if (r.support[c] > 0) s += r.support[c] * r.f1[c];
        return r.total > 0 ? s / r.total : NaN;
      }
      case 'macroAuc': {
        const v = new Float64Array(C);
        for (let c = 0; c < C; c++) v[c] = auc(c, w);
        return nanMean(v);
      }
      case 'auc':
        return C === 2 ? auc(1, w) : NaN;
      default:
        throw new Error(`unknown metric '${name as string}'`);
    }
  }

  return { n, numClasses: C, evaluate };
}
