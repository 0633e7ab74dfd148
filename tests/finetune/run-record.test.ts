import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../lib/metrics/classification';
import { metricsFromJson, readRunsDir, recordFromJson, writeRun } from '../../lib/finetune/run-record';
import { readExportFile } from '../../lib/finetune/export';
import { ROOT } from '../../lib/util/paths';
import { record } from '../helpers/run-records';
import { tmpDirsRemovedAfterEach } from '../helpers/tmp-dirs';

const tmpDir = tmpDirsRemovedAfterEach('run-record');

// 3 classes, class 2 absent from the test set: the positive-class AUC and class 2's sensitivity and AUC are NaN.
const labels = [0, 0, 1, 1, 0];
const probs = [0.7, 0.2, 0.1, 0.3, 0.5, 0.2, 0.1, 0.8, 0.1, 0.2, 0.1, 0.7, 0.6, 0.3, 0.1];

describe('run records read back with typed metrics', () => {
  it('metrics survive JSON: the nulls JSON writes for NaN come back as NaN, everything else equal', () => {
    const m = classificationMetrics(labels, probs, 3, ['a', 'b', 'c']);
    expect(Number.isNaN(m.auc) && Number.isNaN(m.perClass[2].sensitivity)).toBe(true);
    const raw = JSON.parse(JSON.stringify(m));
    expect(raw.auc).toBeNull();
    const back = metricsFromJson(raw, 'f.json');
    expect(Number.isNaN(back.auc)).toBe(true);
    expect(Number.isNaN(back.perClass[2].auc)).toBe(true);
    expect(back).toEqual(m); // toEqual counts NaN equal to NaN
  });

  it("metrics that are not lib/metrics' are an error naming the file and the field", () => {
    const m = JSON.parse(JSON.stringify(classificationMetrics(labels, probs, 3)));
    expect(() => metricsFromJson({ ...m, balancedAccuracy: '0.5' }, 'f.json')).toThrow(
      'f.json: test.metrics.balancedAccuracy is "0.5", not a number',
    );
    const { macroF1: _drop, ...noF1 } = m;
    expect(() => metricsFromJson(noF1, 'f.json')).toThrow('f.json: test.metrics.macroF1 is missing');
    expect(() => metricsFromJson({ ...m, perClass: m.perClass.slice(1) }, 'f.json')).toThrow(
      /perClass has 2 entries, numClasses is 3/,
    );
    expect(() => metricsFromJson({ accuracy: 1 }, 'f.json')).toThrow(/f\.json: test\.metrics\.n is missing/);
  });

  it('runs/: a record with broken metrics is skipped and named; a good one reads back with NaN restored', () => {
    const dir = tmpDir();
    const good = record({ dataset: 'busi', arm: 'tl', classNames: ['a', 'b', 'c'], labels, preds: [0, 1, 1, 1, 0] });
    const bad = record({ dataset: 'busi', arm: 'ssl', classNames: ['a', 'b', 'c'], labels, preds: [0, 0, 1, 1, 0] });
    writeRun(good, dir);
    const badFile = writeRun(bad, dir);
    const j = JSON.parse(fs.readFileSync(badFile, 'utf8'));
    delete j.test.metrics.accuracy;
    fs.writeFileSync(badFile, JSON.stringify(j));
    const skipped: string[] = [];
    const read = readRunsDir(dir, (f, why) => skipped.push(`${path.basename(f)}: ${why}`));
    expect(read.map((r) => r.configHash)).toEqual([good.configHash]);
    expect(Number.isNaN(read[0].test.metrics.auc)).toBe(true);
    expect(read[0].test.metrics.accuracy).toBe(0.8);
    expect(skipped).toEqual([`${bad.configHash}.json: test.metrics.accuracy is missing`]);
  });

  it('a record without test results is an error naming where it came from', () => {
    expect(() => recordFromJson({} as never, 'x.json: run 3')).toThrow('x.json: run 3: record has no test results');
  });

  it("the committed cpu export (records made before the check) reads back; its accuracies are its predictions'", () => {
    const file = path.join(ROOT, 'paper', 'results', 'finetune-cpu.json');
    expect(fs.existsSync(file), `${file} is committed; without it this test has nothing to read`).toBe(true);
    const runs = readExportFile(file);
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      const m = r.test.metrics;
      expect(m.numClasses).toBe(r.dataset.classNames.length);
      // multi-class sets have no positive-class AUC: null on disk, NaN in memory
      if (m.numClasses > 2) expect(Number.isNaN(m.auc)).toBe(true);
      // the export rounds probabilities to 4 decimals: a row whose top two round to a tie may have flipped
      const n = r.test.labels.length;
      const top = r.test.probs.map((row) => Math.max(...row));
      const tied = r.test.probs.filter((row, i) => row.filter((v) => v === top[i]).length > 1).length;
      const right = r.test.probs.filter((row, i) => row.indexOf(top[i]) === r.test.labels[i]).length;
      expect(Math.abs(m.accuracy * n - right)).toBeLessThanOrEqual(tied + 1e-9);
    }
  });
});
