// Every expected value here is worked out by hand in the comments or quoted from a published example (the
// docstring examples of scikit-learn's sklearn.metrics functions, cited per test), never produced by the code
// under test.
import { describe, expect, it } from 'vitest';
import { averageRanks, binaryRocAuc } from '../../lib/metrics/auc';
import { calibrationBin, expectedCalibrationError } from '../../lib/metrics/calibration';
import {
  argmaxRows,
  classificationMetrics,
  confusionMatrix,
  formatMetrics,
  scalarMetric,
} from '../../lib/metrics/classification';

/** Probability rows whose argmax is `pred`: 0.8 on the predicted class, the rest spread evenly. */
function probsFor(pred: number[], numClasses: number, top = 0.8): Float32Array {
  const out = new Float32Array(pred.length * numClasses);
  const rest = (1 - top) / (numClasses - 1);
  pred.forEach((k, i) => {
    for (let c = 0; c < numClasses; c++) out[i * numClasses + c] = c === k ? top : rest;
  });
  return out;
}

describe('confusion matrix and argmax', () => {
  it('matches the sklearn confusion_matrix docstring example (rows = true)', () => {
    // sklearn.metrics.confusion_matrix docs: y_true=[2,0,2,2,0,1], y_pred=[0,0,2,2,0,2]
    //   → [[2,0,0],[0,0,1],[1,0,2]]
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3)).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    const m = classificationMetrics([2, 0, 2, 2, 0, 1], probsFor([0, 0, 2, 2, 0, 2], 3), 3);
    expect(m.confusionMatrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
  });

  it('argmax ties go to the lowest class index', () => {
    expect(Array.from(argmaxRows([0.5, 0.5, 0.2, 0.4, 0.4], 1))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(argmaxRows([0.5, 0.5, 0.3, 0.7, 0.4, 0.4, 0.2, 0.2], 2))).toEqual([0, 1, 0, 0]);
  });

  it('rejects bad labels and logits', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/label/);
    expect(() => classificationMetrics([0, 1], new Float32Array([2.0, -1.0, 0.5, 0.5]), 2)).toThrow();
    expect(() => classificationMetrics([0, 1], new Float32Array([0.7, 0.7, 0.5, 0.5]), 2)).toThrow(/sums/);
    expect(() => classificationMetrics([0, 1], new Float32Array([1, 0]), 2)).toThrow(/N×C/);
    expect(() => classificationMetrics([], new Float32Array([]), 2)).toThrow(/empty/);
  });
});

