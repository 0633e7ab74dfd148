// Classification metrics with NAMED fields (never positional tuples: MedMNIST issue 19 swapped them).
//
// Input: true labels (integers 0 … C−1) and predicted class probabilities, N×C row-major (each row a
// probability vector, e.g. softmax output). The predicted class is the row's argmax; ties go to the lowest
// class index.
//
// Definitions (per class c, one-vs-rest counts TP, FP, FN, TN from the confusion matrix):
//   sensitivity (recall) = TP/(TP+FN)      specificity = TN/(TN+FP)      precision = TP/(TP+FP)
//   F1 = 2TP/(2TP+FP+FN)  (= harmonic mean of precision and recall when both are defined)
//   AUC = one-vs-rest ROC-AUC of column c of the probabilities (rank / Mann–Whitney formula, ties = ½)
//   accuracy = Σ TP / N;   loss = mean −ln(max(p_true, 1e-7))  (clipped like Keras' epsilon)
//   balanced accuracy = macro sensitivity;  weighted F1 = Σ support_c F1_c / N
//   ECE: 15 equal-width confidence bins, see ./calibration.ts
//
// Conventions for degenerate cases (undefined = NaN in the per-class field):
//   - class never predicted (TP+FP = 0) but present in the test set: precision = 0 (sklearn's
//     zero_division=0), F1 = 0, `neverPredicted` = true. If the class is also absent from the test set,
//     precision and F1 are NaN (there is nothing to measure).
//   - class absent from the test set (support 0): sensitivity = NaN, AUC = NaN.
//   - every test sample in class c (no negatives): specificity = NaN, AUC = NaN.
//   - a single class in the test set: every per-class AUC is NaN, so macroAuc = NaN (not omitted: the field
//     is always there; check Number.isNaN). Same for macroSpecificity when C = 1 effectively.
//   - macro averages (sensitivity, specificity, precision, F1, AUC) are means over the classes whose value is
//     defined (not NaN); NaN when no class is defined. So balanced accuracy = mean recall over the classes
//     present in the test set, as sklearn's balanced_accuracy_score. `macroAucClasses` lists which classes
//     entered the AUC mean.
// Binary problems (C = 2) are treated as two one-vs-rest classes like any other; `auc` (= perClass[1].auc)
// is the usual positive-class AUC, equal to both per-class AUCs when rows sum to 1.

import { binaryRocAuc } from './auc';
import { ECE_BINS, expectedCalibrationError, type ReliabilityBin } from './calibration';

export const LOSS_EPSILON = 1e-7;
/** Rows of `probs` must sum to 1 within this tolerance (float32 softmax output passes easily). */
export const ROW_SUM_TOLERANCE = 1e-3;

export interface PerClassMetrics {
  index: number;
  name: string;
  /** Number of test samples of this class (row sum of the confusion matrix). */
  support: number;
  /** Number of samples predicted as this class (column sum). */
  predicted: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  sensitivity: number;
  specificity: number;
  precision: number;
  f1: number;
  auc: number;
  neverPredicted: boolean;
}

export interface ClassificationMetrics {
  n: number;
  numClasses: number;
  classNames: string[];
  accuracy: number;
  loss: number;
  balancedAccuracy: number;
  macroSensitivity: number;
  macroSpecificity: number;
  macroPrecision: number;
  macroF1: number;
  weightedF1: number;
  macroAuc: number;
  /** Classes whose one-vs-rest AUC is defined and entered macroAuc. */
  macroAucClasses: number[];
  /** Positive-class (index 1) AUC for binary problems; NaN otherwise. */
  auc: number;
  ece: number;
  eceBins: number;
  reliability: ReliabilityBin[];
  /** confusionMatrix[true][predicted]: rows are true classes, columns predicted classes. */
  confusionMatrix: number[][];
  perClass: PerClassMetrics[];
}

/** Scalar metrics that can be bootstrapped / compared by name. */
export type ScalarMetricName =
  | 'accuracy'
  | 'loss'
  | 'balancedAccuracy'
  | 'macroSensitivity'
  | 'macroSpecificity'
  | 'macroPrecision'
  | 'macroF1'
  | 'weightedF1'
  | 'macroAuc'
  | 'auc'
  | 'ece';

export const SCALAR_METRICS: readonly ScalarMetricName[] = [
  'accuracy',
  'loss',
  'balancedAccuracy',
  'macroSensitivity',
  'macroSpecificity',
  'macroPrecision',
  'macroF1',
  'weightedF1',
  'macroAuc',
  'auc',
  'ece',
];

/** Argmax of each row of an N×C row-major matrix (ties → lowest index). */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): Int32Array {
  const n = Math.floor(probs.length / numClasses);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = probs[i * numClasses];
    for (let c = 1; c < numClasses; c++) {
      const v = probs[i * numClasses + c];
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Confusion matrix, rows = true class, columns = predicted class. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  if (yTrue.length !== yPred.length) throw new Error(`confusionMatrix: ${yTrue.length} vs ${yPred.length} labels`);
  const cm: number[][] = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    checkLabel(yTrue[i], numClasses, i);
    checkLabel(yPred[i], numClasses, i);
    cm[yTrue[i]][yPred[i]]++;
  }
  return cm;
}

function checkLabel(y: number, numClasses: number, i: number): void {
  if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
    throw new Error(`label ${i} = ${y} is not an integer in [0, ${numClasses})`);
  }
}

/**
 * Per-class rates from one-vs-rest counts, with this module's conventions for undefined cases (see header).
 * Counts may be weighted (bootstrap multiplicities).
 */
