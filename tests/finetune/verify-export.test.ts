// The cpu export is what the notebooks and the report read, and a fresh clone trains nothing: so an exported record
// must be what the committed code produces. This re-trains one exported cpu config (`npm run grid -- --verify`,
// the cheapest cell: isic-uda1, TL ResNet, baseline, seed 0; about 10 s of CPU) from the committed backbone and the
// shared dataset, and requires its test predictions to equal the export's. Runs on the native backend (the export
// was made there, one thread per process); skips with a printed reason where it or the dataset is missing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeBindingInstalled } from '../../lib/backend/native-build';
import { ROOT } from '../../lib/util/paths';
import { missingDatasets } from '../helpers/datasets';
import { CROSS_CPU_PROB_TOL, sameCpuKernels } from '../helpers/cpu-roundoff';
import { readExport } from '../../lib/finetune/export';

const DATASET = 'isic-uda1';
const haveData = missingDatasets([DATASET]).length === 0;
const native = nativeBindingInstalled();
if (!native || !haveData)
  console.log(
    `[tests] re-run of an exported cpu config skipped: ${!native ? 'native backend not built (npm run native)' : `dataset ${DATASET} not found`}`,
  );

describe.skipIf(!native || !haveData)('a re-run of an exported cpu config', () => {
  it('on the committed code and backbone reproduces its record (same accuracy, same probabilities)', () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(
      tsx,
      [
        path.join(ROOT, 'scripts', 'grid.ts'),
        ...['--profile', 'cpu', '--datasets', DATASET, '--arms', 'tl-resnet', '--controls', 'none'],
        ...['--conditions', 'baseline', '--seeds', '0', '--verify', '1'],
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEDSSL_THREADS: '1' }, maxBuffer: 64 * 2 ** 20 },
    );
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('[verify]'));
    console.log(lines.join('\n'));
    if (r.status !== 0) console.log(r.stdout.slice(-3000), r.stderr.slice(-3000));
    expect(r.status).toBe(0);
    const verdict = lines.find((l) => l.includes(`${DATASET}/tl-resnet/baseline/seed 0`));
    expect(verdict, 'the config is not in the cpu export (or its code version changed)').toBeDefined();
    const rec = readExport('cpu').find(
      (x) =>
        x.config.dataset === DATASET &&
        x.config.arm === 'tl-resnet' &&
        x.config.condition === 'baseline' &&
        x.config.seed === 0,
    );
    if (sameCpuKernels(rec?.backendInfo)) {
      expect(verdict).toMatch(/max \|Δp\| 0\.0e\+0 → identical$/);
    } else {
      const m = /accuracy ([\d.]+) exported vs ([\d.]+) now, max \|Δp\| ([\d.e+-]+) →/.exec(verdict!);
      expect(m, verdict).not.toBeNull();
      expect(m![2]).toBe(m![1]);
      expect(Number(m![3])).toBeLessThanOrEqual(CROSS_CPU_PROB_TOL);
    }
  });
});
