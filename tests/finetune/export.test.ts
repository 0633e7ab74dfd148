import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { exportedRun, exportPath, readExport } from '../../lib/finetune/export';
import { runHash } from '../../lib/finetune/run-record';

// The committed smoke export is what a fresh clone's `npm run reproduce -- --profile smoke` reuses.
const haveExport = fs.existsSync(exportPath('smoke'));

describe.skipIf(!haveExport)('exported reference runs as a cache', () => {
  it('finds an exported record by its exact config, and nothing for a changed config', () => {
    const recs = readExport('smoke');
    expect(recs.length).toBeGreaterThan(0);
    const r = recs[recs.length - 1];
    const hit = exportedRun(r.config);
    expect(hit?.configHash).toBe(runHash(r.config));
    expect(hit?.test.probs.length).toBe(r.test.probs.length);
    expect(exportedRun({ ...r.config, seed: r.config.seed + 1000 })).toBeUndefined();
    expect(exportedRun({ ...r.config, profile: 'no-such-profile' })).toBeUndefined();
  });
});