export function classRates(
  tp: number,
  fp: number,
  fn: number,
  tn: number,
): { sensitivity: number; specificity: number; precision: number; f1: number } {
  const support = tp + fn;
  const predicted = tp + fp;
  return {
    sensitivity: support > 0 ? tp / support : NaN,
    specificity: tn + fp > 0 ? tn / (tn + fp) : NaN,
    precision: predicted > 0 ? tp / predicted : support > 0 ? 0 : NaN,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : NaN,
  };
}

/** Mean of the values that are not NaN; NaN when none is. */
export function nanMean(values: ArrayLike<number>): number {
  let s = 0;
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isNaN(v)) {
      s += v;
      k++;
    }
  }
  return k > 0 ? s / k : NaN;
}

/** Throws unless probs is N×C with finite, non-negative rows that sum to 1 (± ROW_SUM_TOLERANCE). */
export function validateProbabilities(probs: ArrayLike<number>, n: number, numClasses: number): void {
  if (probs.length !== n * numClasses) {
    throw new Error(`probs has ${probs.length} values, expected N×C = ${n}×${numClasses} = ${n * numClasses}`);
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[i * numClasses + c];
      if (!(p >= 0) || !Number.isFinite(p)) throw new Error(`probs[${i}, ${c}] = ${p} is not a probability`);
      s += p;
    }
    if (Math.abs(s - 1) > ROW_SUM_TOLERANCE) {
      throw new Error(`probs row ${i} sums to ${s}, not 1: pass softmax probabilities, not logits`);
    }
  }
}

/**
 * All classification metrics for one test set.
 * @param yTrue true class per sample (integers 0 … numClasses−1)
 * @param probs N×numClasses row-major class probabilities
 * @param classNames optional names (default "0", "1", …)
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  probs: ArrayLike<number>,
  numClasses: number,
  classNames?: string[],
): ClassificationMetrics {
  const n = yTrue.length;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`numClasses must be ≥ 2, got ${numClasses}`);
  if (n === 0) throw new Error('classificationMetrics: empty test set');
  if (classNames && classNames.length !== numClasses) {
    throw new Error(`classNames has ${classNames.length} names for ${numClasses} classes`);
  }
  validateProbabilities(probs, n, numClasses);
  const names = classNames ? classNames.slice() : Array.from({ length: numClasses }, (_, c) => String(c));

  const yPred = argmaxRows(probs, numClasses);
  const cm = confusionMatrix(yTrue, yPred, numClasses);

  let lossSum = 0;
  const confidence = new Float64Array(n);
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = probs[i * numClasses + yTrue[i]];
    lossSum += -Math.log(Math.max(p, LOSS_EPSILON));
    confidence[i] = probs[i * numClasses + yPred[i]];
    correct[i] = yPred[i] === yTrue[i] ? 1 : 0;
  }

  const perClass: PerClassMetrics[] = [];
  let tpTotal = 0;
  let weightedF1 = 0;
  const column = new Float64Array(n);
  const isPos = new Uint8Array(n);
  for (let c = 0; c < numClasses; c++) {
    const tp = cm[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < numClasses; k++) {
      support += cm[c][k];
      predicted += cm[k][c];
    }
    const fn = support - tp;
    const fp = predicted - tp;
    const tn = n - tp - fn - fp;
    tpTotal += tp;
    const { sensitivity, specificity, precision, f1 } = classRates(tp, fp, fn, tn);
    for (let i = 0; i < n; i++) {
      column[i] = probs[i * numClasses + c];
      isPos[i] = yTrue[i] === c ? 1 : 0;
    }
    const auc = binaryRocAuc(isPos, column);
    if (support > 0) weightedF1 += support * f1;
    perClass.push({
      index: c,
      name: names[c],
      support,
      predicted,
      tp,
      fp,
      fn,
      tn,
      sensitivity,
      specificity,
      precision,
      f1,
      auc,
      neverPredicted: predicted === 0,
    });
  }

  const { ece, bins } = expectedCalibrationError(confidence, correct, ECE_BINS);
  const macroSensitivity = nanMean(perClass.map((m) => m.sensitivity));
  const macroAucClasses = perClass.filter((m) => !Number.isNaN(m.auc)).map((m) => m.index);
  return {
    n,
    numClasses,
    classNames: names,
    accuracy: tpTotal / n,
    loss: lossSum / n,
    balancedAccuracy: macroSensitivity,
    macroSensitivity,
    macroSpecificity: nanMean(perClass.map((m) => m.specificity)),
    macroPrecision: nanMean(perClass.map((m) => m.precision)),
    macroF1: nanMean(perClass.map((m) => m.f1)),
    weightedF1: weightedF1 / n,
    macroAuc: nanMean(perClass.map((m) => m.auc)),
    macroAucClasses,
    auc: numClasses === 2 ? perClass[1].auc : NaN,
    ece,
    eceBins: ECE_BINS,
    reliability: bins,
    confusionMatrix: cm,
    perClass,
  };
}

/** Read a scalar metric by name. */
export function scalarMetric(m: ClassificationMetrics, name: ScalarMetricName): number {
  return m[name];
}

/** One-line human summary with named fields, e.g. for logs. */
export function formatMetrics(m: ClassificationMetrics, digits = 3): string {
  const f = (v: number) => (Number.isNaN(v) ? 'NaN' : v.toFixed(digits));
  return (
    `accuracy=${f(m.accuracy)} balancedAccuracy=${f(m.balancedAccuracy)} macroF1=${f(m.macroF1)} ` +
    `weightedF1=${f(m.weightedF1)} macroAuc=${f(m.macroAuc)} loss=${f(m.loss)} ece=${f(m.ece)} (n=${m.n})`
  );
}