describe('precision, recall, F1 (sklearn docstring examples)', () => {
  // sklearn.metrics.precision_recall_fscore_support / f1_score / precision_score / recall_score docs:
  // y_true=[0,1,2,0,1,2], y_pred=[0,2,1,0,0,1]
  //   precision macro 0.22…, recall macro 0.33…, f1 macro 0.26…, f1 weighted 0.26…, f1 per class [0.8, 0, 0]
  const yTrue = [0, 1, 2, 0, 1, 2];
  const m = classificationMetrics(yTrue, probsFor([0, 2, 1, 0, 0, 1], 3), 3, ['a', 'b', 'c']);

  it('per-class and averaged values', () => {
    expect(m.perClass.map((c) => c.f1)).toEqual([0.8, 0, 0]);
    expect(m.macroF1).toBeCloseTo(0.8 / 3, 12);
    expect(m.weightedF1).toBeCloseTo(0.8 / 3, 12);
    // precision: class 0 = 2/3 (predicted 3 times, 2 right), class 1 = 0/2, class 2 = 0/1
    expect(m.perClass.map((c) => c.precision)).toEqual([2 / 3, 0, 0]);
    expect(m.macroPrecision).toBeCloseTo(2 / 9, 12);
    expect(m.perClass.map((c) => c.sensitivity)).toEqual([1, 0, 0]);
    expect(m.macroSensitivity).toBeCloseTo(1 / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo(1 / 3, 12);
    expect(m.accuracy).toBeCloseTo(2 / 6, 12);
    expect(m.classNames).toEqual(['a', 'b', 'c']);
    expect(m.perClass[2].name).toBe('c');
  });

  it('specificity by hand', () => {
    // class 0: negatives are samples 1,2,4,5; predicted 0 at sample 4 → TN 3, FP 1 → 3/4
    // class 1: negatives 0,2,3,5; predicted 1 at 2 and 5 → TN 2 → 2/4
    // class 2: negatives 0,1,3,4; predicted 2 at 1 → TN 3 → 3/4
    expect(m.perClass.map((c) => c.specificity)).toEqual([0.75, 0.5, 0.75]);
    expect(m.macroSpecificity).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.map((c) => [c.tp, c.fp, c.fn, c.tn])).toEqual([
      [2, 1, 0, 3],
      [0, 2, 2, 2],
      [0, 1, 2, 3],
    ]);
  });

  it('weighted F1 differs from macro F1 with unequal supports', () => {
    // y_true=[0,0,0,1], y_pred=[0,0,1,1]: class 0 TP2 FP0 FN1 → F1 = 4/5; class 1 TP1 FP1 FN0 → F1 = 2/3
    // macro = (0.8 + 0.6667)/2 = 0.7333; weighted = (3·0.8 + 1·0.6667)/4 = 0.7667
    const w = classificationMetrics([0, 0, 0, 1], probsFor([0, 0, 1, 1], 2), 2);
    expect(w.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(w.perClass[1].f1).toBeCloseTo(2 / 3, 12);
    expect(w.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
    expect(w.weightedF1).toBeCloseTo((3 * 0.8 + 2 / 3) / 4, 12);
  });
});

describe('balanced accuracy and loss', () => {
  it('balanced accuracy: sklearn balanced_accuracy_score docstring example = 0.625', () => {
    // y_true=[0,1,0,0,1,0], y_pred=[0,1,0,0,0,1] → 0.625 (recall 3/4 and 1/2)
    const m = classificationMetrics([0, 1, 0, 0, 1, 0], probsFor([0, 1, 0, 0, 0, 1], 2), 2);
    expect(m.balancedAccuracy).toBeCloseTo(0.625, 12);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
  });

  it('cross-entropy: sklearn log_loss docstring example = 0.21616…', () => {
    // log_loss(["spam","ham","ham","spam"], [[.1,.9],[.9,.1],[.8,.2],[.35,.65]]) = 0.21616…
    // classes sorted: ham = 0, spam = 1. By hand: −(ln .9 + ln .9 + ln .8 + ln .65)/4 = 0.216161…
    const probs = new Float64Array([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]);
    const m = classificationMetrics([1, 0, 0, 1], probs, 2, ['ham', 'spam']);
    expect(m.loss).toBeCloseTo(0.21616, 5);
    expect(m.accuracy).toBe(1);
  });

  it('loss clips a zero probability at 1e-7 instead of returning Infinity', () => {
    const m = classificationMetrics([0], new Float64Array([0, 1]), 2);
    expect(m.loss).toBeCloseTo(-Math.log(1e-7), 9); // 16.118…
  });
});

describe('ROC-AUC', () => {
  it('binary: sklearn roc_auc_score docstring example = 0.75', () => {
    // y=[0,0,1,1], scores=[0.1,0.4,0.35,0.8] → 0.75 (3 of 4 positive/negative pairs ordered right)
    expect(binaryRocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    const probs = new Float64Array([0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8]);
    const m = classificationMetrics([0, 0, 1, 1], probs, 2);
    expect(m.auc).toBeCloseTo(0.75, 12);
    expect(m.perClass[0].auc).toBeCloseTo(0.75, 12);
    expect(m.macroAuc).toBeCloseTo(0.75, 12);
  });

  it('tied scores count one half (Mann–Whitney)', () => {
    // positives score {0.5, 0.9}, negatives {0.5, 0.2}: pairs 0.5/0.5 → ½, 0.5/0.2 → 1, 0.9/0.5 → 1,
    // 0.9/0.2 → 1 → 3.5/4 = 0.875
    expect(binaryRocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    // all scores equal → 0.5
    expect(binaryRocAuc([0, 1, 1, 0, 1], [0.3, 0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
    expect(Array.from(averageRanks([10, 20, 20, 5, 20]))).toEqual([2, 4, 4, 1, 4]);
  });

  it('multi-class one-vs-rest macro AUC by counting pairs', () => {
    // 3 classes, rows are probabilities for classes 0,1,2
    const rows = [
      [0.6, 0.3, 0.1], // y 0
      [0.3, 0.4, 0.3], // y 0
      [0.2, 0.5, 0.3], // y 1
      [0.5, 0.2, 0.3], // y 1
      [0.1, 0.3, 0.6], // y 2
      [0.3, 0.3, 0.4], // y 2
    ];
    const y = [0, 0, 1, 1, 2, 2];
    // class 0: pos {0.6, 0.3}, neg {0.2, 0.5, 0.1, 0.3}: 0.6 beats all 4; 0.3 beats 0.2, 0.1, ties 0.3 (½),
    //          loses to 0.5 → (4 + 2.5)/8 = 0.8125
    // class 1: pos {0.5, 0.2}, neg {0.3, 0.4, 0.3, 0.3}: 0.5 beats 4; 0.2 beats 0 → 4/8 = 0.5
    // class 2: pos {0.6, 0.4}, neg {0.1, 0.3, 0.3, 0.3}: 0.6 beats 4; 0.4 beats 4 → 8/8 = 1
    const m = classificationMetrics(y, new Float64Array(rows.flat()), 3);
    expect(m.perClass.map((c) => c.auc)).toEqual([0.8125, 0.5, 1]);
    expect(m.macroAuc).toBeCloseTo((0.8125 + 0.5 + 1) / 3, 12);
    expect(m.macroAucClasses).toEqual([0, 1, 2]);
    expect(Number.isNaN(m.auc)).toBe(true); // `auc` is the binary positive-class field only
  });
});

describe('expected calibration error (15 equal-width bins)', () => {
  it('bin edges are lower-exclusive, upper-inclusive', () => {
    expect(calibrationBin(1)).toBe(14);
    expect(calibrationBin(0)).toBe(0);
    expect(calibrationBin(1 / 15)).toBe(0);
    expect(calibrationBin(1 / 15 + 1e-12)).toBe(1);
    expect(calibrationBin(0.6)).toBe(8); // 0.6 = 9/15 → bin (8/15, 9/15]
    expect(calibrationBin(0.5)).toBe(7); // 7/15 = 0.467 < 0.5 ≤ 0.533
  });

  it('hand-worked ECE', () => {
    // confidences 0.9 (right), 0.9 (wrong) → bin 13: acc 0.5, conf 0.9, gap 0.4
    // confidences 0.6 (right), 0.55 (right) → bin 8: acc 1, conf 0.575, gap 0.425
    // ECE = 2/4·0.4 + 2/4·0.425 = 0.4125
    const r = expectedCalibrationError([0.9, 0.9, 0.6, 0.55], [1, 0, 1, 1]);
    expect(r.ece).toBeCloseTo(0.4125, 12);
    expect(r.bins).toHaveLength(15);
    expect(r.bins[13].count).toBe(2);
    expect(r.bins[8].count).toBe(2);
    expect(r.bins[8].confidence).toBeCloseTo(0.575, 12);
    // same through classificationMetrics (binary: confidence = max row probability)
    const probs = new Float64Array([0.1, 0.9, 0.9, 0.1, 0.4, 0.6, 0.55, 0.45]);
    const m = classificationMetrics([1, 1, 1, 0], probs, 2);
    expect(m.ece).toBeCloseTo(0.4125, 12);
    expect(m.eceBins).toBe(15);
  });

  it('a perfectly calibrated set has ECE 0', () => {
    // confidence 0.75 on 4 samples, 3 right → acc 0.75 = conf
    const r = expectedCalibrationError([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0]);
    expect(r.ece).toBeCloseTo(0, 12);
  });
});

describe('degenerate cases', () => {
  it('class never predicted: precision 0 (zero_division=0), F1 0, flagged', () => {
    // y_true=[0,0,1,1], y_pred all 0: class 1 never predicted
    const m = classificationMetrics([0, 0, 1, 1], probsFor([0, 0, 0, 0], 2), 2);
    const c1 = m.perClass[1];
    expect(c1.neverPredicted).toBe(true);
    expect(c1.precision).toBe(0);
    expect(c1.f1).toBe(0);
    expect(c1.sensitivity).toBe(0);
    expect(c1.specificity).toBe(1);
    // class 0: precision 2/4, recall 1 → F1 = 2·2/(2·2+2+0) = 2/3
    expect(m.perClass[0].f1).toBeCloseTo(2 / 3, 12);
    expect(m.macroPrecision).toBeCloseTo(0.25, 12);
    expect(m.macroF1).toBeCloseTo(1 / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo(0.5, 12);
    // all scores equal (0.8/0.2 for everyone) → AUC 0.5
    expect(m.auc).toBeCloseTo(0.5, 12);
  });

  it('single class in the test set: AUC is NaN (not omitted), specificity NaN, balanced acc over present class', () => {
    // y_true=[1,1,1], predictions 1,0,1
    const m = classificationMetrics([1, 1, 1], probsFor([1, 0, 1], 2), 2);
    expect(Number.isNaN(m.macroAuc)).toBe(true);
    expect(Number.isNaN(m.auc)).toBe(true);
    expect(m.macroAucClasses).toEqual([]);
    expect(m.perClass.every((c) => Number.isNaN(c.auc))).toBe(true);
    expect(Number.isNaN(m.perClass[0].sensitivity)).toBe(true); // class 0 absent
    expect(Number.isNaN(m.perClass[1].specificity)).toBe(true); // class 1 has no negatives
    expect(m.perClass[1].sensitivity).toBeCloseTo(2 / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo(2 / 3, 12); // mean over the classes present only
    // class 0 absent but predicted once: precision 0/1 = 0, F1 = 0/(0+1+0) = 0
    expect(m.perClass[0].precision).toBe(0);
    expect(m.perClass[0].f1).toBe(0);
    expect(m.accuracy).toBeCloseTo(2 / 3, 12);
    // weighted F1 uses supports (class 0 weight 0): class 1 F1 = 2·2/(4+0+1) = 0.8
    expect(m.weightedF1).toBeCloseTo(0.8, 12);
  });

  it('class absent from the test set and never predicted: NaN precision/F1/sensitivity/AUC, left out of macros', () => {
    const m = classificationMetrics([0, 1, 0, 1], probsFor([0, 1, 1, 1], 3), 3);
    const c2 = m.perClass[2];
    expect(c2.support).toBe(0);
    expect(c2.predicted).toBe(0);
    expect(Number.isNaN(c2.precision)).toBe(true);
    expect(Number.isNaN(c2.f1)).toBe(true);
    expect(Number.isNaN(c2.sensitivity)).toBe(true);
    expect(Number.isNaN(c2.auc)).toBe(true);
    expect(c2.specificity).toBe(1);
    // classes 0 and 1: recall 1/2 and 1 → balanced 0.75; precision 1 and 2/3 → macro 5/6
    expect(m.balancedAccuracy).toBeCloseTo(0.75, 12);
    expect(m.macroPrecision).toBeCloseTo(5 / 6, 12);
    expect(m.macroAucClasses).toEqual([0, 1]);
  });

  it('scalar metrics by name and a one-line summary with names', () => {
    const m = classificationMetrics([0, 1], probsFor([0, 1], 2), 2);
    expect(scalarMetric(m, 'accuracy')).toBe(1);
    expect(scalarMetric(m, 'macroAuc')).toBe(1);
    expect(formatMetrics(m)).toMatch(/^accuracy=1\.000 balancedAccuracy=1\.000 .*macroAuc=1\.000/);
  });
});
